-- Counts of each event kind among the rows of an event file (temp table
-- event_rows, see event_rows.sql), and of CloudTrail log files (rows of that
-- kind without a record) however few attach calls they hold.
SELECT count(*) FILTER (WHERE kind = 'ECS Task State Change'),
       count(*) FILTER (WHERE kind = 'ECS Container Instance State Change'),
       count(*) FILTER (WHERE r.eventName IN ('AttachVolume', 'DetachVolume')),
       count(*) FILTER (WHERE kind = 'CloudTrail log file' AND r IS NULL)
FROM event_rows
