-- Daily anomalies of month ?1: a day of an area × AWS product above its
-- trailing 14-day mean by 3 standard deviations and by at least ?2 / 10
-- dollars. Only the month and the one before are read. {cost} is the cost column.
WITH daily AS (SELECT usage_date, area, product, sum({cost}) AS c FROM explore_days
               WHERE billing_period BETWEEN strptime(?1, '%Y-%m')::DATE - INTERVAL 1 MONTH
                                        AND strptime(?1, '%Y-%m')::DATE
               GROUP BY ALL),
     scored AS (SELECT *, avg(c) OVER w AS mean, stddev_samp(c) OVER w AS sd, count(*) OVER w AS n
                FROM daily
                WINDOW w AS (PARTITION BY area, product ORDER BY usage_date
                             ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING))
SELECT strftime(usage_date, '%Y-%m-%d'), area, product, c, CAST(mean AS DECIMAL(38, 10)) FROM scored
WHERE n >= 7 AND c > mean + 3 * COALESCE(sd, 0) AND c - mean >= ?2 / 10
  AND strftime(usage_date, '%Y-%m') = ?1
ORDER BY c - mean DESC, usage_date, area, product LIMIT 20
