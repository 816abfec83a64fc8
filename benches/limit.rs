//! Where the laptop stops: single months of 6, 30 and 60 million generated
//! DBR-RT lines with their ECS task, container-instance and CloudTrail
//! volume events (the year benchmark's months), each synced by the real
//! binary into a fresh database under the default memory limit (attribution
//! included), then attributed again on its own. Per size: wall time, peak
//! RSS (VmHWM), the peak size of DuckDB's spill directory, and the database
//! size; then the first size whose month takes more than 10 minutes or
//! fails. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench limit` (APPORTION_LIMIT_LINES=6000000,30000000 for
//! other sizes, APPORTION_LIMIT_MINUTES for when a step is stopped, default
//! 30; APPORTION_MEMORY_LIMIT to try another limit). Each size's exports are
//! generated under $CARGO_TARGET_DIR/bench-data/limit-N and removed after.

#[path = "year/generate.rs"]
mod generate;
#[path = "common/measure.rs"]
mod measure;

use std::path::PathBuf;
use std::time::Duration;

use measure::{Step, file_gib, fresh_db, gib, machine_memory_gib, run_apportion_within};

fn sizes() -> Vec<usize> {
    std::env::var("APPORTION_LIMIT_LINES")
        .unwrap_or_else(|_| "6000000,30000000,60000000".to_owned())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("APPORTION_LIMIT_LINES: numbers, comma separated")
        })
        .collect()
}

/// One size's figures.
struct Row {
    lines: usize,
    sync: Step,
    attribute: Option<Step>,
    db_gib: f64,
}

fn main() {
    let minutes: u64 = std::env::var("APPORTION_LIMIT_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(30);
    let limit = Duration::from_secs(minutes * 60);
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    println!(
        "machine: {} cores, {:.1} GiB; memory limit {}; a step is stopped after {minutes} min",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        machine_memory_gib(),
        std::env::var("APPORTION_MEMORY_LIMIT").unwrap_or_else(|_| apportion::db::default_memory_limit())
    );
    let mut rows = Vec::new();
    for lines in sizes() {
        let work = base.join("bench-data").join(format!("limit-{lines}"));
        let data = work.join("exports");
        let _ = std::fs::remove_dir_all(&data);
        let month = generate::Year::new(&data, lines)
            .write_month(0)
            .expect("generate the month");
        println!("{}", month.summary());
        let db = fresh_db(&work, "month.duckdb");
        let sync = run_apportion_within(&db, &["sync".as_ref(), data.as_os_str()], Some(limit));
        println!("  sync (attribution included): {sync}");
        let attribute = if sync.failure.is_none() {
            let step = run_apportion_within(&db, &["attribute".as_ref()], Some(limit));
            println!("  attribute again: {step}");
            Some(step)
        } else {
            println!("  failed: {}", sync.failure.as_deref().unwrap_or_default());
            None
        };
        rows.push(Row {
            lines: month.lines,
            sync,
            attribute,
            db_gib: file_gib(&db),
        });
        let _ = std::fs::remove_dir_all(&data);
    }
    table(&rows);
}

fn bytes_gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// The figures as the Markdown table docs/benchmarks.md and the README show.
fn table(rows: &[Row]) {
    println!(
        "\n| lines in the month | sync (with attribution) | peak RSS | spill | attribute again | peak RSS | database |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        let step = |s: &Step| match &s.failure {
            None => format!("{:.0} s", s.wall.as_secs_f64()),
            Some(why) => format!("failed after {:.0} s ({why})", s.wall.as_secs_f64()),
        };
        let (again, again_rss) = r.attribute.as_ref().map_or(("—".to_owned(), "—".to_owned()), |a| {
            (step(a), format!("{:.2} GiB", gib(a.peak_kib)))
        });
        println!(
            "| {:.1} M | {} | {:.2} GiB | {:.2} GiB | {again} | {again_rss} | {:.2} GiB |",
            r.lines as f64 / 1e6,
            step(&r.sync),
            gib(r.sync.peak_kib),
            bytes_gib(
                r.sync
                    .spill_bytes
                    .max(r.attribute.as_ref().map_or(0, |a| a.spill_bytes))
            ),
            r.db_gib
        );
    }
    let stop = rows
        .iter()
        .find(|r| r.sync.failure.is_some() || r.sync.wall > Duration::from_secs(600));
    match stop {
        Some(r) => println!(
            "\nthe first month over 10 minutes or failing: {:.1} M lines",
            r.lines as f64 / 1e6
        ),
        None => println!("\nno month took more than 10 minutes or failed"),
    }
}
