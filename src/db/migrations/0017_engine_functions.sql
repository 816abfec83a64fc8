-- The engine seam (docs/spark.md): what the shared statements compute the
-- same way on DuckDB and on Spark, called by name; each engine defines the
-- names its own way. These are DuckDB's spellings, and db/dialect.rs's
-- `Dialect::DuckDb` fragments word for word (a unit test holds them equal);
-- Spark's are its `spark_functions()`.
-- A DOUBLE as an exact decimal, rounded as DuckDB's cast rounds it: weights
-- (9 places), money (10) and shares (18).
CREATE MACRO ap_weight_of(x) AS CAST(x AS DECIMAL(38, 9));
CREATE MACRO ap_money_of(x) AS CAST(x AS DECIMAL(38, 10));
CREATE MACRO ap_share_of(x) AS CAST(x AS DECIMAL(38, 18));
-- Seconds from one timestamp to another, to the microsecond, as a DOUBLE.
CREATE MACRO ap_seconds(t0, t1) AS epoch((t1) - (t0));
