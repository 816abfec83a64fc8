-- Where each run attributed its months: 'duckdb' (here) or 'spark', and the
-- warehouse an engine kept its inputs and results in (NULL here).
ALTER TABLE attribution_runs ADD COLUMN engine VARCHAR DEFAULT 'duckdb';
ALTER TABLE attribution_runs ADD COLUMN warehouse VARCHAR;
UPDATE attribution_runs SET engine = 'duckdb' WHERE engine IS NULL;
