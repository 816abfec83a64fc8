//! `[tag_aliases]`: spellings a company's accounts give one key are read as
//! that key, and move a known amount from `(unallocated)` to its area;
//! `coverage --tag-keys` finds them first.

use std::collections::BTreeMap;

use apportion::db::{CostMeasure, Db, Dimension};

use crate::common::*;

fn stdout(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

const HEADER: &str = "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/BlendedCost,resourceTags/user:product_area,resourceTags/user:ProdArea,resourceTags/user:Product-Area,resourceTags/user:owner";

/// One month: $100 tagged product_area, $40 ProdArea, $7 Product-Area (the
/// same letters: read without an alias), $5 tagged owner (a rule reads the
/// `team` tag), $3 untagged.
fn bill() -> String {
    let line = |resource: &str, cost: &str, tags: &str| {
        format!(
            "2026-10-01T00:00:00Z,1,1,Usage,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,AmazonEC2,BoxUsage,{resource},{cost},{cost},{tags}\n"
        )
    };
    let mut cur = format!("{HEADER}\n");
    cur += &line("i-0000000000000001", "100.00", "query,,,");
    cur += &line("i-0000000000000002", "40.00", ",ingest,,");
    cur += &line("i-0000000000000003", "7.00", ",,query,");
    cur += &line("i-0000000000000004", "5.00", ",,,data-eng");
    cur += &line("i-0000000000000005", "3.00", ",,,");
    cur
}

fn areas(db: &std::path::Path) -> BTreeMap<String, f64> {
    let db = Db::open(db).unwrap();
    totals_by(&db, "2026-10", Dimension::Area, CostMeasure::Unblended)
}

#[test]
fn aliases_move_their_cost_from_unallocated_to_the_area() {
    let dir = tempfile::tempdir().unwrap();
    let cur = dir.path().join("cur.csv");
    std::fs::write(&cur, bill()).unwrap();
    let rules = dir.path().join("rules.toml");
    let rule = "[[rule]]\narea = \"data\"\ntags = { team = \"data-*\" }\n";
    std::fs::write(&rules, rule).unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(&cur)
        .assert()
        .success();
    let before = areas(&db);
    assert_eq!(before["query"], 107.0, "{before:?}");
    assert_eq!(before["(unallocated)"], 48.0, "{before:?}");
    assert!(
        !before.contains_key("ingest") && !before.contains_key("data"),
        "{before:?}"
    );

    let keys = stdout(apportion(&db).args(["coverage", "--tag-keys"]).assert().success());
    assert!(keys.contains("tag keys like the area key \"product_area\""), "{keys}");
    let row = |name: &str| {
        keys.lines()
            .find(|l| l.ends_with(&format!("  {name}")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("product_area").starts_with("  read ") && row("product_area").contains("$100.00"),
        "{keys}"
    );
    assert!(
        row("Product-Area").starts_with("  read ") && row("Product-Area").contains("$7.00"),
        "{keys}"
    );
    assert!(
        row("ProdArea").starts_with("  not read") && row("ProdArea").contains("$40.00"),
        "{keys}"
    );
    assert!(row("owner").is_empty(), "owner does not look like product_area: {keys}");
    assert!(keys.contains("product_area = [\"ProdArea\"]"), "{keys}");

    std::fs::write(
        &rules,
        format!("[tag_aliases]\nproduct_area = [\"ProdArea\"]\nteam = [\"owner\"]\n\n{rule}"),
    )
    .unwrap();
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("attribute")
        .assert()
        .success();
    let after = areas(&db);
    assert_eq!(after["query"], 107.0, "{after:?}");
    assert_eq!(after["ingest"], 40.0, "the alias moved ProdArea's $40: {after:?}");
    assert_eq!(after["data"], 5.0, "the rule read team from owner: {after:?}");
    assert_eq!(after["(unallocated)"], 3.0, "{after:?}");
    assert_eq!(after.values().sum::<f64>(), before.values().sum::<f64>(), "conserved");
    let keys = stdout(apportion(&db).args(["coverage", "--tag-keys"]).assert().success());
    assert!(keys.contains("read (alias)") && !keys.contains("not read"), "{keys}");
    let explain = stdout(
        apportion(&db)
            .args(["explain", "i-0000000000000002"])
            .assert()
            .success(),
    );
    assert!(explain.contains("ingest"), "{explain}");
}
