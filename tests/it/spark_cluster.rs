//! Exports read where they lie: the same Parquet and CSV exports synced
//! from this machine and by a real Spark Connect server (`file:` URIs, the
//! scheme a local server has), and every billing line and split row
//! compared: the cluster runs the first stage of each load, this machine the
//! second, and the result must be the line this machine reads itself. A
//! damaged CSV named at the row a load here names. Then the command as a
//! user runs it: listed with the cluster's names, manifests choosing the
//! execution, unchanged on a second sync, a re-delivery replacing its month,
//! and what the cluster does not read refused by name.

#![cfg(feature = "spark")]

use std::path::{Path, PathBuf};

use apportion::db::Db;
use apportion::ingest::{FileStatus, sync_paths, sync_sources};
use apportion::spark::SparkEngine;
use predicates::prelude::*;

use crate::common::{apportion, fixture, real_samples, sync};

/// Columns AWS's Parquet exports carry as maps, written as maps here.
const MAP_COLUMNS: [&str; 5] = ["resource_tags", "product", "cost_category", "discount", "Tags"];

/// A CSV fixture as the Parquet an export would be: types as DuckDB
/// detects them (timestamps, doubles, integers), JSON object columns as maps.
fn as_parquet(csv: &Path, out: &Path) {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let reader = format!("read_csv('{}')", csv.display());
    let mut stmt = conn
        .prepare(&format!("SELECT column_name FROM (DESCRIBE SELECT * FROM {reader})"))
        .unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let maps: Vec<String> = names
        .iter()
        .filter(|n| MAP_COLUMNS.contains(&n.as_str()))
        .map(|n| {
            format!(
                "CASE WHEN json_valid(CAST(\"{n}\" AS VARCHAR)) \
                 THEN CAST(CAST(\"{n}\" AS JSON) AS MAP(VARCHAR, VARCHAR)) END AS \"{n}\""
            )
        })
        .collect();
    let replace = match maps.is_empty() {
        true => String::new(),
        false => format!(" REPLACE ({})", maps.join(", ")),
    };
    conn.execute_batch(&format!(
        "COPY (SELECT *{replace} FROM {reader}) TO '{}' (FORMAT parquet)",
        out.display()
    ))
    .unwrap();
}

/// Parquet exports of every format the cluster reads: CUR 2.0 with split
/// cost allocation rows (maps, splits), legacy CUR with commitments, FOCUS
/// 1.3 (JSON details, allocated tags, times adjusted to UTC), and DBR (with
/// its total rows), in `dir`.
fn parquet_exports(dir: &Path) -> Vec<PathBuf> {
    [
        ("scad/cur2-2026-08.csv", "cur2-scad.parquet"),
        ("invoice/cur-2026-09.csv", "cur-invoice.parquet"),
        ("focus/focus-1.3-2026-07.csv", "focus-1.3.parquet"),
        // Not delivered as Parquet by AWS, but read alike: the statement's
        // total rows and the month from the file name.
        ("dbr/consolidated-2026-03.csv", "dbr-consolidated-2026-03.parquet"),
    ]
    .iter()
    .map(|(csv, name)| {
        let out = dir.join(name);
        as_parquet(&fixture(csv), &out);
        out
    })
    .collect()
}

/// Every row of what a sync loads into the database at `path`, each as
/// text, sorted: the billing lines (by file name, not id: files are
/// numbered in the order a sync finds them), the split rows and the
/// statement's own total rows.
fn loaded(path: &Path) -> Vec<String> {
    let conn = duckdb::Connection::open(path).unwrap();
    let sql = "SELECT 'line ' || regexp_extract(f.path, '[^/]*$') || ' ' \
                      || regexp_replace(CAST(l AS VARCHAR), ', ''f_id'': \\d+}$', '}') \
               FROM (SELECT * EXCLUDE (file_id), file_id AS f_id FROM billing_lines) l \
               JOIN source_files f ON f.file_id = l.f_id \
               UNION ALL SELECT 'split ' || CAST(s AS VARCHAR) FROM (SELECT * EXCLUDE (file_id) FROM scad_splits) s \
               UNION ALL SELECT 'total ' || CAST(t AS VARCHAR) FROM (SELECT * EXCLUDE (file_id) FROM statement_totals) t";
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.sort();
    rows
}

/// The CUR 2.0 month with split cost allocation data, its last line left
/// out (a line of $0.10), as a CSV in `dir`.
fn scad_month_without_its_last_line(dir: &Path) -> PathBuf {
    let shorter = dir.join("shorter.csv");
    let text = std::fs::read_to_string(fixture("scad/cur2-2026-08.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&shorter, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    shorter
}

fn file_uri(path: &Path) -> String {
    format!("file:{}", path.display())
}

#[test]
fn the_cluster_reads_parquet_exports_into_the_lines_this_machine_reads() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exports_dir = dir.path().join("exports");
    std::fs::create_dir(&exports_dir).unwrap();
    let mut exports = parquet_exports(&exports_dir);
    if let Some(real) = real_samples() {
        // AWS's own Parquet (the Athena form of a legacy CUR), read in place.
        exports.push(real.join("wa-labs-workshop-cur-parquet/Oct2018-WorkshopCUR-00001.snappy.parquet"));
    }
    let (expected, got) = loaded_both_ways(dir.path(), spark, &exports);
    assert_same_rows(&expected, &got);
    // Nothing of the syncs stays in the warehouse.
    let synced = dir.path().join("warehouse");
    let left: Vec<_> = walk_files(&synced);
    assert!(left.is_empty(), "{left:?}");
}

/// A legacy CUR in CSV with what a CSV reader must agree on: a byte order
/// mark, CRLF line ends, a quoted empty value and a bare one, `NULL` as
/// text, a quoted value spanning two lines, doubled quotes, a cost in
/// scientific notation.
const CAREFUL_CSV: &str = "\u{feff}identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,\
lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,\
lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:team\r\n\
a1,111111111111,2026-05-01T00:00:00Z,222222222222,Usage,2026-05-03T00:00:00Z,2026-05-03T01:00:00Z,AmazonEC2,i-0abc,1.5E-1,web\r\n\
a2,111111111111,2026-05-01T00:00:00Z,222222222222,Usage,2026-05-03T00:00:00Z,2026-05-04T00:00:00Z,AmazonS3,\"\",2.25,NULL\r\n\
a3,111111111111,2026-05-01T00:00:00Z,,Usage,2026-05-04T00:00:00Z,2026-05-05T00:00:00Z,AmazonS3,bucket-a,3,\"two\nlines\"\r\n\
a4,111111111111,2026-05-01T00:00:00Z,222222222222,Usage,2026-05-04T00:00:00Z,2026-05-05T00:00:00Z,AmazonS3,\"say \"\"hi\"\"\",0.0000001,\"\"\r\n";

/// CSV exports of every format, as AWS delivers them (gzip for one) and
/// an unzipped DBR, in `dir`; with the real samples' CSVs where they are.
fn csv_exports(dir: &Path) -> Vec<PathBuf> {
    let mut exports = Vec::new();
    for (fixture_path, name) in [
        ("scad/cur2-2026-08.csv", "cur2-scad.csv"),
        ("focus/focus-1.3-2026-07.csv", "focus-1.3.csv"),
        // The statement's total rows, and the month from the file name.
        ("dbr/consolidated-2026-03.csv", "dbr-consolidated-2026-03.csv"),
    ] {
        let out = dir.join(name);
        std::fs::copy(fixture(fixture_path), &out).unwrap();
        exports.push(out);
    }
    let gzipped = dir.join("cur-invoice.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&gzipped).unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &std::fs::read(fixture("invoice/cur-2026-09.csv")).unwrap()).unwrap();
    gz.finish().unwrap();
    exports.push(gzipped);
    let careful = dir.join("careful.csv");
    std::fs::write(&careful, CAREFUL_CSV).unwrap();
    exports.push(careful);
    if let Some(real) = real_samples() {
        // Each of another month: scientific notation and milliseconds,
        // FOCUS 1.0 with NULL as text, Athena's snake case, cost category
        // names with spaces, gzip parts of a real account, CUR 2.0 with
        // empty values quoted and bare, a DBR with tags.
        for sample in [
            "focus-converters-aws-cur/sample-anonymous-aws-export-dataset.csv",
            "focus-sample-data/focus_sample.csv",
            "koku-cur-header-variants/2022-07-01-alt-columns.csv",
            "koku-cur-header-variants/2023-06-01.csv",
            "logzio-legacy-cur/test-billing-report-1.csv.gz",
            "logzio-legacy-cur/test-billing-report-2.csv.gz",
            "ola-raji-cur2-data-export/ha-project-CUR-daily-1-00001.csv",
            "scopely-dbr-rt/details-detailed_with_tags.csv",
        ] {
            exports.push(real.join(sample));
        }
    }
    exports
}

#[test]
fn the_cluster_reads_csv_exports_into_the_lines_this_machine_reads() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exports_dir = dir.path().join("exports");
    std::fs::create_dir(&exports_dir).unwrap();
    let exports = csv_exports(&exports_dir);
    let (expected, got) = loaded_both_ways(dir.path(), spark, &exports);
    assert_same_rows(&expected, &got);
    // What needs care, read as it should be: the value spanning two lines
    // and the doubled quotes kept, `NULL` and empty values no tag (null).
    let careful: Vec<&String> = got.iter().filter(|r| r.starts_with("line careful.csv ")).collect();
    assert_eq!(careful.len(), 4, "{careful:#?}");
    let has = |text: &str| careful.iter().filter(|r| r.contains(text)).count();
    // (The JSON's `\n`, its backslash doubled by DuckDB's text of a row.)
    assert_eq!(has("\"team\":\"two\\\\nlines\""), 1, "{careful:#?}");
    assert_eq!(has("say \"hi\""), 1, "{careful:#?}");
    assert_eq!(has("\"team\":null"), 2, "{careful:#?}");
    assert_eq!(has("NULL\""), 0, "{careful:#?}");
}

/// A CSV that would not load, synced on the cluster: the sync fails naming
/// the row a load here names as the line, and what is wrong with it. The
/// file has a column no query reads, so a short row is caught even where
/// Spark would parse only the columns a query reads.
#[test]
fn a_damaged_csv_on_the_cluster_is_named_at_its_row() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let invoice = std::fs::read_to_string(fixture("invoice/cur-2026-09.csv")).unwrap();
    let with_a_note: Vec<String> = invoice
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}", if i == 0 { "note" } else { "n" }))
        .collect();
    let damaged = |name: &str, line: usize, damage: &dyn Fn(&str) -> String| {
        let mut lines = with_a_note.clone();
        lines[line - 1] = damage(&lines[line - 1]);
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };
    let cases = [
        (
            damaged("bad-value.csv", 3, &|l| {
                assert!(l.contains(",60,60,"), "{l}");
                l.replacen(",60,60,", ", sixty,60,", 1)
            }),
            3,
            "\"sixty\" is not a number",
        ),
        (
            damaged("too-wide.csv", 4, &|l| format!("{l},extra")),
            4,
            "fields, the header has",
        ),
        // The note, which no query reads, left out.
        (
            damaged("too-short.csv", 5, &|l| l.strip_suffix(",n").unwrap().to_owned()),
            5,
            "fields, the header has",
        ),
    ];
    let mut db = Db::open(&dir.path().join("db.duckdb")).unwrap();
    db.set_engine(Box::new(SparkEngine::new(spark, dir.path().join("warehouse"))));
    for (file, at, says) in &cases {
        let here = sync_paths(
            &Db::open(&dir.path().join("here.duckdb")).unwrap(),
            std::slice::from_ref(file),
            &mut (),
        )
        .unwrap_err()
        .to_string();
        assert!(here.contains(&format!("line {at}: ")) && here.contains(says), "{here}");
        let there = sync_sources(&db, &[], &[file_uri(file)], &mut ())
            .unwrap_err()
            .to_string();
        assert!(there.starts_with(&file_uri(file)), "{there}");
        // The message a load here gives, but for its words for where.
        assert_eq!(
            there.split_once(": ").unwrap().1,
            here.split_once(": ").unwrap().1.replacen("line", "row", 1)
        );
    }
    // The database is as it was.
    drop(db);
    let lines: i64 = duckdb::Connection::open(dir.path().join("db.duckdb"))
        .unwrap()
        .query_row("SELECT count(*) FROM billing_lines", [], |r| r.get(0))
        .unwrap();
    assert_eq!(lines, 0);
}

/// `exports` synced into a database here and, by their `file:` URIs, by
/// the cluster into another, one sync each (every file is of a month of its
/// own), each file loaded with lines: every row each loaded (`loaded`),
/// (here, there).
fn loaded_both_ways(dir: &Path, spark: apportion::spark::Spark, exports: &[PathBuf]) -> (Vec<String>, Vec<String>) {
    let (here, there) = (dir.join("here.duckdb"), dir.join("there.duckdb"));
    sync(&Db::open(&here).unwrap(), exports);
    let mut db = Db::open(&there).unwrap();
    db.set_engine(Box::new(SparkEngine::new(spark, dir.join("warehouse"))));
    let uris: Vec<String> = exports.iter().map(|e| file_uri(e)).collect();
    let report = sync_sources(&db, &[], &uris, &mut ()).unwrap();
    for file in &report.files {
        assert!(matches!(file.status, FileStatus::Loaded { .. }), "{file:?}");
    }
    assert_eq!(report.files.len(), exports.len());
    drop(db);
    let (expected, got) = (loaded(&here), loaded(&there));
    for export in exports {
        let name = export.file_name().unwrap().to_string_lossy();
        let of_file = expected
            .iter()
            .filter(|r| r.starts_with(&format!("line {name} ")))
            .count();
        assert!(of_file > 1, "{name}: {expected:?}");
    }
    (expected, got)
}

fn assert_same_rows(expected: &[String], got: &[String]) {
    let missing: Vec<_> = expected.iter().filter(|r| !got.contains(r)).collect();
    let extra: Vec<_> = got.iter().filter(|r| !expected.contains(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert_eq!(got.len(), expected.len());
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| match e.path().is_dir() {
            true => walk_files(&e.path()),
            false => vec![e.path()],
        })
        .collect()
}

#[test]
fn sync_on_the_cluster_as_a_user_runs_it() {
    if crate::spark_server::session().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.duckdb");
    let exports = dir.path().join("exports");
    // Two executions of the month, each with its manifest: the later governs.
    let shorter = scad_month_without_its_last_line(dir.path());
    let mut files = Vec::new();
    for (execution, csv) in [
        ("2026-09-01T00:00:00.000Z-old", shorter.clone()),
        ("2026-09-02T00:00:00.000Z-new", fixture("scad/cur2-2026-08.csv")),
    ] {
        let data = exports.join(format!("cur2/data/BILLING_PERIOD=2026-08/{execution}"));
        let metadata = exports.join(format!("cur2/metadata/BILLING_PERIOD=2026-08/{execution}"));
        for d in [&data, &metadata] {
            std::fs::create_dir_all(d).unwrap();
        }
        let file = data.join("cur2-00001.snappy.parquet");
        as_parquet(&csv, &file);
        let manifest = serde_json::json!({
            "executionId": execution,
            "dataFiles": [format!("s3://billing/cur2/data/BILLING_PERIOD=2026-08/{execution}/cur2-00001.snappy.parquet")],
        });
        std::fs::write(metadata.join("cur2-Manifest.json"), manifest.to_string()).unwrap();
        files.push(file);
    }
    let (old, file) = (files[0].clone(), files[1].clone());
    // What AWS writes for Redshift beside a report is skipped, not read as a manifest.
    std::fs::write(
        exports.join("cur2/r-RedshiftManifest.json"),
        r#"{"entries":[{"url":"s3://b/x.csv.gz","mandatory":true}]}"#,
    )
    .unwrap();
    let spark = |cmd: &mut assert_cmd::Command| {
        cmd.args([
            "--engine",
            "spark",
            "--spark-remote",
            &crate::spark_server::remote_url(),
            "--spark-warehouse",
            &dir.path().join("warehouse").display().to_string(),
        ]);
    };
    let uri = format!("file:{}/", exports.display());
    let mut first = apportion(&db);
    spark(&mut first);
    first.args(["sync", &uri]).assert().success().stdout(
        predicate::str::contains(format!("loaded     {}", file_uri(&file)))
            .and(predicate::str::contains("CUR 2.0, 2026-08, 9 lines, $6.50"))
            .and(predicate::str::contains(format!(
                "skipped    {}: not in the latest execution",
                file_uri(&old)
            )))
            .and(predicate::str::contains("CUR 2.0 manifest for 2026-08 (1 files)"))
            .and(predicate::str::contains(
                "r-RedshiftManifest.json: written by AWS for Redshift",
            )),
    );
    apportion(&db)
        .arg("runs")
        .assert()
        .success()
        .stdout(predicate::str::contains("attributed on spark"));
    // The month's total as this machine reads the same file.
    let here = dir.path().join("here.duckdb");
    apportion(&here)
        .args(["sync", &file.display().to_string()])
        .assert()
        .success();
    let total = |db: &Path| {
        let out = apportion(db)
            .args(["report", "--month", "2026-08", "--by", "area", "--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(total(&db), total(&here));
    // Unchanged on the cluster: nothing loaded again.
    let mut again = apportion(&db);
    spark(&mut again);
    again
        .args(["sync", &uri])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("unchanged  {}", file_uri(&file))));
    // An event file under a cluster path is refused by name, not skipped.
    std::fs::copy(fixture("scad/ecs-events.jsonl"), exports.join("ecs-events.json")).unwrap();
    let mut refused = apportion(&db);
    spark(&mut refused);
    refused.args(["sync", &uri]).assert().failure().stderr(
        predicate::str::contains("ecs-events.json")
            .and(predicate::str::contains("sync event files"))
            .and(predicate::str::contains("the database is unchanged")),
    );
}

/// A file the cluster lists again under the same path, size and time is
/// not read again; rewritten (a re-delivery), it replaces its month.
#[test]
fn a_file_rewritten_on_the_cluster_replaces_its_month() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cur2-00001.snappy.parquet");
    as_parquet(&fixture("scad/cur2-2026-08.csv"), &file);
    let mut db = Db::open(&dir.path().join("db.duckdb")).unwrap();
    db.set_engine(Box::new(SparkEngine::new(spark, dir.path().join("warehouse"))));
    let sync = |db: &Db| sync_sources(db, &[], &[file_uri(&file)], &mut ()).unwrap();
    let lines = |report: &apportion::ingest::SyncReport| match &report.files[0].status {
        FileStatus::Loaded { lines, .. } => Some(*lines),
        _ => None,
    };
    assert_eq!(lines(&sync(&db)), Some(9));
    let again = sync(&db);
    assert!(
        matches!(again.files[0].status, FileStatus::Unchanged { .. }),
        "{again:?}"
    );
    // One line fewer, written a moment later.
    let shorter = scad_month_without_its_last_line(dir.path());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    as_parquet(&shorter, &file);
    let redelivered = sync(&db);
    assert_eq!(lines(&redelivered), Some(8));
    assert_eq!(redelivered.replaced_lines, 9);
}

#[test]
fn the_same_lines_in_two_files_on_the_cluster_are_not_counted_twice() {
    if crate::spark_server::session().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    for part in ["a", "b"] {
        std::fs::create_dir_all(exports.join(part)).unwrap();
        as_parquet(
            &fixture("scad/cur2-2026-08.csv"),
            &exports.join(part).join("cur2-00001.snappy.parquet"),
        );
    }
    apportion(&dir.path().join("db.duckdb"))
        .args([
            "--engine",
            "spark",
            "--spark-remote",
            &crate::spark_server::remote_url(),
        ])
        .args(["sync", &file_uri(&exports)])
        .assert()
        .failure()
        .stderr(predicate::str::contains("arrive in two files of this sync"));
}

#[test]
fn a_cluster_path_without_spark_says_how_to_read_it() {
    let dir = tempfile::tempdir().unwrap();
    apportion(&dir.path().join("db.duckdb"))
        .args(["--engine", "duckdb", "sync", "s3a://billing/cur/"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("s3a://billing/cur/").and(predicate::str::contains("--engine spark")));
}
