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
