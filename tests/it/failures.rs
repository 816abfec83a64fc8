//! Bad input fails the whole sync with the file and line named, and leaves the
//! database exactly as it was; unrelated files are skipped with a reason.

use std::path::{Path, PathBuf};

use apportion::db::{CostMeasure, Db};
use apportion::ingest::{FileStatus, sync_paths};

use crate::common::*;

const CUR_HEADER: &str = "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/LineItemDescription";

fn cur_rows(n: usize) -> String {
    let mut text = format!("{CUR_HEADER}\n");
    for i in 0..n {
        text.push_str(&format!(
            "2026-05-01T00:00:00Z,700000000001,Usage,2026-05-01T00:00:00Z,1.25,\"row {i}, fine\"\n"
        ));
    }
    text
}

/// A database that already holds March from the DBR fixture.
fn db_with_march() -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    sync(&db, &[fixture("dbr/consolidated-2026-03.csv")]);
    (dir, db)
}

fn assert_unchanged(db: &Db) {
    assert_eq!(db.periods().unwrap(), vec!["2026-03".to_owned()]);
    assert_eq!(
        month_total_text(db, "2026-03", CostMeasure::Unblended),
        "107.6937100000"
    );
}

fn failing_sync(db: &Db, paths: &[PathBuf]) -> String {
    match sync_paths(db, paths, &mut ()) {
        Ok(report) => panic!("sync should fail: {report:#?}"),
        Err(e) => e.to_string(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_bad_number_names_file_line_and_column_and_nothing_is_kept() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "a-good.csv", &cur_rows(5));
    let mut text = cur_rows(40);
    text.push_str("2026-05-01T00:00:00Z,700000000001,Usage,2026-05-01T00:00:00Z,12.5O,oops\n");
    let bad = write(dir.path(), "b-bad.csv", &text);
    let err = failing_sync(&db, &[good, bad]);
    assert!(err.contains("b-bad.csv: line 42"), "{err}");
    assert!(err.contains("lineItem/UnblendedCost") && err.contains("12.5O"), "{err}");
    assert_unchanged(&db);
}

#[test]
fn a_ragged_row_names_its_line() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let mut text = cur_rows(10);
    text.push_str("2026-05-01T00:00:00Z,700000000001,Usage\n");
    text.push_str(&cur_rows(3)[CUR_HEADER.len() + 1..]);
    let bad = write(dir.path(), "ragged.csv", &text);
    let err = failing_sync(&db, &[bad]);
    assert!(err.contains("ragged.csv: line 12"), "{err}");
    assert!(err.contains("3 fields, the header has 6"), "{err}");
    assert_unchanged(&db);
}

#[test]
fn a_bad_date_names_its_line() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let mut text = cur_rows(3);
    text.push_str("2026-05-01T00:00:00Z,700000000001,Usage,yesterday,1,x\n");
    let bad = write(dir.path(), "date.csv", &text);
    let err = failing_sync(&db, &[bad]);
    assert!(err.contains("date.csv: line 5") && err.contains("yesterday"), "{err}");
    assert_unchanged(&db);
}

#[test]
fn a_truncated_gzip_fails() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.csv.gz");
    write_gz(&full, &cur_rows(20_000));
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = failing_sync(&db, &[cut]);
    assert!(err.contains("cut.csv.gz"), "{err}");
    assert!(err.contains("truncated") || err.contains("damaged"), "{err}");
    assert_unchanged(&db);
}

#[test]
fn an_empty_export_file_fails() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "billing-2026-05.csv", "");
    let err = failing_sync(&db, &[empty]);
    assert!(err.contains("billing-2026-05.csv") && err.contains("empty"), "{err}");
    let gz = dir.path().join("empty.csv.gz");
    write_gz(&gz, "");
    let err = failing_sync(&db, &[gz]);
    assert!(err.contains("empty.csv.gz") && err.contains("empty"), "{err}");
    assert_unchanged(&db);
}

#[test]
fn a_missing_required_column_is_named() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let cur = write(
        dir.path(),
        "cur-no-cost.csv",
        "bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/BlendedCost\n2026-05-01T00:00:00Z,Usage,1\n",
    );
    let err = failing_sync(&db, &[cur]);
    assert!(
        err.contains("cur-no-cost.csv") && err.contains("missing required column lineItem/UnblendedCost"),
        "{err}"
    );
    let dbr = write(
        dir.path(),
        "dbr-no-cost.csv",
        "\"InvoiceID\",\"PayerAccountId\",\"RecordType\",\"ProductName\",\"UsageStartDate\"\n\"x\",\"1\",\"LineItem\",\"EC2\",\"2026-05-01 00:00:00\"\n",
    );
    let err = failing_sync(&db, &[dbr]);
    assert!(
        err.contains("dbr-no-cost.csv") && err.contains("UnBlendedCost"),
        "{err}"
    );
    assert_unchanged(&db);
}

#[test]
fn files_that_are_not_exports_are_listed_as_skipped() {
    let (_d, db) = temp_db();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.txt", "remember to tag things\n");
    write(dir.path(), "people.csv", "name,email\nann,ann@example.com\n");
    write(dir.path(), "event.json", "{\"detail-type\": \"something\"}");
    std::fs::copy(fixture("focus/focus-1.2-2026-05.csv"), dir.path().join("focus.csv")).unwrap();
    let report = sync(&db, &[dir.path().to_path_buf()]);
    assert_eq!(loaded_count(&report), 1);
    let skipped: Vec<String> = report
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Skipped { reason } => {
                Some(format!("{}: {reason}", f.path.file_name().unwrap().to_string_lossy()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("people.csv: CSV with columns name, email")),
        "{skipped:?}"
    );
}

#[test]
fn a_second_writer_gets_a_clear_in_use_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.duckdb");
    let _held = Db::open(&path).unwrap();
    let out = assert_cmd::Command::cargo_bin("apportion")
        .unwrap()
        .args(["--db", path.to_str().unwrap(), "sync", fixture("dbr").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another process"), "{stderr}");
}

#[test]
fn a_bad_event_names_its_file_and_line() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("attribution/ecs-tasks.jsonl")).unwrap();
    let bad_value = format!(
        "{good}{{\"detail-type\":\"ECS Task State Change\",\"detail\":{{\"taskArn\":\"t\",\"startedAt\":\"yesterday\",\"version\":1}}}}\n"
    );
    let path = write(dir.path(), "tasks.jsonl", &bad_value);
    let err = failing_sync(&db, &[path]);
    assert!(
        err.contains("tasks.jsonl: line 5") && err.contains("yesterday"),
        "{err}"
    );
    let broken = format!("{good}{{\"detail-type\":\"ECS Task State Change\",\n");
    let path = write(dir.path(), "tasks.jsonl", &broken);
    let err = failing_sync(&db, &[path]);
    assert!(err.contains("tasks.jsonl: line 5: record cut off"), "{err}");
    assert_unchanged(&db);
}

/// The March DBR fixture's header and first three lines, each line ended with
/// `eol`, the first line's description spanning two lines when `multiline`,
/// then a line whose UnBlendedCost is not a number.
fn dbr_with_a_bad_cost(eol: &str, multiline: bool) -> String {
    let fixture = std::fs::read_to_string(fixture("dbr/consolidated-2026-03.csv")).unwrap();
    let mut lines: Vec<String> = fixture.lines().take(5).map(str::to_owned).collect();
    if multiline {
        lines[1] = lines[1].replace("On Demand Linux", &format!("On Demand{eol}Linux"));
    }
    let bad = lines[4].replace(
        "\"12.5000000000\",\"checkout-assets",
        "\"12.5OOOOOOOOO\",\"checkout-assets",
    );
    assert_ne!(bad, lines[4]);
    lines[4] = bad;
    lines.iter().map(|l| format!("{l}{eol}")).collect()
}

#[test]
fn a_bad_value_is_named_by_its_line_as_an_editor_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    for (name, eol, multiline, line) in [
        ("lf.csv", "\n", false, 5),
        ("crlf.csv", "\r\n", false, 5),
        ("lf-quoted.csv", "\n", true, 6),
        ("crlf-quoted.csv", "\r\n", true, 6),
    ] {
        let (_d, db) = db_with_march();
        let bad = write(dir.path(), name, &dbr_with_a_bad_cost(eol, multiline));
        let err = failing_sync(&db, &[bad]);
        assert!(err.contains(&format!("{name}: line {line}:")), "{name}: {err}");
        assert!(
            err.contains("UnBlendedCost") && err.contains("12.5OOO"),
            "{name}: {err}"
        );
        assert_unchanged(&db);
    }
}

#[test]
fn a_ragged_row_after_crlf_lines_names_its_line() {
    let (_d, db) = db_with_march();
    let dir = tempfile::tempdir().unwrap();
    let mut text = cur_rows(10).replace('\n', "\r\n");
    text.push_str("2026-05-01T00:00:00Z,700000000001,Usage\r\n");
    let bad = write(dir.path(), "ragged-crlf.csv", &text);
    let err = failing_sync(&db, &[bad]);
    assert!(err.contains("ragged-crlf.csv: line 12"), "{err}");
    assert_unchanged(&db);
}
