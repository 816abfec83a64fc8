//! Event exports: ECS task and container-instance state changes (EventBridge
//! envelopes) and EBS `AttachVolume`/`DetachVolume` CloudTrail records, as
//! JSON lines, objects back to back (Firehose), a JSON array, a
//! `{"Records": [...]}` file (CloudTrail's own delivery), or gzip of those.
//! DuckDB's JSON reader parses each file once, straight into the fields
//! apportion reads (every value as text, converted and checked on insert),
//! many files in one parallel pass; every top-level value is an object
//! (`records = true`), which spares the reader a detection pass that costs
//! more than the parse itself.

use crate::db::quote;

/// What a CloudTrail record holds that matters here. `requestParameters` and
/// `responseElements` differ in shape from one API call to the next (objects,
/// lists, strings, null), so they are read as JSON text and only an
/// attach or detach call's are looked into.
const TRAIL_RECORD: &str = "STRUCT(eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, \
    requestParameters JSON, responseElements JSON)";

/// The `detail` of an EventBridge event: an ECS task or container instance
/// state change, or (for "AWS API Call via CloudTrail") a CloudTrail record.
const DETAIL: &str = "STRUCT(taskArn VARCHAR, clusterArn VARCHAR, containerInstanceArn VARCHAR, \"group\" VARCHAR, \
    taskDefinitionArn VARCHAR, cpu VARCHAR, memory VARCHAR, launchType VARCHAR, lastStatus VARCHAR, \
    startedAt VARCHAR, stoppedAt VARCHAR, version VARCHAR, ec2InstanceId VARCHAR, \
    registeredResources STRUCT(name VARCHAR, integerValue VARCHAR)[], \
    containers STRUCT(cpu VARCHAR, memory VARCHAR)[], \
    eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, \
    requestParameters JSON, responseElements JSON)";

/// The ECS event kinds (EventBridge detail-types) apportion reads.
const ECS_KINDS: &str = "('ECS Task State Change', 'ECS Container Instance State Change')";
/// The CloudTrail calls apportion reads; every other call is dropped as it is read.
const TRAIL_CALLS: &str = "('AttachVolume', 'DetachVolume')";

/// The kind of the rows of a CloudTrail delivery (`{"Records": [...]}`): its
/// attach and detach calls, and one row with no record, so that a log file
/// without attach calls is still known as one (and recorded, so the next sync
/// skips it unread).
pub const TRAIL_FILE: &str = "CloudTrail log file";

/// A query for the events of `paths` (all gzip or all plain) as rows of
/// `file` (the path), `kind` (the EventBridge detail-type, or [`TRAIL_FILE`]),
/// `event_time`, `d` (the detail) and `r` (a CloudTrail record, standing
/// alone, in `Records`, or as an event's detail). Only ECS events and
/// attach/detach calls come out: a CloudTrail delivery holds every API call
/// of the account. One pass over the files, which DuckDB reads in parallel;
/// `limit` reads only the first objects (to tell what a file is).
pub fn rows_sql(paths: &[String], gzip: bool, limit: Option<usize>) -> String {
    let columns = format!(
        "{{'detail-type': 'VARCHAR', 'time': 'VARCHAR', 'detail': '{DETAIL}', \
         'eventName': 'VARCHAR', 'eventTime': 'VARCHAR', 'eventID': 'VARCHAR', 'errorCode': 'VARCHAR', \
         'requestParameters': 'JSON', 'responseElements': 'JSON', \
         'Records': '{TRAIL_RECORD}[]'}}"
    );
    let files: Vec<String> = paths.iter().map(|p| quote::literal(p)).collect();
    let reader = format!(
        "read_json([{}], format = 'auto', records = true, compression = '{}', columns = {columns}, \
         maximum_object_size = 268435456, hive_partitioning = false, filename = true)",
        files.join(", "),
        if gzip { "gzip" } else { "none" }
    );
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    format!(
        "SELECT file, kind, event_time, d, unnest(records) AS r
         FROM (SELECT filename AS file,
                      CASE WHEN Records IS NOT NULL THEN '{TRAIL_FILE}' ELSE \"detail-type\" END AS kind,
                      \"time\" AS event_time, detail AS d,
                      CASE WHEN Records IS NOT NULL
                           THEN list_append(list_filter(Records, lambda x: x.eventName IN {TRAIL_CALLS}), NULL)
                           WHEN detail.eventName IS NOT NULL
                           THEN [{{'eventName': detail.eventName, 'eventTime': detail.eventTime, 'eventID': detail.eventID,
                                  'errorCode': detail.errorCode, 'requestParameters': detail.requestParameters,
                                  'responseElements': detail.responseElements}}]
                           ELSE [{{'eventName': eventName, 'eventTime': eventTime, 'eventID': eventID, 'errorCode': errorCode,
                                  'requestParameters': requestParameters, 'responseElements': responseElements}}] END AS records
               FROM (SELECT * FROM {reader}{limit})
               WHERE Records IS NOT NULL OR \"detail-type\" IN {ECS_KINDS}
                  OR COALESCE(detail.eventName, eventName) IN {TRAIL_CALLS})"
    )
}
