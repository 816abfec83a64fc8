-- The identities ({key}: a line's own id where the export has one, else the
-- whole line) of 1000 lines of one billing export ({reader}, the lines passing
-- {filter}), run by the engine that reads the export: its first lines, or,
-- where that engine reads a file's parts in any order, the smallest ({order}).
SELECT {key} AS k FROM {reader} WHERE {filter} {order} LIMIT 1000
