-- Payer × month pairs a sync would count twice: lines from more than one
-- format, or from more than one DBR file, among the files in sync_held.
SELECT b.payer_account, strftime(b.billing_period, '%Y-%m'),
       string_agg(DISTINCT f.format || ' ' || f.path, ', ' ORDER BY f.format || ' ' || f.path)
FROM (SELECT DISTINCT file_id, payer_account, billing_period, source_format FROM billing_lines
      WHERE file_id IN (SELECT file_id FROM sync_held)) b
JOIN source_files f USING (file_id)
GROUP BY ALL
HAVING count(DISTINCT b.source_format) > 1
    OR count(DISTINCT b.file_id) FILTER (WHERE b.source_format = 'dbr') > 1
ORDER BY ALL
