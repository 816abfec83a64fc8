-- Files none of whose rows are left (all replaced by later deliveries) are
-- forgotten, so syncing one again loads it; files of this sync (temp table
-- sync_held) stay. Every table with a file_id (replaced_files.sql deletes
-- from those of non-billing files).
DELETE FROM source_files
WHERE file_id NOT IN (SELECT file_id FROM billing_lines UNION SELECT file_id FROM scad_splits
                      UNION SELECT file_id FROM statement_totals
                      UNION SELECT file_id FROM ecs_task_events UNION SELECT file_id FROM ecs_instance_events
                      UNION SELECT file_id FROM ebs_volume_events UNION SELECT file_id FROM service_map
                      UNION SELECT file_id FROM business_metrics)
  AND file_id NOT IN (SELECT file_id FROM sync_held);
