-- An event file or service map synced again under the same path replaces what
-- its earlier version loaded (events are deduplicated anyway): the earlier
-- versions (sync_replaced), the tasks whose events change (sync_tasks, whose
-- spans are computed again), then their rows go. Files of this sync: temp
-- tables sync_loaded and sync_held (loaded or kept unchanged).
CREATE OR REPLACE TEMP TABLE sync_replaced AS
SELECT old.file_id FROM source_files old JOIN source_files new ON old.path = new.path
WHERE new.file_id IN (SELECT file_id FROM sync_loaded)
  AND old.file_id NOT IN (SELECT file_id FROM sync_held);
CREATE OR REPLACE TEMP TABLE sync_replaced_events AS
SELECT DISTINCT file_id FROM ecs_task_events WHERE file_id IN (SELECT file_id FROM sync_replaced);
CREATE OR REPLACE TEMP TABLE sync_tasks AS
SELECT DISTINCT task_arn FROM ecs_task_events
WHERE file_id IN (SELECT file_id FROM sync_loaded UNION ALL SELECT file_id FROM sync_replaced);
-- Every table of non-billing files (each with a file_id; unused_files.sql lists them too).
DELETE FROM ecs_task_events WHERE file_id IN (SELECT file_id FROM sync_replaced);
DELETE FROM ecs_instance_events WHERE file_id IN (SELECT file_id FROM sync_replaced);
DELETE FROM ebs_volume_events WHERE file_id IN (SELECT file_id FROM sync_replaced);
DELETE FROM service_map WHERE file_id IN (SELECT file_id FROM sync_replaced);
DELETE FROM business_metrics WHERE file_id IN (SELECT file_id FROM sync_replaced);
