//! AWS split cost allocation data (SCAD), worked out by hand on
//! tests/fixtures/scad: a CUR 2.0 month whose split rows (a vCPU and a memory
//! row per ECS task and hour, resource = the task ARN, parent = the instance,
//! unblended cost 0) say how AWS divides three instance-hours of
//! i-0a…a (no task events), one of i-0b…b (task events too) and none of
//! i-0c…c (task events only). A volume is attached to i-0a…a for its first two
//! hours; a Fargate task's line is money of its own, its area the service map's
//! for its service (api → search, method `service`).
//!
//! The split rows, per task-hour (split cost + unused cost, vCPU and memory rows together):
//!
//! | instance-hour | line  | tasks                                                    |
//! |---------------|-------|----------------------------------------------------------|
//! | a, 00:00      | $1.00 | t1 api 0.48 + 0.12, t2 worker 0.32 + 0.08                |
//! | a, 01:00      | $1.00 | t2 worker 0.25 + 0.75                                    |
//! | a, 02:00      | $1.00 | t3 api 0.40 + 0.10, t4 (no service tag, cluster batch) 0.40 + 0.10 |
//! | b, 00:00      | $2.00 | e1 api 0.80 + 0.40, e2 worker 0.60 + 0.20                |
//!
//! Task events: on b, e1 (api, 1024 CPU) all hour and e2 (worker, 1024 CPU)
//! from 00:30; on c ($0.50), e3 (api, 512 CPU) all hour. Registered CPU 2048.
//! The volume line is $0.30 an hour, tagged `storage`. Service map: api → search, worker → jobs.
//! The bill: 3 + 0.90 + 2 + 0.50 + 0.10 = $6.50.

use std::collections::BTreeMap;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::ingest::FileStatus;
use apportion::rules::Rules;

use crate::common::*;

const MONTH: &str = "2026-08";

fn attributed(rules_text: &str, idle: &str) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    sync(&db, &[fixture("scad")]);
    attribute(&db, rules_text, idle);
    (dir, db)
}

fn attribute(db: &Db, rules_text: &str, idle: &str) {
    let text = format!("idle = \"{idle}\"\n{rules_text}");
    let rules = Rules::parse(&text, "rules.toml").unwrap();
    run_rules(db, &rules, &text, &Overrides::default()).unwrap();
}

fn rounded(map: BTreeMap<String, f64>) -> BTreeMap<String, String> {
    map.into_iter().map(|(k, v)| (k, format!("{v:.4}"))).collect()
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn by(db: &Db, dim: Dimension) -> BTreeMap<String, String> {
    rounded(totals_by(db, MONTH, dim, CostMeasure::Unblended))
}

#[test]
fn split_rows_are_weights_not_money() {
    let (_d, db) = temp_db();
    let report = sync(&db, &[fixture("scad")]);
    let cur = report
        .files
        .iter()
        .find(|f| f.path.ends_with("cur2-2026-08.csv"))
        .unwrap();
    match &cur.status {
        FileStatus::Loaded {
            lines,
            unblended_total,
            split_rows,
            ..
        } => {
            // 3 + 3 + 1 + 1 instance and volume hours and the Fargate line; 14
            // split rows (7 task-hours × vCPU and memory) are no lines of the bill.
            assert_eq!(*lines, 9);
            assert_eq!(unblended_total.as_f64(), 6.5);
            assert_eq!(*split_rows, 14);
        }
        other => panic!("{other:?}"),
    }
    attribute(&db, "", "spread");
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Unblended), "6.5000000000");
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Amortized), "6.5000000000");
    // No allocation names a task ARN as its resource: the split rows are not lines.
    let resources = totals_by(&db, MONTH, Dimension::Resource, CostMeasure::Unblended);
    assert!(
        resources
            .keys()
            .all(|r| !r.contains("task/prod/t") && !r.contains("task/prod/e")),
        "{resources:?}"
    );
    assert!(
        resources.contains_key("arn:aws:ecs:us-east-1:222222222222:task/prod/f1"),
        "the Fargate task is money"
    );
}

#[test]
fn spread_splits_by_aws_split_where_no_task_events_cover_the_hour() {
    let (_d, db) = attributed("", "spread");
    // a 00:00: api (0.48 + 0.12) / 1.00 = 0.60, worker 0.40; the merged volume hour 0.30: api 0.18, worker 0.12.
    // a 01:00: worker alone: 1.00; merged volume 0.30 → worker.
    // a 02:00: api 0.50, t4 (no service tag, no events) 0.50 as "(no service)", area (unmapped).
    // b 00:00: events cover it (auto): api 3600 × 1024 : worker 1800 × 1024 = 2/3 : 1/3 of $2.00.
    // c 00:00: events: api $0.50.
    assert_eq!(
        by(&db, Dimension::Method),
        expected(&[
            ("scad", "3.0000"),
            ("ebs", "0.6000"),
            ("ecs", "2.5000"),
            ("tag", "0.3000"),
            ("service", "0.1000"),
        ])
    );
    assert_eq!(
        by(&db, Dimension::Service),
        expected(&[
            ("api", "3.1133"),
            ("worker", "2.4867"),
            ("(no service)", "0.5000"),
            ("", "0.4000")
        ])
    );
    assert_eq!(
        by(&db, Dimension::Area),
        expected(&[
            ("search", "3.2133"),
            ("jobs", "2.4867"),
            ("(unmapped)", "0.5000"),
            ("storage", "0.3000"),
        ])
    );
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Unblended), "6.5000000000");
}

#[test]
fn separate_gives_unused_cost_to_idle() {
    let (_d, db) = attributed("", "separate");
    // a 00:00: api 0.48, worker 0.32, idle 0.20; volume 0.30: api 0.144, worker 0.096, idle 0.06.
    // a 01:00: worker 0.25, idle 0.75; volume 0.30: worker 0.075, idle 0.225.
    // a 02:00: api 0.40, (no service) 0.40, idle 0.20.
    // b (events): api 1024/2048 × $2.00 = 1.00, worker 1024/2048 × ½ × $2.00 = 0.50, idle 0.50.
    // c (events): api 512/2048 × $0.50 = 0.125, idle 0.375.
    assert_eq!(
        by(&db, Dimension::Area),
        expected(&[
            ("search", "2.2490"),
            ("jobs", "1.2410"),
            ("(unmapped)", "0.4000"),
            ("(idle)", "2.3100"),
            ("storage", "0.3000"),
        ])
    );
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Unblended), "6.5000000000");
}

#[test]
fn ecs_source_scad_prefers_aws_split_over_task_events() {
    let (_d, db) = attributed("ecs_source = \"scad\"\n", "spread");
    // b by AWS's split: api (0.80 + 0.40) / 2.00 × $2.00 = 1.20, worker 0.80; c keeps its events (no split rows).
    assert_eq!(
        by(&db, Dimension::Area),
        expected(&[
            ("search", "3.0800"),
            ("jobs", "2.6200"),
            ("(unmapped)", "0.5000"),
            ("storage", "0.3000"),
        ])
    );
    assert_eq!(
        by(&db, Dimension::Method),
        expected(&[
            ("scad", "5.0000"),
            ("ebs", "0.6000"),
            ("ecs", "0.5000"),
            ("tag", "0.3000"),
            ("service", "0.1000"),
        ])
    );
}

#[test]
fn ecs_source_events_never_splits_by_aws() {
    let (_d, db) = attributed("ecs_source = \"events\"\n", "spread");
    // a has no task events: its lines fall through to tags and rules (none), and so do the volume's merged hours.
    assert_eq!(
        by(&db, Dimension::Area),
        expected(&[
            ("search", "1.9333"),
            ("jobs", "0.6667"),
            ("storage", "0.3000"),
            ("(unallocated)", "3.6000")
        ])
    );
    assert!(!by(&db, Dimension::Method).contains_key("scad"));
}

#[test]
fn the_check_compares_both_splits_and_names_the_gaps() {
    let (_d, db) = attributed("", "spread");
    let check = db.ecs_check(MONTH).unwrap();
    assert_eq!(check.split_rows, 7);
    assert_eq!((check.both_hours, check.both_instances), (1, 1));
    let services: Vec<(String, String, String, String)> = check
        .services
        .iter()
        .map(|s| {
            let f = |v: &apportion::money::Money| format!("{:.4}", v.as_f64());
            (s.service.clone(), f(&s.by_events), f(&s.by_scad), f(&s.difference))
        })
        .collect();
    // b, 00:00: by CPU-seconds api 2/3 and worker 1/3 of $2.00; by AWS 1.20 and 0.80.
    assert_eq!(
        services,
        vec![
            (
                "api".to_owned(),
                "1.3333".to_owned(),
                "1.2000".to_owned(),
                "0.1333".to_owned()
            ),
            (
                "worker".to_owned(),
                "0.6667".to_owned(),
                "0.8000".to_owned(),
                "-0.1333".to_owned()
            ),
        ]
    );
    // a: three hours (with the merged volume hours) of split rows and no events; c: the reverse.
    assert_eq!(check.scad_only.len(), 1);
    assert_eq!(check.scad_only[0].instance, "i-0a00000000000000a");
    assert_eq!(check.scad_only[0].hours, 3);
    assert_eq!(
        (
            check.scad_only[0].first_hour.as_str(),
            check.scad_only[0].last_hour.as_str()
        ),
        ("2026-08-01 00:00", "2026-08-01 02:00")
    );
    assert_close(check.scad_only[0].cost.as_f64(), 3.6, "a's hours");
    assert_eq!(check.events_only.len(), 1);
    assert_eq!(
        (check.events_only[0].instance.as_str(), check.events_only[0].hours),
        ("i-0c00000000000000c", 1)
    );
    assert_close(check.events_only[0].cost.as_f64(), 0.5, "c's hour");
    // The check does not depend on which split attribution took.
    attribute(&db, "ecs_source = \"events\"\n", "spread");
    assert_eq!(db.ecs_check(MONTH).unwrap().services, check.services);
}

#[test]
fn ecs_check_and_explain_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.duckdb");
    apportion(&db).arg("sync").arg(fixture("scad")).assert().success();
    let out = apportion(&db).arg("ecs-check").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ECS split check for 2026-08"), "{text}");
    assert!(
        text.contains("api") && text.contains("$1.33") && text.contains("$1.20") && text.contains("+$0.13"),
        "{text}"
    );
    assert!(text.contains("worker") && text.contains("-$0.13"), "{text}");
    assert!(
        text.contains("AWS split rows but no task events (event capture gaps): 3 on 1 instance(s), $3.60"),
        "{text}"
    );
    assert!(
        text.contains("task events but no AWS split rows: 1 on 1 instance(s), $0.50"),
        "{text}"
    );
    let api_line = text.lines().position(|l| l.trim_start().starts_with("api")).unwrap();
    let worker_line = text.lines().position(|l| l.trim_start().starts_with("worker")).unwrap();
    assert!(
        api_line < worker_line,
        "largest difference first (a tie: larger cost first)\n{text}"
    );
    let out = apportion(&db)
        .args(["ecs-check", "--month", "2026-07"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "No bill for 2026-07 in the database.\n"
    );

    let out = apportion(&db)
        .args(["explain", "i-0b00000000000000b"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("AWS split cost allocation data on this instance"),
        "{text}"
    );
    assert!(
        text.contains("$1.20 +      $0.40") || text.contains("$0.80 +"),
        "{text}"
    );
    assert!(text.contains("the ECS split both ways"), "{text}");
    assert!(text.contains("$1.33         $1.20  api (search)"), "{text}");
    let out = apportion(&db)
        .args(["explain", "i-0a00000000000000a"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("search service api  by AWS split cost allocation data"),
        "{text}"
    );
    assert!(
        text.contains("3 instance-hour(s) with AWS split rows but no task events: $3.60"),
        "{text}"
    );
}

#[test]
fn a_redelivered_month_replaces_its_split_rows() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["ecs-events.jsonl", "cloudtrail.json", "services.csv"] {
        std::fs::copy(fixture(&format!("scad/{f}")), dir.path().join(f)).unwrap();
    }
    let original = std::fs::read_to_string(fixture("scad/cur2-2026-08.csv")).unwrap();
    std::fs::write(dir.path().join("cur2-2026-08.csv"), &original).unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    attribute(&db, "", "spread");
    // AWS delivers the month again under another name (another execution):
    // t1 and t2 swap their weights in a's first hour.
    std::fs::remove_file(dir.path().join("cur2-2026-08.csv")).unwrap();
    let swapped: String = original
        .lines()
        .map(|l| {
            let l = if l.contains("task/prod/t1,1.0,") {
                l.replace(",0.432,0.108,", ",0.288,0.108,")
            } else {
                l.to_owned()
            };
            let l = if l.contains("task/prod/t2,1.0,") {
                l.replace(",0.288,0.072,", ",0.432,0.072,")
            } else {
                l
            };
            format!("{l}\n")
        })
        .collect();
    assert_ne!(swapped, original);
    std::fs::write(dir.path().join("cur2-2026-08-redelivered.csv"), &swapped).unwrap();
    let report = sync(&db, &[dir.path().to_path_buf()]);
    assert!(report.replaced_lines > 0);
    let choice = apportion::attribute::RulesChoice {
        given: None,
        default: dir.path().join("none.toml"),
    };
    let plan = apportion::attribute::plan(&db, &choice, &Overrides::default()).unwrap();
    let run = apportion::attribute::run(&db, &plan, &apportion::db::Scope::Changed, &mut ()).unwrap();
    assert_eq!(
        run.periods,
        vec![MONTH.to_owned()],
        "the new split rows change the month's fingerprint"
    );
    // a 00:00 by the new rows only (the vCPU split costs swapped): api 0.288 + 0.048 split and
    // 0.108 + 0.012 unused = 0.456; worker 0.432 + 0.032 and 0.072 + 0.008 = 0.544.
    let services = by(&db, Dimension::Service);
    // api: 0.456 + volume 0.30 × 0.456 + 0.50 (a 02:00) + 1.3333 (b) + 0.50 (c) = 2.9261
    assert_eq!(services.get("api").map(String::as_str), Some("2.9261"), "{services:?}");
    assert_eq!(
        db.ecs_check(MONTH).unwrap().split_rows,
        7,
        "the old delivery's split rows are gone"
    );
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Unblended), "6.5000000000");
}

#[test]
fn legacy_cur_split_columns_and_tag_spelling_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/aws:ecs:serviceName,resourceTags/aws:ecs:clusterName,splitLineItem/ParentResourceId,splitLineItem/SplitCost,splitLineItem/UnusedCost,splitLineItem/SplitUsage,splitLineItem/SplitUsageRatio,splitLineItem/ReservedUsage,splitLineItem/ActualUsage\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonEC2,BoxUsage:m6i.large,i-0e00000000000000e,4.00,,,,,,,,,\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonECS,ECS-EC2-vCPU-Hours,arn:aws:ecs:us-east-1:2:task/web/a1,0,api,web,i-0e00000000000000e,0.90,0.10,1,0.5,1,0.2\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonECS,ECS-EC2-GB-Hours,arn:aws:ecs:us-east-1:2:task/web/a1,0,api,web,i-0e00000000000000e,0.10,0.00,2,0.25,2,1\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonECS,ECS-EC2-vCPU-Hours,arn:aws:ecs:us-east-1:2:task/web/b1,0,,,i-0e00000000000000e,2.61,0.29,3,0.75,3,3\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonEKS,EKS-EC2-vCPU-Hours,arn:aws:eks:us-east-1:2:pod/k/ns/p1,0,,,i-0e00000000000000e,9.00,0,1,1,1,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("services.csv"),
        "service,product_area,cluster\napi,search,web\n",
    )
    .unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    attribute(&db, "", "spread");
    // a1 (api, cluster web from its tag): 0.90 + 0.10 + 0.10 + 0 = 1.10; b1 (no tags; cluster web
    // from its ARN): 2.61 + 0.29 = 2.90; the EKS pod p1 (namespace ns, no map entry): 9.00; of 13.00
    // in all: $4.00 × 1.1/13, × 2.9/13 and × 9/13. The pod's row is a weight, not money.
    assert_eq!(
        by(&db, Dimension::Area),
        expected(&[("search", "0.3385"), ("(unmapped)", "3.6615")])
    );
    assert_eq!(
        by(&db, Dimension::Service),
        expected(&[("api", "0.3385"), ("(no service)", "0.8923"), ("ns/p1", "2.7692")])
    );
    assert_eq!(month_total_text(&db, MONTH, CostMeasure::Unblended), "4.0000000000");
}

#[test]
fn cur2_parquet_with_map_tags_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["ecs-events.jsonl", "cloudtrail.json", "services.csv"] {
        std::fs::copy(fixture(&format!("scad/{f}")), dir.path().join(f)).unwrap();
    }
    // The same month as AWS writes CUR 2.0 parquet: typed columns, tags a MAP.
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let csv = fixture("scad/cur2-2026-08.csv").to_string_lossy().replace('\'', "''");
    let parquet = dir
        .path()
        .join("cur2-2026-08-00001.snappy.parquet")
        .to_string_lossy()
        .replace('\'', "''");
    conn.execute_batch(&format!(
        "COPY (SELECT * REPLACE (CAST(CAST(resource_tags AS JSON) AS MAP(VARCHAR, VARCHAR)) AS resource_tags,
                                  CAST(line_item_usage_start_date AS TIMESTAMP) AS line_item_usage_start_date,
                                  CAST(line_item_usage_end_date AS TIMESTAMP) AS line_item_usage_end_date,
                                  CAST(bill_billing_period_start_date AS TIMESTAMP) AS bill_billing_period_start_date,
                                  CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost,
                                  CAST(split_line_item_split_cost AS DOUBLE) AS split_line_item_split_cost,
                                  CAST(split_line_item_unused_cost AS DOUBLE) AS split_line_item_unused_cost)
               FROM read_csv('{csv}', all_varchar = true))
         TO '{parquet}' (FORMAT parquet)"
    ))
    .unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    attribute(&db, "", "spread");
    let (_e, from_csv) = attributed("", "spread");
    assert_eq!(by(&db, Dimension::Service), by(&from_csv, Dimension::Service));
    assert_eq!(by(&db, Dimension::Method), by(&from_csv, Dimension::Method));
}

#[test]
fn the_check_under_idle_separate_shows_idle_both_ways() {
    let (_d, db) = attributed("", "separate");
    let check = db.ecs_check(MONTH).unwrap();
    let services: Vec<(String, String, String, String)> = check
        .services
        .iter()
        .map(|s| {
            let f = |v: &apportion::money::Money| format!("{:.4}", v.as_f64());
            (s.service.clone(), s.area.clone(), f(&s.by_events), f(&s.by_scad))
        })
        .collect();
    // b, 00:00 ($2.00): by CPU-seconds of 2048 registered, api 1024 × 3600 s → $1.00, worker
    // 1024 × 1800 s → $0.50, idle $0.50; by AWS, split cost only: api $0.80, worker $0.60, and
    // the unused $0.40 + $0.20 → idle $0.60. Differences +0.20, −0.10, −0.10 (ties: larger cost,
    // then name).
    let row = |s: &str, a: &str, e: &str, c: &str| (s.to_owned(), a.to_owned(), e.to_owned(), c.to_owned());
    assert_eq!(
        services,
        vec![
            row("api", "search", "1.0000", "0.8000"),
            row("(idle)", "(idle)", "0.5000", "0.6000"),
            row("worker", "jobs", "0.5000", "0.6000"),
        ]
    );
}

#[test]
fn hostile_strings_in_split_rows_reach_the_terminal_inert() {
    let dir = tempfile::tempdir().unwrap();
    // A service tag and a parent resource id carrying terminal escapes.
    std::fs::write(
        dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/aws:ecs:serviceName,splitLineItem/ParentResourceId,splitLineItem/SplitCost,splitLineItem/UnusedCost\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonEC2,i-0e\u{1b}[2J,1.00,,,,\n\
         2026-08-01T00:00:00Z,1,2,Usage,2026-08-01T00:00:00Z,2026-08-01T01:00:00Z,AmazonECS,arn:aws:ecs:us-east-1:2:task/web/a1,0,api\u{1b}]0;owned\u{7},i-0e\u{1b}[2J,0.50,0.50\n",
    )
    .unwrap();
    let db = dir.path().join("db.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(dir.path().join("cur.csv"))
        .assert()
        .success();
    for args in [
        vec!["ecs-check"],
        vec!["explain", "i-0e\u{1b}[2J"],
        vec!["report", "--by", "service,resource"],
    ] {
        let out = apportion(&db).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{args:?}: {text}");
        assert!(text.contains("\\x1b"), "{args:?}: {text}");
    }
}

#[test]
fn a_month_without_split_rows_has_no_check_rows() {
    // Task events only (tests/fixtures/attribution): nothing to compare, and
    // explain of an instance says nothing about AWS's split.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(fixture("attribution"))
        .assert()
        .success();
    let out = apportion(&db).arg("ecs-check").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("No AWS split cost allocation data in 2026-07"), "{text}");
    assert!(!text.contains("Instance-hours with"), "{text}");
    let out = apportion(&db)
        .args(["explain", "i-0000000000000000a"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("ECS tasks on this instance") && !text.contains("AWS split"),
        "{text}"
    );
    let (_d, handle) = temp_db();
    sync(&handle, &[fixture("attribution")]);
    attribute(&handle, "", "spread");
    let check = handle.ecs_check("2026-07").unwrap();
    assert!(
        check.services.is_empty() && check.scad_only.is_empty() && check.events_only.is_empty(),
        "{check:?}"
    );
}
