//! A tagging session from the command line: `tag assign`, `tag undo` and
//! `tag by-tag` move only what their rule claims (the run says so), and a
//! chase list longer than 50 rows offers groups that one rule each claims.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common::*;

fn stdout(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// Two months of 80 untagged `plover-raw-NNNN` buckets, a few tagged with
/// `team`, and one tagged with the area key; the rules file in `dir`.
fn raw_buckets(dir: &Path) -> (PathBuf, PathBuf) {
    let mut cur = String::from(
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/BlendedCost,resourceTags/user:product_area,resourceTags/user:team\n",
    );
    for month in ["2026-10", "2026-11"] {
        writeln!(
            cur,
            "{month}-01T00:00:00Z,1,1,Usage,{month}-01T00:00:00Z,{month}-02T00:00:00Z,AmazonEC2,BoxUsage,i-0000000000000001,500,500,query,"
        )
        .unwrap();
        for n in 0..80 {
            let team = if n % 10 == 0 { "data" } else { "" };
            writeln!(
                cur,
                "{month}-01T00:00:00Z,1,1,Usage,{month}-01T00:00:00Z,{month}-02T00:00:00Z,AmazonS3,TimedStorage,plover-raw-{n:04},{}.00,{}.00,,{team}",
                10 + n,
                10 + n
            )
            .unwrap();
        }
    }
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(exports.join("cur.csv"), cur).unwrap();
    let rules = dir.join("rules.toml");
    std::fs::write(&rules, "[[rule]]\narea = \"query\"\nproduct = \"AmazonEC2\"\n").unwrap();
    (exports, rules)
}

#[test]
fn tag_commands_assign_and_undo_through_the_delta_path() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::copy(fixture("invoice/rules.toml"), &rules).unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(fixture("invoice/cur-2026-09.csv"))
        .assert()
        .success();
    let before = stdout(apportion(&db).args(["report", "--by", "area"]).assert().success());
    // u4 (plover-scratch, $20) is the fixture's unallocated usage.
    let out = stdout(
        apportion(&db)
            .args(["tag", "assign", "resource", "plover-scratch", "platform"])
            .assert()
            .success(),
    );
    assert!(out.contains("rule 3 added to"), "{out}");
    assert!(
        out.contains("rule 3 appended: 1 month, $20.00 moved from (unallocated) to platform"),
        "{out}"
    );
    assert!(out.contains("2026-09 (first) up to date in"), "{out}");
    let runs = stdout(apportion(&db).arg("runs").assert().success());
    assert!(runs.contains("rule 3 appended: 1 month"), "{runs}");
    let after = stdout(apportion(&db).args(["report", "--by", "area"]).assert().success());
    assert!(after.contains("platform"), "{after}");
    let out = stdout(apportion(&db).args(["tag", "undo"]).assert().success());
    assert!(
        out.contains("rule 3 removed: 1 month, $20.00 moved back from platform to (unallocated)"),
        "{out}"
    );
    assert_eq!(
        stdout(apportion(&db).args(["report", "--by", "area"]).assert().success()),
        before
    );
    // A field that is no matcher is refused before anything changes.
    apportion(&db)
        .args(["tag", "assign", "colour", "x", "y"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot match on \"colour\""));
}

#[test]
fn a_long_chase_list_offers_groups_one_rule_each() {
    let dir = tempfile::tempdir().unwrap();
    let (exports, rules) = raw_buckets(dir.path());
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(&exports)
        .assert()
        .success();
    let out = stdout(apportion(&db).arg("coverage").assert().success());
    // 80 buckets of $10–$89 ($3,960) against $500 attributed: 59 of them to reach 90%.
    assert!(out.contains("or claim these groups, one rule each"), "{out}");
    assert!(
        out.contains("$3,960.00  → 100.0%  resources plover-raw-* (80)  [resource = \"plover-raw-*\" → AREA]"),
        "{out}"
    );
    // Buckets 0, 10, …, 70 carry team = data: $10 + $20 + … + $80.
    assert!(out.contains("$360.00  →  19.3%  tag team (1 values → areas)"), "{out}");
    let out = stdout(
        apportion(&db)
            .args(["tag", "assign", "--glob", "resource", "plover-raw-*", "ingest"])
            .assert()
            .success(),
    );
    assert!(
        out.contains("rule 2 appended: 2 months, $7,920.00 moved from (unallocated) to ingest"),
        "{out}"
    );
    let out = stdout(apportion(&db).arg("coverage").assert().success());
    assert!(out.starts_with("2026-11: 100.0% of $4,460.00 attributed"), "{out}");
    assert!(!out.contains("or claim these groups"), "{out}");
    // Undo, then the tag key's group: each value of `team` becomes an area.
    apportion(&db).args(["tag", "undo"]).assert().success();
    let out = stdout(apportion(&db).args(["tag", "by-tag", "team"]).assert().success());
    assert!(
        out.contains("rule 2 appended: 2 months, $720.00 moved from (unallocated) to data"),
        "{out}"
    );
}
