-- Cost per day of a month (bound three times, YYYY-MM) under a drill-down path
-- ({filter}: one ` AND column = ?` per step), days without cost 0; {cost} is the cost column.
WITH days AS (SELECT unnest(range(strptime(?, '%Y-%m')::DATE, (strptime(?, '%Y-%m') + INTERVAL 1 MONTH)::DATE, INTERVAL 1 DAY))::DATE AS d)
SELECT CAST(COALESCE(sum(a.{cost}), 0) AS DOUBLE)
FROM days LEFT JOIN explore_days a
  ON a.usage_date = days.d AND a.billing_period = strptime(?, '%Y-%m')::DATE {filter}
GROUP BY days.d
ORDER BY days.d
