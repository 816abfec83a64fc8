-- The identities ({key}: a line's own id where the export has one, else the
-- whole line) of the first 1000 lines of one billing export ({reader}, the
-- lines passing {filter}), run by the engine that reads the export.
SELECT {key} AS k FROM {reader} WHERE {filter} LIMIT 1000
