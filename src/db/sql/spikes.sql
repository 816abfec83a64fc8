-- Month-over-month changes per product area × AWS product, largest first,
-- with the three resources or services that changed most. ?1 the month,
-- ?2 the month before, ?3 the days compared (an open month is compared day
-- for day), ?4 the smallest change shown. {cost} is the cost column.
WITH cur AS (SELECT area, product, CASE WHEN service <> '' THEN service ELSE resource END AS driver, sum({cost}) AS c
             FROM allocations WHERE billing_period = strptime(?1, '%Y-%m')::DATE GROUP BY ALL),
     prev AS (SELECT area, product, CASE WHEN service <> '' THEN service ELSE resource END AS driver, sum({cost}) AS c
              FROM allocations WHERE billing_period = strptime(?2, '%Y-%m')::DATE
                AND day(usage_date) <= ?3 GROUP BY ALL),
     joined AS (SELECT COALESCE(cur.area, prev.area) AS area, COALESCE(cur.product, prev.product) AS product,
                       COALESCE(cur.driver, prev.driver) AS driver,
                       COALESCE(cur.c, 0) AS c, COALESCE(prev.c, 0) AS p
                FROM cur FULL JOIN prev USING (area, product, driver))
SELECT area, product, sum(c), sum(p),
       list({'d': driver, 'delta': CAST(c - p AS VARCHAR)} ORDER BY abs(c - p) DESC, driver)[1:3]
FROM joined GROUP BY area, product
HAVING abs(sum(c) - sum(p)) >= ?4
ORDER BY abs(sum(c) - sum(p)) DESC, area, product
