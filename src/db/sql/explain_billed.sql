-- Resource ?2 (id as billed, or its short form) in month ?1 (YYYY-MM): its id,
-- short id, lines and unblended dollars; no row when it has no line there.
SELECT any_value(resource_id), any_value(resource_short), CAST(sum(line_count) AS BIGINT), sum(unblended_cost)
FROM billing_lines
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND (resource_id = ?2 OR resource_short = ?2)
HAVING count(*) > 0
