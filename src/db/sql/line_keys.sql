-- The identities of a billing export's first lines ({sample}: rows of k, from
-- line_key_sample.sql, here or as another engine wrote them), to find the
-- same lines arriving in two files of one sync. ?1 is the file id.
INSERT INTO sync_line_keys
SELECT CAST(?1 AS BIGINT), k
FROM {sample}
WHERE k IS NOT NULL
