//! Sync speed against DuckDB's bare CSV parse of the same DBR-RT month (the
//! year benchmark's first month: 6,000,000 lines shaped like DESIGN.md's
//! story). `cargo bench --bench sync` (APPORTION_BENCH_ROWS=N to change the
//! line count). The sync here is the load alone: scan, load, replace, no
//! attribution. Prints figures; asserts nothing about time.

#[path = "year/generate.rs"]
mod generate;

use std::path::PathBuf;
use std::time::Instant;

use apportion::db::Db;
use apportion::ingest::sync_paths;

fn main() {
    let rows: usize = std::env::var("APPORTION_BENCH_ROWS")
        .ok()
        .and_then(|r| r.replace('_', "").parse().ok())
        .unwrap_or(6_000_000);
    let dir = bench_dir().join(format!("sync-{rows}"));
    let mut year = generate::Year::new(&dir, rows);
    let csv = year.paths_of(0).billing;
    if !csv.exists() {
        let t = Instant::now();
        let month = year.write_month(0).expect("generate");
        println!(
            "generated {} ({} lines, ${:.2}) in {:.1}s",
            csv.display(),
            month.lines,
            month.total_units as f64 / 1e8,
            t.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(&csv).expect("bench file").len();
    println!("file: {} ({:.0} MiB)", csv.display(), size as f64 / (1 << 20) as f64);

    let bare = {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        let path = csv.to_string_lossy().replace('\'', "''");
        let t = Instant::now();
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM read_csv('{path}')"), [], |r| r.get(0))
            .expect("bare read_csv");
        let secs = t.elapsed().as_secs_f64();
        println!("bare DuckDB read_csv count(*): {n} rows in {secs:.2}s");
        secs
    };

    // What DuckDB alone needs to keep the file: parse it and store every column as text.
    let store_raw = {
        let raw_db = dir.join("bench-raw.duckdb");
        let _ = std::fs::remove_file(&raw_db);
        let conn = duckdb::Connection::open(&raw_db).expect("duckdb");
        let path = csv.to_string_lossy().replace('\'', "''");
        let t = Instant::now();
        conn.execute_batch(&format!(
            "CREATE TABLE raw AS SELECT * FROM read_csv('{path}', all_varchar = true)"
        ))
        .expect("store raw");
        let secs = t.elapsed().as_secs_f64();
        println!("bare DuckDB CREATE TABLE AS read_csv (store the file as text): {secs:.2}s");
        drop(conn);
        let _ = std::fs::remove_file(&raw_db);
        secs
    };

    let db_path = dir.join("bench-sync.duckdb");
    let _ = std::fs::remove_file(&db_path);
    let _ = std::fs::remove_file(dir.join("bench-sync.duckdb.wal"));
    let db = Db::open(&db_path).expect("open bench db");
    let t = Instant::now();
    let report = sync_paths(&db, std::slice::from_ref(&csv), &mut ()).expect("sync");
    let sync_secs = t.elapsed().as_secs_f64();
    println!("apportion sync: {sync_secs:.2}s ({} file)", report.files.len());
    println!("ratio sync / bare parse: {:.2}x (target < 4x)", sync_secs / bare);
    println!("ratio sync / bare store: {:.2}x", sync_secs / store_raw);

    let t = Instant::now();
    sync_paths(&db, std::slice::from_ref(&csv), &mut ()).expect("re-sync");
    println!("re-sync of the unchanged file: {:.3}s", t.elapsed().as_secs_f64());
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
}

fn bench_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let dir = base.join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    dir
}
