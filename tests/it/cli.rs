//! The command-line contract: output formats, exit codes, environment, demo,
//! and a sync killed midway.

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::Instant;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::*;

#[test]
fn sync_prints_a_summary_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .args(["sync"])
        .arg(fixture("dbr"))
        .assert()
        .success()
        .stdout(predicate::str::contains("consolidated-2026-03.csv"))
        .stdout(predicate::str::contains("DBR-RT, 2026-03, 7 lines, $107.69"))
        .stdout(predicate::str::contains("2 loaded, 0 unchanged, 0 skipped"));
    apportion(&db)
        .args(["sync"])
        .arg(fixture("dbr"))
        .assert()
        .success()
        .stdout(predicate::str::contains("0 loaded, 2 unchanged"));
}

#[test]
fn report_csv_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db).arg("sync").arg(fixture("cur")).assert().success();
    let out = apportion(&db)
        .args(["report", "--by", "product,account", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("product,account,cost"));
    let costs: Vec<f64> = lines
        .map(|l| {
            let cost = l.rsplit(',').next().unwrap();
            assert!(!cost.contains(['e', 'E']), "exponent in {cost}");
            assert!(
                cost.split('.').nth(1).is_some_and(|d| d.len() >= 6),
                "too few decimals in {cost}"
            );
            cost.parse().unwrap()
        })
        .collect();
    assert!(costs.windows(2).all(|w| w[0] >= w[1]), "not largest first: {costs:?}");
    assert_close(costs.iter().sum(), 102.1, "csv total");
}

#[test]
fn report_json_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(fixture("focus/focus-1.2-2026-05.csv"))
        .assert()
        .success();
    let out = apportion(&db)
        .args(["report", "--format", "json", "--cost", "amortized"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let total: f64 = rows.iter().map(|r| r["cost"].as_f64().unwrap()).sum();
    assert_close(total, 3.146, "amortized json total");
    assert!(rows.iter().all(|r| r["product"].is_string()));
    // JSON costs carry the digits CSV prints, not a float's.
    let csv = apportion(&db)
        .args(["report", "--format", "csv", "--cost", "amortized"])
        .output()
        .unwrap();
    let csv_costs: Vec<String> = String::from_utf8(csv.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_owned())
        .collect();
    let text = String::from_utf8(out.stdout).unwrap();
    for cost in &csv_costs {
        assert!(text.contains(&format!("\"cost\": {cost}")), "{cost} not in {text}");
    }
    apportion(&db)
        .args(["report", "--month", "2026-05", "--by", "area"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(unallocated)"))
        .stdout(predicate::str::contains("53.15"));
}

#[test]
fn report_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.duckdb");
    apportion(&db)
        .arg("report")
        .assert()
        .failure()
        .stderr(predicate::str::contains("apportion sync"));
    apportion(&db)
        .args(["report", "--by", "colour"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown dimension"));
    apportion(&db)
        .args(["report", "--month", "2026-13"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a month"));
}

#[test]
fn the_database_path_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.duckdb");
    Command::cargo_bin("apportion")
        .unwrap()
        .env("APPORTION_DB", &db)
        .arg("sync")
        .arg(fixture("focus"))
        .assert()
        .success();
    assert!(db.exists());
}

#[test]
fn hostile_strings_do_not_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_hostile_cur(dir.path());
    let db = dir.path().join("a.duckdb");
    apportion(&db).arg("sync").arg(&csv).assert().success();
    for format in ["table", "csv"] {
        let out = apportion(&db)
            .args(["report", "--by", "resource,product", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.contains("i-1\\x1b]0;pwned\\x07\\x1b[2J"), "{text}");
    }
}

#[test]
fn demo_builds_twelve_months_and_writes_its_exports() {
    let dir = tempfile::tempdir().unwrap();
    let built = demo();
    for said in ["2026-11 by area, product", "Amazon Elastic Compute Cloud", "pipeline"] {
        assert!(built.stdout.contains(said), "{said:?} in:\n{}", built.stdout);
    }
    let db = demo_copy(dir.path());
    let out_dir = &built.exports;
    // A report a month, an ECS and a CloudTrail file a month, the service map,
    // the business metrics, the rules and a Terraform tree.
    let count = |sub: &str| std::fs::read_dir(out_dir.join(sub)).unwrap().count();
    assert_eq!((count("cur"), count("events")), (12, 24));
    for file in [
        "services.csv",
        "business-metrics.csv",
        "rules.toml",
        "terraform/prod/main.tf",
        "terraform/modules/ecs-service/main.tf",
    ] {
        assert!(out_dir.join(file).is_file(), "{file}");
    }
    assert_eq!(std::fs::read_dir(out_dir).unwrap().count(), 6);
    apportion(&db)
        .args(["report", "--month", "2025-12", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("product,cost\n"));
    // The written exports sync into a fresh database with the same totals.
    let db2 = dir.path().join("again.duckdb");
    apportion(&db2)
        .arg("--rules")
        .arg(out_dir.join("rules.toml"))
        .arg("sync")
        .arg(out_dir)
        .assert()
        .success();
    let total = |db: &Path| {
        let out = apportion(db)
            .args([
                "report",
                "--month",
                "2026-09",
                "--by",
                "area,service,method",
                "--format",
                "csv",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(total(&db), total(&db2));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_copy(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("apportion");
    let status = Process::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' --db '{}' report --by resource --format csv | head -n 1 >/dev/null",
            bin.display(),
            db.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn killing_a_sync_midway_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(fixture("dbr/consolidated-2026-03.csv"))
        .assert()
        .success();
    let big = dir.path().join("big-2026-09.csv");
    let spec = crate::generated::DbrMonth {
        year: 2026,
        month: 9,
        payer: "123456789012".to_owned(),
        linked: vec!["210987654321".to_owned()],
        target_lines: 600_000,
        seed: 3,
        final_invoice: false,
        search_growth: 1.0,
    };
    spec.write(&mut std::io::BufWriter::new(std::fs::File::create(&big).unwrap()))
        .unwrap();

    // Time a whole sync of the big file elsewhere, then kill one at mid-course.
    let scratch = dir.path().join("scratch.duckdb");
    let t = Instant::now();
    apportion(&scratch).arg("sync").arg(&big).assert().success();
    let full = t.elapsed();
    let bin = assert_cmd::cargo::cargo_bin("apportion");
    let mut child = Process::new(bin)
        .arg("--db")
        .arg(&db)
        .arg("sync")
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The load is most of the run (attribution follows it); a fifth of the way
    // lands inside the load even when other tests slow this one down.
    std::thread::sleep(full.mul_f64(0.2));
    let finished_first = child.try_wait().unwrap().is_some();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !finished_first,
        "the sync ended before it could be killed ({full:?}); use a bigger file"
    );
    let out = apportion(&db)
        .args(["report", "--by", "account", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let months = apportion(&db)
        .args(["report", "--month", "2026-09", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(months.stdout).unwrap(),
        "product,cost\n",
        "no line of the killed sync may remain"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("100000000001"), "{text}");
    // And the database takes the same sync afterwards.
    apportion(&db).arg("sync").arg(&big).assert().success();
}

#[test]
fn attribution_commands_explain_runs_finalize_services() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    let rules = fixture("attribution/rules.toml");
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("sync")
        .arg(fixture("attribution"))
        .assert()
        .success()
        .stdout(predicate::str::contains("attribution run 1 over 1 month(s)"));
    apportion(&db)
        .args(["explain", "i-0000000000000000a"])
        .assert()
        .success()
        .stdout(predicate::str::contains("search service api  by ECS split"))
        .stdout(predicate::str::contains("from vol-0000000000000000b"));
    apportion(&db)
        .args(["explain", "logs-bucket"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "by rule 1 [area = \"platform\", product = \"Amazon Simple Storage*\"]",
        ));
    apportion(&db)
        .args(["explain", "vol-0000000000000000b", "--month", "2026-07"])
        .assert()
        .success()
        .stdout(predicate::str::contains("by EBS merge into i-0000000000000000a"))
        .stdout(predicate::str::contains(
            "from 2026-07-01 00:30:00 to 2026-07-01 01:30:00",
        ));
    apportion(&db)
        .args(["explain", "i-nope"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no billing line"));
    apportion(&db)
        .arg("--rules")
        .arg(&rules)
        .args(["attribute", "--idle", "separate", "--weight", "cpu+memory:3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("idle $"));
    apportion(&db)
        .args(["report", "--by", "area", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(idle),"));
    apportion(&db)
        .arg("runs")
        .assert()
        .success()
        .stdout(predicate::str::contains("separate  cpu+memory:3"));
    apportion(&db)
        .args(["finalize", "--month", "2026-07"])
        .assert()
        .success()
        .stdout("finalized 2026-07 from attribution run 2\n");
    apportion(&db)
        .args(["finalize", "--month", "2020-01"])
        .assert()
        .failure();
    apportion(&db)
        .args(["services", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("api → search  from"));
}

#[test]
fn an_invalid_rules_file_names_rule_and_field_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    apportion(&db)
        .arg("sync")
        .arg(fixture("attribution"))
        .assert()
        .success();
    let before = apportion(&db)
        .args(["report", "--by", "area", "--format", "csv"])
        .output()
        .unwrap()
        .stdout;
    let bad = dir.path().join("rules.toml");
    std::fs::write(
        &bad,
        "[[rule]]\narea = \"platform\"\nproduct = \"S3\"\n\n[[rule]]\narea = \"x\"\nresorce = \"i-*\"\n",
    )
    .unwrap();
    apportion(&db)
        .arg("--rules")
        .arg(&bad)
        .arg("attribute")
        .assert()
        .failure()
        .stderr(predicate::str::contains("rule 2: unknown field `resorce`"));
    let after = apportion(&db)
        .args(["report", "--by", "area", "--format", "csv"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(before, after);
    // A rules file named with --rules must exist.
    apportion(&db)
        .arg("--rules")
        .arg(dir.path().join("missing.toml"))
        .arg("attribute")
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot read rules file"));
}
