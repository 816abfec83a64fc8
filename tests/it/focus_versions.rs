//! FOCUS 1.1 and 1.3 as providers write them, from fixtures written from the
//! spec's column definitions: totals exact, a Correction row in the period
//! of the invoice that carries it, `ServiceProviderName` before the
//! deprecated `ProviderName`, a 1.3 provider-side split read as its
//! workloads' resource and tags, `x_` columns kept as tags, and every other
//! column stored in the line's details (never money).

use std::path::Path;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::rules::Rules;

use crate::common::*;

fn attribute(db: &Db) {
    run_rules(db, &Rules::defaults(), "", &Overrides::default()).unwrap();
}

/// One value of the synced database, by SQL (the test's own read, not db's).
fn query(db: &Path, sql: &str) -> String {
    let conn = duckdb::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .unwrap_or_default()
}

#[test]
fn focus_1_1_with_commitments_and_a_correction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.duckdb");
    let file = fixture("focus/focus-1.1-2026-06.csv");
    {
        let db = Db::open(&path).unwrap();
        sync(&db, std::slice::from_ref(&file));
        attribute(&db);
        // 10.50 + 0 + 9.45 + 3.00 - 1.20 billed; 7.35 + 2.10 + 0 + 3.00 - 1.20 effective.
        assert_eq!(
            month_total_text(&db, "2026-06", CostMeasure::Unblended),
            "21.7500000000"
        );
        assert_eq!(
            month_total_text(&db, "2026-06", CostMeasure::Amortized),
            "11.2500000000"
        );
        assert!(
            month_total(&db, "2026-05", CostMeasure::Unblended).abs() < 1e-9,
            "the correction stays in June"
        );
        let by_service = independent_sums(
            &file,
            |h, r| field(h, r, "ServiceName").to_owned(),
            "BilledCost",
            |_, _| true,
        );
        assert_maps_close(
            &totals_by(&db, "2026-06", Dimension::Product, CostMeasure::Unblended),
            &by_service,
        );
        let areas = totals_by(&db, "2026-06", Dimension::Area, CostMeasure::Unblended);
        assert!(areas["query"] >= 10.5, "Product-Area is the area key: {areas:?}");
        let tags = db.resource_tags("2026-06", "arn:aws:s3:::lake-raw").unwrap();
        assert_eq!(tags.get("x_Team").map(String::as_str), Some("data"), "{tags:?}");
    }
    assert_eq!(
        query(
            &path,
            "SELECT details -> 'SkuPriceDetails' ->> 'InstanceType' FROM billing_lines WHERE resource_id = 'i-0fff0000000000001'"
        ),
        "m5.large"
    );
    assert_eq!(
        query(
            &path,
            "SELECT string_agg(details ->> 'CommitmentDiscountStatus', ',' ORDER BY details ->> 'CommitmentDiscountStatus') FROM billing_lines"
        ),
        "Unused,Used"
    );
    assert_eq!(
        query(
            &path,
            "SELECT details ->> 'ChargeClass' FROM billing_lines WHERE unblended_cost < 0"
        ),
        "Correction"
    );
}

#[test]
fn focus_1_3_provider_split_and_extension_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.duckdb");
    let file = fixture("focus/focus-1.3-2026-07.csv");
    {
        let db = Db::open(&path).unwrap();
        sync(&db, std::slice::from_ref(&file));
        attribute(&db);
        // 6.00 + 3.00 + 1.00 (the node's three allocated rows) + 4.25 + 0.71 tax.
        assert_eq!(
            month_total_text(&db, "2026-07", CostMeasure::Unblended),
            "14.9600000000"
        );
        let areas = totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended);
        // The node's three allocated rows: the pods' AllocatedTags, the remainder the node's own tags.
        assert_eq!(areas["query"], 6.0, "{areas:?}");
        assert_eq!(areas["ingest"], 3.0, "{areas:?}");
        assert_eq!(areas["platform"], 1.0, "{areas:?}");
        assert!(
            !areas.contains_key("search"),
            "x_ProductArea is not the area without area_from_column: {areas:?}"
        );
        let resources = totals_by(&db, "2026-07", Dimension::Resource, CostMeasure::Unblended);
        assert_eq!(
            resources["arn:aws:eks:us-east-1:300000000002:pod/prod/ns-a/pod-a/1"], 6.0,
            "{resources:?}"
        );
        assert_eq!(
            resources["i-0aaa0000000000001"], 1.0,
            "the remainder keeps the node: {resources:?}"
        );
    }
    assert_eq!(
        query(&path, "SELECT string_agg(DISTINCT provider, ',') FROM billing_lines"),
        "Amazon Web Services"
    );
    assert_eq!(
        query(&path, "SELECT string_agg(DISTINCT invoice_id, ',') FROM billing_lines"),
        "INV-2026-07-1"
    );
    assert_eq!(
        query(
            &path,
            "SELECT details -> 'ContractApplied' -> 'Elements' -> 0 ->> 'ContractId' FROM billing_lines WHERE details ->> 'ContractApplied' IS NOT NULL"
        ),
        "C-1"
    );
    // area_from_column reads the x_ column before the tag: the Lambda line is search.
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "area_from_column = \"x_ProductArea\"\n").unwrap();
    apportion(&path)
        .arg("--rules")
        .arg(&rules)
        .arg("attribute")
        .assert()
        .success();
    let db = Db::open(&path).unwrap();
    let areas = totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended);
    assert_eq!(areas["search"], 4.25, "{areas:?}");
    assert_eq!(areas["query"], 6.0, "{areas:?}");
}
