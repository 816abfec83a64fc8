//! Event exports: ECS task and container-instance state changes (EventBridge
//! envelopes) and EBS `AttachVolume`/`DetachVolume` CloudTrail records, as
//! JSON lines, a JSON array, a `{"Records": [...]}` file, or gzip of those.

use crate::db::quote;

/// Every JSON object of the file, with CloudTrail `Records` arrays unnested.
pub fn objects_sql(path: &str, gzip: bool) -> String {
    let reader = format!(
        "read_json_objects({}, format = 'auto', compression = '{}', maximum_object_size = 268435456, hive_partitioning = false)",
        quote::literal(path),
        if gzip { "gzip" } else { "none" }
    );
    format!(
        "SELECT unnest(CAST(json_extract(json, '$.Records') AS JSON[])) AS j FROM {reader} WHERE json_exists(json, '$.Records')
         UNION ALL
         SELECT json AS j FROM {reader} WHERE NOT json_exists(json, '$.Records')"
    )
}

/// Insert the staged `event_objects` into the event tables for `file_id`.
pub fn insert_sql(file_id: i64) -> [String; 3] {
    let registered = |name: &str| {
        format!(
            "list_filter(from_json(json_extract(d, '$.registeredResources'), '[{{\"name\": \"VARCHAR\", \"integerValue\": \"BIGINT\"}}]'), \
             lambda r: r.name = '{name}')[1].integerValue"
        )
    };
    let (cpu, memory) = (registered("CPU"), registered("MEMORY"));
    [
        format!(
            "INSERT INTO ecs_task_events
             SELECT {file_id}, d->>'taskArn', d->>'clusterArn', d->>'containerInstanceArn',
                    COALESCE(NULLIF(regexp_replace(d->>'group', '^service:', ''), d->>'group'),
                             regexp_extract(d->>'taskDefinitionArn', 'task-definition/([^:]+)', 1)),
                    COALESCE(TRY_CAST(d->>'cpu' AS INTEGER),
                             list_sum(list_transform(CAST(json_extract_string(d, '$.containers[*].cpu') AS VARCHAR[]),
                                                     lambda c: TRY_CAST(c AS INTEGER)))),
                    COALESCE(TRY_CAST(d->>'memory' AS INTEGER),
                             list_sum(list_transform(CAST(json_extract_string(d, '$.containers[*].memory') AS VARCHAR[]),
                                                     lambda c: TRY_CAST(c AS INTEGER)))),
                    d->>'launchType', d->>'lastStatus',
                    CAST(d->>'startedAt' AS TIMESTAMP), CAST(d->>'stoppedAt' AS TIMESTAMP),
                    CAST(d->>'version' AS BIGINT), TRY_CAST(j->>'time' AS TIMESTAMP)
             FROM (SELECT j, j->'detail' AS d FROM event_objects
                   WHERE j->>'$.\"detail-type\"' = 'ECS Task State Change')
             WHERE d->>'taskArn' IS NOT NULL"
        ),
        format!(
            "INSERT INTO ecs_instance_events
             SELECT {file_id}, d->>'containerInstanceArn', d->>'clusterArn', d->>'ec2InstanceId',
                    {cpu}, {memory},
                    CAST(d->>'version' AS BIGINT), TRY_CAST(j->>'time' AS TIMESTAMP)
             FROM (SELECT j, j->'detail' AS d FROM event_objects
                   WHERE j->>'$.\"detail-type\"' = 'ECS Container Instance State Change')
             WHERE d->>'containerInstanceArn' IS NOT NULL"
        ),
        // A CloudTrail record stands alone, or is the `detail` of an EventBridge event.
        // Failed calls (with an errorCode) changed nothing and are ignored.
        format!(
            "INSERT INTO ebs_volume_events
             SELECT {file_id}, r->>'eventID', r->>'eventName', CAST(r->>'eventTime' AS TIMESTAMP),
                    COALESCE(r->>'$.requestParameters.volumeId', r->>'$.responseElements.volumeId'),
                    COALESCE(r->>'$.requestParameters.instanceId', r->>'$.responseElements.instanceId')
             FROM (SELECT CASE WHEN j->>'$.detail.eventName' IS NOT NULL THEN j->'detail' ELSE j END AS r FROM event_objects)
             WHERE r->>'eventName' IN ('AttachVolume', 'DetachVolume')
               AND r->>'errorCode' IS NULL
               AND COALESCE(r->>'$.requestParameters.volumeId', r->>'$.responseElements.volumeId') IS NOT NULL"
        ),
    ]
}
