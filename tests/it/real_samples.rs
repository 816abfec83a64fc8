//! The real public samples in ../shared/fixtures/real/ sync, and their totals
//! match sums computed here with the csv crate alone.

use std::collections::BTreeMap;

use apportion::db::{CostMeasure, Db, Dimension};
use std::path::{Path, PathBuf};

use apportion::ingest::{FileStatus, sync_paths};

use crate::common::*;

/// Every real sample but the two files that are wrong by themselves.
fn loadable_samples(real: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(real)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("scopely-dbr-rt") && !p.ends_with("logzio-legacy-cur"))
        .collect();
    paths.sort();
    paths.push(real.join("scopely-dbr-rt/details-detailed_with_tags.csv"));
    paths.push(real.join("logzio-legacy-cur/test-billing-report-1.csv.gz"));
    paths.push(real.join("logzio-legacy-cur/test-billing-report-2.csv.gz"));
    paths
}

#[test]
fn the_whole_real_folder_fails_on_the_files_that_are_wrong_and_changes_nothing() {
    let Some(real) = real_samples() else { return };
    let (_d, db) = temp_db();
    // skinflint-test.csv: every row has one field more than its header.
    let err = sync_paths(&db, std::slice::from_ref(&real), &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("skinflint-test.csv: line 2: 25 fields, the header has 24"),
        "{err}"
    );
    assert!(db.periods().unwrap().is_empty());
    // The same legacy CUR month as .csv.gz and .csv.zip is one delivery twice.
    let err = sync_paths(&db, &[real.join("logzio-legacy-cur")], &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("test-billing-report-1.csv.gz") && err.contains("test-billing-report-1.csv.zip"),
        "{err}"
    );
    assert!(err.contains("2018-02"), "{err}");
    assert!(db.periods().unwrap().is_empty());
}

#[test]
fn every_other_real_sample_syncs_or_is_skipped_with_a_reason() {
    let Some(real) = real_samples() else { return };
    let (_d, db) = temp_db();
    let report = sync(&db, &loadable_samples(&real));
    let mut loaded: Vec<String> = report
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Loaded { .. } | FileStatus::LoadedRecords { .. }))
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    loaded.sort();
    assert_eq!(
        loaded,
        vec![
            "123456789-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip",
            "2022-07-01-alt-columns.csv",
            "2023-06-01.csv",
            "Dec2018-WorkshopCUR-00001.snappy.parquet",
            "Nov2018-WorkshopCUR-00001.snappy.parquet",
            "Oct2018-WorkshopCUR-00001.snappy.parquet",
            "aws-lambda-dotnet-ecs-task-state-change-event-ec2-attachments.json",
            "aws-lambda-dotnet-ecs-task-state-change-event.json",
            "details-detailed_with_tags.csv",
            "ecs-container-instance-state-change-2016-12-06.json",
            "ecs-task-state-change-ec2-2016-12-06.json",
            "ecs-task-state-change-fargate-2020-01-23.json",
            "focus_sample.csv",
            "ha-project-CUR-daily-1-00001.csv",
            "sample-anonymous-aws-export-dataset.csv",
            "test-billing-report-1.csv.gz",
            "test-billing-report-2.csv.gz",
        ]
    );
    for f in &report.files {
        if let FileStatus::Skipped { reason } = &f.status {
            assert!(!reason.is_empty());
        }
    }
    let manifests: Vec<_> = report
        .files
        .iter()
        .filter(|f| matches!(&f.status, FileStatus::Skipped { reason } if reason.contains("CUR manifest that lists no report files")))
        .collect();
    assert_eq!(manifests.len(), 2);
    assert!(report.files.iter().any(
        |f| matches!(&f.status, FileStatus::Skipped { reason } if reason == "CUR 2.0 manifest for 2026-04 (1 files)")
    ));
    assert_eq!(
        db.periods().unwrap(),
        vec![
            "2014-09", "2016-09", "2018-02", "2018-03", "2018-10", "2018-11", "2018-12", "2022-07", "2023-06",
            "2023-11", "2024-09", "2024-10", "2026-04"
        ]
    );
}

#[test]
fn focus_sample_totals_by_service_and_period() {
    let Some(real) = real_samples() else { return };
    let file = real.join("focus-sample-data/focus_sample.csv");
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&file));
    for (month, prefix) in [("2024-09", "2024-09"), ("2024-10", "2024-10")] {
        let in_month =
            |h: &csv::StringRecord, r: &csv::StringRecord| field(h, r, "BillingPeriodStart").starts_with(prefix);
        let billed = independent_sums(
            &file,
            |h, r| field(h, r, "ServiceName").to_owned(),
            "BilledCost",
            in_month,
        );
        assert_maps_close(
            &totals_by(&db, month, Dimension::Product, CostMeasure::Unblended),
            &billed,
        );
        let effective = independent_sums(&file, |_, _| String::new(), "EffectiveCost", in_month);
        assert_close(
            month_total(&db, month, CostMeasure::Amortized),
            effective[""],
            "effective cost",
        );
        let by_account = independent_sums(
            &file,
            |h, r| field(h, r, "SubAccountId").to_owned(),
            "BilledCost",
            in_month,
        );
        assert_maps_close(
            &totals_by(&db, month, Dimension::Account, CostMeasure::Unblended),
            &by_account,
        );
    }
    // Tags arrive as a JSON object in a quoted field.
    let tagged = db.resource_tags("2024-09", "i-0ae9l98e3f12fa3el").unwrap();
    assert!(!tagged.is_empty(), "expected tags on i-0ae9l98e3f12fa3el");
}

#[test]
fn legacy_cur_sample_with_scientific_notation() {
    let Some(real) = real_samples() else { return };
    let file = real.join("focus-converters-aws-cur/sample-anonymous-aws-export-dataset.csv");
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&file));
    let product = |h: &csv::StringRecord, r: &csv::StringRecord| {
        let name = field(h, r, "product/ProductName");
        if name.is_empty() {
            field(h, r, "lineItem/ProductCode").to_owned()
        } else {
            name.to_owned()
        }
    };
    let expected = independent_sums(&file, product, "lineItem/UnblendedCost", |_, _| true);
    assert_maps_close(
        &totals_by(&db, "2023-11", Dimension::Product, CostMeasure::Unblended),
        &expected,
    );
    let blended = independent_sums(&file, |_, _| String::new(), "lineItem/BlendedCost", |_, _| true);
    assert_close(
        month_total(&db, "2023-11", CostMeasure::Blended),
        blended[""],
        "blended",
    );
    let types = independent_sums(
        &file,
        |h, r| field(h, r, "lineItem/UsageType").to_owned(),
        "lineItem/UnblendedCost",
        |_, _| true,
    );
    assert_maps_close(
        &totals_by(&db, "2023-11", Dimension::UsageType, CostMeasure::Unblended),
        &types,
    );
}

#[test]
fn koku_header_variants() {
    let Some(real) = real_samples() else { return };
    let dir = real.join("koku-cur-header-variants");
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&dir));
    // Alphabetical legacy CUR in NOK with odd headers: three SavingsPlanCoveredUsage hours.
    let file = dir.join("2023-06-01.csv");
    let expected = independent_sums(&file, |_, _| String::new(), "lineItem/UnblendedCost", |_, _| true);
    assert_close(
        month_total(&db, "2023-06", CostMeasure::Unblended),
        expected[""],
        "2023-06",
    );
    // `noTags/…` columns are not resource tags.
    assert!(db.resource_tags("2023-06", "i-99995555").unwrap().is_empty());
    // Athena snake_case: the resource id is a full ARN, found by its short id too.
    let alt = dir.join("2022-07-01-alt-columns.csv");
    let expected = independent_sums(
        &alt,
        |h, r| field(h, r, "line_item_resource_id").to_owned(),
        "line_item_unblended_cost",
        |_, _| true,
    );
    assert_maps_close(
        &totals_by(&db, "2022-07", Dimension::Resource, CostMeasure::Unblended),
        &expected,
    );
    let tags = db.resource_tags("2022-07", "i-055386473d0b3fc65").unwrap();
    assert_eq!(
        tags,
        BTreeMap::from([("aws_created_by".to_owned(), "IAMUser:fake:and".to_owned())])
    );
}

#[test]
fn cur2_data_export_with_its_manifest_and_tags_in_two_columns() {
    let Some(real) = real_samples() else { return };
    let dir = real.join("ola-raji-cur2-data-export");
    let file = dir.join("ha-project-CUR-daily-1-00001.csv");
    let (_d, db) = temp_db();
    sync(&db, &[dir]);
    // CUR 2.0 names the product inside its `product` map column.
    let product = |h: &csv::StringRecord, r: &csv::StringRecord| {
        let map: serde_json::Value = serde_json::from_str(field(h, r, "product")).unwrap_or_default();
        match map.get("product_name").and_then(|v| v.as_str()) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => field(h, r, "line_item_product_code").to_owned(),
        }
    };
    let expected = independent_sums(&file, product, "line_item_unblended_cost", |_, _| true);
    assert_maps_close(
        &totals_by(&db, "2026-04", Dimension::Product, CostMeasure::Unblended),
        &expected,
    );
    assert!(expected.contains_key("AWS CloudTrail"), "{expected:?}");
    // Tags are read once, from `tags`, with the spelling every other format uses.
    let (resource, tags) = {
        let mut reader = csv::Reader::from_path(&file).unwrap();
        let header = reader.headers().unwrap().clone();
        reader
            .records()
            .map(|r| r.unwrap())
            .find(|r| field(&header, r, "tags").contains("CostCenter"))
            .map(|r| {
                (
                    field(&header, &r, "line_item_resource_id").to_owned(),
                    field(&header, &r, "tags").to_owned(),
                )
            })
            .unwrap()
    };
    let stored = db.resource_tags("2026-04", &resource).unwrap();
    let written: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&tags).unwrap();
    for (key, value) in written {
        let short = key.trim_start_matches("resourceTags/user:");
        assert_eq!(
            stored.get(short).map(String::as_str),
            value.as_str(),
            "{key} of {resource}: {stored:?}"
        );
    }
    assert!(
        stored
            .keys()
            .all(|k| !k.contains("cost_center") && !k.starts_with("resourceTags")),
        "{stored:?}"
    );
}

#[test]
fn workshop_cur_in_parquet_matches_duckdb_read_directly() {
    let Some(real) = real_samples() else { return };
    let dir = real.join("wa-labs-workshop-cur-parquet");
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&dir));
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for (name, month) in [("Oct", "2018-10"), ("Nov", "2018-11"), ("Dec", "2018-12")] {
        let path = dir.join(format!("{name}2018-WorkshopCUR-00001.snappy.parquet"));
        let sql = format!(
            "SELECT COALESCE(NULLIF(product_product_name, ''), line_item_product_code), sum(line_item_unblended_cost),
                    sum(CASE line_item_line_item_type WHEN 'DiscountedUsage' THEN reservation_effective_cost
                             WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
                             WHEN 'Fee' THEN CASE WHEN NULLIF(reservation_reservation_a_r_n, '') IS NOT NULL THEN 0 ELSE line_item_unblended_cost END
                             ELSE line_item_unblended_cost END)
             FROM read_parquet('{}') GROUP BY 1",
            path.display()
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows: Vec<(String, f64, f64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let unblended: BTreeMap<String, f64> = rows.iter().map(|(k, u, _)| (k.clone(), *u)).collect();
        assert_maps_close(
            &totals_by(&db, month, Dimension::Product, CostMeasure::Unblended),
            &unblended,
        );
        let amortized: f64 = rows.iter().map(|(_, _, a)| a).sum();
        assert_close(month_total(&db, month, CostMeasure::Amortized), amortized, "amortized");
    }
    // User tags of the Athena form, keys without their `user_` prefix.
    let tagged: String = conn
        .query_row(
            &format!(
                "SELECT line_item_resource_id FROM read_parquet('{}') WHERE resource_tags_user_cost_center <> '' AND line_item_resource_id LIKE 'i-%' LIMIT 1",
                dir.join("Oct2018-WorkshopCUR-00001.snappy.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        db.resource_tags("2018-10", &tagged)
            .unwrap()
            .contains_key("cost_center")
    );
}

#[test]
fn legacy_cur_months_with_different_column_sets() {
    let Some(real) = real_samples() else { return };
    let dir = real.join("logzio-legacy-cur");
    let (_d, db) = temp_db();
    sync(
        &db,
        &[
            dir.join("test-billing-report-1.csv.gz"),
            dir.join("test-billing-report-2.csv.gz"),
        ],
    );
    for (file, month) in [
        ("test-billing-report-1.csv.gz", "2018-02"),
        ("test-billing-report-2.csv.gz", "2018-03"),
    ] {
        let plain = gunzipped(&dir.join(file));
        let product = |h: &csv::StringRecord, r: &csv::StringRecord| {
            let name = field(h, r, "product/ProductName");
            if name.is_empty() {
                field(h, r, "lineItem/ProductCode").to_owned()
            } else {
                name.to_owned()
            }
        };
        let expected = independent_sums(plain.path(), product, "lineItem/UnblendedCost", |_, _| true);
        assert_maps_close(
            &totals_by(&db, month, Dimension::Product, CostMeasure::Unblended),
            &expected,
        );
    }
    // The zip of the same month, synced later, is a re-delivery: it replaces, never adds.
    let before = month_total_text(&db, "2018-02", CostMeasure::Unblended);
    sync(&db, &[dir.join("test-billing-report-1.csv.zip")]);
    assert_eq!(month_total_text(&db, "2018-02", CostMeasure::Unblended), before);
}

#[test]
fn dbr_lines_belong_to_the_statement_month_of_their_file() {
    let Some(real) = real_samples() else { return };
    let file = real.join(
        "photon-model-dbr-rt-zip/123456789-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip",
    );
    let (_d, db) = temp_db();
    let report = sync(&db, std::slice::from_ref(&file));
    // Lines dated 2017-09 and 2017-10 stay in 2016-09, and the sync says so.
    assert_eq!(db.periods().unwrap(), vec!["2016-09"]);
    match &report.files[0].status {
        FileStatus::Loaded { outside_period, .. } => assert_eq!(*outside_period, 2),
        other => panic!("{other:?}"),
    }
    let plain = unzipped(&file);
    let money =
        |h: &csv::StringRecord, r: &csv::StringRecord| matches!(field(h, r, "RecordType"), "LineItem" | "Rounding");
    let expected = independent_sums(
        plain.path(),
        |h, r| field(h, r, "ProductName").to_owned(),
        "UnBlendedCost",
        money,
    );
    assert_maps_close(
        &totals_by(&db, "2016-09", Dimension::Product, CostMeasure::Unblended),
        &expected,
    );
    // A later sync of a real 2017-10 file must not replace lines of 2016-09.
    let dir = tempfile::tempdir().unwrap();
    let october = dir
        .path()
        .join("123456789-aws-billing-detailed-line-items-with-resources-and-tags-2017-10.csv");
    std::fs::write(
        &october,
        "\"InvoiceID\",\"PayerAccountId\",\"LinkedAccountId\",\"RecordType\",\"RecordId\",\"ProductName\",\"UsageType\",\"UsageStartDate\",\"UsageEndDate\",\"UnBlendedCost\",\"ResourceId\"\n\
         \"1\",\"123456789\",\"123456789\",\"LineItem\",\"9\",\"Amazon Simple Storage Service\",\"TimedStorage\",\"2017-10-01 00:00:00\",\"2017-10-01 01:00:00\",\"5.00\",\"\"\n",
    )
    .unwrap();
    let before = month_total_text(&db, "2016-09", CostMeasure::Unblended);
    sync(&db, &[october]);
    assert_eq!(month_total_text(&db, "2016-09", CostMeasure::Unblended), before);
    assert_eq!(month_total_text(&db, "2017-10", CostMeasure::Unblended), "5.0000000000");
}

#[test]
fn dbr_with_tags_and_bom_prefixed_ecs_events() {
    let Some(real) = real_samples() else { return };
    let file = real.join("scopely-dbr-rt/details-detailed_with_tags.csv");
    let (_d, db) = temp_db();
    sync(&db, &[file.clone(), real.join("aws-lambda-dotnet-ecs-events")]);
    let expected = independent_sums(
        &file,
        |h, r| field(h, r, "ProductName").to_owned(),
        "UnBlendedCost",
        |h, r| field(h, r, "RecordType") == "LineItem",
    );
    assert_maps_close(
        &totals_by(&db, "2014-09", Dimension::Product, CostMeasure::Unblended),
        &expected,
    );
    let (tasks, _) = db.event_counts().unwrap();
    assert_eq!(tasks, 2, "both byte-order-marked task events load");
}

fn gunzipped(path: &Path) -> tempfile::NamedTempFile {
    let mut out = tempfile::NamedTempFile::new().unwrap();
    std::io::copy(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut out,
    )
    .unwrap();
    out
}

fn unzipped(path: &Path) -> tempfile::NamedTempFile {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = tempfile::NamedTempFile::new().unwrap();
    std::io::copy(&mut archive.by_index(0).unwrap(), &mut out).unwrap();
    out
}

/// Every real sample with money, synced and attributed, exports its latest
/// month as FOCUS 1.2 that sums back to the attribution (the export checks
/// each area before it writes) and that the FinOps Foundation's validator
/// passes, MUST rule by MUST rule, whatever the sample's own spelling of
/// FOCUS's values (the FOCUS 1.0 sample writes `Usage-based`).
#[test]
fn every_real_sample_exports_as_focus_the_validator_passes() {
    let Some(real) = real_samples() else { return };
    let python = focus_validator();
    for sample in loadable_samples(&real) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.duckdb");
        apportion(&db).arg("sync").arg(&sample).assert().success();
        let has_money = Db::open(&db).unwrap().latest_period().unwrap().is_some();
        if !has_money {
            continue;
        }
        let out = dir.path().join("month.parquet");
        apportion(&db)
            .args(["export", "--format", "parquet", "--out"])
            .arg(&out)
            .assert()
            .success();
        if let Some(python) = &python {
            assert_eq!(
                focus_failures(python, &out),
                Vec::<String>::new(),
                "{}",
                sample.display()
            );
        }
    }
}
