-- The total rows of one export into statement_totals, grouped as its lines
-- are ({grouped}, see line_inserts.sql): {columns} are the statement_totals
-- columns the format's expressions ({values}) fill. ?1 is the file id.
INSERT INTO statement_totals (file_id, {columns}, line_count)
SELECT CAST(?1 AS BIGINT), {values}, line_count
FROM {grouped}
