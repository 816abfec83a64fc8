-- The staged rows of a batch of event files (temp table event_rows: file,
-- kind, event_time, d the EventBridge detail, r a CloudTrail record) into the
-- event tables, each under its file's id (temp table event_files: path,
-- file_id). Values arrive as text; a value that does not convert fails the
-- load, and the broken record is then found and named.

-- ECS task state changes: the service is `group` without `service:` (else the
-- task definition family); CPU units are the task's, else its containers' sum.
INSERT INTO ecs_task_events
SELECT f.file_id, d.taskArn, d.clusterArn, d.containerInstanceArn,
       COALESCE(NULLIF(regexp_replace(d."group", '^service:', ''), d."group"),
                regexp_extract(d.taskDefinitionArn, 'task-definition/([^:]+)', 1)),
       COALESCE(TRY_CAST(d.cpu AS INTEGER), list_sum(list_transform(d.containers, lambda c: TRY_CAST(c.cpu AS INTEGER)))),
       COALESCE(TRY_CAST(d.memory AS INTEGER), list_sum(list_transform(d.containers, lambda c: TRY_CAST(c.memory AS INTEGER)))),
       d.launchType, d.lastStatus, CAST(d.startedAt AS TIMESTAMP), CAST(d.stoppedAt AS TIMESTAMP),
       CAST(d.version AS BIGINT), TRY_CAST(event_time AS TIMESTAMP)
FROM event_rows e JOIN event_files f ON f.path = e.file
WHERE kind = 'ECS Task State Change' AND d.taskArn IS NOT NULL;

-- ECS container instance state changes: the EC2 instance and its registered CPU and memory.
INSERT INTO ecs_instance_events
SELECT f.file_id, d.containerInstanceArn, d.clusterArn, d.ec2InstanceId,
       CAST(list_filter(d.registeredResources, lambda x: x.name = 'CPU')[1].integerValue AS INTEGER),
       CAST(list_filter(d.registeredResources, lambda x: x.name = 'MEMORY')[1].integerValue AS INTEGER),
       CAST(d.version AS BIGINT), TRY_CAST(event_time AS TIMESTAMP)
FROM event_rows e JOIN event_files f ON f.path = e.file
WHERE kind = 'ECS Container Instance State Change' AND d.containerInstanceArn IS NOT NULL;

-- EBS attach and detach calls; a failed call (errorCode) changed nothing. The
-- call's parameters are JSON text (their shape differs from call to call).
INSERT INTO ebs_volume_events
SELECT file_id, eventID, eventName, CAST(eventTime AS TIMESTAMP), volume_id, instance_id
FROM (SELECT f.file_id, r.eventID, r.eventName, r.eventTime,
             COALESCE(json_extract_string(r.requestParameters, '$.volumeId'),
                      json_extract_string(r.responseElements, '$.volumeId')) AS volume_id,
             COALESCE(json_extract_string(r.requestParameters, '$.instanceId'),
                      json_extract_string(r.responseElements, '$.instanceId')) AS instance_id
      FROM event_rows e JOIN event_files f ON f.path = e.file
      WHERE r.eventName IN ('AttachVolume', 'DetachVolume') AND r.errorCode IS NULL)
WHERE volume_id IS NOT NULL;
