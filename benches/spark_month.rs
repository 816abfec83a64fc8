//! One generated month (6 million DBR-RT lines with their ECS task,
//! container-instance and CloudTrail volume events, the limit benchmark's
//! month) attributed by DuckDB here and by Spark on `local[2]` through Spark
//! Connect, each by the real binary: wall time of each, apportion's peak RSS,
//! and the Spark server's peak RSS (VmHWM of its JVM, since it started).
//! Then whether both left the same allocations (a digest of every row).
//! Then the month's billing export as Parquet, synced twice: read here, and
//! read where it lies by the cluster (`sync file:…`, stage one of the load
//! on Spark, stage two here), each with its attribution; whether both
//! loaded the same billing lines; and how much of the export this machine
//! then read. Then the export as it is, a CSV, read where it lies by the
//! cluster, its lines compared with the same CSV read here. Prints figures;
//! asserts nothing about time.
//!
//! `.ci/spark-connect start`, then `cargo bench --features spark --bench
//! spark_month` (APPORTION_SPARK_LINES for another size; APPORTION_TEST_SPARK_REMOTE
//! for another server). The month is generated under
//! $CARGO_TARGET_DIR/bench-data/spark-month and removed after.

#[path = "year/generate.rs"]
mod generate;
#[path = "common/measure.rs"]
mod measure;

use std::path::PathBuf;

use measure::{Step, fresh_db, gib, high_water_kib, machine_memory_gib, run_apportion_within};

fn main() {
    let lines: usize = std::env::var("APPORTION_SPARK_LINES")
        .ok()
        .and_then(|l| l.replace('_', "").parse().ok())
        .unwrap_or(6_000_000);
    let remote = std::env::var("APPORTION_TEST_SPARK_REMOTE").unwrap_or_else(|_| "sc://127.0.0.1:15002".to_string());
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let work = base.join("bench-data").join("spark-month");
    let data = work.join("exports");
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "machine: {} cores, {:.1} GiB; Spark at {remote}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        machine_memory_gib()
    );
    let month = generate::Year::new(&data, lines)
        .write_month(0)
        .expect("generate the month");
    println!("{}", month.summary());
    let db = fresh_db(&work, "month.duckdb");
    let sync = run_apportion_within(&db, &["sync".as_ref(), data.as_os_str()], None);
    println!("sync (DuckDB, attribution included): {sync}");
    let billing_lines: i64 = duckdb::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT count(*) FROM billing_lines", [], |r| r.get(0)))
        .expect("count the billing lines");
    println!("{billing_lines} billing lines once grouped");
    let duckdb = run_apportion_within(
        &db,
        &["--engine".as_ref(), "duckdb".as_ref(), "attribute".as_ref()],
        None,
    );
    println!("attribute on DuckDB: {duckdb}");
    let by_duckdb = digest(&db);
    let warehouse = work.join("warehouse");
    let spark = run_apportion_within(&db, &on_spark(&remote, &warehouse, &["attribute".as_ref()]), None);
    println!("attribute on Spark: {spark}");
    // A failed run leaves the database as it was: then there is nothing of Spark's to compare.
    if spark.failure.is_none() {
        let by_spark = digest(&db);
        println!(
            "allocations: {} on DuckDB, {} on Spark: {}",
            by_duckdb,
            by_spark,
            if by_duckdb == by_spark { "the same" } else { "DIFFERENT" }
        );
    }
    let read = read_on_the_cluster(&month, &work, &remote);
    let read_csv = csv_on_the_cluster(&month, &work, &remote, &db);
    let server = server_peak_kib();
    println!(
        "\n| engine | attribute | apportion's peak RSS | server's peak RSS |\n|---|---|---|---|\n\
         | DuckDB (embedded) | {} | {:.2} GiB | — |\n| Spark local[2] | {} | {:.2} GiB | {} |",
        wall(&duckdb),
        gib(duckdb.peak_kib),
        wall(&spark),
        gib(spark.peak_kib),
        server.map_or_else(
            || "not read (another machine)".to_string(),
            |k| format!("{:.2} GiB", gib(k))
        )
    );
    if duckdb.failure.is_none() && spark.failure.is_none() {
        println!(
            "\nSpark took {:.1}× DuckDB's time on one machine",
            spark.wall.as_secs_f64() / duckdb.wall.as_secs_f64()
        );
    }
    println!("{read}");
    println!("{read_csv}");
    let _ = std::fs::remove_dir_all(&work);
}

/// The month's billing export as Parquet, synced from this machine (read
/// and attributed here) and from the cluster (read there, attributed
/// there): both times, peak RSS, and whether the billing lines are the same.
fn read_on_the_cluster(month: &generate::MonthFiles, work: &std::path::Path, remote: &str) -> String {
    let name = month.billing.file_name().expect("a file name").to_string_lossy();
    let stem = name.split('.').next().unwrap_or("month");
    let parquet = work.join("parquet").join(format!("{stem}.parquet"));
    std::fs::create_dir_all(parquet.parent().expect("a folder")).expect("create the parquet folder");
    let started = std::time::Instant::now();
    duckdb::Connection::open_in_memory()
        .and_then(|c| {
            c.execute_batch(&format!(
                "COPY (SELECT * FROM read_csv('{}')) TO '{}' (FORMAT parquet)",
                month.billing.display(),
                parquet.display()
            ))
        })
        .expect("write the export as Parquet");
    println!(
        "\nthe billing export as Parquet: {:.2} GiB, written in {:.0} s",
        measure::file_gib(&parquet),
        started.elapsed().as_secs_f64()
    );
    let events: Vec<&std::ffi::OsStr> = vec![month.events.as_os_str(), month.trail.as_os_str()];
    let (here_db, there_db) = (fresh_db(work, "read-here.duckdb"), fresh_db(work, "read-there.duckdb"));
    let mut here_args: Vec<&std::ffi::OsStr> = vec!["--engine".as_ref(), "duckdb".as_ref(), "sync".as_ref()];
    here_args.extend(events.iter().copied());
    here_args.push(parquet.as_os_str());
    let here = run_apportion_within(&here_db, &here_args, None);
    println!("sync of the Parquet, read and attributed here: {here}{}", failed(&here));
    sync_events_here(month, &there_db);
    let uri = format!("file:{}", parquet.display());
    let warehouse = work.join("read-warehouse");
    let there = run_apportion_within(
        &there_db,
        &on_spark(remote, &warehouse, &["sync".as_ref(), uri.as_ref()]),
        None,
    );
    println!(
        "sync of the Parquet, read on the cluster and attributed there: {there}{}",
        failed(&there)
    );
    let (a, b) = (lines(&here_db), lines(&there_db));
    format!(
        "\n| sync of {} lines as Parquet | wall | apportion's peak RSS |\n|---|---|---|\n\
         | read and attributed here (DuckDB) | {} | {:.2} GiB |\n\
         | read on the cluster, attributed there (Spark local[2]) | {} | {:.2} GiB |\n\n\
         billing lines: {a} here, {b} from the cluster: {}",
        month.lines,
        wall(&here),
        gib(here.peak_kib),
        wall(&there),
        gib(there.peak_kib),
        if a == b { "the same" } else { "DIFFERENT" }
    )
}

/// The month's billing export as it is, a DBR-RT CSV, read where it lies by
/// the cluster (`sync file:…` on Spark, its events synced here first) and
/// attributed there: time, peak RSS, and whether its billing lines are the
/// lines of the same CSV read here (`here`, the month's first sync).
fn csv_on_the_cluster(
    month: &generate::MonthFiles,
    work: &std::path::Path,
    remote: &str,
    here: &std::path::Path,
) -> String {
    let there_db = fresh_db(work, "read-csv-there.duckdb");
    sync_events_here(month, &there_db);
    let uri = format!("file:{}", month.billing.display());
    let warehouse = work.join("read-csv-warehouse");
    let there = run_apportion_within(
        &there_db,
        &on_spark(remote, &warehouse, &["sync".as_ref(), uri.as_ref()]),
        None,
    );
    let (a, b) = (lines(here), lines(&there_db));
    format!(
        "\n| sync of {} lines as CSV ({:.2} GiB) | wall | apportion's peak RSS |\n|---|---|---|\n\
         | read on the cluster, attributed there (Spark local[2]) | {} | {:.2} GiB |\n\n\
         billing lines: {a} read here, {b} from the cluster: {}",
        month.lines,
        measure::file_gib(&month.billing),
        wall(&there),
        gib(there.peak_kib),
        if a == b { "the same" } else { "DIFFERENT" }
    )
}

/// The month's events synced into `db` here: they are this machine's to
/// read; the billing export is the cluster's.
fn sync_events_here(month: &generate::MonthFiles, db: &std::path::Path) {
    let args: Vec<&std::ffi::OsStr> = vec![
        "--engine".as_ref(),
        "duckdb".as_ref(),
        "sync".as_ref(),
        month.events.as_os_str(),
        month.trail.as_os_str(),
    ];
    let _ = run_apportion_within(db, &args, None);
}

/// A database's billing lines as one digest: their count and an md5 of every line in order.
fn lines(db: &std::path::Path) -> String {
    duckdb::Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) || ' billing lines, md5 ' ||
                        COALESCE(md5(string_agg(CAST(l AS VARCHAR), '|' ORDER BY CAST(l AS VARCHAR))), '-')
                 FROM (SELECT * EXCLUDE (file_id) FROM billing_lines) l",
                [],
                |r| r.get::<_, String>(0),
            )
        })
        .expect("read the billing lines")
}

/// The month's allocations as one digest: rows, total, and an md5 of every
/// row in order (the run id left out).
fn digest(db: &std::path::Path) -> String {
    let conn = duckdb::Connection::open(db).expect("open the database");
    conn.query_row(
        "SELECT count(*) || ' rows, $' || sum(unblended_cost) || ', md5 ' ||
                md5(string_agg(CAST(a AS VARCHAR), '|' ORDER BY CAST(a AS VARCHAR)))
         FROM (SELECT * EXCLUDE (run_id) FROM allocations) a",
        [],
        |r| r.get(0),
    )
    .expect("read the allocations")
}

/// apportion's arguments for `command` on Spark at `remote`, into `warehouse`.
fn on_spark<'a>(
    remote: &'a str,
    warehouse: &'a std::path::Path,
    command: &[&'a std::ffi::OsStr],
) -> Vec<&'a std::ffi::OsStr> {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--engine".as_ref(),
        "spark".as_ref(),
        "--spark-remote".as_ref(),
        remote.as_ref(),
        "--spark-warehouse".as_ref(),
        warehouse.as_os_str(),
    ];
    args.extend_from_slice(command);
    args
}

fn failed(step: &Step) -> String {
    step.failure
        .as_ref()
        .map_or_else(String::new, |why| format!(" (failed: {why})"))
}

fn wall(step: &Step) -> String {
    match &step.failure {
        None => format!("{:.0} s", step.wall.as_secs_f64()),
        Some(why) => format!("failed after {:.0} s ({why})", step.wall.as_secs_f64()),
    }
}

/// The local server's peak RSS, from the pid `.ci/spark-connect` keeps.
fn server_peak_kib() -> Option<u64> {
    let dir = std::env::var_os("SPARK_CONNECT_DIR").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/spark-connect"),
        PathBuf::from,
    );
    let pid = std::fs::read_to_string(dir.join("pid")).ok()?;
    high_water_kib(&format!("/proc/{}/status", pid.trim()))
}
