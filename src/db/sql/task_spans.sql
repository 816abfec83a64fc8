-- Bring the spans of the tasks a sync touched (temp table sync_tasks) up to
-- date. Without a replaced event file (sync_replaced_events empty), a task's span
-- already stands for every older event, so only the sync's new events
-- (files in sync_loaded) compete with it; otherwise the task is derived
-- again from all its events.
CREATE OR REPLACE TEMP TABLE sync_span_events AS
SELECT task_arn, container_instance_arn, service, cluster_arn, cpu_units, memory_mb, started_at, stopped_at,
       version, event_time, last_status
FROM ecs_task_spans
WHERE task_arn IN (SELECT task_arn FROM sync_tasks) AND NOT EXISTS (SELECT 1 FROM sync_replaced_events)
UNION ALL
SELECT task_arn, container_instance_arn, service, cluster_arn, cpu_units, memory_mb, started_at, stopped_at,
       version, event_time, last_status
FROM ecs_task_events
WHERE CASE WHEN EXISTS (SELECT 1 FROM sync_replaced_events) THEN task_arn IN (SELECT task_arn FROM sync_tasks)
           ELSE file_id IN (SELECT file_id FROM sync_loaded) END;

DELETE FROM ecs_task_spans WHERE task_arn IN (SELECT task_arn FROM sync_tasks);

INSERT INTO ecs_task_spans
SELECT task_arn, regexp_extract(e.container_instance_arn, '([^/]+)$', 1), e.container_instance_arn, e.service,
       e.cluster_arn, e.cpu_units, e.memory_mb, e.started_at, e.stopped_at, e.version, e.event_time, e.last_status,
       ap_span_print(task_arn, regexp_extract(e.container_instance_arn, '([^/]+)$', 1), e.service, e.cluster_arn,
                     e.cpu_units, e.memory_mb, e.started_at, e.stopped_at)
FROM (SELECT task_arn,
             arg_max({'container_instance_arn': container_instance_arn, 'service': service, 'cluster_arn': cluster_arn,
                      'cpu_units': cpu_units, 'memory_mb': memory_mb, 'started_at': started_at, 'stopped_at': stopped_at,
                      'version': version, 'event_time': event_time, 'last_status': last_status},
                     ap_event_order(version, event_time, stopped_at, started_at, last_status, cpu_units, memory_mb,
                                    container_instance_arn, service)) AS e
      FROM sync_span_events GROUP BY task_arn);
