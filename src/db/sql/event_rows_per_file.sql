-- Rows each file of an event batch (temp table event_files) added to the event tables.
SELECT f.file_id, count(e.file_id)
FROM event_files f
LEFT JOIN (SELECT file_id FROM ecs_task_events UNION ALL SELECT file_id FROM ecs_instance_events
           UNION ALL SELECT file_id FROM ebs_volume_events) e
       ON e.file_id = f.file_id
GROUP BY f.file_id
