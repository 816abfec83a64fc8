-- Cost and volume per month for each business metric (?1: one metric, or
-- NULL for all); a metric of an area is matched with that area's cost.
-- {cost} is the cost column.
WITH m AS (SELECT month, metric, area, sum(value) AS volume FROM business_metrics
           WHERE ?1 IS NULL OR metric = ?1 GROUP BY ALL),
     c AS (SELECT billing_period, area, sum({cost}) AS cost FROM explore_cells GROUP BY ALL)
SELECT strftime(m.month, '%Y-%m'), m.metric, m.area,
       COALESCE((SELECT sum(c.cost) FROM c WHERE c.billing_period = m.month
                 AND (m.area IS NULL OR c.area = m.area)), 0),
       m.volume
FROM m ORDER BY m.metric, m.area NULLS FIRST, m.month
