-- (task id, EC2 instance) of the tasks whose container instance is known.
SELECT DISTINCT regexp_extract(t.task_arn, '([^/]+)$', 1), i.ec2_instance_id
FROM ecs_task_events t
JOIN ecs_instance_events i
  ON regexp_extract(i.container_instance_arn, '([^/]+)$', 1) = regexp_extract(t.container_instance_arn, '([^/]+)$', 1)
ORDER BY ALL
