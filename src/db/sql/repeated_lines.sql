-- Two files of this sync that carry the same line items (temp table
-- sync_line_keys, see line_keys.sql) for one payer and period: the payer, the
-- period and both paths.
WITH owners AS (SELECT DISTINCT file_id, payer_account, billing_period FROM billing_lines
                WHERE file_id IN (SELECT file_id FROM sync_line_keys))
SELECT o1.payer_account, strftime(o1.billing_period, '%Y-%m'), f1.path || ', ' || f2.path
FROM sync_line_keys k1
JOIN sync_line_keys k2 ON k2.k = k1.k AND k2.file_id > k1.file_id
JOIN owners o1 ON o1.file_id = k1.file_id
JOIN owners o2 ON o2.file_id = k2.file_id
               AND o2.payer_account = o1.payer_account AND o2.billing_period = o1.billing_period
JOIN source_files f1 ON f1.file_id = k1.file_id
JOIN source_files f2 ON f2.file_id = k2.file_id
ORDER BY ALL LIMIT 1
