//! The real public samples in ../shared/fixtures/real/ sync, and their totals
//! match sums computed here with the csv crate alone.

use std::collections::BTreeMap;

use apportion::db::{CostMeasure, Dimension};
use apportion::ingest::FileStatus;

use crate::common::*;

#[test]
fn every_real_sample_syncs_or_is_skipped_with_a_reason() {
    let Some(real) = real_samples() else { return };
    let (_d, db) = temp_db();
    let report = sync(&db, &[real]);
    let loaded: Vec<String> = report
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Loaded { .. } | FileStatus::LoadedRecords { .. }))
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        loaded,
        vec![
            "ecs-container-instance-state-change-2016-12-06.json",
            "ecs-task-state-change-ec2-2016-12-06.json",
            "ecs-task-state-change-fargate-2020-01-23.json",
            "sample-anonymous-aws-export-dataset.csv",
            "focus_sample.csv",
            "2022-07-01-alt-columns.csv",
            "2023-06-01.csv"
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
    assert_eq!(db.periods().unwrap(), vec!["2022-07", "2023-06", "2023-11", "2024-09", "2024-10"]);
}

#[test]
fn focus_sample_totals_by_service_and_period() {
    let Some(real) = real_samples() else { return };
    let file = real.join("focus-sample-data/focus_sample.csv");
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&file));
    for (month, prefix) in [("2024-09", "2024-09"), ("2024-10", "2024-10")] {
        let in_month = |h: &csv::StringRecord, r: &csv::StringRecord| field(h, r, "BillingPeriodStart").starts_with(prefix);
        let billed = independent_sums(&file, |h, r| field(h, r, "ServiceName").to_owned(), "BilledCost", in_month);
        assert_maps_close(&totals_by(&db, month, Dimension::Product, CostMeasure::Unblended), &billed);
        let effective = independent_sums(&file, |_, _| String::new(), "EffectiveCost", in_month);
        assert_close(month_total(&db, month, CostMeasure::Amortized), effective[""], "effective cost");
        let by_account = independent_sums(&file, |h, r| field(h, r, "SubAccountId").to_owned(), "BilledCost", in_month);
        assert_maps_close(&totals_by(&db, month, Dimension::Account, CostMeasure::Unblended), &by_account);
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
        if name.is_empty() { field(h, r, "lineItem/ProductCode").to_owned() } else { name.to_owned() }
    };
    let expected = independent_sums(&file, product, "lineItem/UnblendedCost", |_, _| true);
    assert_maps_close(&totals_by(&db, "2023-11", Dimension::Product, CostMeasure::Unblended), &expected);
    let blended = independent_sums(&file, |_, _| String::new(), "lineItem/BlendedCost", |_, _| true);
    assert_close(month_total(&db, "2023-11", CostMeasure::Blended), blended[""], "blended");
    let types = independent_sums(&file, |h, r| field(h, r, "lineItem/UsageType").to_owned(), "lineItem/UnblendedCost", |_, _| true);
    assert_maps_close(&totals_by(&db, "2023-11", Dimension::UsageType, CostMeasure::Unblended), &types);
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
    assert_close(month_total(&db, "2023-06", CostMeasure::Unblended), expected[""], "2023-06");
    // `noTags/…` columns are not resource tags.
    assert!(db.resource_tags("2023-06", "i-99995555").unwrap().is_empty());
    // Athena snake_case: the resource id is a full ARN, found by its short id too.
    let alt = dir.join("2022-07-01-alt-columns.csv");
    let expected = independent_sums(&alt, |h, r| field(h, r, "line_item_resource_id").to_owned(), "line_item_unblended_cost", |_, _| true);
    assert_maps_close(&totals_by(&db, "2022-07", Dimension::Resource, CostMeasure::Unblended), &expected);
    let tags = db.resource_tags("2022-07", "i-055386473d0b3fc65").unwrap();
    assert_eq!(
        tags,
        BTreeMap::from([("aws_created_by".to_owned(), "IAMUser:fake:and".to_owned())])
    );
}
