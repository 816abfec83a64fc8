//! Explorer latency: 12 months shaped like a 6,000,000-line month each
//! (allocations generated straight into the database), then a key script
//! replayed through the real update → query → draw path. Prints keypress-to-
//! frame percentiles. `cargo bench --bench explorer` (APPORTION_BENCH_SCALE=0.1
//! for a smaller run). Asserts nothing about time.

use std::path::PathBuf;
use std::time::Instant;

use apportion::db::Db;
use apportion::tui::app::{Action, App, Request, SortKey};
use apportion::attribute::RulesChoice;
use apportion::tui::{Worker, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    let scale: f64 = std::env::var("APPORTION_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = base.join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(format!("explorer-{scale}.duckdb"));
    if !path.exists() {
        let t = Instant::now();
        let db = Db::open(&path).expect("open");
        drop(db);
        let conn = duckdb::Connection::open(&path).expect("duckdb");
        // The 6M-line benchmark month (hourly lines of ~13,000 resources) aggregates to one
        // allocation row per resource and day: 13,000 × 30 per month.
        let resources = (13_000.0 * scale) as i64;
        conn.execute_batch(&format!(
            "INSERT INTO attribution_runs VALUES (1, now()::TIMESTAMP, 'spread', 'cpu', 'product_area', '', 0, []);
             INSERT INTO allocations
             SELECT 1, (DATE '2025-10-01' + INTERVAL (m) MONTH)::DATE,
                    (DATE '2025-10-01' + INTERVAL (m) MONTH + INTERVAL (d) DAY)::DATE,
                    ['Amazon Elastic Compute Cloud', 'Amazon Simple Storage Service', 'Amazon DynamoDB',
                     'Amazon Relational Database Service', 'AWS Lambda', 'Amazon CloudFront'][1 + r % 6],
                    'usage-' || (r % 40), '1000000000' || (r % 12), 'res-' || r,
                    ['search', 'checkout', 'payments', 'data-platform', 'growth', '(unallocated)', '(unmapped)', 'platform'][1 + (hash(r) % 8)::INT],
                    CASE WHEN r % 10 < 3 THEN 'svc-' || (r % 25) ELSE '' END,
                    CASE WHEN r % 10 < 3 THEN 'ecs' ELSE 'tag' END,
                    (hash(r, d, m) % 100000)::DECIMAL(38, 10) / 10000,
                    (hash(r, d, m) % 90000)::DECIMAL(38, 10) / 10000,
                    (hash(r, d, m) % 100000)::DECIMAL(38, 10) / 10000
             FROM range(12) t1(m), range(30) t2(d), range({resources}) t3(r);"
        ))
        .expect("generate");
        let rows: i64 = conn.query_row("SELECT count(*) FROM allocations", [], |r| r.get(0)).expect("count");
        println!("generated {rows} allocation rows (12 months) in {:.1}s", t.elapsed().as_secs_f64());
    }
    let db = Db::open(&path).expect("open");
    let worker = Worker {
        db: db.try_clone().expect("connection"),
        rules: RulesChoice { given: None, default: dir.join("no-rules.toml") },
    };
    let mut app = App::new(db.explored_months().expect("months"), dir.clone());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut settle = |app: &mut App, requests: Vec<Request>| {
        let mut queue = requests;
        while let Some(r) = queue.pop() {
            if matches!(r, Request::Export { .. } | Request::Explain { .. }) {
                continue;
            }
            let more = app.receive(worker.answer(r));
            queue.extend(more);
        }
        terminal.draw(|f| render::draw(f, app)).expect("draw");
    };
    let start = app.start();
    settle(&mut app, start);
    let script = [
        Action::Down, Action::Down, Action::Drill, Action::Down, Action::Drill, Action::Down, Action::Down,
        Action::Back, Action::Back, Action::PreviousMonth, Action::PreviousMonth, Action::NextMonth,
        Action::ToggleMeasure, Action::ToggleHierarchy, Action::Drill, Action::Drill, Action::Sort(SortKey::Name),
        Action::Sort(SortKey::Change), Action::Bottom, Action::Top, Action::Back, Action::Back, Action::ToggleMeasure,
    ];
    let mut latencies = Vec::new();
    for _ in 0..3 {
        for action in script.iter().cloned() {
            let t = Instant::now();
            let requests = app.update(action);
            settle(&mut app, requests);
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "{} keypresses: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target p95 < 50 ms)",
        latencies.len(),
        pct(0.5),
        pct(0.95),
        latencies[latencies.len() - 1]
    );
}
