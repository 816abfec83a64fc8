//! `sync s3://…` against a real S3 API (moto on 127.0.0.1, never AWS): only
//! the latest deliveries are downloaded, an unchanged bucket costs only
//! listings, a changed object replaces its month, errors say what to do,
//! and a download cut off or killed leaves the database as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::generated::{DbrMonth, format_units};
use apportion::db::{CostMeasure, Db};
use predicates::prelude::*;

use crate::common::*;
use crate::moto::{Moto, Proxy};

const BILLING: &str = "billing";
const EVENTS: &str = "events";
const PERIOD: &str = "cur/rep/20170401-20170501";
const OLD_EXECUTION: &str = "2026-04-02T01:00:00.000Z-aaaa";
const NEW_EXECUTION: &str = "2026-04-03T01:00:00.000Z-bbbb";
const DBR_KEY: &str = "dbr/900000000001-aws-billing-detailed-line-items-with-resources-and-tags-2026-07.csv";

fn gz(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    out.write_all(text.as_bytes()).unwrap();
    out.finish().unwrap()
}

fn cur_file(id: &str, cost: &str) -> Vec<u8> {
    gz(&format!(
        "identity/LineItemId,identity/TimeInterval,bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ResourceId,lineItem/UnblendedCost\n\
         {id},2017-04-01T00:00:00Z/2017-04-01T01:00:00Z,2017-04-01T00:00:00Z,111111111111,Usage,2017-04-01T00:00:00Z,2017-04-01T01:00:00Z,i-1,{cost}\n"
    ))
}

/// The manifest of an assembly with one report file.
fn assembly_manifest(assembly: &str) -> Vec<u8> {
    legacy_manifest(assembly, &[&format!("{PERIOD}/{assembly}/rep-1.csv.gz")]).into_bytes()
}

fn cur2_file(cost: &str) -> Vec<u8> {
    gz(&format!(
        "identity_line_item_id,identity_time_interval,bill_billing_period_start_date,bill_payer_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_resource_id,line_item_unblended_cost,resource_tags\n\
         l1,2026-04-01T00:00:00Z/2026-04-02T00:00:00Z,2026-04-01T00:00:00Z,111111111111,Usage,2026-04-01T00:00:00Z,2026-04-02T00:00:00Z,AmazonS3,bucket-a,{cost},{{}}\n"
    ))
}

fn cur2_manifest(execution: &str) -> Vec<u8> {
    serde_json::json!({
        "executionId": execution,
        "exportArn": "arn:aws:bcm-data-exports:us-east-1:111111111111:export/x-0e81",
        "columns": [{"name": "line_item_unblended_cost", "type": "double"}],
        "dataFiles": [format!("s3://{BILLING}/exports/x/data/BILLING_PERIOD=2026-04/{execution}/x-00001.csv.gz")],
    })
    .to_string()
    .into_bytes()
}

/// Two CUR 2.0 executions of April 2026 ($10, then $12), each with its manifest.
fn put_cur2_executions(moto: &Moto) {
    for (execution, cost) in [(OLD_EXECUTION, "10"), (NEW_EXECUTION, "12")] {
        moto.put(
            BILLING,
            &format!("exports/x/data/BILLING_PERIOD=2026-04/{execution}/x-00001.csv.gz"),
            &cur2_file(cost),
        );
        moto.put(
            BILLING,
            &format!("exports/x/metadata/BILLING_PERIOD=2026-04/{execution}/x-Manifest.json"),
            &cur2_manifest(execution),
        );
    }
}

/// A DBR-RT month of about `lines` lines and its unblended total.
fn dbr(lines: usize, seed: u64) -> (Vec<u8>, String) {
    let mut bytes = Vec::new();
    let written = DbrMonth::july_2026(lines, seed, false).write(&mut bytes).unwrap();
    (bytes, format_units(written.total))
}

/// A billing bucket with two legacy CUR assemblies of a period (the period's
/// manifest names the second), two CUR 2.0 executions, a DBR-RT month beside
/// its cost allocation report, AWS's helper files; and an event bucket.
fn fill(moto: &Moto) -> String {
    moto.create_bucket(BILLING);
    for (assembly, cost) in [("aaaa", "10"), ("bbbb", "12")] {
        moto.put(
            BILLING,
            &format!("{PERIOD}/{assembly}/rep-1.csv.gz"),
            &cur_file("l1", cost),
        );
        moto.put(
            BILLING,
            &format!("{PERIOD}/{assembly}/rep-Manifest.json"),
            &assembly_manifest(assembly),
        );
        moto.put(
            BILLING,
            &format!("{PERIOD}/{assembly}/rep-RedshiftManifest.json"),
            b"{\"entries\": []}",
        );
    }
    moto.put(
        BILLING,
        &format!("{PERIOD}/rep-Manifest.json"),
        &assembly_manifest("bbbb"),
    );
    put_cur2_executions(moto);
    let (bytes, total) = dbr(300, 1);
    moto.put(BILLING, DBR_KEY, &bytes);
    moto.put_file(
        BILLING,
        "dbr/900000000001-aws-cost-allocation-2026-07.csv",
        &fixture("costalloc/123456789012-aws-cost-allocation-2015-06.csv"),
    );
    moto.put(BILLING, "aws-programmatic-access-test-object", b"test");
    moto.create_bucket(EVENTS);
    for name in ["ecs-tasks.jsonl", "ecs-instances.json", "cloudtrail.json"] {
        moto.put_file(
            EVENTS,
            &format!("ecs/2026/07/01/{name}"),
            &fixture(&format!("attribution/{name}")),
        );
    }
    moto.put(EVENTS, "elsewhere/not-synced.json", b"{}");
    total
}

/// A test's own database, home and AWS settings: nothing of the machine's
/// (profiles, SSO caches, instance metadata) is read.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Setup { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("test.duckdb")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn mirror(&self) -> PathBuf {
        self.dir.path().join("test.duckdb.s3")
    }

    fn command(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_command())
    }

    fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_apportion"));
        cmd.arg("--db")
            .arg(self.db())
            .env_remove("APPORTION_DB")
            .env_remove("APPORTION_RULES");
        crate::moto::test_aws(&mut cmd, &self.home());
        cmd
    }

    fn sync(&self, endpoint: &str, paths: &[&str]) -> String {
        let output = self
            .command()
            .arg("sync")
            .args(paths)
            .args(["--endpoint-url", endpoint])
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(output.status.success(), "sync failed:\n{stdout}\n{stderr}");
        stdout.into_owned()
    }

    fn total(&self, month: &str) -> String {
        let db = Db::open(&self.db()).unwrap();
        month_total_text(&db, month, CostMeasure::Unblended)
    }

    /// The mirror's object files, as `bucket/key`.
    fn mirrored(&self) -> Vec<String> {
        let root = self.mirror();
        let mut files: Vec<String> = walkdir::WalkDir::new(&root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&root).unwrap().to_string_lossy().into_owned())
            .filter(|p| !p.starts_with('.'))
            .collect();
        files.sort();
        files
    }
}

fn expected_first_mirror() -> Vec<String> {
    let mut files: Vec<String> = [
        format!("{BILLING}/{PERIOD}/rep-Manifest.json"),
        format!("{BILLING}/{PERIOD}/bbbb/rep-1.csv.gz"),
        format!("{BILLING}/exports/x/data/BILLING_PERIOD=2026-04/{NEW_EXECUTION}/x-00001.csv.gz"),
        format!("{BILLING}/exports/x/metadata/BILLING_PERIOD=2026-04/{NEW_EXECUTION}/x-Manifest.json"),
        format!("{BILLING}/{DBR_KEY}"),
        format!("{EVENTS}/ecs/2026/07/01/cloudtrail.json"),
        format!("{EVENTS}/ecs/2026/07/01/ecs-instances.json"),
        format!("{EVENTS}/ecs/2026/07/01/ecs-tasks.jsonl"),
    ]
    .into();
    files.sort();
    files
}

#[test]
fn only_the_latest_deliveries_are_downloaded_and_an_unchanged_bucket_is_only_listed() {
    let Some(moto) = Moto::start() else { return };
    let dbr_total = fill(&moto);
    let setup = Setup::new();
    let services = fixture("attribution/services.csv");
    let paths = ["s3://billing/", "s3://events/ecs/", services.to_str().unwrap()];

    let first = setup.sync(&moto.endpoint(), &paths);
    assert_eq!(setup.mirrored(), expected_first_mirror(), "{first}");
    assert!(first.contains("S3: 2 list requests, 8 downloads"), "{first}");
    assert!(first.contains("s3://billing/: 14 objects; 5 downloaded"), "{first}");
    assert!(
        first.contains("not downloaded: 5 of older deliveries, 1 covered by a fuller report, 3 AWS helper files"),
        "{first}"
    );
    assert!(
        first.contains(&format!("loaded     s3://{BILLING}/{PERIOD}/bbbb/rep-1.csv.gz")),
        "{first}"
    );
    assert!(
        first.contains("skipped    s3://billing/dbr/900000000001-aws-cost-allocation-2026-07.csv: not downloaded"),
        "{first}"
    );
    assert!(
        first.contains("loaded     s3://events/ecs/2026/07/01/ecs-tasks.jsonl"),
        "{first}"
    );
    assert!(first.contains(&format!("loaded     {}", services.display())), "{first}");
    assert!(
        !first.contains("test.duckdb.s3"),
        "mirror paths are shown as S3 URIs:\n{first}"
    );
    assert_eq!(setup.total("2017-04"), "12.0000000000");
    assert_eq!(setup.total("2026-04"), "12.0000000000");
    assert_close(
        setup.total("2026-07").parse().unwrap(),
        dbr_total.parse().unwrap(),
        "DBR month",
    );

    let second = setup.sync(&moto.endpoint(), &paths);
    assert!(second.contains("S3: 2 list requests, 0 downloads"), "{second}");
    assert!(second.contains("0 loaded, 7 unchanged"), "{second}");
    assert_eq!(setup.mirrored(), expected_first_mirror());
}

#[test]
fn a_changed_object_replaces_its_month_and_the_old_delivery_leaves_the_mirror() {
    let Some(moto) = Moto::start() else { return };
    fill(&moto);
    let setup = Setup::new();
    setup.sync(&moto.endpoint(), &["s3://billing/"]);

    // A new assembly of the CUR period, and AWS rewriting the DBR month.
    moto.put(BILLING, &format!("{PERIOD}/cccc/rep-1.csv.gz"), &cur_file("l1", "15"));
    moto.put(
        BILLING,
        &format!("{PERIOD}/cccc/rep-Manifest.json"),
        &assembly_manifest("cccc"),
    );
    moto.put(
        BILLING,
        &format!("{PERIOD}/rep-Manifest.json"),
        &assembly_manifest("cccc"),
    );
    let (bytes, new_total) = dbr(500, 2);
    moto.put(BILLING, DBR_KEY, &bytes);

    let out = setup.sync(&moto.endpoint(), &["s3://billing/"]);
    assert!(out.contains("S3: 1 list request, 3 downloads"), "{out}");
    assert!(out.contains("lines of earlier deliveries replaced"), "{out}");
    assert_eq!(setup.total("2017-04"), "15.0000000000");
    assert_close(
        setup.total("2026-07").parse().unwrap(),
        new_total.parse().unwrap(),
        "re-delivered DBR month",
    );
    let mirrored = setup.mirrored();
    assert!(
        mirrored.contains(&format!("{BILLING}/{PERIOD}/cccc/rep-1.csv.gz")),
        "{mirrored:?}"
    );
    assert!(
        !mirrored.iter().any(|f| f.contains("/bbbb/")),
        "the superseded assembly is pruned: {mirrored:?}"
    );
}

#[test]
fn a_missing_bucket_and_denied_access_say_so_and_change_nothing() {
    let Some(moto) = Moto::start() else { return };
    fill(&moto);
    let setup = Setup::new();
    setup
        .command()
        .args(["sync", "s3://no-such-bucket/cur/", "--endpoint-url", &moto.endpoint()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("sync failed; the database is unchanged"))
        .stderr(predicate::str::contains("bucket \"no-such-bucket\" does not exist"));

    let (key, secret) = moto.user_without_permissions();
    setup
        .command()
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        // No "/" in the prefix here: moto miscomputes the signature of a
        // listing whose prefix holds one once credentials are enforced
        // (getmoto/moto#5948), where AWS would say access denied.
        .args(["sync", "s3://billing/cur", "--endpoint-url", &moto.endpoint()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("access denied to s3://billing/cur"))
        .stderr(predicate::str::contains("AWS_ACCESS_KEY_ID"));
    setup
        .command()
        .env("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000")
        .args(["sync", "s3://billing/cur/", "--endpoint-url", &moto.endpoint()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("S3 refused the credentials"))
        .stderr(predicate::str::contains("InvalidAccessKeyId"));
    assert!(Db::open(&setup.db()).unwrap().periods().unwrap().is_empty());
}

#[test]
fn an_expired_sso_session_says_to_log_in_again() {
    // No S3 is needed: the error comes from the token cache, before any request.
    let setup = Setup::new();
    std::fs::write(
        setup.home().join("aws-config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadBilling\nregion = us-east-1\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
    )
    .unwrap();
    let cache = setup.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    // The token cache is named by the SHA-1 of the session name ("corp").
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        r#"{"accessToken": "expired", "expiresAt": "2020-01-01T00:00:00Z", "region": "us-east-1", "startUrl": "https://corp.awsapps.com/start"}"#,
    )
    .unwrap();
    setup
        .command()
        .args([
            "sync",
            "s3://billing/cur/",
            "--profile",
            "dev",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("run `aws sso login --profile dev`"));
}

#[test]
fn no_credentials_say_where_credentials_come_from() {
    let setup = Setup::new();
    setup
        .command()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["sync", "s3://billing/cur/", "--endpoint-url", "http://127.0.0.1:9"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "no AWS credentials found for profile \"default\"",
        ));
}

/// Sync once, then re-deliver the DBR month as a larger object and start a
/// second sync through a slow proxy; returns when it is mid-download.
fn second_sync_mid_download(setup: &Setup, moto: &Moto) -> (Proxy, std::process::Child, String) {
    setup.sync(&moto.endpoint(), &["s3://billing/"]);
    let before = setup.total("2026-07");
    let (bytes, _) = dbr(20_000, 3);
    assert!(
        bytes.len() > 2 << 20,
        "the object must take a while at the proxy's pace"
    );
    moto.put(BILLING, DBR_KEY, &bytes);
    let proxy = Proxy::start(moto.port, 256 << 10);
    let child = setup
        .std_command()
        .args(["sync", "s3://billing/", "--endpoint-url", &proxy.endpoint()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while proxy.sent() < 512 << 10 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the download did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (proxy, child, before)
}

/// The copy of the DBR month in the mirror is still the first delivery.
fn assert_mirror_holds_the_first_delivery(setup: &Setup) {
    let copy = setup.mirror().join(BILLING).join(DBR_KEY);
    let size = std::fs::metadata(&copy).unwrap().len() as usize;
    assert_eq!(
        size,
        dbr(300, 1).0.len(),
        "no half-downloaded file replaced the mirror's copy"
    );
}

#[test]
fn a_server_stopped_mid_download_leaves_the_database_as_it_was() {
    let Some(moto) = Moto::start() else { return };
    fill(&moto);
    let setup = Setup::new();
    let (proxy, child, before) = second_sync_mid_download(&setup, &moto);
    proxy.stop();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("sync failed; the database is unchanged"), "{stderr}");
    assert!(
        stderr.contains(&format!("s3://{BILLING}/{DBR_KEY}")),
        "the error names the object: {stderr}"
    );
    assert_eq!(setup.total("2026-07"), before);
    assert_mirror_holds_the_first_delivery(&setup);
    let partial: Vec<_> = std::fs::read_dir(setup.mirror().join(".partial")).unwrap().collect();
    assert!(partial.is_empty(), "the partial download is removed: {partial:?}");

    // The server back: the sync completes with the new delivery.
    let out = setup.sync(&moto.endpoint(), &["s3://billing/"]);
    assert!(out.contains("S3: 1 list request, 1 download"), "{out}");
    assert_ne!(setup.total("2026-07"), before);
}

#[test]
fn a_killed_sync_leaves_no_half_file_and_the_database_as_it_was() {
    let Some(moto) = Moto::start() else { return };
    fill(&moto);
    let setup = Setup::new();
    let (_proxy, mut child, before) = second_sync_mid_download(&setup, &moto);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(setup.total("2026-07"), before);
    assert_mirror_holds_the_first_delivery(&setup);

    let out = setup.sync(&moto.endpoint(), &["s3://billing/"]);
    assert!(out.contains("S3: 1 list request, 1 download"), "{out}");
    assert_ne!(setup.total("2026-07"), before);
    let partial: Vec<_> = std::fs::read_dir(setup.mirror().join(".partial")).unwrap().collect();
    assert!(
        partial.is_empty(),
        "what the killed sync left half-downloaded is gone: {partial:?}"
    );
}

#[test]
fn s3_paths_are_checked_before_anything_runs() {
    let setup = Setup::new();
    setup
        .command()
        .args(["sync", "s3:///cur/"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("s3:///cur/: no bucket name after s3://"));
    assert!(!Path::new(&setup.mirror()).exists());
}

/// The issue's own command: `--engine spark sync s3://…`. The latest
/// delivery is downloaded and read here, its month attributed on Spark.
#[cfg(feature = "spark")]
#[test]
fn an_s3_sync_on_spark_downloads_here_and_attributes_there() {
    let Some(moto) = Moto::start() else { return };
    if crate::spark_server::session().is_none() {
        return;
    }
    moto.create_bucket(BILLING);
    put_cur2_executions(&moto);
    let setup = Setup::new();
    let warehouse = setup.dir.path().join("warehouse");
    let output = setup
        .command()
        .args(["--engine", "spark", "--spark-remote"])
        .arg(crate::spark_server::remote_url())
        .arg("--spark-warehouse")
        .arg(&warehouse)
        .args(["sync", "s3://billing/exports/", "--endpoint-url"])
        .arg(moto.endpoint())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    let latest =
        format!("loaded     s3://{BILLING}/exports/x/data/BILLING_PERIOD=2026-04/{NEW_EXECUTION}/x-00001.csv.gz");
    assert!(said.contains(&latest), "{said}");
    assert_eq!(setup.total("2026-04"), "12.0000000000");
    let part = Db::open(&setup.db()).unwrap().warehouse_part(&warehouse).unwrap();
    assert!(part.join("month=2026-04/run=1").join(apportion::db::COMMITTED).exists());
    setup
        .command()
        .arg("runs")
        .assert()
        .success()
        .stdout(predicate::str::contains("attributed on spark"));
}
