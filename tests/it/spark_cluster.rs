//! Exports read where they lie: the same Parquet exports synced from this
//! machine and by a real Spark Connect server (`file:` URIs, the scheme a
//! local server has), and every billing line and split row compared: the
//! cluster runs the first stage of each load, this
//! machine the second, and the result must be the line this machine reads
//! itself. Then the command as a user runs it: listed with the cluster's
//! names, manifests choosing the execution, unchanged on a second sync, a
//! re-delivery replacing its month, and what the cluster does not read
//! refused by name.

#![cfg(feature = "spark")]

use std::path::{Path, PathBuf};

use apportion::db::Db;
use apportion::ingest::{FileStatus, sync_sources};
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
/// text, sorted: the billing lines (by file name, not id), the split rows
/// and the statement's own total rows.
fn loaded(path: &Path) -> Vec<String> {
    let conn = duckdb::Connection::open(path).unwrap();
    let sql = "SELECT 'line ' || regexp_extract(f.path, '[^/]*$') || ' ' || CAST(l AS VARCHAR) \
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
    for export in &exports {
        let (here, there) = (dir.path().join("here.duckdb"), dir.path().join("there.duckdb"));
        sync(&Db::open(&here).unwrap(), std::slice::from_ref(export));
        let mut db = Db::open(&there).unwrap();
        db.set_engine(Box::new(SparkEngine::new(
            spark.new_session().unwrap(),
            dir.path().join("warehouse"),
        )));
        let report = sync_sources(&db, &[], &[file_uri(export)], &mut ()).unwrap();
        let status = &report.files[0].status;
        assert!(matches!(status, FileStatus::Loaded { .. }), "{status:?}");
        drop(db);
        let (expected, got) = (loaded(&here), loaded(&there));
        assert!(expected.len() > 1, "{}: {expected:?}", export.display());
        let name = export.file_name().unwrap().to_string_lossy();
        let missing: Vec<_> = expected.iter().filter(|r| !got.contains(r)).collect();
        let extra: Vec<_> = got.iter().filter(|r| !expected.contains(r)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:#?}\nextra {extra:#?}"
        );
        assert_eq!(got.len(), expected.len(), "{name}");
        for path in [here, there] {
            std::fs::remove_file(path).unwrap();
        }
    }
    // Nothing of the syncs stays in the warehouse.
    let synced = dir.path().join("warehouse");
    let left: Vec<_> = walk_files(&synced);
    assert!(left.is_empty(), "{left:?}");
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
    // A CSV export under a cluster path is refused by name, not skipped.
    std::fs::copy(fixture("eks/cur2-2026-09.csv"), file.with_file_name("cur2-00002.csv")).unwrap();
    let mut refused = apportion(&db);
    spark(&mut refused);
    refused.args(["sync", &uri]).assert().failure().stderr(
        predicate::str::contains("cur2-00002.csv")
            .and(predicate::str::contains("the cluster reads Parquet billing exports"))
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
