//! The whole invoice, worked out by hand on tests/fixtures/invoice: usage,
//! support and tax booked to `shared`, an EDP discount naming a resource and
//! one that does not, a credit, a refund, a credit for a product the account
//! did not use, a Savings Plan (covered usage, negation, recurring fee with
//! some of it unused) and a reservation (discounted usage, RI fee with unused
//! hours); then three splits: proportional, even and fixed. Every figure
//! below is derived in the comments from the fixture's lines.

use std::collections::BTreeMap;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::rules::Rules;

use crate::common::*;

const MONTH: &str = "2026-09";

fn attributed(rules_text: &str) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    sync(&db, &[fixture("invoice/cur-2026-09.csv")]);
    let rules = Rules::parse(rules_text, "rules.toml").unwrap();
    run_rules(&db, &rules, rules_text, &Overrides::default()).unwrap();
    (dir, db)
}

/// `apportion --rules RULES sync` of the fixture into a fresh database, as a
/// user runs it: the database path and the command's assertion.
fn sync_cli(dir: &tempfile::TempDir, rules: &std::path::Path) -> (std::path::PathBuf, assert_cmd::assert::Assert) {
    let db = dir.path().join("a.duckdb");
    let assert = apportion(&db)
        .arg("--rules")
        .arg(rules)
        .arg("sync")
        .arg(fixture("invoice/cur-2026-09.csv"))
        .assert();
    (db, assert)
}

/// A rules file of `text` in `dir`.
fn rules_file(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, text).unwrap();
    rules
}

fn fixture_rules() -> String {
    std::fs::read_to_string(fixture("invoice/rules.toml")).unwrap()
}

/// `actual` equals `expected` to the cent, area by area, and has no other area.
fn assert_cents(actual: &BTreeMap<String, f64>, expected: &[(&str, f64)], what: &str) {
    let actual: BTreeMap<&str, String> = actual
        .iter()
        .filter(|(_, v)| v.abs() >= 0.005)
        .map(|(k, v)| (k.as_str(), format!("{v:.2}")))
        .collect();
    let expected: BTreeMap<&str, String> = expected.iter().map(|(k, v)| (*k, format!("{v:.2}"))).collect();
    assert_eq!(actual, expected, "{what}");
}

#[test]
fn discounts_credits_and_commitments_follow_their_usage_before_any_split() {
    // The rules without their splits: the direct attribution alone.
    let text = fixture_rules();
    let direct_rules = &text[..text.find("[[split]]").unwrap()];
    let (_d, db) = attributed(direct_rules);
    // Unblended, line by line:
    //   ingest   u1 100, d1 −5 (names i-…aaaa), c1 −19 × 100/190 (EC2 usage of account 1:
    //            ingest 100, query 60 + 30) = −10                                      → 85
    //   query    u2 60, sp1 30, sp2 −30 (follows i-…cccc), sp3's used 20 − 2 = 18 (the
    //            covered usage it paid for), c1 −9                                      → 69
    //   pipeline u3 40, ri1 0, ri2's used 15 − 3 = 12 (the discounted usage), d2 −3 × 40/60,
    //            r1 −6 × 40/60, c2 −3 × 40/60 (no CloudWatch usage: the account's usage)  → 44
    //   (unallocated) u4 20, d2 −1, r1 −2, c2 −1                                        → 16
    //   shared   f1 25 + t1 8                                                           → 33
    //   (unused commitment) sp3: min(20, 20 − 18) = 2, ri2: min(15, 1 + 2) = 3          → 5
    let unblended = [
        ("ingest", 85.0),
        ("query", 69.0),
        ("pipeline", 44.0),
        ("(unallocated)", 16.0),
        ("shared", 33.0),
        ("(unused commitment)", 5.0),
    ];
    let by_area = |m| totals_by(&db, MONTH, Dimension::Area, m);
    assert_cents(&by_area(CostMeasure::Unblended), &unblended, "unblended");
    assert_cents(
        &by_area(CostMeasure::Blended),
        &unblended,
        "blended (the fixture's equals unblended)",
    );
    // Amortized: sp1 18, sp2 0, sp3 2 (all unused), ri1 12, ri2 3 (all unused); the
    // discounts and credits share by amortized usage: c1 over ingest 100, query 60 + 18.
    let c1_ingest = -19.0 * 100.0 / 178.0;
    let c2_pipeline = -3.0 * 52.0 / 72.0; // account 2's amortized usage: pipeline 40 + 12, (unallocated) 20
    let amortized = [
        ("ingest", 100.0 - 5.0 + c1_ingest),
        ("query", 60.0 + 18.0 + (-19.0 - c1_ingest)),
        ("pipeline", 40.0 + 12.0 - 2.0 - 4.0 + c2_pipeline),
        ("(unallocated)", 20.0 - 1.0 - 2.0 + (-3.0 - c2_pipeline)),
        ("shared", 33.0),
        ("(unused commitment)", 5.0),
    ];
    assert_cents(&by_area(CostMeasure::Amortized), &amortized, "amortized");
    let methods = totals_by(&db, MONTH, Dimension::Method, CostMeasure::Unblended);
    // Followers: d1 −5, sp2 −30, sp3 20, ri2 15, d2 −3, c1 −19, r1 −6, c2 −3.
    assert_close(
        methods["follow"],
        -5.0 - 30.0 + 20.0 + 15.0 - 3.0 - 19.0 - 6.0 - 3.0,
        "followed",
    );
    assert_conserved_exactly(&db);
}

#[test]
fn splits_share_the_pools_proportionally_evenly_and_by_fixed_shares() {
    let (_d, db) = attributed(&fixture_rules());
    // Split 1: shared 33 over ingest 85, query 69, pipeline 44 (198), by direct cost.
    // Split 2: (unused commitment) 5 evenly over ingest and query.
    // Split 3: (unallocated) 16: pipeline 75%, ingest 25%.
    let unblended = [
        ("ingest", 85.0 + 33.0 * 85.0 / 198.0 + 2.5 + 4.0),
        ("query", 69.0 + 33.0 * 69.0 / 198.0 + 2.5),
        ("pipeline", 44.0 + 33.0 * 44.0 / 198.0 + 12.0),
    ];
    let by_area = |m| totals_by(&db, MONTH, Dimension::Area, m);
    assert_cents(&by_area(CostMeasure::Unblended), &unblended, "unblended after splits");
    // Amortized splits on amortized direct cost.
    let c1_ingest = -19.0 * 100.0 / 178.0;
    let c2_pipeline = -3.0 * 52.0 / 72.0;
    let (ingest, query) = (95.0 + c1_ingest, 78.0 + (-19.0 - c1_ingest));
    let pipeline = 46.0 + c2_pipeline;
    let unallocated = 17.0 + (-3.0 - c2_pipeline);
    let direct = ingest + query + pipeline;
    let amortized = [
        ("ingest", ingest + 33.0 * ingest / direct + 2.5 + unallocated * 0.25),
        ("query", query + 33.0 * query / direct + 2.5),
        ("pipeline", pipeline + 33.0 * pipeline / direct + unallocated * 0.75),
    ];
    assert_cents(&by_area(CostMeasure::Amortized), &amortized, "amortized after splits");
    let methods = totals_by(&db, MONTH, Dimension::Method, CostMeasure::Unblended);
    assert_close(methods["split:1"], 33.0, "split 1 moved shared");
    assert_close(methods["split:2"], 5.0, "split 2 moved unused commitment");
    assert_close(methods["split:3"], 16.0, "split 3 moved unallocated");
    assert_conserved_exactly(&db);
}

#[test]
fn split_money_keeps_where_it_came_from() {
    let (_d, db) = attributed(&fixture_rules());
    // Support stays Support: ingest carries its share of the product.
    let rows = db
        .cost_report(MONTH, &[Dimension::Area, Dimension::Product], CostMeasure::Unblended)
        .unwrap();
    let support: f64 = rows
        .iter()
        .filter(|r| r.keys[1] == "AWS Support (Business)")
        .map(|r| r.cost.as_f64())
        .sum();
    assert_close(support, 25.0, "support after the split");
    let ingest_support = rows
        .iter()
        .find(|r| r.keys == ["ingest", "AWS Support (Business)"])
        .map(|r| r.cost.as_f64());
    assert_close(
        ingest_support.unwrap(),
        25.0 * 85.0 / 198.0,
        "ingest's share of support",
    );
}

#[test]
fn a_split_whose_targets_have_no_direct_cost_stays_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        &dir,
        "[[rule]]\narea = \"shared\"\nproduct = \"AWS Support*\"\n\n[[split]]\nfrom = \"shared\"\nto = [\"(idle)\"]\n",
    );
    let (db, assert) = sync_cli(&dir, &rules);
    assert.success().stdout(predicates::str::contains(
        "split 1 (line 5): no target has direct cost in 2026-09; 25.00 stays in shared",
    ));
    let db = Db::open(&db).unwrap();
    let by_area = totals_by(&db, MONTH, Dimension::Area, CostMeasure::Unblended);
    assert_close(by_area["shared"], 25.0, "support stays shared");
}

#[test]
fn a_split_to_an_area_the_bill_never_names_is_refused_before_attributing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        &dir,
        "# pools\n[[split]]\nfrom = \"(unallocated)\"\nto = [\"ingets\"]\n",
    );
    let (db, assert) = sync_cli(&dir, &rules);
    assert.failure().stderr(predicates::str::contains(
        "line 2: split 1: target \"ingets\" is no area of this bill",
    ));
    // Nothing was attributed with half a rule set.
    let db = Db::open(&db).unwrap();
    assert!(!db.has_attribution().unwrap());
}

/// Allocated equals billed in every measure, to the last decimal: the
/// fixture's lines add up to 252.00 unblended, amortized and blended alike.
fn assert_conserved_exactly(db: &Db) {
    for measure in [CostMeasure::Unblended, CostMeasure::Amortized, CostMeasure::Blended] {
        let allocated: apportion::money::Money = db
            .cost_report(MONTH, &[Dimension::Area], measure)
            .unwrap()
            .iter()
            .map(|r| r.cost)
            .sum();
        assert_eq!(allocated.decimal(), "252.0000000000", "{measure:?}");
    }
}

#[test]
fn explain_of_an_area_names_what_each_split_discount_and_credit_brought() {
    let dir = tempfile::tempdir().unwrap();
    let (db, assert) = sync_cli(&dir, &fixture("invoice/rules.toml"));
    assert.success();
    let out = apportion(&db).args(["explain", "query"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // query: u2 60 + sp1 30 by tag; followed: sp2 −30 and sp3's 18 (commitment), c1 −9 (credit);
    // received: shared 33 × 69/198 = 11.50, (unused commitment) 2.50.
    for expected in [
        "area query in 2026-09",
        "directly:",
        "$90.00",
        "followed its usage:",
        "commitment following the usage",
        "-$9.00",
        "received by splits:",
        "$11.50",
        "from shared by split 1 [from = \"shared\", by = \"proportional\"]",
        "$2.50",
        "$83.00",
        "before any split",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    let shared = String::from_utf8(apportion(&db).args(["explain", "shared"]).output().unwrap().stdout).unwrap();
    assert!(shared.contains("given away by its splits:"), "{shared}");
    assert!(
        shared.contains("-$14.17") && shared.contains("to ingest by split 1"),
        "{shared}"
    );
}

#[test]
fn reconcile_shows_where_every_kind_of_charge_went() {
    let (_d, db) = attributed(&fixture_rules());
    let r = db.reconcile(MONTH, CostMeasure::Unblended).unwrap();
    let rows: Vec<(String, String, String, String, String)> = r
        .rows
        .iter()
        .map(|c| {
            (
                c.charge.clone(),
                c.billed.dollars(),
                c.direct.dollars(),
                c.by_split.dollars(),
                c.unallocated.dollars(),
            )
        })
        .collect();
    let row = |c: &str, b: &str, d: &str, s: &str, u: &str| {
        (c.to_owned(), b.to_owned(), d.to_owned(), s.to_owned(), u.to_owned())
    };
    assert_eq!(
        rows,
        vec![
            // u1–u4, sp1, ri1: tagged 230 directly; u4's 20 by split 3 out of (unallocated).
            row("usage", "250.00", "230.00", "20.00", "0.00"),
            // sp2 −30, sp3 20, ri2 15: the used parts follow (−30 + 18 + 12 = 0), the unused 5 by split 2.
            row("commitment", "5.00", "0.00", "5.00", "0.00"),
            // f1 through shared by split 1.
            row("fee", "25.00", "0.00", "25.00", "0.00"),
            // d1 −5 and d2's −2 follow to areas; d2's −1 to (unallocated), then by split 3.
            row("discount", "-8.00", "-7.00", "-1.00", "0.00"),
            row("credit", "-22.00", "-21.00", "-1.00", "0.00"),
            row("refund", "-6.00", "-4.00", "-2.00", "0.00"),
            row("tax", "8.00", "0.00", "8.00", "0.00"),
        ]
    );
    assert_eq!(r.rows[1].unused.dollars(), "5.00");
    assert_eq!(
        (r.billed.decimal(), r.allocated.decimal()),
        ("252.0000000000".into(), "252.0000000000".into())
    );
}

#[test]
fn reconcile_from_the_command_line_says_every_dollar_reached_an_area() {
    let dir = tempfile::tempdir().unwrap();
    let (db, assert) = sync_cli(&dir, &fixture("invoice/rules.toml"));
    assert.success();
    apportion(&db)
        .args(["reconcile", "--cost", "amortized"])
        .assert()
        .success()
        .stdout(predicates::str::contains("bill of 2026-09 (amortized cost), by charge"))
        .stdout(predicates::str::contains("allocated $252.00 = billed $252.00"));
}
