//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apportion::db::{CostMeasure, Db, Dimension};
use apportion::ingest::{FileStatus, SyncReport, sync_paths};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// `../shared/fixtures/real`, or None (with a note) in a clone without it.
pub fn real_samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (real samples live only beside the repo)",
            dir.display()
        );
        None
    }
}

pub fn temp_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("test.duckdb")).expect("open db");
    (dir, db)
}

pub fn sync(db: &Db, paths: &[PathBuf]) -> SyncReport {
    sync_paths(db, paths, &mut ()).unwrap_or_else(|e| panic!("sync failed: {e}"))
}

pub fn loaded_count(report: &SyncReport) -> usize {
    report
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Loaded { .. } | FileStatus::LoadedRecords { .. }))
        .count()
}

/// Cost of one month grouped by one dimension, as f64 per key.
pub fn totals_by(db: &Db, month: &str, dim: Dimension, measure: CostMeasure) -> BTreeMap<String, f64> {
    db.cost_report(month, &[dim], measure)
        .expect("report")
        .into_iter()
        .map(|r| (r.keys[0].clone(), r.cost.as_f64()))
        .collect()
}

pub fn month_total(db: &Db, month: &str, measure: CostMeasure) -> f64 {
    db.cost_report(month, &[], measure)
        .expect("report")
        .first()
        .map_or(0.0, |r| r.cost.as_f64())
}

/// The month total as the exact decimal text DuckDB computed.
pub fn month_total_text(db: &Db, month: &str, measure: CostMeasure) -> String {
    db.cost_report(month, &[], measure)
        .expect("report")
        .first()
        .map_or_else(|| "0".to_owned(), |r| r.cost.decimal())
}

pub fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{what}: got {actual}, expected {expected} (difference {})",
        actual - expected
    );
}

/// Sum `value_col` per `key_col` straight from a CSV file with the csv crate,
/// independent of DuckDB. `keep` filters rows; `NULL` and empty count as 0.
pub fn independent_sums(
    path: &Path,
    key: impl Fn(&csv::StringRecord, &csv::StringRecord) -> String,
    value_col: &str,
    keep: impl Fn(&csv::StringRecord, &csv::StringRecord) -> bool,
) -> BTreeMap<String, f64> {
    let mut reader = csv::ReaderBuilder::new().from_path(path).expect("open csv");
    let header = reader.headers().expect("header").clone();
    let idx = header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == value_col)
        .unwrap_or_else(|| panic!("no column {value_col}"));
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("record");
        if !keep(&header, &record) {
            continue;
        }
        let raw = record.get(idx).unwrap_or("").trim();
        let value = if raw.is_empty() || raw == "NULL" {
            0.0
        } else {
            raw.parse::<f64>().expect("number")
        };
        *out.entry(key(&header, &record)).or_insert(0.0) += value;
    }
    out
}

/// Value of `name` in `record` under `header`, with NULL and blanks as "".
pub fn field<'a>(header: &csv::StringRecord, record: &'a csv::StringRecord, name: &str) -> &'a str {
    header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .and_then(|i| record.get(i))
        .map(str::trim)
        .filter(|v| *v != "NULL")
        .unwrap_or("")
}

pub fn assert_maps_close(actual: &BTreeMap<String, f64>, expected: &BTreeMap<String, f64>) {
    let keys: std::collections::BTreeSet<&String> = actual.keys().chain(expected.keys()).collect();
    for k in keys {
        let a = actual.get(k).copied().unwrap_or(0.0);
        let e = expected.get(k).copied().unwrap_or(0.0);
        assert_close(a, e, &format!("cost of {k:?}"));
    }
}

pub fn write_gz(path: &Path, text: &str) {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("create gz");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("write gz");
    gz.finish().expect("finish gz");
}

/// A CUR line whose resource id and product carry terminal escape sequences.
pub fn write_hostile_cur(dir: &Path) -> PathBuf {
    let csv = dir.join("evil.csv");
    std::fs::write(
        &csv,
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/ResourceId,product/ProductName\n\
         2026-05-01T00:00:00Z,1,Usage,2026-05-01T00:00:00Z,1,\"i-1\u{1b}]0;pwned\u{7}\u{1b}[2J\",\"EC2\u{9b}31m\"\n",
    )
    .unwrap();
    csv
}

/// The binary with its own database, ignoring any APPORTION_DB of the caller.
pub fn apportion(db: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("apportion").unwrap();
    cmd.arg("--db").arg(db).env_remove("APPORTION_DB");
    cmd
}

/// A legacy CUR manifest of report `rep`, April 2017, naming `keys`.
pub fn legacy_manifest(assembly: &str, keys: &[&str]) -> String {
    serde_json::json!({
        "assemblyId": assembly,
        "account": "111111111111",
        "reportName": "rep",
        "billingPeriod": {"start": "20170401T000000.000Z", "end": "20170501T000000.000Z"},
        "columns": [],
        "reportKeys": keys,
    })
    .to_string()
}

/// The venv `.ci/install-focus-validator` makes, if it is there.
pub fn focus_validator() -> Option<PathBuf> {
    let venv = std::env::var_os("FOCUS_VALIDATOR_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/focus-validator-venv")))?;
    let python = venv.join("bin/python");
    let ok = python.exists()
        && std::process::Command::new(&python)
            .args(["-c", "import focus_validator"])
            .output()
            .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var_os("APPORTION_REQUIRE_FOCUS_VALIDATOR").is_none(),
        "focus-validator is required (APPORTION_REQUIRE_FOCUS_VALIDATOR) but not installed: run .ci/install-focus-validator"
    );
    eprintln!("skipping the FOCUS validator: not installed (run .ci/install-focus-validator)");
    None
}

/// The MUST-level rules of FOCUS 1.2 `file` fails, by the FinOps
/// Foundation's validator (its report read, since it exits 0 either way).
pub fn focus_failures(python: &Path, file: &Path) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/focus_validate.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(file)
        .args(["1.2", "TAGGING_SUPPORTED,AVAILABILITY_ZONE_SUPPORTED"])
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let passed = report["summary"]["PASS"].as_u64().unwrap_or(0);
    assert!(passed > 100, "the validator ran its rules: {}", report["summary"]);
    report["failed_must"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// The demo company as `apportion demo --no-tui --out exports` builds it,
/// once per test run (it takes half a minute): its database, the exports it
/// wrote, and what it printed. Tests work on copies (`demo_copy`).
pub struct Demo {
    pub db: PathBuf,
    pub exports: PathBuf,
    pub stdout: String,
}

pub fn demo() -> &'static Demo {
    static BUILT: std::sync::OnceLock<Demo> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-story");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (db, exports) = (dir.join("demo.duckdb"), dir.join("exports"));
        let out = apportion(&db)
            .args(["demo", "--no-tui", "--out"])
            .arg(&exports)
            .env_remove("APPORTION_RULES")
            .assert()
            .success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        Demo { db, exports, stdout }
    })
}

/// A copy of the demo database in `dir`, with the rules it remembers beside
/// it and remembered there (the tagging view appends to the copy's rules,
/// never to the shared demo's).
pub fn demo_copy(dir: &Path) -> PathBuf {
    let built = demo();
    let (db, rules) = (dir.join("demo.duckdb"), dir.join("demo-rules.toml"));
    std::fs::copy(&built.db, &db).unwrap();
    let shared_rules = built.db.with_file_name("demo-rules.toml");
    std::fs::copy(&shared_rules, &rules).unwrap();
    let conn = duckdb::Connection::open(&db).unwrap();
    let repointed = conn
        .execute(
            "UPDATE attribution_runs SET rules_path = ? WHERE rules_path = ?",
            [rules.to_string_lossy(), shared_rules.to_string_lossy()],
        )
        .unwrap();
    assert!(repointed > 0, "the demo remembers the rules beside it");
    db
}

/// Every allocation of every month the database holds, per measure, at the
/// finest grain a report offers, as text: what two ways of attributing the
/// same data must agree on.
pub fn every_allocation(db: &Db) -> Vec<String> {
    let mut rows = Vec::new();
    for month in db.periods().unwrap() {
        for measure in CostMeasure::ALL {
            for r in db.cost_report(&month, &Dimension::ALL, measure).unwrap() {
                rows.push(format!("{month} {measure:?} {:?} {}", r.keys, r.cost.decimal()));
            }
        }
    }
    rows.sort();
    rows
}
