//! Re-delivery replaces a month, unchanged files are skipped, and the same
//! content under two names is loaded once.

use crate::generated::{DbrMonth, format_units};
use apportion::db::CostMeasure;
use apportion::ingest::FileStatus;

use crate::common::*;

fn write(m: &DbrMonth, path: &std::path::Path) -> String {
    let mut out = std::fs::File::create(path).unwrap();
    format_units(m.write(&mut out).unwrap().total)
}

#[test]
fn a_newer_delivery_replaces_the_month_and_an_older_one_can_return() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing-2026-07.csv");
    let (_d, db) = temp_db();

    let first = write(&DbrMonth::july_2026(800, 1, false), &path);
    sync(&db, std::slice::from_ref(&path));
    assert_close(
        month_total(&db, "2026-07", CostMeasure::Unblended),
        first.parse().unwrap(),
        "first delivery",
    );

    // AWS rewrites the same file later in the day with more usage.
    let second = write(&DbrMonth::july_2026(1600, 2, false), &path);
    assert_ne!(first, second);
    let report = sync(&db, std::slice::from_ref(&path));
    assert!(report.replaced_lines > 0);
    assert_close(
        month_total(&db, "2026-07", CostMeasure::Unblended),
        second.parse().unwrap(),
        "second delivery",
    );

    // Going back to the first content is a change too, not "unchanged".
    let again = write(&DbrMonth::july_2026(800, 1, false), &path);
    assert_eq!(again, first);
    let report = sync(&db, std::slice::from_ref(&path));
    assert_eq!(loaded_count(&report), 1);
    assert_close(
        month_total(&db, "2026-07", CostMeasure::Unblended),
        first.parse().unwrap(),
        "first again",
    );
}

#[test]
fn syncing_the_same_files_twice_changes_nothing() {
    let (_d, db) = temp_db();
    let paths = [fixture("dbr"), fixture("cur"), fixture("focus")];
    let first = sync(&db, &paths);
    assert_eq!(loaded_count(&first), 6);
    let before: Vec<String> = db
        .periods()
        .unwrap()
        .iter()
        .map(|p| month_total_text(&db, p, CostMeasure::Unblended))
        .collect();
    let second = sync(&db, &paths);
    assert_eq!(loaded_count(&second), 0);
    assert!(
        second
            .files
            .iter()
            .all(|f| matches!(f.status, FileStatus::Unchanged { .. })),
        "{second:#?}"
    );
    let after: Vec<String> = db
        .periods()
        .unwrap()
        .iter()
        .map(|p| month_total_text(&db, p, CostMeasure::Unblended))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_copy_under_another_name_is_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture("dbr/consolidated-2026-03.csv");
    let copy = dir.path().join("copy.csv");
    std::fs::copy(&original, &copy).unwrap();
    let (_d, db) = temp_db();
    let report = sync(&db, &[original.clone(), copy.clone()]);
    assert_eq!(loaded_count(&report), 1);
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
    // And in a later sync, too.
    let (_d2, db2) = temp_db();
    sync(&db2, &[original]);
    let report = sync(&db2, &[copy]);
    assert!(matches!(report.files[0].status, FileStatus::Unchanged { .. }));
    assert_eq!(
        month_total_text(&db2, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
}

#[test]
fn parts_of_one_month_in_one_sync_are_kept_together() {
    let dir = tempfile::tempdir().unwrap();
    let part = |cost: &str| {
        format!(
            "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost\n\
             2026-05-01T00:00:00Z,600000000001,Usage,2026-05-01T00:00:00Z,{cost}\n"
        )
    };
    std::fs::write(dir.path().join("report-1.csv"), part("2")).unwrap();
    std::fs::write(dir.path().join("report-2.csv"), part("3")).unwrap();
    let (_d, db) = temp_db();
    sync(&db, &[dir.path().to_path_buf()]);
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "5.0000000000");
    // A new delivery of part 1 alone, synced with the unchanged part 2, keeps part 2.
    std::fs::write(dir.path().join("report-1.csv"), part("4")).unwrap();
    sync(&db, &[dir.path().to_path_buf()]);
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "7.0000000000");
}

#[test]
fn one_month_in_two_formats_in_one_sync_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cur.csv"),
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost\n\
         2026-05-01T00:00:00Z,300000000001,Usage,2026-05-01T00:00:00Z,2\n",
    )
    .unwrap();
    let (_d, db) = temp_db();
    let err = apportion::ingest::sync_paths(&db, &[dir.path().to_path_buf(), fixture("focus")], &mut ()).unwrap_err();
    assert!(err.to_string().contains("arrives twice"), "{err}");
    assert!(
        err.to_string().contains("FOCUS") && err.to_string().contains("CUR"),
        "{err}"
    );
    assert!(db.periods().unwrap().is_empty());
}

#[test]
fn two_dbr_files_for_one_month_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture("dbr/consolidated-2026-03.csv");
    let text = std::fs::read_to_string(&original)
        .unwrap()
        .replace("\"12.5000000000\"", "\"13.5000000000\"");
    let later = dir.path().join("consolidated-2026-03 (1).csv");
    std::fs::write(&later, text).unwrap();
    let (_d, db) = temp_db();
    let err = apportion::ingest::sync_paths(&db, &[original.clone(), later.clone()], &mut ()).unwrap_err();
    assert!(err.to_string().contains("arrives twice"), "{err}");
    // One at a time, the later delivery replaces the earlier one.
    sync(&db, &[original]);
    sync(&db, &[later]);
    assert_eq!(
        month_total_text(&db, "2026-03", CostMeasure::Unblended),
        "108.6937100000"
    );
}

#[test]
fn a_rewrite_that_keeps_size_and_mtime_is_loaded_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report-1.csv");
    let delivery = |cost: &str| {
        format!(
            "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost\n\
             2026-05-01T00:00:00Z,600000000001,Usage,2026-05-01T00:00:00Z,{cost}\n"
        )
    };
    std::fs::write(&path, delivery("2.50")).unwrap();
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&path));
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "2.5000000000");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();

    // `cp -p` (or an rsync keeping times): other bytes of the same size, the old mtime.
    let (first, second) = (delivery("2.50"), delivery("7.25"));
    assert_eq!(first.len(), second.len());
    std::fs::write(&path, &second).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.len(), meta.modified().unwrap()), (first.len() as u64, mtime));

    let report = sync(&db, std::slice::from_ref(&path));
    assert_eq!(loaded_count(&report), 1, "{report:#?}");
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "7.2500000000");
    // Synced again as it is now, it is unchanged.
    let report = sync(&db, std::slice::from_ref(&path));
    assert!(
        matches!(report.files[0].status, FileStatus::Unchanged { .. }),
        "{report:#?}"
    );
    assert_eq!(month_total_text(&db, "2026-05", CostMeasure::Unblended), "7.2500000000");
}

#[test]
fn a_file_whose_status_changed_but_not_its_bytes_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billing-2026-03.csv");
    std::fs::copy(fixture("dbr/consolidated-2026-03.csv"), &path).unwrap();
    let (_d, db) = temp_db();
    sync(&db, std::slice::from_ref(&path));
    // Rewriting the same bytes with the old mtime changes the ctime only: hashed, found equal.
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, std::fs::read(&path).unwrap()).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    for _ in 0..2 {
        let report = sync(&db, std::slice::from_ref(&path));
        assert!(
            matches!(report.files[0].status, FileStatus::Unchanged { .. }),
            "{report:#?}"
        );
        assert_eq!(
            month_total_text(&db, "2026-03", CostMeasure::Unblended),
            "107.6937100000"
        );
    }
}
