-- The lines of one billing export into billing_lines, as ingest describes its
-- format: stage two parses and normalizes the grouped rows ({grouped}, stage
-- one of export_groups.sql, here or as another engine wrote it) with the
-- format's expressions ({values}) into {columns}. ?1 is the file id.
INSERT INTO billing_lines (file_id, {columns}, line_count)
SELECT CAST(?1 AS BIGINT), {values}, line_count
FROM {grouped}
