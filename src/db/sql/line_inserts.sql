-- The lines of one billing export into billing_lines, as ingest describes its
-- format. Stage one reads the file ({reader}, the lines passing {filter}) and
-- groups them by the raw text of every column used ({groups}: group keys, then
-- sums), so lines that need no hour-by-hour attribution become one row per
-- day; EC2 instance and EBS volume lines ({timed}) keep their own hour. Stage
-- two parses and normalizes the grouped rows ({values}) into {columns}.
-- ?1 is the file id.
INSERT INTO billing_lines (file_id, {columns}, line_count)
SELECT CAST(?1 AS BIGINT), {values}, line_count
FROM (SELECT {groups}, count(*) AS line_count
      FROM (SELECT *, {timed} AS ap_timed FROM {reader} WHERE {filter})
      GROUP BY ALL)
