//! coverage, spikes, unit-cost and forecast on fixtures with known answers.

use std::fmt::Write as _;

use predicates::prelude::*;

use crate::common::*;

#[test]
fn coverage_of_the_worked_attribution_example() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("--rules")
        .arg(fixture("attribution/rules.toml"))
        .arg("sync")
        .arg(fixture("attribution"))
        .assert()
        .success();
    // Of $8.20: tag 0.60 (storage), rule 2.00 (platform), derived 1.00 (api's ECS and
    // EBS shares), unmapped 1.60 (worker), unallocated 3.00 (support).
    // Covered: 3.60 / 8.20 = 43.9%. Tagging the support line brings it to 6.60 / 8.20 = 80.5%.
    apportion(&db)
        .args(["coverage", "--target", "0.9"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2026-07: 43.9% of $8.20 attributed (target 90%)",
        ))
        .stdout(predicate::str::contains("tag                   $0.60    7.3%"))
        .stdout(predicate::str::contains("rule                  $2.00   24.4%"))
        .stdout(predicate::str::contains("derived               $1.00   12.2%"))
        .stdout(predicate::str::contains("unmapped              $1.60   19.5%"))
        .stdout(predicate::str::contains("unallocated           $3.00   36.6%"))
        .stdout(predicate::str::contains(
            "$3.00  →  80.5%  (no resource id)  (AWS Support (Business))",
        ));
    // With a target already met, nothing is left to chase.
    apportion(&db)
        .args(["coverage", "--target", "0.4"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to chase"));
}

/// June in full at $1/day for search's S3; July through the 10th at $2/day,
/// plus a new DynamoDB table for growth at $5/day.
fn two_months(dir: &std::path::Path) {
    let mut csv = String::from(
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,product/ProductName,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:product_area\n",
    );
    for day in 1..=30 {
        writeln!(csv, "2026-06-01T00:00:00Z,9,Usage,2026-06-{day:02}T00:00:00Z,2026-06-{day:02}T23:59:59Z,AmazonS3,Amazon Simple Storage Service,search-bucket,1,search").unwrap();
    }
    for day in 1..=10 {
        writeln!(csv, "2026-07-01T00:00:00Z,9,Usage,2026-07-{day:02}T00:00:00Z,2026-07-{day:02}T23:59:59Z,AmazonS3,Amazon Simple Storage Service,search-bucket,2,search").unwrap();
        writeln!(csv, "2026-07-01T00:00:00Z,9,Usage,2026-07-{day:02}T00:00:00Z,2026-07-{day:02}T23:59:59Z,AmazonDynamoDB,Amazon DynamoDB,growth-table,5,growth").unwrap();
    }
    std::fs::write(dir.join("cur.csv"), csv).unwrap();
    std::fs::write(
        dir.join("metrics.csv"),
        "date,metric,value,area\n2026-06-01,searches,400000,search\n2026-06-15,searches,600000,search\n2026-07-03,searches,1500000,search\n",
    )
    .unwrap();
}

#[test]
fn spikes_compare_the_same_days_of_an_open_month_largest_first() {
    let dir = tempfile::tempdir().unwrap();
    two_months(dir.path());
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(dir.path().join("cur.csv"))
        .assert()
        .success();
    let out = apportion(&db).args(["spikes", "--min-delta", "1"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // Days 1–10: growth 0 → 50 (new), search 10 → 20. Projections ×31/10.
    assert!(
        text.starts_with("2026-07 vs 2026-06, days 1–10 of both (the month is open: 10 of 31 days)"),
        "{text}"
    );
    let growth = text
        .find("growth / Amazon DynamoDB: $0.00 → $50.00, projected $155.00")
        .expect(&text);
    let search = text
        .find("search / Amazon Simple Storage Service: $10.00 → $20.00, projected $62.00")
        .expect(&text);
    assert!(growth < search, "largest change first: {text}");
    assert!(text.contains("+$10.00 (+100.0%)"), "{text}");
    assert!(text.contains("+$10.00  search-bucket"), "{text}");
    // A threshold above both changes leaves none.
    apportion(&db)
        .args(["spikes", "--min-delta", "100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no change above the threshold"));
}

#[test]
fn unit_costs_and_a_forecast_with_too_few_months() {
    let dir = tempfile::tempdir().unwrap();
    two_months(dir.path());
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("business metrics, 2 rows"));
    // June: search $30 over 1,000,000 searches (two daily rows summed) = $0.03 per 1K;
    // July: $20 over 1,500,000 = $0.0133 per 1K.
    apportion(&db)
        .arg("unit-cost")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2026-06  searches [search]: $30.00 / 1000000 = $0.0300 per 1K",
        ))
        .stdout(predicate::str::contains(
            "2026-07  searches [search]: $20.00 / 1500000 = $0.0133 per 1K",
        ));
    apportion(&db)
        .args(["forecast", "--metric", "searches", "--amount", "1000000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 month(s) of searches — too few"));
}

#[test]
fn a_bad_metrics_row_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.csv"),
        "month,metric,value\n2026-07,api_calls,100\n2026-07,api_calls,lots\n",
    )
    .unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "m.csv: line 3: value \"lots\" is not a number",
        ));
}

#[test]
fn a_bad_metrics_row_after_crlf_and_quoted_lines_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.csv"),
        "month,metric,value,area\r\n2026-07,api_calls,100,\"search\r\nand more\"\r\n2026-07,api_calls,lots,search\r\n",
    )
    .unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "m.csv: line 4: value \"lots\" is not a number",
        ));
}

#[test]
fn a_database_inside_the_folder_it_syncs_is_not_read_as_an_export() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.csv"), "month,metric,value\n2026-07,api_calls,100\n").unwrap();
    let db = dir.path().join("a.duckdb");
    // Twice: first beside a database just created, then beside one with data and a WAL.
    for _ in 0..2 {
        apportion(&db).arg("sync").arg(dir.path()).assert().success();
    }
}
