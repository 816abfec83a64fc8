-- The events of a batch of event files ({files}, all {compression}) as rows of
-- file (the path), kind (the EventBridge detail-type, or 'CloudTrail log file'),
-- event_time, d (the detail) and r (a CloudTrail record, standing alone, in
-- Records, or as an event's detail). Only ECS task and container instance
-- state changes and EBS attach/detach calls come out: a CloudTrail delivery
-- holds every API call of the account. A CloudTrail delivery ({"Records": [...]})
-- also yields one row of kind 'CloudTrail log file' with no record, so that a
-- log file without attach calls is still known as one (and recorded, so the
-- next sync skips it unread).
--
-- DuckDB's JSON reader parses each file once, straight into the fields read
-- here (every value as text, converted and checked on insert), many files in
-- one parallel pass; every top-level value is an object (records = true),
-- which spares the reader a detection pass that costs more than the parse
-- itself. requestParameters and responseElements differ in shape from one API
-- call to the next (objects, lists, strings, null), so they are read as JSON
-- text and only an attach or detach call's are looked into. {limit} reads only
-- the first objects (to tell what a file is).
SELECT file, kind, event_time, d, unnest(records) AS r
FROM (SELECT filename AS file,
             CASE WHEN Records IS NOT NULL THEN 'CloudTrail log file' ELSE "detail-type" END AS kind,
             "time" AS event_time, detail AS d,
             CASE WHEN Records IS NOT NULL
                  THEN list_append(list_filter(Records, lambda x: x.eventName IN ('AttachVolume', 'DetachVolume')), NULL)
                  WHEN detail.eventName IS NOT NULL
                  THEN [{'eventName': detail.eventName, 'eventTime': detail.eventTime, 'eventID': detail.eventID,
                         'errorCode': detail.errorCode, 'requestParameters': detail.requestParameters,
                         'responseElements': detail.responseElements}]
                  ELSE [{'eventName': eventName, 'eventTime': eventTime, 'eventID': eventID, 'errorCode': errorCode,
                         'requestParameters': requestParameters, 'responseElements': responseElements}] END AS records
      FROM (SELECT * FROM read_json([{files}], format = 'auto', records = true, compression = '{compression}',
                                    maximum_object_size = 268435456, hive_partitioning = false, filename = true,
                                    columns = {
                                        'detail-type': 'VARCHAR', 'time': 'VARCHAR',
                                        'detail': 'STRUCT(taskArn VARCHAR, clusterArn VARCHAR, containerInstanceArn VARCHAR, "group" VARCHAR, taskDefinitionArn VARCHAR, cpu VARCHAR, memory VARCHAR, launchType VARCHAR, lastStatus VARCHAR, startedAt VARCHAR, stoppedAt VARCHAR, version VARCHAR, ec2InstanceId VARCHAR, registeredResources STRUCT(name VARCHAR, integerValue VARCHAR)[], containers STRUCT(cpu VARCHAR, memory VARCHAR)[], eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, requestParameters JSON, responseElements JSON)',
                                        'eventName': 'VARCHAR', 'eventTime': 'VARCHAR', 'eventID': 'VARCHAR', 'errorCode': 'VARCHAR',
                                        'requestParameters': 'JSON', 'responseElements': 'JSON',
                                        'Records': 'STRUCT(eventName VARCHAR, eventTime VARCHAR, eventID VARCHAR, errorCode VARCHAR, requestParameters JSON, responseElements JSON)[]'})
            {limit})
      WHERE Records IS NOT NULL OR "detail-type" IN ('ECS Task State Change', 'ECS Container Instance State Change')
         OR COALESCE(detail.eventName, eventName) IN ('AttachVolume', 'DetachVolume'))
