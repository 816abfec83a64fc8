-- The split cost allocation rows of one billing export, staged for
-- scad_inserts.sql: grouped as line_inserts.sql's lines are ({grouped}), then
-- {values} per task, interval and usage type.
CREATE OR REPLACE TEMP TABLE split_rows AS
SELECT {values}, line_count
FROM {grouped}
