-- The identities ({key}: a line's own id where the export has one, else the
-- whole line) of the first 1000 lines of one billing export ({reader}, the lines
-- passing {filter}), to find the same lines arriving in two files of one sync.
-- ?1 is the file id.
INSERT INTO sync_line_keys
SELECT CAST(?1 AS BIGINT), k
FROM (SELECT {key} AS k FROM {reader} WHERE {filter} LIMIT 1000)
WHERE k IS NOT NULL
