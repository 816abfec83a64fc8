-- Cost and volume per month for each business metric (?1: one metric, or
-- NULL for all); a metric of an area is matched with that area's cost.
-- ?2: one area (or NULL): its cost against the metric's volume for that
-- area, else the metric's whole volume. cost is the cost column; cells
-- the (billing_period, area, cost) rows costs come from: the explorer's
-- cells for fully loaded costs (after splits), the allocations by the area
-- before any split for direct ones.
WITH m AS (SELECT month, metric, COALESCE(?2, area) AS area, sum(value) AS volume
           FROM business_metrics b
           WHERE (?1 IS NULL OR metric = ?1)
             AND (?2 IS NULL OR area = ?2
                  OR (area IS NULL AND NOT EXISTS (SELECT 1 FROM business_metrics o
                                                   WHERE o.metric = b.metric AND o.area = ?2)))
           GROUP BY ALL),
     c AS (SELECT billing_period, area, sum(cost) AS cost FROM ({cells}) GROUP BY ALL)
SELECT strftime(m.month, '%Y-%m'), m.metric, m.area,
       COALESCE((SELECT sum(c.cost) FROM c WHERE c.billing_period = m.month
                 AND (m.area IS NULL OR c.area = m.area)), 0),
       m.volume
FROM m ORDER BY m.metric, m.area NULLS FIRST, m.month
