//! Event files as AWS actually writes them, generated here: Firehose records
//! back to back with no delimiter (plain and gzip, with and without a file
//! extension), and CloudTrail's own S3 delivery (`AWSLogs/…/CloudTrail/…`,
//! `{"Records": [...]}` with every API call of the account, whose
//! `requestParameters` and `responseElements` take any shape). Only ECS
//! events and `AttachVolume`/`DetachVolume` are read; nothing else may fail a sync.

use std::path::{Path, PathBuf};

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Dimension};
use apportion::ingest::{FileStatus, SyncReport, sync_paths};
use apportion::rules::Rules;

use crate::common::*;

fn task_event(n: usize, started: &str, stopped: Option<&str>) -> String {
    let stopped = stopped.map_or(String::new(), |s| format!(",\"stoppedAt\":\"{s}\""));
    format!(
        "{{\"version\":\"0\",\"id\":\"e{n}\",\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"time\":\"{started}\",\
         \"resources\":[\"arn:aws:ecs:us-east-1:1:task/c/t{n}\"],\"detail\":{{\"taskArn\":\"arn:aws:ecs:us-east-1:1:task/c/t{n}\",\
         \"clusterArn\":\"arn:aws:ecs:us-east-1:1:cluster/c\",\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:1:container-instance/c/ci0\",\
         \"group\":\"service:api\",\"cpu\":\"512\",\"memory\":\"1024\",\"launchType\":\"EC2\",\"lastStatus\":\"RUNNING\",\
         \"startedAt\":\"{started}\"{stopped},\"version\":2,\"containers\":[{{\"name\":\"app\",\"cpu\":\"512\"}}]}}}}"
    )
}

fn instance_event() -> String {
    "{\"detail-type\":\"ECS Container Instance State Change\",\"source\":\"aws.ecs\",\"time\":\"2026-07-01T00:00:00Z\",\
     \"detail\":{\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:1:container-instance/c/ci0\",\"ec2InstanceId\":\"i-0000000000000000a\",\
     \"registeredResources\":[{\"name\":\"CPU\",\"type\":\"INTEGER\",\"integerValue\":2048},\
     {\"name\":\"PORTS\",\"type\":\"STRINGSET\",\"stringSetValue\":[\"22\",\"2375\"]}],\"version\":7}}"
        .to_owned()
}

/// An EventBridge "AWS API Call via CloudTrail" event around a CloudTrail record.
fn api_call_event(record: &str) -> String {
    format!(
        "{{\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.ec2\",\"time\":\"2026-07-01T00:00:00Z\",\"detail\":{record}}}"
    )
}

fn attach(volume: &str, at: &str) -> String {
    format!(
        "{{\"eventVersion\":\"1.09\",\"eventTime\":\"{at}\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"AttachVolume\",\
         \"requestParameters\":{{\"volumeId\":\"{volume}\",\"instanceId\":\"i-0000000000000000a\",\"device\":\"/dev/sdf\",\"deleteOnTermination\":false}},\
         \"responseElements\":{{\"requestId\":\"r\",\"volumeId\":\"{volume}\",\"instanceId\":\"i-0000000000000000a\",\"status\":\"attaching\"}},\
         \"eventID\":\"{volume}-{at}\",\"readOnly\":false}}"
    )
}

fn detach(volume: &str, at: &str) -> String {
    format!(
        "{{\"eventTime\":\"{at}\",\"eventName\":\"DetachVolume\",\"requestParameters\":{{\"volumeId\":\"{volume}\",\"force\":false}},\
         \"responseElements\":{{\"volumeId\":\"{volume}\",\"status\":\"detaching\"}},\"eventID\":\"d-{volume}-{at}\"}}"
    )
}

/// Calls of every other shape a trail holds: nested objects, lists, nulls,
/// strings, numbers and booleans where attach calls have objects, values
/// that would not convert (a time that is not one), and a failed attach.
fn other_calls() -> Vec<String> {
    vec![
        r#"{"eventTime":"2026-07-01T00:05:00Z","eventName":"DescribeInstances","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]},"filterSet":{}},"responseElements":null}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:06:00Z","eventName":"RunInstances","requestParameters":{"instancesSet":{"items":[{"imageId":"ami-1","minCount":1,"maxCount":1}]},"blockDeviceMapping":{"items":[{"deviceName":"/dev/xvda","ebs":{"volumeSize":8,"deleteOnTermination":true}}]},"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"product_area","value":"search"}]}]}},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-3","state":{"code":0,"name":"pending"}}]}}}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:07:00Z","eventName":"ConsoleLogin","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes","LoginTo":"https://console.aws.amazon.com"}}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:08:00Z","eventName":"AssumeRole","requestParameters":{"roleArn":"arn:aws:iam::1:role/r","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIA","expiration":"Jul 1, 2026, 1:08:00 AM"}},"resources":[{"ARN":"arn:aws:iam::1:role/r","type":"AWS::IAM::Role"}]}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:09:00Z","eventName":"ModifyVolume","requestParameters":{"volumeId":{"value":"vol-nested"},"instanceId":["i-1","i-2"]},"responseElements":"a string"}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:10:00Z","eventName":"PutMetricData","requestParameters":[1,2,3],"responseElements":true}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:11:00Z","eventName":"GetCallerIdentity","requestParameters":"text","responseElements":42}"#.to_owned(),
        r#"{"eventTime":"not a time","eventName":"DescribeVolumes","requestParameters":{"volumeSet":{}},"responseElements":null}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:12:00Z","eventName":"AttachVolume","errorCode":"Client.IncorrectState","errorMessage":"in use","requestParameters":{"volumeId":"vol-0000000000000000f","instanceId":"i-0000000000000000a","device":"/dev/sdg"},"responseElements":null}"#.to_owned(),
        r#"{"eventTime":"2026-07-01T00:13:00Z","eventName":"CreateTags","requestParameters":{"resourcesSet":{"items":[{"resourceId":"vol-0000000000000000b"}]},"tagSet":{"items":[{"key":"k","value":null}]}},"responseElements":{"_return":true}}"#.to_owned(),
    ]
}

fn loaded_rows(report: &SyncReport) -> Vec<(String, usize)> {
    report
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::LoadedRecords { rows, .. } => {
                Some((f.path.file_name().unwrap().to_string_lossy().into_owned(), *rows))
            }
            _ => None,
        })
        .collect()
}

fn skipped(report: &SyncReport) -> Vec<(String, String)> {
    report
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Skipped { reason } => Some((
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                reason.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn failing(paths: &[PathBuf]) -> String {
    let (_d, db) = temp_db();
    match sync_paths(&db, paths, &mut ()) {
        Ok(_) => panic!("the sync should fail"),
        Err(e) => e.to_string(),
    }
}

/// Two instance-hours and a volume: what the events below split and merge.
fn write_bill(dir: &Path) {
    std::fs::write(
        dir.join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,i-0000000000000000a,1.00\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,vol-0000000000000000b,0.60\n",
    )
    .unwrap();
}

#[test]
fn firehose_records_back_to_back_load_plain_and_gzip() {
    // Firehose without a newline delimiter: one object after another, no
    // separator, often gzip, and no extension on an uncompressed object.
    let events = [
        instance_event(),
        task_event(1, "2026-07-01T00:00:00Z", None),
        task_event(2, "2026-07-01T00:30:00Z", Some("2026-07-01T00:45:00Z")),
        api_call_event(&attach("vol-0000000000000000b", "2026-07-01T00:30:00Z")),
        api_call_event(&other_calls()[1]),
        api_call_event(&other_calls()[4]),
        "{\"detail-type\":\"EC2 Instance State-change Notification\",\"detail\":{\"instance-id\":\"i-1\",\"state\":\"running\"}}".to_owned(),
    ]
    .concat();
    assert!(!events.contains('\n'));
    for (name, gzip) in [
        ("apportion-events-1-2026-07-01-00-00-00-3f2a", false),
        ("apportion-events-1-2026-07-01-00-05-00-9c1d.gz", true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_bill(dir.path());
        let path = dir.path().join(name);
        if gzip {
            write_gz(&path, &events);
        } else {
            std::fs::write(&path, &events).unwrap();
        }
        let (_d, db) = temp_db();
        let report = sync(&db, &[dir.path().to_path_buf()]);
        // 2 tasks + 1 container instance + 1 attach; the other calls and the EC2 event are not read.
        assert_eq!(loaded_rows(&report), vec![(name.to_owned(), 4)], "{name}");
        run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
        // The volume is attached for the second half-hour: 0.30 merges into
        // the instance, which api (t1 all hour, t2 a quarter of it) takes whole.
        let methods = totals_by(&db, "2026-07", Dimension::Method, CostMeasure::Unblended);
        assert_close(methods["ecs"], 1.0, "instance split");
        assert_close(methods["ebs"], 0.3, "merged volume");
        assert_close(methods["unallocated"], 0.3, "the volume's unattached half");
    }
}

#[test]
fn firehose_records_mixed_with_newlines_and_spaces_load() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}{}\n{}  {}\r\n\n{}",
        instance_event(),
        task_event(1, "2026-07-01T00:00:00Z", None),
        task_event(2, "2026-07-01T00:10:00Z", None),
        api_call_event(&attach("vol-0000000000000000b", "2026-07-01T00:00:00Z")),
        api_call_event(&other_calls()[6]),
    );
    write_gz(&dir.path().join("mixed.gz"), &text);
    let (_d, db) = temp_db();
    assert_eq!(
        loaded_rows(&sync(&db, &[dir.path().to_path_buf()])),
        vec![("mixed.gz".to_owned(), 4)]
    );
}

#[test]
fn a_broken_record_among_records_back_to_back_is_named_by_line_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let good = task_event(1, "2026-07-01T00:00:00Z", None);
    // Cut off at the end of the object: the third record on line 1.
    let cut = format!("{good}{good}{{\"detail-type\":\"ECS Task State Change\",\"detail\":{{\"taskArn\":\"x\"");
    write_gz(&dir.path().join("cut.gz"), &cut);
    let err = failing(&[dir.path().join("cut.gz")]);
    assert!(err.contains("cut.gz: line 1: record 3"), "{err}");
    assert!(err.contains("record cut off at the end of the file"), "{err}");
    // A value that does not convert, in the second record on line 2.
    let bad = good.replace("\"version\":2", "\"version\":\"two\"");
    std::fs::write(dir.path().join("bad"), format!("{good}\n{good}{bad}{good}")).unwrap();
    let err = failing(&[dir.path().join("bad")]);
    assert!(
        err.contains("bad: line 2: record 3") && err.contains("\"version\": \"two\" is not a whole number"),
        "{err}"
    );
    // Garbage between two records.
    std::fs::write(dir.path().join("junk"), format!("{good}}}{good}")).unwrap();
    let err = failing(&[dir.path().join("junk")]);
    assert!(
        err.contains("junk: line 1: record 2") && err.contains("malformed JSON record"),
        "{err}"
    );
}

/// A CloudTrail log file as the trail writes it to S3.
fn trail_file(records: &[String]) -> String {
    format!("{{\"Records\":[{}]}}", records.join(","))
}

#[test]
fn cloudtrail_delivery_reads_only_attach_and_detach_whatever_the_other_calls_hold() {
    let root = tempfile::tempdir().unwrap();
    write_bill(root.path());
    let day = root.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01");
    std::fs::create_dir_all(&day).unwrap();
    let name = |hh: u32| format!("111122223333_CloudTrail_us-east-1_20260701T{hh:02}00Z_a1b2c3d4e5f6.json.gz");
    let mut first = other_calls();
    first.insert(3, attach("vol-0000000000000000b", "2026-07-01T00:30:00Z"));
    write_gz(&day.join(name(0)), &trail_file(&first));
    let mut second = other_calls();
    second.push(detach("vol-0000000000000000b", "2026-07-01T00:45:00Z"));
    write_gz(&day.join(name(1)), &trail_file(&second));
    // A file of calls none of which is an attachment, and an empty delivery.
    write_gz(&day.join(name(2)), &trail_file(&other_calls()));
    write_gz(&day.join(name(3)), &trail_file(&[]));
    // The digest files the trail writes beside its logs.
    let digest = root
        .path()
        .join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/07/01");
    std::fs::create_dir_all(&digest).unwrap();
    write_gz(
        &digest.join("111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20260701T010000Z.json.gz"),
        "{\"awsAccountId\":\"111122223333\",\"digestStartTime\":\"2026-07-01T00:00:00Z\",\"logFiles\":[{\"s3Object\":\"x\",\"hashValue\":\"00\"}],\"previousDigestSignature\":null}",
    );
    let (_d, db) = temp_db();
    let report = sync(&db, &[root.path().to_path_buf()]);
    // Every log file is recorded, those without attach calls too (the next
    // sync skips them unread); the digest is not a log file.
    assert_eq!(
        loaded_rows(&report),
        vec![(name(0), 1), (name(1), 1), (name(2), 0), (name(3), 0)]
    );
    let skipped = skipped(&report);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].0.contains("CloudTrail-Digest") && skipped[0].1.contains("not a CloudTrail log file"),
        "{skipped:?}"
    );
    // Attached 00:30–00:45: a quarter of the volume hour follows the instance.
    run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    let methods = totals_by(&db, "2026-07", Dimension::Method, CostMeasure::Unblended);
    assert_close(methods["ebs"], 0.15, "merged quarter hour");
    // Syncing the folder again reads nothing.
    let again = sync(&db, &[root.path().to_path_buf()]);
    assert!(loaded_rows(&again).is_empty());
}

#[test]
fn cloudtrail_records_as_json_lines_and_as_events_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = other_calls();
    lines.push(attach("vol-0000000000000000b", "2026-07-01T00:00:00Z"));
    lines.push(api_call_event(&detach("vol-0000000000000000b", "2026-07-01T00:20:00Z")));
    lines.extend(other_calls().iter().map(|c| api_call_event(c)));
    std::fs::write(dir.path().join("trail.jsonl"), lines.join("\n")).unwrap();
    let (_d, db) = temp_db();
    assert_eq!(
        loaded_rows(&sync(&db, &[dir.path().to_path_buf()])),
        vec![("trail.jsonl".to_owned(), 2)]
    );
}

#[test]
fn a_broken_attach_record_in_a_trail_file_is_named_with_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = other_calls();
    records.push(attach("vol-0000000000000000b", "yesterday"));
    let text = trail_file(&records).replace("},{", "},\n{");
    write_gz(&dir.path().join("trail.json.gz"), &text);
    let line = text[..text
        .find("{\"eventVersion\":\"1.09\",\"eventTime\":\"yesterday\"")
        .unwrap()]
        .matches('\n')
        .count()
        + 1;
    let err = failing(&[dir.path().join("trail.json.gz")]);
    assert!(
        err.contains(&format!("trail.json.gz: line {line}: record 11 of Records")) && err.contains("yesterday"),
        "{err}"
    );
}
