-- The (payer account, month) pairs the files loaded by this sync (temp table
-- sync_loaded) touched: what they replace.
CREATE OR REPLACE TEMP TABLE sync_keys AS
SELECT DISTINCT payer_account, billing_period FROM billing_lines
WHERE file_id IN (SELECT file_id FROM sync_loaded)
UNION
SELECT DISTINCT payer_account, billing_period FROM scad_splits
WHERE file_id IN (SELECT file_id FROM sync_loaded)
UNION
SELECT DISTINCT payer_account, billing_period FROM statement_totals
WHERE file_id IN (SELECT file_id FROM sync_loaded);
