-- The children of a drill-down path in a month with their cost in the month
-- before; bound: the month (YYYY-MM) and the path's values, then the month
-- before and the values again. {key} is the level's column, {filter} one
-- ` AND column = ?` per path step, {cost} the cost column, {row_limit} the
-- most rows shown.
WITH cur AS (SELECT {key} AS name, bool_or(is_service) AS svc, sum({cost}) AS cost FROM explore_cells
             WHERE billing_period = strptime(?, '%Y-%m')::DATE {filter} GROUP BY 1),
     prev AS (SELECT {key} AS name, sum({cost}) AS cost FROM explore_cells
              WHERE billing_period = strptime(?, '%Y-%m')::DATE {filter} GROUP BY 1)
SELECT cur.name, cur.svc, cur.cost, COALESCE(prev.cost, 0)
FROM cur LEFT JOIN prev USING (name)
ORDER BY cur.cost DESC, cur.name
LIMIT {row_limit}
