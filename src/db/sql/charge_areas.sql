-- The areas one kind of charge went to in a month, largest first: what each
-- got directly and what by a split. ?1 the month (YYYY-MM), ?2 the charge;
-- cost is the measure's column.
SELECT area,
       COALESCE(sum({cost}) FILTER (WHERE NOT starts_with(method, {method_split})), 0),
       COALESCE(sum({cost}) FILTER (WHERE starts_with(method, {method_split})), 0)
FROM allocations
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND charge = ?2
GROUP BY area
ORDER BY abs(sum({cost})) DESC, area
