//! Event exports: ECS task and container-instance state changes (EventBridge
//! envelopes) and EBS `AttachVolume`/`DetachVolume` CloudTrail records, as
//! JSON lines, objects back to back (Firehose), a JSON array, a
//! `{"Records": [...]}` file (CloudTrail's own delivery), or gzip of those.
//! DuckDB's JSON reader parses each file once, straight into the fields
//! apportion reads (every value as text, converted and checked on insert).

use crate::db::quote;

/// What a CloudTrail record holds that matters here.
const TRAIL_RECORD: &str = "STRUCT(eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, \
    requestParameters STRUCT(volumeId VARCHAR, instanceId VARCHAR), \
    responseElements STRUCT(volumeId VARCHAR, instanceId VARCHAR))";

/// The `detail` of an EventBridge event: an ECS task or container instance
/// state change, or (for "AWS API Call via CloudTrail") a CloudTrail record.
const DETAIL: &str = "STRUCT(taskArn VARCHAR, clusterArn VARCHAR, containerInstanceArn VARCHAR, \"group\" VARCHAR, \
    taskDefinitionArn VARCHAR, cpu VARCHAR, memory VARCHAR, launchType VARCHAR, lastStatus VARCHAR, \
    startedAt VARCHAR, stoppedAt VARCHAR, version VARCHAR, ec2InstanceId VARCHAR, \
    registeredResources STRUCT(name VARCHAR, integerValue VARCHAR)[], \
    containers STRUCT(cpu VARCHAR, memory VARCHAR)[], \
    eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, \
    requestParameters STRUCT(volumeId VARCHAR, instanceId VARCHAR), \
    responseElements STRUCT(volumeId VARCHAR, instanceId VARCHAR))";

/// A query for the file's events as rows of `kind` (the EventBridge
/// detail-type), `event_time`, `d` (the detail) and `r` (a CloudTrail record,
/// standing alone, in `Records`, or as an event's detail). `limit` reads only
/// the first objects (to tell what a file is).
pub fn rows_sql(path: &str, gzip: bool, limit: Option<usize>) -> String {
    let columns = format!(
        "{{'detail-type': 'VARCHAR', 'time': 'VARCHAR', 'detail': '{DETAIL}', \
         'eventName': 'VARCHAR', 'eventTime': 'VARCHAR', 'eventID': 'VARCHAR', 'errorCode': 'VARCHAR', \
         'requestParameters': 'STRUCT(volumeId VARCHAR, instanceId VARCHAR)', \
         'responseElements': 'STRUCT(volumeId VARCHAR, instanceId VARCHAR)', \
         'Records': '{TRAIL_RECORD}[]'}}"
    );
    let reader = format!(
        "read_json({}, format = 'auto', compression = '{}', columns = {columns}, \
         maximum_object_size = 268435456, hive_partitioning = false)",
        quote::literal(path),
        if gzip { "gzip" } else { "none" }
    );
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    format!(
        "WITH raw AS MATERIALIZED (SELECT * FROM {reader}{limit})
         SELECT \"detail-type\" AS kind, \"time\" AS event_time, detail AS d,
                CASE WHEN detail.eventName IS NOT NULL
                     THEN {{'eventName': detail.eventName, 'eventTime': detail.eventTime, 'eventID': detail.eventID,
                           'errorCode': detail.errorCode, 'requestParameters': detail.requestParameters,
                           'responseElements': detail.responseElements}}
                     ELSE {{'eventName': eventName, 'eventTime': eventTime, 'eventID': eventID, 'errorCode': errorCode,
                           'requestParameters': requestParameters, 'responseElements': responseElements}} END AS r
         FROM raw WHERE Records IS NULL
         UNION ALL
         SELECT NULL, NULL, NULL, unnest(Records) FROM raw WHERE Records IS NOT NULL"
    )
}
