-- What each file of sync_summary contributed: months, export lines, the
-- unblended total, currencies, lines dated outside their billing period, and
-- split cost allocation rows (weights, not money).
SELECT s.file_id,
       COALESCE(list(DISTINCT strftime(b.billing_period, '%Y-%m') ORDER BY strftime(b.billing_period, '%Y-%m'))
                FILTER (WHERE b.file_id IS NOT NULL), []),
       CAST(COALESCE(sum(b.line_count), 0) AS BIGINT),
       COALESCE(sum(b.unblended_cost), 0),
       COALESCE(list(DISTINCT COALESCE(b.currency, 'USD') ORDER BY COALESCE(b.currency, 'USD'))
                FILTER (WHERE b.file_id IS NOT NULL), []),
       CAST(COALESCE(sum(b.line_count) FILTER (WHERE b.usage_start < b.billing_period
                           OR b.usage_start >= b.billing_period + INTERVAL 1 MONTH), 0) AS BIGINT),
       CAST(COALESCE(any_value(sp.rows), 0) AS BIGINT)
FROM sync_summary s LEFT JOIN billing_lines b ON b.file_id = s.file_id
LEFT JOIN (SELECT file_id, sum(line_count) AS rows FROM scad_splits GROUP BY file_id) sp ON sp.file_id = s.file_id
GROUP BY s.file_id ORDER BY s.file_id
