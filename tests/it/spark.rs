//! `spark-check` as a data engineer runs it before giving a cluster work
//! (built with `--features spark`): the errors say what to do without a
//! server, and with one (spark_server.rs) it reports the server and which
//! paths the cluster can list.

#![cfg(feature = "spark")]

use assert_cmd::Command;
use predicates::prelude::*;

fn apportion() -> Command {
    let mut cmd = Command::cargo_bin("apportion").unwrap();
    for var in [
        "APPORTION_SPARK_REMOTE",
        "SPARK_REMOTE",
        "APPORTION_SPARK_TOKEN",
        "DATABRICKS_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn an_unreachable_server_is_named_with_host_and_port() {
    let port = crate::moto::free_port();
    apportion()
        .args(["spark-check", "--spark-remote", &format!("sc://127.0.0.1:{port}")])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "cannot reach the Spark Connect server at 127.0.0.1:{port}"
        )));
}

#[test]
fn a_token_on_the_command_line_is_refused_and_never_echoed() {
    apportion()
        .args(["spark-check", "--spark-remote", "sc://127.0.0.1:15002/;token=s3cret"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("APPORTION_SPARK_TOKEN").and(predicate::str::contains("s3cret").not()));
}

#[test]
fn without_a_remote_it_says_how_to_give_one() {
    apportion()
        .arg("spark-check")
        .assert()
        .failure()
        .stderr(predicate::str::contains("--spark-remote sc://HOST:PORT"));
}

/// The two refusals no local Spark gives, from an endpoint that speaks the
/// protocol: a server older than 3.5, and a token it wants or refuses (never
/// shown).
#[test]
fn an_old_server_and_a_refused_token_say_what_to_do() {
    use crate::spark_server::FakeServer;
    let Some(old) = FakeServer::start(&["--version", "3.4.1"]) else {
        return;
    };
    apportion()
        .args(["spark-check", "--spark-remote", &old.url()])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "runs Spark 3.4.1; apportion needs Spark 3.5 or newer",
        ));
    let Some(guarded) = FakeServer::start(&["--token", "right-token"]) else {
        return;
    };
    apportion()
        .args(["spark-check", "--spark-remote", &guarded.url()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("it wants a token: set APPORTION_SPARK_TOKEN"));
    apportion()
        .env("APPORTION_SPARK_TOKEN", "stale-token")
        .args(["spark-check", "--spark-remote", &guarded.url()])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("the token in APPORTION_SPARK_TOKEN (or DATABRICKS_TOKEN) was refused")
                .and(predicate::str::contains("stale-token").not()),
        );
    // The right token passes the version and the settings; the fake then
    // runs nothing, which is the next error.
    apportion()
        .env("APPORTION_SPARK_TOKEN", "right-token")
        .args(["spark-check", "--spark-remote", &guarded.url()])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("failed while defining apportion's functions")
                .and(predicate::str::contains("refused").not())
                .and(predicate::str::contains("right-token").not()),
        );
}

#[test]
fn steps_kept_some_other_way_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    apportion()
        .env("APPORTION_SPARK_STEPS", "disk")
        .arg("--db")
        .arg(dir.path().join("a.duckdb"))
        .args(["--engine", "spark", "--spark-remote", "sc://127.0.0.1:1", "attribute"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "APPORTION_SPARK_STEPS is \"disk\": give `files` or `checkpoints`",
        ));
}

#[test]
fn the_server_and_the_paths_the_cluster_can_list() {
    if crate::spark_server::session().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m").join("b.csv"), "x\n2\n").unwrap();
    let listed = format!("file:{}", dir.path().display());
    let missing = format!("file:{}/no-such-export", dir.path().display());
    let output = apportion()
        .env("APPORTION_SPARK_REMOTE", crate::spark_server::remote_url())
        .args(["spark-check", &listed, &missing])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "a path it cannot list fails the check\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(": Spark ") && stdout.contains(" answers"), "{stdout}");
    assert!(
        stdout.contains("spark.sql.decimalOperations.allowPrecisionLoss=false"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{listed}: 2 files, 8 B listed by the cluster")),
        "{stdout}"
    );
    assert!(
        stderr.contains("no-such-export: the path does not exist as the cluster sees it"),
        "{stderr}"
    );
}

/// `sync --engine spark` as a user runs it: the month attributed on Spark,
/// its results in the warehouse, the reports offline; the database remembers
/// the engine, so a later `attribute` without `--engine` goes to Spark again.
#[test]
fn sync_on_spark_then_the_reports_here() {
    if crate::spark_server::session().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    let warehouse = dir.path().join("warehouse");
    let with_db = |args: &[&str]| {
        let mut cmd = apportion();
        cmd.arg("--db").arg(&db).args(args);
        cmd
    };
    with_db(&[
        "--engine",
        "spark",
        "--spark-remote",
        &crate::spark_server::remote_url(),
        "--spark-warehouse",
        &warehouse.to_string_lossy(),
        "sync",
        &crate::common::fixture("attribution").to_string_lossy(),
    ])
    .assert()
    .success();
    // The database's own part of the warehouse (others may share it).
    let part = apportion::db::Db::open(&db)
        .unwrap()
        .warehouse_part(&warehouse)
        .unwrap();
    assert!(part.join("month=2026-07/run=1/_COMMITTED").exists());
    assert!(!part.join("_staged/run=1").exists());
    let top: Vec<_> = std::fs::read_dir(&warehouse)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(top, vec![part.clone()], "nothing outside the database's part");
    with_db(&["report", "--month", "2026-07", "--by", "area"])
        .assert()
        .success()
        .stdout(predicate::str::contains("storage"));
    // Remembered: the next run goes to Spark (the remote from the environment).
    with_db(&["attribute"])
        .env("APPORTION_SPARK_REMOTE", crate::spark_server::remote_url())
        .assert()
        .success();
    assert!(part.join("month=2026-07/run=2/_COMMITTED").exists());
    with_db(&["runs"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "attributed on spark, results in {}",
            warehouse.display()
        )));
    // Without a remote it says what it needs, and how to attribute here instead.
    with_db(&["attribute"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--engine duckdb attributes here instead"));
    with_db(&["--engine", "duckdb", "attribute"]).assert().success();
}
