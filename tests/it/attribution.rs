//! Attribution worked out by hand on tests/fixtures/attribution: two
//! instance-hours, two tasks (one stops, one starts mid-hour; duplicated and
//! out-of-order events), a volume attached for the middle hour, a failed
//! attach, a rule, and an untagged line. Every share is computed in comments.

use std::collections::BTreeMap;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::rules::{Idle, Rules};

use crate::common::*;

fn attributed(idle: Idle) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    sync(&db, &[fixture("attribution")]);
    let text = std::fs::read_to_string(fixture("attribution/rules.toml")).unwrap();
    let rules = Rules::parse(&text, "rules.toml").unwrap();
    run_rules(
        &db,
        &rules,
        &text,
        &Overrides {
            idle: Some(idle),
            ..Overrides::default()
        },
    )
    .unwrap();
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
            ("ebs", "0.6000"),
            ("tag", "0.6000"),
            ("rule:1", "2.0000"),
            ("unallocated", "3.0000"),
        ])
    );
    // Where a volume merged is its own dimension, not part of the method.
    let merged = rounded(totals_by(&db, "2026-07", Dimension::MergedInto, CostMeasure::Unblended));
    assert_eq!(merged.get("i-0000000000000000a").map(String::as_str), Some("0.6000"));
    assert_eq!(merged.len(), 2, "{merged:?}");
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
    assert_eq!(
        placed,
        vec![(
            "b99d40b3-5176-4f71-9a52-9dbd6f1cebef".to_owned(),
            "i-f3a8506b".to_owned()
        )]
    );
}

#[test]
fn a_volume_detached_and_attached_again_within_the_hour_merges_both_parts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:product_area\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,i-0000000000000000c,1.00,compute\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,vol-0000000000000000d,0.60,storage\n",
    )
    .unwrap();
    let record = |name: &str, at: &str, instance: &str| {
        format!(
            "{{\"eventName\":\"{name}\",\"eventTime\":\"2026-07-01T{at}:00Z\",\"requestParameters\":{{\"volumeId\":\"vol-0000000000000000d\"{instance}}}}}"
        )
    };
    let records = [
        record("AttachVolume", "00:00", ",\"instanceId\":\"i-0000000000000000c\""),
        record("DetachVolume", "00:20", ""),
        record("AttachVolume", "00:40", ",\"instanceId\":\"i-0000000000000000c\""),
    ];
    std::fs::write(
        dir.path().join("trail.json"),
        format!("{{\"Records\":[{}]}}", records.join(",")),
    )
    .unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
    // 20 + 20 of 60 minutes merge: 0.40 follows the instance (tag compute), 0.20 keeps the volume's tag.
    assert_eq!(
        rounded(totals_by(&db, "2026-07", Dimension::Method, CostMeasure::Unblended)),
        expected(&[("tag", "1.2000"), ("ebs", "0.4000")])
    );
    assert_eq!(
        rounded(totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)),
        expected(&[("compute", "1.4000"), ("storage", "0.2000")])
    );
}

#[test]
fn lines_whose_tag_sets_hash_alike_keep_their_own_areas() {
    // DuckDB's hash() gives these two tag sets the same 64-bit value; grouping
    // lines by that hash once gave both the same area.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:product_area,resourceTags/user:team\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,i-0000000000000000e,1.00,area-16,team-2\n\
         2026-07-01T00:00:00Z,1,Usage,2026-07-01T01:00:00Z,2026-07-01T02:00:00Z,i-0000000000000000e,2.00,area-11,team-3\n",
    )
    .unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    for _ in 0..3 {
        run_rules(&db, &Rules::defaults(), "", &Overrides::default()).unwrap();
        assert_eq!(
            rounded(totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)),
            expected(&[("area-16", "1.0000"), ("area-11", "2.0000")])
        );
    }
}
