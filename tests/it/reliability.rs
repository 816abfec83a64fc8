//! Nothing lost, nothing doubled: each case found by fault and bad-input
//! testing, with a small fixture written for it.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::ingest::{FileStatus, sync_paths};
use apportion::rules::Rules;
use predicates::prelude::*;

use crate::common::*;

const CUR_HEADER: &str = "identity/LineItemId,identity/TimeInterval,bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost";

fn cur_line(id: &str, resource: &str, cost: &str) -> String {
    format!(
        "{id},2017-04-01T00:00:00Z/2017-04-01T01:00:00Z,2017-04-01T00:00:00Z,111111111111,Usage,2017-04-01T00:00:00Z,2017-04-01T01:00:00Z,{resource},{cost}\n"
    )
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn failing_sync(db: &Db, paths: &[PathBuf]) -> String {
    match sync_paths(db, paths, &mut ()) {
        Ok(report) => panic!("sync should fail: {report:#?}"),
        Err(e) => e.to_string(),
    }
}

fn set_mtime(path: &Path, seconds: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
        .unwrap();
}

#[test]
fn a_db_path_naming_a_bill_is_refused_and_the_bill_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let bill = dir.path().join("bill.csv");
    std::fs::copy(fixture("cur/legacy-2026-04.csv"), &bill).unwrap();
    let before = std::fs::read(&bill).unwrap();
    apportion(&bill)
        .arg("sync")
        .arg(&bill)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not an apportion database"));
    assert_eq!(std::fs::read(&bill).unwrap(), before);
}

#[test]
fn two_assemblies_with_their_own_manifests_load_only_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let period = dir.path().join("rep/20170401-20170501");
    write(
        &period.join("aaaa/rep-1.csv"),
        &format!("{CUR_HEADER}\n{}", cur_line("l1", "i-1", "10")),
    );
    write(
        &period.join("bbbb/rep-1.csv"),
        &format!("{CUR_HEADER}\n{}", cur_line("l1", "i-1", "12")),
    );
    let old = write(
        &period.join("aaaa/rep-Manifest.json"),
        &legacy_manifest("aaaa", &["rep/20170401-20170501/aaaa/rep-1.csv"]),
    );
    let new = write(
        &period.join("bbbb/rep-Manifest.json"),
        &legacy_manifest("bbbb", &["rep/20170401-20170501/bbbb/rep-1.csv"]),
    );
    set_mtime(&old, 1_491_000_000);
    set_mtime(&new, 1_491_100_000);
    let (_d, db) = temp_db();
    let report = sync(&db, &[dir.path().to_path_buf()]);
    assert_eq!(
        month_total_text(&db, "2017-04", CostMeasure::Unblended),
        "12.0000000000"
    );
    assert!(report.files.iter().any(|f| f.path.ends_with("aaaa/rep-1.csv")
        && matches!(&f.status, FileStatus::Skipped { reason } if reason.contains("not in the latest assembly"))));
}

#[test]
fn two_assemblies_without_a_manifest_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let period = dir.path().join("rep/20170401-20170501");
    write(
        &period.join("aaaa/rep-1.csv"),
        &format!("{CUR_HEADER}\n{}", cur_line("l1", "i-1", "10")),
    );
    write(
        &period.join("bbbb/rep-1.csv"),
        &format!("{CUR_HEADER}\n{}", cur_line("l2", "i-1", "12")),
    );
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[dir.path().to_path_buf()]);
    assert!(
        err.contains("two assemblies") && err.contains("aaaa") && err.contains("bbbb"),
        "{err}"
    );
    assert!(db.periods().unwrap().is_empty());
}

#[test]
fn the_same_lines_in_two_containers_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{CUR_HEADER}\n{}{}",
        cur_line("l1", "i-1", "10"),
        cur_line("l2", "i-2", "5")
    );
    write_gz(&dir.path().join("report-1.csv.gz"), &text);
    let zipped = dir.path().join("report-1.csv.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zipped).unwrap());
    zip.start_file("report-1.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    zip.finish().unwrap();
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[dir.path().to_path_buf()]);
    assert!(
        err.contains("report-1.csv.gz") && err.contains("report-1.csv.zip"),
        "{err}"
    );
    assert!(err.contains("2017-04"), "{err}");
    assert!(db.periods().unwrap().is_empty());
}

#[test]
fn the_newest_task_event_wins_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    // Two instance-hours; the task's stale version-1 event says it stopped after the first.
    write(
        &dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,i-0000000000000000a,1.00\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T01:00:00Z,2026-07-01T02:00:00Z,i-0000000000000000a,1.00\n",
    );
    let task = |version: u32, status: &str, stopped: &str| {
        format!(
            "{{\"detail-type\":\"ECS Task State Change\",\"time\":\"2026-07-01T00:00:00Z\",\"detail\":{{\"taskArn\":\"arn:aws:ecs:r:1:task/c/t1\",\"clusterArn\":\"arn:aws:ecs:r:1:cluster/c\",\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/c/ci1\",\"group\":\"service:api\",\"cpu\":\"1024\",\"lastStatus\":\"{status}\",\"startedAt\":\"2026-07-01T00:00:00Z\"{stopped},\"version\":{version}}}}}\n"
        )
    };
    let events = format!(
        "{}{}{{\"detail-type\":\"ECS Container Instance State Change\",\"detail\":{{\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/c/ci1\",\"ec2InstanceId\":\"i-0000000000000000a\",\"registeredResources\":[{{\"name\":\"CPU\",\"integerValue\":1024}}],\"version\":1}}}}\n",
        task(1, "STOPPED", ",\"stoppedAt\":\"2026-07-01T01:00:00Z\""),
        task(2, "RUNNING", "")
    );
    write(&dir.path().join("events.jsonl"), &events);
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    let by_method = totals_by(&db, "2026-07", Dimension::Method, CostMeasure::Unblended);
    assert_close(
        by_method.get("ecs").copied().unwrap_or(0.0),
        2.0,
        "both hours split to the running task",
    );
}

#[test]
fn explain_names_the_area_attribution_charged() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,i-0000000000000000b,1.00\n",
    );
    write(
        &dir.path().join("events.jsonl"),
        "{\"detail-type\":\"ECS Task State Change\",\"detail\":{\"taskArn\":\"arn:aws:ecs:r:1:task/blue/t1\",\"clusterArn\":\"arn:aws:ecs:r:1:cluster/blue\",\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/blue/ci1\",\"group\":\"service:api\",\"cpu\":\"512\",\"startedAt\":\"2026-07-01T00:00:00Z\",\"version\":1}}\n\
         {\"detail-type\":\"ECS Container Instance State Change\",\"detail\":{\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/blue/ci1\",\"ec2InstanceId\":\"i-0000000000000000b\",\"version\":1}}\n",
    );
    // A general entry sorts first by name; the entry for the task's cluster must win.
    write(
        &dir.path().join("services.csv"),
        "service,product_area,cluster\napi,aaa-general,\napi,search,blue\n",
    );
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    let areas = totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended);
    assert_close(
        areas.get("search").copied().unwrap_or(0.0),
        1.0,
        "attribution uses the cluster's entry",
    );
    let x = db.explain("2026-07", "i-0000000000000000b").unwrap().unwrap();
    assert_eq!(x.services.len(), 1, "{:?}", x.services);
    assert_eq!((x.services[0].0.as_str(), x.services[0].1.as_str()), ("api", "search"));
}

#[test]
fn an_events_only_database_attributes_nothing_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("events.jsonl"),
        "{\"detail-type\":\"ECS Task State Change\",\"detail\":{\"taskArn\":\"arn:aws:ecs:r:1:task/c/t1\",\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/c/ci1\",\"group\":\"service:api\",\"cpu\":\"512\",\"startedAt\":\"2020-01-01T00:00:00Z\",\"version\":1}}\n\
         {\"detail-type\":\"ECS Container Instance State Change\",\"detail\":{\"containerInstanceArn\":\"arn:aws:ecs:r:1:container-instance/c/ci1\",\"ec2InstanceId\":\"i-0000000000000000c\",\"version\":1}}\n",
    );
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    let summary = run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    assert!(summary.periods.is_empty());
    assert!(db.periods().unwrap().is_empty());
}

#[test]
fn a_manifest_of_the_wrong_shape_is_refused_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let period = dir.path().join("rep/20170401-20170501");
    write(
        &period.join("aaaa/rep-1.csv"),
        &format!("{CUR_HEADER}\n{}", cur_line("l1", "i-1", "10")),
    );
    write(
        &period.join("rep-Manifest.json"),
        "{\"assemblyId\": \"aaaa\", \"reportKeys\": \"rep/20170401-20170501/aaaa/rep-1.csv\"}",
    );
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[dir.path().to_path_buf()]);
    assert!(
        err.contains("rep-Manifest.json") && err.contains("not a readable CUR manifest"),
        "{err}"
    );
    write(&period.join("rep-Manifest.json"), "{\"hello\": \"world\"}");
    let err = failing_sync(&db, &[dir.path().to_path_buf()]);
    assert!(
        err.contains("rep-Manifest.json") && err.contains("not a manifest"),
        "{err}"
    );
    assert!(db.periods().unwrap().is_empty());
}

const CUR2_HEADER: &str = "identity_line_item_id,identity_time_interval,bill_billing_period_start_date,bill_payer_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_resource_id,line_item_unblended_cost,resource_tags";

fn cur2_manifest(execution: &str, files: &[&str]) -> String {
    let keys: Vec<String> = files
        .iter()
        .map(|f| format!("s3://bucket/cur/x/data/BILLING_PERIOD=2026-04/{execution}/{f}"))
        .collect();
    serde_json::json!({
        "executionId": execution,
        "exportArn": "arn:aws:bcm-data-exports:us-east-1:111111111111:export/x-0e81",
        "columns": [{"name": "line_item_unblended_cost", "type": "double"}],
        "dataFiles": keys,
    })
    .to_string()
}

fn cur2_file(cost: &str) -> String {
    format!(
        "{CUR2_HEADER}\nl1,2026-04-01T00:00:00Z/2026-04-02T00:00:00Z,2026-04-01T00:00:00Z,111111111111,Usage,2026-04-01T00:00:00Z,2026-04-02T00:00:00Z,AmazonS3,bucket-a,{cost},{{}}\n"
    )
}

#[test]
fn cur2_manifests_load_the_latest_execution_of_a_period() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cur/x");
    let (old, new) = ("2026-04-02T01:00:00.000Z-aaaa", "2026-04-03T01:00:00.000Z-bbbb");
    let data = root.join("data/BILLING_PERIOD=2026-04");
    std::fs::create_dir_all(data.join(old)).unwrap();
    std::fs::create_dir_all(data.join(new)).unwrap();
    write_gz(&data.join(old).join("x-00001.csv.gz"), &cur2_file("10"));
    write_gz(&data.join(new).join("x-00001.csv.gz"), &cur2_file("12"));
    let metadata = root.join("metadata/BILLING_PERIOD=2026-04");
    write(
        &metadata.join(old).join("x-Manifest.json"),
        &cur2_manifest(old, &["x-00001.csv.gz"]),
    );
    write(
        &metadata.join(new).join("x-Manifest.json"),
        &cur2_manifest(new, &["x-00001.csv.gz"]),
    );
    let (_d, db) = temp_db();
    let report = sync(&db, &[dir.path().to_path_buf()]);
    assert_eq!(
        month_total_text(&db, "2026-04", CostMeasure::Unblended),
        "12.0000000000"
    );
    assert!(report.files.iter().any(|f| f.path.to_string_lossy().contains(old)
        && f.path.extension().is_some_and(|e| e == "gz")
        && matches!(&f.status, FileStatus::Skipped { reason } if reason.contains("not in the latest execution"))));
    // A listed data file that is not there fails the sync.
    write(
        &metadata.join(new).join("x-Manifest.json"),
        &cur2_manifest(new, &["x-00001.csv.gz", "x-00002.csv.gz"]),
    );
    let (_d2, db2) = temp_db();
    let err = failing_sync(&db2, &[dir.path().to_path_buf()]);
    assert!(
        err.contains("x-00002.csv.gz") && err.contains("not among the synced files"),
        "{err}"
    );
}

#[test]
fn aws_cost_allocation_report_loads_as_its_own_format() {
    let (_d, db) = temp_db();
    let report = sync(
        &db,
        &[fixture("costalloc/123456789012-aws-cost-allocation-2015-06.csv")],
    );
    match &report.files[0].status {
        FileStatus::Loaded { format, lines, .. } => {
            assert_eq!(format.label(), "cost allocation report");
            assert_eq!(
                *lines, 5,
                "line items and rounding; totals and the disclaimer are not money"
            );
        }
        other => panic!("{other:?}"),
    }
    let by_product = totals_by(&db, "2015-06", Dimension::Product, CostMeasure::Unblended);
    assert_close(by_product["Amazon Elastic Compute Cloud"], 110.5, "EC2");
    assert_close(by_product["Amazon Simple Storage Service"], 7.25, "S3");
    assert_close(month_total(&db, "2015-06", CostMeasure::Unblended), 117.76, "month");
    // Tags from the user: columns, for old tagged history.
    run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    let areas = totals_by(&db, "2015-06", Dimension::Area, CostMeasure::Unblended);
    assert_close(areas["search"], 100.0, "tagged search");
}

#[test]
fn an_empty_zip_is_an_error_like_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bill-2026-03.csv.zip");
    zip::ZipWriter::new(std::fs::File::create(&path).unwrap())
        .finish()
        .unwrap();
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[path]);
    assert!(
        err.contains("bill-2026-03.csv.zip") && err.contains("zip archive is empty"),
        "{err}"
    );
}

#[test]
fn a_cost_too_large_for_money_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{CUR_HEADER}\n{}{}",
        cur_line("l1", "i-1", "10"),
        cur_line("l2", "i-2", "1e30")
    );
    let path = write(&dir.path().join("huge.csv"), &text);
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[path]);
    assert!(
        err.contains("huge.csv: line 3") && err.contains("lineItem/UnblendedCost") && err.contains("too large"),
        "{err}"
    );
}

#[test]
fn a_line_longer_than_the_reader_takes_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(3 << 20);
    let text = format!(
        "{CUR_HEADER}\n{}{}",
        cur_line("l1", "i-1", "10"),
        cur_line("l2", &long, "1")
    );
    let path = write(&dir.path().join("long.csv"), &text);
    let (_d, db) = temp_db();
    let err = failing_sync(&db, &[path]);
    assert!(
        err.contains("long.csv: line 3") && err.contains("line longer than 2097152 bytes"),
        "{err}"
    );
    assert!(err.len() < 500, "{} bytes of error", err.len());
}

fn task_event(id: u32, version: &str, started: &str) -> String {
    format!(
        "{{\"detail-type\":\"ECS Task State Change\",\"detail\":{{\"taskArn\":\"arn:aws:ecs:r:1:task/c/t{id}\",\"group\":\"service:api\",\"startedAt\":{started},\"version\":{version}}}}}"
    )
}

#[test]
fn event_files_name_the_line_of_the_broken_record() {
    let dir = tempfile::tempdir().unwrap();
    let good = task_event(1, "1", "\"2026-07-01T00:00:00Z\"");
    let cases = [
        (
            "version.jsonl",
            format!(
                "{good}\n{good}\n{}\n",
                task_event(2, "\"abc\"", "\"2026-07-01T00:00:00Z\"")
            ),
            3,
            "\"version\": \"abc\"",
        ),
        (
            "time.jsonl",
            format!("{good}\n{}\n{good}\n", task_event(2, "1", "1782864000")),
            2,
            "\"startedAt\": 1782864000",
        ),
        (
            "cut.jsonl",
            format!(
                "{good}\n{good}\n{{\"detail-type\":\"ECS Task State Change\",\"detail\":{{\"taskArn\":\"x\"\n{good}\n"
            ),
            3,
            "malformed JSON record",
        ),
        (
            "end.json",
            format!("{good}\n{{\"detail-type\":\"ECS Task State Change\",\n \"detail\":{{\"taskArn\":\"x\""),
            2,
            "record cut off",
        ),
    ];
    for (name, text, line, message) in cases {
        let path = write(&dir.path().join(name), &text);
        let (_d, db) = temp_db();
        let err = failing_sync(&db, &[path]);
        assert!(err.contains(&format!("{name}: line {line}:")), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
    }
}

#[test]
fn a_broken_long_rules_line_prints_a_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "tag_key = \"product_area\"\n[[rule]]\narea = \"{}\n",
            "x".repeat(100_000)
        ),
    )
    .unwrap();
    let err = Rules::load(&rules, true).unwrap_err().to_string();
    assert!(err.contains("line 3"), "{err}");
    assert!(err.len() < 400, "{} bytes of error", err.len());
}

/// A database whose `report --by resource` is far larger than a pipe's buffer.
fn db_with_many_resources(dir: &Path) -> PathBuf {
    let mut text = format!("{CUR_HEADER}\n");
    for i in 0..6000 {
        text.push_str(&cur_line(
            &format!("l{i}"),
            &format!("arn:aws:s3:::a-bucket-with-a-long-name-{i:05}"),
            "1.5",
        ));
    }
    let bills = write(&dir.join("bills/cur.csv"), &text);
    let db = dir.join("pipe.duckdb");
    apportion(&db).arg("sync").arg(bills).assert().success();
    db
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_many_resources(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("apportion");
    for format in ["table", "csv", "json"] {
        let out = Process::new("bash")
            .arg("-c")
            .arg(format!(
                "set -o pipefail; '{}' --db '{}' report --by resource --format {format} | head -n 1 >/dev/null",
                bin.display(),
                db.display()
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn json_output_escapes_c1_controls_and_bidi_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{CUR_HEADER}\n{}", cur_line("l1", "i-1\u{9b}31m\u{202e}evil", "1"));
    let bills = write(&dir.path().join("bills/cur.csv"), &text);
    let db = dir.path().join("json.duckdb");
    apportion(&db).arg("sync").arg(bills).assert().success();
    let out = apportion(&db)
        .args(["report", "--by", "resource", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'), "{stdout:?}");
    assert!(stdout.contains("\\u009b") && stdout.contains("\\u202e"), "{stdout}");
    let parsed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(parsed[0]["resource"], "i-1\u{9b}31m\u{202e}evil");
}
