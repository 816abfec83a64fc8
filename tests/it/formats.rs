//! Each billing format syncs, and its totals match an independent reading of the file.

use std::collections::BTreeMap;
use std::io::Write;

use apportion::db::{CostMeasure, Dimension};
use apportion::ingest::FileStatus;

use crate::common::*;

fn statement_total(path: &std::path::Path, column: &str) -> f64 {
    let totals = independent_sums(
        path,
        |_, _| String::new(),
        column,
        |h, r| field(h, r, "RecordType") == "StatementTotal",
    );
    totals[""]
}

#[test]
fn dbr_statement_total_equals_synced_money() {
    let (_dir, db) = temp_db();
    let file = fixture("dbr/consolidated-2026-03.csv");
    let report = sync(&db, std::slice::from_ref(&file));
    assert_eq!(loaded_count(&report), 1);
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
    assert_close(
        month_total(&db, "2026-03", CostMeasure::Unblended),
        statement_total(&file, "UnBlendedCost"),
        "unblended",
    );
    assert_close(
        month_total(&db, "2026-03", CostMeasure::Blended),
        statement_total(&file, "BlendedCost"),
        "blended",
    );
    // DBR has no amortization columns: amortized is unblended.
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Amortized),
        "107.6937100000"
    );
}

#[test]
fn dbr_products_and_accounts_match_the_file() {
    let (_dir, db) = temp_db();
    let file = fixture("dbr/consolidated-2026-03.csv");
    sync(&db, std::slice::from_ref(&file));
    let money = |h: &csv::StringRecord, r: &csv::StringRecord| !field(h, r, "RecordType").ends_with("Total");
    let by_product = independent_sums(
        &file,
        |h, r| field(h, r, "ProductName").to_owned(),
        "UnBlendedCost",
        money,
    );
    assert_maps_close(
        &totals_by(&db, "2026-03", Dimension::Product, CostMeasure::Unblended),
        &by_product,
    );
    let by_account = independent_sums(
        &file,
        |h, r| field(h, r, "LinkedAccountId").to_owned(),
        "UnBlendedCost",
        money,
    );
    assert_maps_close(
        &totals_by(&db, "2026-03", Dimension::Account, CostMeasure::Unblended),
        &by_account,
    );
}

#[test]
fn dbr_keeps_every_tag_without_the_user_prefix() {
    let (_dir, db) = temp_db();
    sync(&db, &[fixture("dbr/consolidated-2026-03.csv")]);
    let tags = db.resource_tags("2026-03", "checkout-assets").expect("tags");
    assert_eq!(tags.get("product_area").map(String::as_str), Some("checkout"));
    assert_eq!(tags.get("team").map(String::as_str), Some("commerce"));
    assert!(
        db.resource_tags("2026-03", "vol-0bbb0000000000001")
            .expect("tags")
            .is_empty()
    );
}

#[test]
fn dbr_standalone_account_uses_cost_and_payer() {
    let (_dir, db) = temp_db();
    let file = fixture("dbr/standalone-2026-02.csv");
    sync(&db, std::slice::from_ref(&file));
    assert_eq!(month_total_text(&db, "2026-02", CostMeasure::Unblended), "1.0010000000");
    assert_close(
        month_total(&db, "2026-02", CostMeasure::Unblended),
        statement_total(&file, "Cost"),
        "standalone",
    );
    let accounts = totals_by(&db, "2026-02", Dimension::Account, CostMeasure::Unblended);
    assert_eq!(accounts.keys().collect::<Vec<_>>(), vec!["100000000009"]);
}

#[test]
fn dbr_in_zip_and_gzip_is_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("dbr/consolidated-2026-03.csv")).unwrap();
    let zip_path = dir.path().join("billing.csv.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        zip.start_file("billing.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    let (_d, db) = temp_db();
    sync(&db, &[zip_path]);
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );

    // A gzip file whose name says nothing about its content.
    let gz_path = dir.path().join("download.bin");
    write_gz(&gz_path, &text);
    let (_d2, db2) = temp_db();
    sync(&db2, &[gz_path]);
    assert_eq!(
        month_total_text(&db2, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
}

#[test]
fn legacy_cur_with_bom_and_crlf_amortizes_reservations_and_savings_plans() {
    let (_dir, db) = temp_db();
    let file = fixture("cur/legacy-2026-04.csv");
    let report = sync(&db, std::slice::from_ref(&file));
    match &report.files[0].status {
        FileStatus::Loaded { periods, lines, .. } => {
            assert_eq!(periods, &vec!["2026-04".to_owned()]);
            assert_eq!(*lines, 9);
        }
        other => panic!("not loaded: {other:?}"),
    }
    assert_eq!(
        month_total_text(&db, "2026-04", CostMeasure::Unblended),
        "102.1000000000"
    );
    // 1.5 + 0.12 (SP effective) + 0 (negation) + (0.5 - 0.12) (unused SP) + 0.3 - 1.0
    // + 0.07 (RI effective) + (0.05 + 0.1) (unused RI) + 0 (upfront fee) = 1.52
    assert_eq!(month_total_text(&db, "2026-04", CostMeasure::Amortized), "1.5200000000");
    let by_product = independent_sums(
        &file,
        |h, r| field(h, r, "product/ProductName").to_owned(),
        "lineItem/UnblendedCost",
        |_, _| true,
    );
    assert_maps_close(
        &totals_by(&db, "2026-04", Dimension::Product, CostMeasure::Unblended),
        &by_product,
    );
    let tags = db.resource_tags("2026-04", "i-0ccc0000000000001").unwrap();
    assert_eq!(tags, BTreeMap::from([("product_area".to_owned(), "search".to_owned())]));
}

const CUR2_CSV: &str = "\
bill_billing_period_start_date,bill_payer_account_id,bill_invoice_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,line_item_operation,line_item_availability_zone,line_item_resource_id,line_item_usage_amount,line_item_currency_code,line_item_unblended_cost,line_item_blended_cost,product_product_name,product_region_code,resource_tags,savings_plan_savings_plan_effective_cost,savings_plan_total_commitment_to_date,savings_plan_used_commitment
2026-06-01T00:00:00Z,400000000001,INV-1,400000000002,Usage,2026-06-01T00:00:00Z,2026-06-01T01:00:00Z,AmazonEC2,BoxUsage:m5.large,RunInstances,us-east-1a,arn:aws:ec2:us-east-1:400000000002:instance/i-0fff0000000000001,1,USD,0.096,0.096,Amazon Elastic Compute Cloud,us-east-1,\"{\"\"user_product_area\"\": \"\"search\"\", \"\"user_team\"\": \"\"discovery\"\"}\",,,
2026-06-01T00:00:00Z,400000000001,INV-1,400000000002,SavingsPlanCoveredUsage,2026-06-01T00:00:00Z,2026-06-01T01:00:00Z,AmazonEC2,BoxUsage:m5.large,RunInstances,us-east-1a,i-0fff0000000000002,1,USD,0.096,0.096,Amazon Elastic Compute Cloud,us-east-1,{},0.05,,
2026-06-01T00:00:00Z,400000000001,INV-1,400000000001,SavingsPlanRecurringFee,2026-06-01T00:00:00Z,2026-06-01T01:00:00Z,ComputeSavingsPlans,ComputeSP:1yrNoUpfront,,,,1,USD,0.08,0.08,Savings Plans for AWS Compute usage,,,,0.08,0.05
";

#[test]
fn cur2_csv_gz_reads_tags_from_the_map_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cur2-00001.csv.gz");
    write_gz(&path, CUR2_CSV);
    let (_d, db) = temp_db();
    let report = sync(&db, &[path]);
    assert!(matches!(&report.files[0].status, FileStatus::Loaded { format, .. } if format.label() == "CUR 2.0"));
    assert_eq!(month_total_text(&db, "2026-06", CostMeasure::Unblended), "0.2720000000");
    // 0.096 + 0.05 (SP effective) + (0.08 - 0.05) (unused commitment)
    assert_eq!(month_total_text(&db, "2026-06", CostMeasure::Amortized), "0.1760000000");
    let tags = db
        .resource_tags(
            "2026-06",
            "arn:aws:ec2:us-east-1:400000000002:instance/i-0fff0000000000001",
        )
        .unwrap();
    assert_eq!(tags.get("product_area").map(String::as_str), Some("search"));
    assert_eq!(tags.get("team").map(String::as_str), Some("discovery"));
}

/// A legacy CUR folder as `aws s3 sync` copies it: AWS writes files for
/// Redshift and Athena beside the report (a `-RedshiftManifest.json` is
/// named like a manifest but lists Redshift's entries). They are skipped, as
/// the S3 sync skips them, never read as a broken manifest.
#[test]
fn aws_helper_files_beside_a_cur_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let assembly = dir.path().join("20260401-20260501/aaaa");
    std::fs::create_dir_all(&assembly).unwrap();
    std::fs::copy(fixture("cur/legacy-2026-04.csv"), assembly.join("r-00001.csv")).unwrap();
    std::fs::write(
        assembly.join("r-RedshiftManifest.json"),
        r#"{"entries":[{"url":"s3://b/r/20260401-20260501/aaaa/r-00001.csv.gz","mandatory":true}]}"#,
    )
    .unwrap();
    std::fs::write(assembly.join("r-RedshiftCommands.sql"), "create table r (x int);").unwrap();
    let (_d, db) = temp_db();
    let report = sync(&db, &[dir.path().to_path_buf()]);
    let skipped: Vec<_> = report
        .files
        .iter()
        .filter(|f| matches!(&f.status, FileStatus::Skipped { reason } if reason.contains("Redshift or Athena")))
        .collect();
    assert_eq!(skipped.len(), 2, "{:?}", report.files);
    assert_eq!(loaded_count(&report), 1);
}

/// A file whose name holds a glob's characters is that one file: DuckDB's
/// readers take patterns, and `a*b` also matched its sibling `aYb` (the
/// month counted twice), while `bill [1]` matched no file at all.
#[test]
fn a_file_named_like_a_glob_is_read_alone() {
    let dir = tempfile::tempdir().unwrap();
    let dbr = fixture("dbr/consolidated-2026-03.csv");
    for name in ["a*b-2026-03.csv", "aYb-2026-03.csv", "bill [1] 2026-03.csv"] {
        std::fs::copy(&dbr, dir.path().join(name)).unwrap();
    }
    let alone = {
        let (_d, db) = temp_db();
        sync(&db, std::slice::from_ref(&dbr));
        month_total_text(&db, "2026-03", CostMeasure::Unblended)
    };
    for name in ["a*b-2026-03.csv", "bill [1] 2026-03.csv"] {
        let (_d, db) = temp_db();
        let report = sync(&db, &[dir.path().join(name)]);
        assert_eq!(loaded_count(&report), 1, "{name}");
        assert_eq!(
            month_total_text(&db, "2026-03", CostMeasure::Unblended),
            alone,
            "{name}"
        );
    }
}

#[test]
fn cur2_parquet_with_a_real_map_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("cur2.csv");
    std::fs::write(&csv_path, CUR2_CSV).unwrap();
    // Lacking a committed binary, the parquet is written by DuckDB itself, with
    // the typed columns (TIMESTAMP, DOUBLE, MAP) that AWS's parquet carries.
    let parquet = dir.path().join("cur2-00001.snappy.parquet");
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT * REPLACE (
                 CAST(bill_billing_period_start_date AS TIMESTAMP) AS bill_billing_period_start_date,
                 CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost,
                 CAST(CAST(resource_tags AS JSON) AS MAP(VARCHAR, VARCHAR)) AS resource_tags)
               FROM read_csv('{}', all_varchar = true))
         TO '{}' (FORMAT parquet)",
        csv_path.display(),
        parquet.display()
    ))
    .unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[parquet]);
    assert_eq!(month_total_text(&db, "2026-06", CostMeasure::Unblended), "0.2720000000");
    let tags = db.resource_tags("2026-06", "i-0fff0000000000002").unwrap();
    assert!(tags.is_empty());
    let tags = db
        .resource_tags(
            "2026-06",
            "arn:aws:ec2:us-east-1:400000000002:instance/i-0fff0000000000001",
        )
        .unwrap();
    assert_eq!(tags.get("product_area").map(String::as_str), Some("search"));
}

#[test]
fn focus_billed_and_effective_cost_and_json_tags() {
    let (_dir, db) = temp_db();
    let file = fixture("focus/focus-1.2-2026-05.csv");
    sync(&db, std::slice::from_ref(&file));
    assert_eq!(
        month_total_text(&db, "2026-05", CostMeasure::Unblended),
        "53.1460000000"
    );
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Amortized), "3.1460000000");
    let by_service = independent_sums(
        &file,
        |h, r| field(h, r, "ServiceName").to_owned(),
        "BilledCost",
        |_, _| true,
    );
    assert_maps_close(
        &totals_by(&db, "2026-05", Dimension::Product, CostMeasure::Unblended),
        &by_service,
    );
    let tags = db.resource_tags("2026-05", "i-0eee0000000000001").unwrap();
    assert_eq!(tags.get("product_area").map(String::as_str), Some("search"));
    assert_eq!(tags.get("team").map(String::as_str), Some("discovery"));
}

fn cur_part(period: &str, cost: &str) -> String {
    format!(
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UnblendedCost\n\
         {period}-01T00:00:00Z,500000000001,500000000002,Usage,{period}-01T00:00:00Z,AmazonS3,{cost}\n"
    )
}

#[test]
fn manifest_selects_the_latest_assembly_only() {
    let root = tempfile::tempdir().unwrap();
    let period_dir = root.path().join("cur/report/20260501-20260601");
    for (assembly, cost) in [("aaaa-old", "7"), ("bbbb-new", "5")] {
        std::fs::create_dir_all(period_dir.join(assembly)).unwrap();
        write_gz(
            &period_dir.join(assembly).join("report-1.csv.gz"),
            &cur_part("2026-05", cost),
        );
        write_gz(
            &period_dir.join(assembly).join("report-2.csv.gz"),
            &cur_part("2026-05", "1"),
        );
    }
    let manifest = serde_json::json!({
        "assemblyId": "bbbb-new",
        "reportName": "report",
        "billingPeriod": {"start": "20260501T000000.000Z", "end": "20260601T000000.000Z"},
        "columns": [],
        "reportKeys": ["cur/report/20260501-20260601/bbbb-new/report-1.csv.gz",
                       "cur/report/20260501-20260601/bbbb-new/report-2.csv.gz"]
    });
    std::fs::write(period_dir.join("report-Manifest.json"), manifest.to_string()).unwrap();
    let (_d, db) = temp_db();
    let report = sync(&db, &[root.path().to_path_buf()]);
    assert_eq!(loaded_count(&report), 2, "{report:#?}");
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "6.0000000000");
    let skipped: Vec<_> = report
        .files
        .iter()
        .filter(|f| matches!(&f.status, FileStatus::Skipped { reason } if reason.contains("latest assembly")))
        .collect();
    assert_eq!(skipped.len(), 2);
    assert!(skipped.iter().all(|f| f.path.to_string_lossy().contains("aaaa-old")));
}

#[test]
fn manifest_naming_a_missing_file_fails() {
    let root = tempfile::tempdir().unwrap();
    let period_dir = root.path().join("20260501-20260601");
    std::fs::create_dir_all(period_dir.join("cccc")).unwrap();
    write_gz(&period_dir.join("cccc/report-1.csv.gz"), &cur_part("2026-05", "5"));
    let manifest = serde_json::json!({
        "assemblyId": "cccc", "reportName": "report",
        "billingPeriod": {"start": "20260501T000000.000Z"}, "columns": [],
        "reportKeys": ["x/20260501-20260601/cccc/report-1.csv.gz", "x/20260501-20260601/cccc/report-2.csv.gz"]
    });
    std::fs::write(period_dir.join("report-Manifest.json"), manifest.to_string()).unwrap();
    let (_d, db) = temp_db();
    let err = apportion::ingest::sync_paths(&db, &[root.path().to_path_buf()], &mut ()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("report-Manifest.json") && text.contains("report-2.csv.gz"),
        "{text}"
    );
    assert!(db.periods().unwrap().is_empty());
}
