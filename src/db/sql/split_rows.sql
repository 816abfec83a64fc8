-- The split cost allocation rows of one billing export, staged for
-- scad_inserts.sql: grouped as line_inserts.sql groups lines ({reader},
-- {filter}, {groups}, {timed}), then {values} per task, interval and usage type.
CREATE OR REPLACE TEMP TABLE split_rows AS
SELECT {values}, line_count
FROM (SELECT {groups}, count(*) AS line_count
      FROM (SELECT *, {timed} AS ap_timed FROM {reader} WHERE {filter})
      GROUP BY ALL)
