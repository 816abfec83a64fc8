-- Stage one of loading a billing export, run by the engine that reads it
-- (DuckDB here, or Spark where the export lies): the export's lines ({reader},
-- those passing {filter}) grouped by the raw text of every column the load
-- uses ({groups}: group keys, then sums), so lines that need no hour-by-hour
-- attribution become one row per day; EC2 instance and EBS volume lines
-- ({timed}) keep their own hour. Parsing is where a load spends its time.
SELECT {groups}, count(*) AS line_count
FROM (SELECT *, {timed} AS ap_timed FROM {reader} WHERE {filter})
GROUP BY ALL
