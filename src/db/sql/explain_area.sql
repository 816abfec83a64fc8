-- How one area's dollars of one month came to it, by kind of flow:
--   direct    attributed to it before any split, by method (what it followed aside)
--   followed  discounts, credits, refunds and commitments that followed its usage, by charge
--   received  moved to it by a split, by split and the area it came from
--   before    what it had before any split (direct and followed)
--   given     moved away from it by a split, by split and the area it went to
-- Parameters: ?1 the month (YYYY-MM), ?2 the area; {method_*} as in attribute.sql.
WITH month AS (SELECT * FROM allocations WHERE billing_period = strptime(?1, '%Y-%m')::DATE)
SELECT kind, how, other, sum(unblended_cost) AS u, sum(amortized_cost) AS a
FROM (SELECT CASE WHEN method = {method_follow} THEN 'followed' ELSE 'direct' END AS kind,
             method AS how,
             CASE WHEN method = {method_follow} THEN charge ELSE '' END AS other, unblended_cost, amortized_cost
      FROM month WHERE direct_area = ?2 AND area = ?2 AND NOT starts_with(method, {method_split})
      UNION ALL
      SELECT 'received', method, direct_area, unblended_cost, amortized_cost
      FROM month WHERE area = ?2 AND starts_with(method, {method_split})
      UNION ALL
      SELECT 'given', method, area, -unblended_cost, -amortized_cost
      FROM month WHERE direct_area = ?2 AND area <> ?2
      UNION ALL
      SELECT 'before', '', '', unblended_cost, amortized_cost
      FROM month WHERE direct_area = ?2)
GROUP BY kind, how, other
ORDER BY CASE kind WHEN 'direct' THEN 1 WHEN 'followed' THEN 2 WHEN 'before' THEN 3 WHEN 'received' THEN 4 ELSE 5 END,
         abs(sum(unblended_cost)) DESC, how, other;
