//! The engine seam without Spark: a month another engine attributes is
//! loaded only when it committed its results, and a failed or uncommitted
//! month leaves the database as it was, with an error naming the month.
//! `--engine spark` in a build without the feature says how to get one.

use std::path::{Path, PathBuf};

use apportion::db::{Db, MonthEngine, MonthJob};

use crate::common::{fixture, sync, temp_db};

/// An engine that fails, or "finishes" without writing its results.
struct Broken {
    warehouse: PathBuf,
    fails: bool,
}

impl MonthEngine for Broken {
    fn name(&self) -> &str {
        "broken"
    }

    fn warehouse(&self) -> &Path {
        &self.warehouse
    }

    fn attribute_month(&self, job: &MonthJob) -> anyhow::Result<()> {
        // It was given the month's inputs and the whole attribution.
        assert!(job.inputs.iter().any(|(t, f)| t == "billing_lines" && f.exists()));
        assert!(job.steps.len() > 50);
        if self.fails {
            anyhow::bail!("the executor was lost");
        }
        std::fs::create_dir_all(&job.out)?;
        Ok(())
    }
}

fn allocations(db: &Db) -> Vec<apportion::db::ReportRow> {
    db.cost_report(
        "2026-07",
        &[apportion::db::Dimension::Area],
        apportion::db::CostMeasure::Unblended,
    )
    .unwrap()
}

fn attribute(db: &Db) -> String {
    let rules = apportion::rules::Rules::default();
    format!(
        "{:#}",
        apportion::attribute::run_rules(db, &rules, "", &Default::default()).unwrap_err()
    )
}

#[test]
fn a_month_another_engine_did_not_commit_is_not_loaded() {
    let (dir, mut db) = temp_db();
    sync(&db, &[fixture("attribution")]);
    let before = allocations(&db);
    assert!(!before.is_empty());
    for fails in [true, false] {
        db.set_engine(Box::new(Broken {
            warehouse: dir.path().join("warehouse"),
            fails,
        }));
        let e = attribute(&db);
        assert!(e.contains("attributing 2026-07 on another engine failed"), "{e}");
        assert!(e.contains("keeps that month as it was"), "{e}");
        let why = if fails {
            "the executor was lost"
        } else {
            "no _COMMITTED marker"
        };
        assert!(e.contains(why), "{e}");
        assert_eq!(allocations(&db), before);
    }
}

/// An engine that notes where it was told to write a month's results.
struct Noting {
    warehouse: PathBuf,
    outs: std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>>,
}

impl MonthEngine for Noting {
    fn name(&self) -> &str {
        "noting"
    }

    fn warehouse(&self) -> &Path {
        &self.warehouse
    }

    fn attribute_month(&self, job: &MonthJob) -> anyhow::Result<()> {
        self.outs.lock().unwrap().push(job.out.clone());
        anyhow::bail!("noted")
    }
}

#[test]
fn databases_sharing_a_warehouse_keep_their_runs_apart() {
    let shared = tempfile::tempdir().unwrap();
    let outs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut parts = Vec::new();
    let mut keep = Vec::new();
    for _ in 0..2 {
        let (dir, mut db) = temp_db();
        sync(&db, &[fixture("attribution")]);
        parts.push(db.warehouse_part(shared.path()).unwrap());
        db.set_engine(Box::new(Noting {
            warehouse: shared.path().to_path_buf(),
            outs: outs.clone(),
        }));
        attribute(&db);
        keep.push((dir, db));
    }
    // Both were run 1 of month 2026-07, each in its own part of the warehouse.
    let outs = outs.lock().unwrap().clone();
    assert_eq!(outs.len(), 2);
    assert_ne!(parts[0], parts[1]);
    for (out, part) in outs.iter().zip(&parts) {
        assert!(out.ends_with("month=2026-07/run=1"), "{}", out.display());
        assert!(out.starts_with(part), "{} in {}", out.display(), part.display());
        // What the run staged was there too, and is gone with the run.
        assert!(part.join("_staged").is_dir());
        assert!(!part.join("_staged/run=1").exists());
    }
    let mut top: Vec<PathBuf> = std::fs::read_dir(shared.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    top.sort();
    let mut expected = parts.clone();
    expected.sort();
    assert_eq!(top, expected, "nothing of a run outside its database's part");
    // A database is one database however often it is opened.
    let (_dir, db) = keep.remove(0);
    let path = db.path().to_path_buf();
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(db.warehouse_part(shared.path()).unwrap(), parts[0]);
}

#[cfg(not(feature = "spark"))]
#[test]
fn spark_without_the_feature_says_how_to_build_it() {
    use predicates::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    crate::common::apportion(&dir.path().join("a.duckdb"))
        .args(["--engine", "spark", "attribute"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("built without Spark").and(predicates::str::contains("--features spark")));
}
