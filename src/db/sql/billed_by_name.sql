-- Unblended dollars billed to each name of temp table tf_names (as the short
-- resource id or the id as billed), over all months.
SELECT n.name, sum(b.unblended_cost)
FROM (SELECT DISTINCT name FROM tf_names) n
JOIN billing_lines b ON b.resource_short = n.name OR b.resource_id = n.name
GROUP BY n.name
