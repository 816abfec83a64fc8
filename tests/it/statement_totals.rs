//! The totals a DBR statement (and the cost allocation report) states about
//! itself, InvoiceTotal, AccountTotal and StatementTotal, are kept apart from
//! the money and `reconcile` checks the lines against each, exactly.

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, StatedTotal};
use apportion::rules::Rules;

use crate::common::*;

fn stated(db: &Db, month: &str, measure: CostMeasure) -> Vec<(String, String, String, String)> {
    db.reconcile(month, measure)
        .unwrap()
        .stated
        .iter()
        .map(|t: &StatedTotal| {
            (
                t.record_type.clone(),
                t.subject.clone(),
                t.stated.decimal(),
                t.lines.decimal(),
            )
        })
        .collect()
}

fn row(kind: &str, subject: &str, stated: &str, lines: &str) -> (String, String, String, String) {
    (kind.into(), subject.into(), stated.into(), lines.into())
}

#[test]
fn every_total_a_dbr_statement_states_is_checked_against_its_lines_to_the_last_digit() {
    let (_d, db) = temp_db();
    sync(&db, &[fixture("dbr/consolidated-2026-03.csv")]);
    // The fixture's lines, by linked account: ...02 two m5.large hours, a gp3
    // volume and a −5 discount; ...03 the S3 12.5; ...01 support 100 and
    // rounding −0.0001. Totals and lines agree to the tenth decimal.
    assert_eq!(
        stated(&db, "2026-03", CostMeasure::Unblended),
        vec![
            row("InvoiceTotal", "Estimated", "107.6937100000", "107.6937100000"),
            row("AccountTotal", "100000000001", "99.9999000000", "99.9999000000"),
            row("AccountTotal", "100000000002", "-4.8061900000", "-4.8061900000"),
            row("AccountTotal", "100000000003", "12.5000000000", "12.5000000000"),
            row("StatementTotal", "100000000001", "107.6937100000", "107.6937100000"),
        ]
    );
    // Blended totals against blended lines: ...02's blended rate differs.
    let blended = stated(&db, "2026-03", CostMeasure::Blended);
    assert_eq!(
        blended[2],
        row("AccountTotal", "100000000002", "-4.8081900000", "-4.8081900000")
    );
    // The totals are not money: the bill is the lines alone.
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
    let r = db.reconcile("2026-03", CostMeasure::Unblended).unwrap();
    assert!(!r.balances(), "not attributed yet: {r:?}");
    run_rules(&db, &Rules::default(), "", &Overrides::default()).unwrap();
    let r = db.reconcile("2026-03", CostMeasure::Unblended).unwrap();
    assert!(r.balances(), "{r:?}");
}

#[test]
fn a_statement_whose_lines_miss_its_totals_fails_reconcile_and_names_each_total() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(fixture("dbr/consolidated-2026-03.csv")).unwrap();
    // One S3 line lost a cent on the way: account ...03, the invoice and the statement differ.
    let edited = original.replacen(
        "\"12.5000000000\",\"checkout-assets\"",
        "\"12.4900000000\",\"checkout-assets\"",
        1,
    );
    assert_ne!(edited, original, "the fixture's S3 line moved");
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let statement = exports.join("100000000001-aws-billing-detailed-line-items-with-resources-and-tags-2026-03.csv");
    std::fs::write(&statement, &edited).unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db).arg("sync").arg(&exports).assert().success();
    let out = apportion(&db).arg("reconcile").assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("account 100000000003: AccountTotal $12.50, lines $12.49: DIFFER by -$0.01"),
        "{text}"
    );
    assert!(
        text.contains("invoice Estimated: InvoiceTotal $107.69, lines $107.68: DIFFER by -$0.01"),
        "{text}"
    );
    assert!(
        text.contains("account 100000000001: AccountTotal $100.00, lines $100.00: equal"),
        "{text}"
    );
    assert!(text.contains("the export is incomplete or was edited"), "{text}");
    // The month re-delivered whole replaces the lines and the totals with it: nothing doubled.
    std::fs::write(&statement, &original).unwrap();
    apportion(&db).arg("sync").arg(&exports).assert().success();
    let out = apportion(&db).arg("reconcile").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.matches(": equal").count(), 5, "{text}");
    assert!(!text.contains("DIFFER"), "{text}");
}

#[test]
fn the_cost_allocation_reports_totals_are_checked_as_well() {
    let (_d, db) = temp_db();
    sync(
        &db,
        &[fixture("costalloc/123456789012-aws-cost-allocation-2015-06.csv")],
    );
    let totals = stated(&db, "2015-06", CostMeasure::Unblended);
    assert_eq!(totals.len(), 3, "{totals:?}");
    assert!(totals.iter().all(|(_, _, s, l)| s == l), "{totals:?}");
}

#[test]
fn a_trimmed_real_statement_is_shown_to_miss_its_totals() {
    let Some(real) = real_samples() else { return };
    let (_d, db) = temp_db();
    sync(
        &db,
        &[real.join(
            "photon-model-dbr-rt-zip/123456789-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip",
        )],
    );
    // The sample keeps 13 lines of a $150 statement: invoice 111065564 whole
    // ($12.00), invoice 81400131 down to its rounding line.
    let totals = stated(&db, "2016-09", CostMeasure::Unblended);
    let holding: Vec<&str> = totals
        .iter()
        .filter(|(_, _, s, l)| s == l)
        .map(|(_, subject, _, _)| subject.as_str())
        .collect();
    assert_eq!(holding, ["111065564"], "{totals:?}");
    assert_eq!(totals.len(), 5, "{totals:?}");
    assert!(!db.reconcile("2016-09", CostMeasure::Unblended).unwrap().balances());
}
