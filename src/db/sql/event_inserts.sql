-- The staged rows of one event file (temp table event_rows: kind, event_time,
-- d the EventBridge detail, r a CloudTrail record) into the event tables,
-- for the file id bound to `?`. Values arrive as text; a value that does not
-- convert fails the load, and the file's broken record is then found and named.

-- ECS task state changes: the service is `group` without `service:` (else the
-- task definition family); CPU units are the task's, else its containers' sum.
INSERT INTO ecs_task_events
SELECT ?, d.taskArn, d.clusterArn, d.containerInstanceArn,
       COALESCE(NULLIF(regexp_replace(d."group", '^service:', ''), d."group"),
                regexp_extract(d.taskDefinitionArn, 'task-definition/([^:]+)', 1)),
       COALESCE(TRY_CAST(d.cpu AS INTEGER), list_sum(list_transform(d.containers, lambda c: TRY_CAST(c.cpu AS INTEGER)))),
       COALESCE(TRY_CAST(d.memory AS INTEGER), list_sum(list_transform(d.containers, lambda c: TRY_CAST(c.memory AS INTEGER)))),
       d.launchType, d.lastStatus, CAST(d.startedAt AS TIMESTAMP), CAST(d.stoppedAt AS TIMESTAMP),
       CAST(d.version AS BIGINT), TRY_CAST(event_time AS TIMESTAMP)
FROM event_rows
WHERE kind = 'ECS Task State Change' AND d.taskArn IS NOT NULL;

-- ECS container instance state changes: the EC2 instance and its registered CPU and memory.
INSERT INTO ecs_instance_events
SELECT ?, d.containerInstanceArn, d.clusterArn, d.ec2InstanceId,
       CAST(list_filter(d.registeredResources, lambda x: x.name = 'CPU')[1].integerValue AS INTEGER),
       CAST(list_filter(d.registeredResources, lambda x: x.name = 'MEMORY')[1].integerValue AS INTEGER),
       CAST(d.version AS BIGINT), TRY_CAST(event_time AS TIMESTAMP)
FROM event_rows
WHERE kind = 'ECS Container Instance State Change' AND d.containerInstanceArn IS NOT NULL;

-- EBS attach and detach calls; a failed call (errorCode) changed nothing.
INSERT INTO ebs_volume_events
SELECT ?, r.eventID, r.eventName, CAST(r.eventTime AS TIMESTAMP),
       COALESCE(r.requestParameters.volumeId, r.responseElements.volumeId),
       COALESCE(r.requestParameters.instanceId, r.responseElements.instanceId)
FROM event_rows
WHERE r.eventName IN ('AttachVolume', 'DetachVolume')
  AND r.errorCode IS NULL
  AND COALESCE(r.requestParameters.volumeId, r.responseElements.volumeId) IS NOT NULL;
