//! The Spark engine's warehouse in S3 (`--spark-warehouse s3a://…`), this
//! machine's half, against moto: the staged inputs put where the cluster is
//! told to read them, a month's results brought back only once committed
//! (the marker last), and what a run gave the cluster removed when it ends.
//! The cluster's half (S3A reading and writing) needs `hadoop-aws`, which
//! pyspark's server lacks: here it fails to read, as a cluster without S3
//! credentials would, and the database stays as it was.

#![cfg(feature = "spark")]

use std::path::Path;

use apportion::db::Db;
use apportion::spark::Warehouse;

use crate::common::fixture;
use crate::moto::Moto;

const BUCKET: &str = "warehouse";

/// `apportion` with moto as S3 and throwaway credentials, nothing of the
/// user's AWS set-up.
fn apportion(moto: &Moto, home: &Path) -> assert_cmd::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_apportion"));
    with_moto(cmd.env_remove("APPORTION_DB"), moto, home);
    assert_cmd::Command::from_std(cmd)
}

fn with_moto(cmd: &mut std::process::Command, moto: &Moto, home: &Path) {
    crate::moto::test_aws(cmd, home);
    cmd.env("AWS_ENDPOINT_URL", moto.endpoint());
}

/// A month attributed with an S3 warehouse: this machine puts the staged
/// inputs into the bucket and names them to the cluster as it names the
/// warehouse (`s3a://…`). pyspark's server cannot read S3A, so the month
/// fails, naming itself and Spark's message; the database keeps no run of
/// it, and what the run put into the bucket is removed (kept only under
/// APPORTION_TRACE, to look into).
#[test]
fn a_month_on_an_s3_warehouse_puts_its_inputs_and_a_failure_changes_nothing() {
    let Some(moto) = Moto::start() else { return };
    if crate::spark_server::session().is_none() {
        return;
    }
    moto.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let db = dir.path().join("a.duckdb");
    let attribute = |trace: bool| {
        let mut cmd = apportion(&moto, &home);
        cmd.arg("--db").arg(&db).args([
            "--engine",
            "spark",
            "--spark-remote",
            &crate::spark_server::remote_url(),
            "--spark-warehouse",
            &format!("s3a://{BUCKET}/team/w/"),
        ]);
        if trace {
            cmd.env("APPORTION_TRACE", "1");
        } else {
            cmd.env_remove("APPORTION_TRACE");
        }
        cmd.args(["attribute"]).output().unwrap()
    };
    apportion(&moto, &home)
        .arg("--db")
        .arg(&db)
        .args(["--engine", "duckdb", "sync"])
        .arg(fixture("attribution"))
        .assert()
        .success();
    let before = crate::common::every_allocation(&Db::open(&db).unwrap());

    let output = attribute(true);
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{said}");
    // Kept under APPORTION_TRACE: the inputs, as Parquet, where the cluster was sent.
    let part = Db::open(&db).unwrap().warehouse_part(Path::new("")).unwrap();
    let keys = moto.keys(BUCKET);
    let runs = format!("team/w/{}/_staged/run=", part.display());
    let tasks = keys
        .iter()
        .find(|k| k.starts_with(&runs) && k.ends_with("/shared/ecs_tasks.parquet"))
        .unwrap_or_else(|| panic!("the staged tasks under {runs} in {keys:#?}"));
    let staged = tasks.trim_end_matches("/shared/ecs_tasks.parquet").to_owned();
    let key = format!("{staged}/month=2026-07/billing_lines.parquet");
    assert!(keys.contains(&key), "{key} in {keys:#?}");
    assert!(said.contains("2026-07"), "names the month: {said}");
    assert!(
        said.contains(&format!("s3a://{BUCKET}/{staged}/")),
        "names what the cluster was told to read: {said}"
    );
    let lines = dir.path().join("lines.parquet");
    std::fs::write(&lines, moto.get(BUCKET, &key)).unwrap();
    let staged_lines: i64 = duckdb::Connection::open_in_memory()
        .unwrap()
        .query_row(
            &format!("SELECT count(*) FROM read_parquet('{}')", lines.display()),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(staged_lines > 0);

    // Without the trace, what the run put there is removed; the database is as it was.
    let output = attribute(false);
    assert!(!output.status.success());
    assert!(
        !moto.keys(BUCKET).iter().any(|k| k.contains("/_staged/")),
        "{:#?}",
        moto.keys(BUCKET)
    );
    let after = Db::open(&db).unwrap();
    assert_eq!(crate::common::every_allocation(&after), before);
    assert!(after.last_run().unwrap().is_none_or(|r| r.engine != "spark"));
}

/// This machine's half of a warehouse in S3, through its API, in a process
/// of its own (the S3 client reads its credentials and endpoint from the
/// environment): inputs put once, results brought back only with their
/// marker (the marker last), and a run's staging removed, its results kept.
#[test]
fn an_s3_warehouse_brings_back_only_committed_results() {
    const CHILD: &str = "APPORTION_TEST_S3_WAREHOUSE";
    if let Ok(endpoint) = std::env::var(CHILD) {
        return s3_warehouse_round_trip(&endpoint);
    }
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket(BUCKET);
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        "spark_warehouse::an_s3_warehouse_brings_back_only_committed_results",
        "--nocapture",
        "--test-threads=1",
    ]);
    with_moto(&mut child, &moto, home.path());
    let output = child.env(CHILD, moto.endpoint()).output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && said.contains("1 passed"), "{said}");
    // What the child left: the results, not the staging.
    let keys = moto.keys(BUCKET);
    assert!(
        keys.iter()
            .any(|k| k == "w/db=x/month=2026-07/run=1/allocations/part-0.parquet"),
        "{keys:#?}"
    );
    assert!(!keys.iter().any(|k| k.contains("_staged")), "{keys:#?}");
}

fn s3_warehouse_round_trip(endpoint: &str) {
    let warehouse = Warehouse::parse(&format!("s3a://{BUCKET}/w")).unwrap();
    assert_eq!(warehouse.name(), format!("s3a://{BUCKET}/w"));
    let here = warehouse.here().to_path_buf();
    let input = here
        .join("db=x")
        .join("_staged")
        .join("run=1")
        .join("shared")
        .join("a.parquet");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::write(&input, b"staged rows").unwrap();
    warehouse.put(&[input.as_path()]).unwrap();
    assert_eq!(
        warehouse.on_cluster(&input),
        std::path::PathBuf::from(format!("s3a://{BUCKET}/w/db=x/_staged/run=1/shared/a.parquet"))
    );
    // The cluster writes a month's results, then its marker (here, with this machine's client).
    let options = apportion::s3::Options {
        endpoint_url: Some(endpoint.to_owned()),
        ..Default::default()
    };
    let store = apportion::s3::Store::connect(&options).unwrap();
    let out = here.join("db=x").join("month=2026-07").join("run=1");
    let written = tempfile::tempdir().unwrap();
    let write = |key: &str, bytes: &[u8]| {
        let file = written.path().join("f");
        std::fs::write(&file, bytes).unwrap();
        store
            .put(BUCKET, &format!("w/db=x/month=2026-07/run=1/{key}"), &file)
            .unwrap();
    };
    write("allocations/part-0.parquet", b"allocated rows");
    write("allocations/_SUCCESS", b"");
    let e = warehouse.bring_back(&out, true).unwrap_err().to_string();
    assert!(
        e.contains("no _COMMITTED marker") && e.contains(&format!("s3a://{BUCKET}/w/db=x/month=2026-07/run=1")),
        "{e}"
    );
    assert!(
        !out.join("allocations").exists(),
        "nothing brought back without the marker"
    );
    write("_COMMITTED/part-0.json", b"{\"run_id\":1}");
    warehouse.bring_back(&out, true).unwrap();
    assert_eq!(
        std::fs::read(out.join("allocations/part-0.parquet")).unwrap(),
        b"allocated rows"
    );
    assert!(out.join("allocations/_SUCCESS").exists());
    assert!(out.join("_COMMITTED/part-0.json").exists());
    // A sync's grouped rows: brought back without a marker.
    let grouped = here
        .join("db=x")
        .join("_synced")
        .join("sync=1")
        .join("file=1")
        .join("lines");
    store
        .put(BUCKET, "w/db=x/_synced/sync=1/file=1/lines/part-0.parquet", &input)
        .unwrap();
    warehouse.bring_back(&grouped, false).unwrap();
    assert_eq!(std::fs::read(grouped.join("part-0.parquet")).unwrap(), b"staged rows");
    warehouse
        .discard(&here.join("db=x").join("_staged").join("run=1"))
        .unwrap();
    warehouse.discard(&here.join("db=x").join("_synced")).unwrap();
}
