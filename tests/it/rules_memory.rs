//! A database remembers the rules it was attributed with: a forgotten
//! `--rules` never silently re-attributes with other rules.

use std::path::Path;

use apportion::db::{CostMeasure, Db, Dimension};
use predicates::prelude::*;

use crate::common::*;

const RULES: &str = "[[rule]]\narea = \"platform\"\nproduct = \"Savings Plans*\"\n";

/// A CLI call with the default rules file pointed at a place that has none.
fn cli(db: &Path, home: &Path) -> assert_cmd::Command {
    let mut cmd = apportion(db);
    cmd.env_remove("APPORTION_RULES")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home);
    cmd
}

fn area_cost(db: &Path, area: &str) -> f64 {
    let db = Db::open(db).unwrap();
    totals_by(&db, "2026-04", Dimension::Area, CostMeasure::Unblended)
        .get(area)
        .copied()
        .unwrap_or(0.0)
}

#[test]
fn a_sync_without_rules_keeps_the_rules_of_the_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let (db, rules) = (dir.path().join("a.duckdb"), dir.path().join("team-rules.toml"));
    std::fs::write(&rules, RULES).unwrap();
    cli(&db, dir.path())
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(fixture("cur"))
        .assert()
        .success();
    let platform = area_cost(&db, "platform");
    assert!(platform > 0.0, "the rule assigns the Savings Plan fee");
    // Next month, without --rules: the same rules, and nothing said about them.
    cli(&db, dir.path())
        .arg("sync")
        .arg(fixture("dbr"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rules:")
                .not()
                .and(predicate::str::contains("changed:").not()),
        );
    cli(&db, dir.path()).arg("attribute").assert().success();
    assert_eq!(area_cost(&db, "platform"), platform);
    cli(&db, dir.path())
        .arg("runs")
        .assert()
        .success()
        .stdout(predicate::str::contains(rules.to_string_lossy().as_ref()));
}

#[test]
fn flags_are_remembered_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    cli(&db, dir.path())
        .arg("sync")
        .arg(fixture("attribution"))
        .assert()
        .success();
    cli(&db, dir.path())
        .args(["attribute", "--idle", "separate"])
        .assert()
        .success();
    let idle = {
        let db = Db::open(&db).unwrap();
        totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)
            .get("(idle)")
            .copied()
            .unwrap_or(0.0)
    };
    assert!(idle > 0.0);
    // A later attribute without --idle keeps separate.
    cli(&db, dir.path()).arg("attribute").assert().success();
    let db = Db::open(&db).unwrap();
    let again = totals_by(&db, "2026-07", Dimension::Area, CostMeasure::Unblended)
        .get("(idle)")
        .copied()
        .unwrap_or(0.0);
    assert_eq!(again, idle);
}

#[test]
fn other_rules_and_changed_rules_are_said_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (db, first, second) = (
        dir.path().join("a.duckdb"),
        dir.path().join("first.toml"),
        dir.path().join("second.toml"),
    );
    std::fs::write(&first, RULES).unwrap();
    std::fs::write(&second, "").unwrap();
    cli(&db, dir.path())
        .arg("--rules")
        .arg(&first)
        .arg("sync")
        .arg(fixture("cur"))
        .assert()
        .success();
    cli(&db, dir.path())
        .arg("--rules")
        .arg(&second)
        .arg("attribute")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "rules: was {}, now {}; re-attributing every month",
            first.display(),
            second.display()
        )));
    assert_eq!(area_cost(&db, "platform"), 0.0);
    // The second file, edited: said, and used.
    std::fs::write(&second, RULES).unwrap();
    cli(&db, dir.path())
        .arg("sync")
        .arg(fixture("cur"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "second.toml changed: re-attributing every month",
        ));
    assert!(area_cost(&db, "platform") > 0.0);
}

#[test]
fn a_moved_rules_file_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, rules) = (dir.path().join("a.duckdb"), dir.path().join("team-rules.toml"));
    std::fs::write(&rules, RULES).unwrap();
    cli(&db, dir.path())
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(fixture("cur"))
        .assert()
        .success();
    let platform = area_cost(&db, "platform");
    std::fs::rename(&rules, dir.path().join("elsewhere.toml")).unwrap();
    for args in [vec!["attribute"], vec!["sync", fixture("cur").to_str().unwrap()]] {
        cli(&db, dir.path()).args(&args).assert().failure().stderr(
            predicate::str::contains(rules.to_string_lossy().as_ref()).and(predicate::str::contains("--rules")),
        );
    }
    assert_eq!(area_cost(&db, "platform"), platform);
    // Reading still works, and says what is missing.
    cli(&db, dir.path())
        .args(["report", "--by", "area"])
        .assert()
        .success()
        .stdout(predicate::str::contains("platform"))
        .stderr(predicate::str::contains("is missing"));
}

#[test]
fn the_demo_remembers_its_rules_for_later_commands_and_the_tagging_view() {
    let dir = tempfile::tempdir().unwrap();
    // The demo's copy, remembering the rules beside it (which the copy checks it did).
    let db = demo_copy(dir.path());
    let coverage = |db: &Path| {
        let db = Db::open(db).unwrap();
        let month = db.latest_period().unwrap().unwrap();
        db.coverage(&month, CostMeasure::Unblended, 0.9).unwrap()
    };
    let before = coverage(&db);
    cli(&db, dir.path())
        .arg("attribute")
        .assert()
        .success()
        .stdout(predicate::str::contains("rules:").not());
    let after = coverage(&db);
    assert_eq!(
        before.by_method, after.by_method,
        "attribute without --rules keeps the demo's rules"
    );
    // An area assigned as the tagging view does is appended to demo-rules.toml.
    let demo_rules = dir.path().join("demo-rules.toml");
    let lines_before = std::fs::read_to_string(&demo_rules).unwrap().lines().count();
    let choice = apportion::attribute::RulesChoice {
        given: None,
        default: dir.path().join("config/apportion/rules.toml"),
    };
    let rule = apportion::rules::NewRule::exactly("finance", "product", "Tax");
    let message = apportion::attribute::assign(&Db::open(&db).unwrap(), &choice, &rule, None, &mut ()).unwrap();
    assert!(message.contains(demo_rules.to_string_lossy().as_ref()), "{message}");
    assert!(std::fs::read_to_string(&demo_rules).unwrap().lines().count() > lines_before);
    assert!(!dir.path().join("config/apportion/rules.toml").exists());
    assert!(coverage(&db).by_method.iter().any(|(m, _)| m == "rule"));
}
