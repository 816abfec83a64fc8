//! Attribution speed: the 6,000,000-line DBR-RT month with ECS events (~300
//! instances running tasks, ~1M task events) and EBS attachments, synced,
//! then attributed. `cargo bench --bench attribute` (APPORTION_BENCH_ROWS=N).
//! Prints figures; asserts nothing about time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use apportion::attribute::run_rules;
use apportion::db::Db;
use apportion::demo::{FleetEvents, bench_month, service_map_csv};
use apportion::ingest::sync_paths;
use apportion::attribute::rules::Rules;

fn main() {
    let rows: usize = std::env::var("APPORTION_BENCH_ROWS")
        .ok()
        .and_then(|r| r.replace('_', "").parse().ok())
        .unwrap_or(6_000_000);
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = base.join("bench-data").join(format!("attribute-{rows}"));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let month = bench_month(rows);
    let csv = dir.join("dbr.csv");
    if !csv.exists() {
        let t = Instant::now();
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&csv).expect("create"));
        month.write(&mut out).expect("write");
        out.flush().expect("flush");
        let events = FleetEvents { ecs_instances: 300, concurrency: 3, seed: 9 };
        let mut ecs = BufWriter::new(File::create(dir.join("ecs-events.jsonl")).expect("create"));
        let mut trail = BufWriter::new(File::create(dir.join("cloudtrail.json")).expect("create"));
        let counts = month.write_events(&events, &mut ecs, &mut trail).expect("events");
        ecs.flush().expect("flush");
        trail.flush().expect("flush");
        std::fs::write(dir.join("services.csv"), service_map_csv()).expect("services");
        println!(
            "generated {} lines, {} tasks ({} task events), {} attachments in {:.1}s",
            rows,
            counts.tasks,
            counts.task_events,
            counts.attachments,
            t.elapsed().as_secs_f64()
        );
    }
    let db_path = base.join("bench-data").join("bench-attribute.duckdb");
    let _ = std::fs::remove_file(&db_path);
    let _ = std::fs::remove_file(db_path.with_extension("duckdb.wal"));
    let db = Db::open(&db_path).expect("open");
    let t = Instant::now();
    sync_paths(&db, std::slice::from_ref(&dir), &mut ()).expect("sync");
    let sync_secs = t.elapsed().as_secs_f64();
    println!("sync (billing + events): {sync_secs:.2}s");
    let rules = Rules::parse("[[rule]]\narea = \"platform\"\nproduct = \"Amazon Simple Storage*\"\n", "bench").expect("rules");
    let t = Instant::now();
    let summary = run_rules(&db, &rules, "", &Default::default()).expect("attribute");
    let attr_secs = t.elapsed().as_secs_f64();
    println!("attribute: {attr_secs:.2}s ({:?})", summary.by_method);
    println!("ratio attribute / sync: {:.2}x (target <= 1x)", attr_secs / sync_secs);
}
