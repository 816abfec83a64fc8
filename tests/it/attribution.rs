//! Attribution worked out by hand: two instance-hours, two tasks (one stops,
//! one starts mid-hour), a volume attached for the middle hour, a rule, and
//! an untagged line. Every share below is computed in the comments.

use std::collections::BTreeMap;
use std::path::Path;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::rules::{Idle, Rules};

use crate::common::*;

const CUR: &str = "\
bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,product/ProductName,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:product_area
2026-07-01T00:00:00Z,800000000001,800000000002,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,AmazonEC2,Amazon Elastic Compute Cloud,i-0000000000000000a,1.00,compute
2026-07-01T00:00:00Z,800000000001,800000000002,Usage,2026-07-01T01:00:00Z,2026-07-01T02:00:00Z,AmazonEC2,Amazon Elastic Compute Cloud,i-0000000000000000a,1.00,compute
2026-07-01T00:00:00Z,800000000001,800000000002,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,AmazonEC2,Amazon Elastic Compute Cloud,vol-0000000000000000b,0.60,storage
2026-07-01T00:00:00Z,800000000001,800000000002,Usage,2026-07-01T01:00:00Z,2026-07-01T02:00:00Z,AmazonEC2,Amazon Elastic Compute Cloud,vol-0000000000000000b,0.60,storage
2026-07-01T00:00:00Z,800000000001,800000000002,Usage,2026-07-01T00:00:00Z,2026-07-02T00:00:00Z,AmazonS3,Amazon Simple Storage Service,logs-bucket,2.00,
2026-07-01T00:00:00Z,800000000001,800000000001,Fee,2026-07-01T00:00:00Z,2026-08-01T00:00:00Z,AWSSupportBusiness,AWS Support (Business),,3.00,
";

fn task(version: u32, id: &str, group: &str, cpu: &str, containers: &str, started: &str, stopped: Option<&str>) -> String {
    let stopped = stopped.map_or(String::new(), |s| format!(",\"stoppedAt\":\"{s}\""));
    format!(
        "{{\"version\":\"0\",\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"time\":\"{started}\",\
         \"detail\":{{\"taskArn\":\"arn:aws:ecs:us-east-1:800000000002:task/prod/{id}\",\
         \"clusterArn\":\"arn:aws:ecs:us-east-1:800000000002:cluster/prod\",\
         \"containerInstanceArn\":\"arn:aws:ecs:us-east-1:800000000002:container-instance/ci-1\",\
         \"group\":\"{group}\",{cpu}\"containers\":[{containers}],\"startedAt\":\"{started}\"{stopped},\"version\":{version}}}}}"
    )
}

fn write_inputs(dir: &Path) {
    std::fs::write(dir.join("cur.csv"), CUR).unwrap();
    let tasks = [
        task(1, "a", "service:api", "\"cpu\":\"1024\",", "", "2026-07-01T00:00:00Z", None),
        task(3, "a", "service:api", "\"cpu\":\"1024\",", "", "2026-07-01T00:00:00Z", Some("2026-07-01T01:00:00Z")),
        // Duplicated and out of order, as EventBridge delivers them.
        task(1, "a", "service:api", "\"cpu\":\"1024\",", "", "2026-07-01T00:00:00Z", None),
        task(2, "b", "service:worker", "", "{\"name\":\"x\",\"cpu\":\"256\"},{\"name\":\"y\",\"cpu\":\"256\"}", "2026-07-01T00:30:00Z", None),
    ];
    std::fs::write(dir.join("tasks.jsonl"), tasks.join("\n")).unwrap();
    std::fs::write(
        dir.join("instances.json"),
        r#"[{"version":"0","detail-type":"ECS Container Instance State Change","time":"2026-07-01T00:00:00Z",
            "detail":{"containerInstanceArn":"arn:aws:ecs:us-east-1:800000000002:container-instance/prod/ci-1",
                      "clusterArn":"arn:aws:ecs:us-east-1:800000000002:cluster/prod","ec2InstanceId":"i-0000000000000000a",
                      "registeredResources":[{"name":"CPU","type":"INTEGER","integerValue":2048},
                                             {"name":"MEMORY","type":"INTEGER","integerValue":4096}],
                      "version":7}}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("cloudtrail.json"),
        r#"{"Records":[
            {"eventTime":"2026-07-01T00:10:00Z","eventSource":"ec2.amazonaws.com","eventName":"AttachVolume","eventID":"e0",
             "errorCode":"Client.IncorrectState","requestParameters":{"volumeId":"vol-0000000000000000b","instanceId":"i-0000000000000zzzz"}},
            {"eventTime":"2026-07-01T00:30:00Z","eventSource":"ec2.amazonaws.com","eventName":"AttachVolume","eventID":"e1",
             "requestParameters":{"volumeId":"vol-0000000000000000b","instanceId":"i-0000000000000000a","device":"/dev/sdf"}},
            {"eventTime":"2026-07-01T01:30:00Z","eventSource":"ec2.amazonaws.com","eventName":"DetachVolume","eventID":"e2",
             "requestParameters":{"volumeId":"vol-0000000000000000b"}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("services.csv"), "service,product_area\napi,search\n").unwrap();
}

const RULES: &str = "[[rule]]\narea = \"platform\"\nproduct = \"Amazon Simple Storage*\"\n";

fn attributed(idle: Idle) -> (tempfile::TempDir, Db) {
    let inputs = tempfile::tempdir().unwrap();
    write_inputs(inputs.path());
    let (dir, db) = temp_db();
    sync(&db, &[inputs.path().to_path_buf()]);
    let rules = Rules::parse(RULES, "rules.toml").unwrap();
    run_rules(&db, &rules, RULES, &Overrides { idle: Some(idle), ..Overrides::default() }).unwrap();
    (dir, db)
}

fn rounded(map: BTreeMap<String, f64>) -> BTreeMap<String, String> {
    map.into_iter().map(|(k, v)| (k, format!("{v:.4}"))).collect()
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn spread_splits_instance_and_merged_volume_by_cpu_seconds() {
    let (_d, db) = attributed(Idle::Spread);
    // Hour 0: api 3600 s × 1024 = 3,686,400, worker 1800 s × 512 = 921,600 → 0.80 / 0.20.
    // Hour 1: api stopped at 01:00, worker alone → 1.00.
    // Volume hour 0: attached from 00:30, half (0.30) merges; on that half-hour
    //   api 1800 × 1024 and worker 1800 × 512 → 0.20 / 0.10; the rest (0.30) keeps its tag.
    // Volume hour 1: attached until 01:30, half (0.30) merges, worker alone; 0.30 keeps its tag.
    assert_eq!(
        rounded(totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)),
        expected(&[
            ("search", "1.0000"),
            ("(unmapped)", "1.6000"),
            ("storage", "0.6000"),
            ("platform", "2.0000"),
            ("(unallocated)", "3.0000"),
        ])
    );
    assert_eq!(
        rounded(totals_by(&db, "2026-07", Dimension::Method, CostMeasure::Unblended)),
        expected(&[
            ("ecs", "2.0000"),
            ("ebs→i-0000000000000000a", "0.6000"),
            ("tag", "0.6000"),
            ("rule:1", "2.0000"),
            ("unallocated", "3.0000"),
        ])
    );
    let services = rounded(totals_by(&db, "2026-07", Dimension::Service, CostMeasure::Unblended));
    assert_eq!(services.get("api").map(String::as_str), Some("1.0000"));
    assert_eq!(services.get("worker").map(String::as_str), Some("1.6000"));
    assert_eq!(month_total_text(&db, "2026-07", CostMeasure::Unblended), "8.2000000000");
}

#[test]
fn separate_moves_unused_capacity_to_idle() {
    let (_d, db) = attributed(Idle::Separate);
    // Registered CPU 2048. Hour 0: api 1024/2048 × 1 = 0.50, worker 512/2048 × 0.5 = 0.125, idle 0.375.
    // Hour 1: worker 0.25, idle 0.75. Volume half-hours (0.30 each): hour 0 api 0.15,
    // worker 0.075, idle 0.075; hour 1 worker 0.075, idle 0.225.
    assert_eq!(
        rounded(totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)),
        expected(&[
            ("search", "0.6500"),
            ("(unmapped)", "0.5250"),
            ("(idle)", "1.4250"),
            ("storage", "0.6000"),
            ("platform", "2.0000"),
            ("(unallocated)", "3.0000"),
        ])
    );
    assert_eq!(month_total_text(&db, "2026-07", CostMeasure::Unblended), "8.2000000000");
}

#[test]
fn real_ecs_samples_join_task_to_instance() {
    let Some(real) = real_samples() else { return };
    let (_d, db) = temp_db();
    let report = sync(&db, &[real.join("aws-docs-ecs-events")]);
    assert_eq!(loaded_count(&report), 3);
    let (tasks, placed) = db.event_counts().unwrap();
    assert_eq!(tasks, 2, "the EC2 and the Fargate task");
    assert_eq!(placed, vec![("b99d40b3-5176-4f71-9a52-9dbd6f1cebef".to_owned(), "i-f3a8506b".to_owned())]);
}
