//! A year of a large bill, the way a user holds it: 12 generated DBR-RT
//! months (6,000,000 lines each by default) with their ECS task, container
//! instance and CloudTrail volume events, synced by the real `apportion`
//! binary (one sync of the folder, then month by month into another
//! database), a re-delivery of the last month, the database size, and the
//! explorer's keypress latency on the year. Peak RSS of each step is the
//! process's high-water mark as the OS reports it (VmHWM).
//!
//! `cargo bench --bench year` (APPORTION_BENCH_LINES=N and
//! APPORTION_BENCH_MONTHS=M for a smaller run, APPORTION_MEMORY_LIMIT to try
//! another limit). Prints figures; asserts nothing about time.

mod generate;
#[path = "../common/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apportion::attribute::RulesChoice;
use apportion::db::Db;
use apportion::tui::app::{Action, App, Movement, Request};
use apportion::tui::{Worker, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use measure::{Step, file_gib, fresh_db, gib, high_water_kib, machine_memory_gib, run_apportion_within};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    let lines = env_number("APPORTION_BENCH_LINES", 6_000_000);
    let months = env_number("APPORTION_BENCH_MONTHS", 12) as u32;
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let work = base.join("bench-data").join(format!("year-{months}x{lines}"));
    let data = work.join("exports");
    let files = generate_once(&data, months, lines);
    println!(
        "machine: {} cores, {:.1} GiB; memory limit {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        machine_memory_gib(),
        std::env::var("APPORTION_MEMORY_LIMIT").unwrap_or_else(|_| apportion::db::default_memory_limit())
    );

    // 1. The whole folder in one sync.
    let whole = fresh_db(&work, "whole.duckdb");
    let step = run_apportion(&whole, &["sync".as_ref(), data.as_os_str()]);
    println!("one sync of the folder ({months} months, attribution included): {step}");

    // 2. Month by month, as the bills arrive; after the first, a re-delivery
    // of it (to compare with one at the end of the year).
    let monthly = fresh_db(&work, "monthly.duckdb");
    let mut total = Duration::ZERO;
    let mut peak = 0;
    let mut early_redelivery = None;
    for (i, f) in files.iter().enumerate() {
        if i == 1 {
            append_line(&files[0].billing);
            early_redelivery = Some(run_apportion(
                &monthly,
                &["sync".as_ref(), files[0].billing.as_os_str()],
            ));
        }
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "sync".as_ref(),
            f.billing.as_os_str(),
            f.events.as_os_str(),
            f.trail.as_os_str(),
        ];
        let services = data.join("services.csv");
        if i == 0 {
            args.push(services.as_os_str());
        }
        let step = run_apportion(&monthly, &args);
        println!("  sync {}: {step}", f.month);
        total += step.wall;
        peak = peak.max(step.peak_kib);
    }
    println!(
        "month by month: {:.1}s in all, peak RSS {:.2} GiB",
        total.as_secs_f64(),
        gib(peak)
    );

    // 3. AWS delivers the last month again, with more usage.
    let last = files.last().expect("a month");
    append_line(&last.billing);
    let step = run_apportion(&monthly, &["sync".as_ref(), last.billing.as_os_str()]);
    println!(
        "re-delivery of {} (sync + attribution of that month): {step}",
        last.month
    );
    if let Some(early) = early_redelivery {
        println!("  (the same with one month held, {}: {early})", files[0].month);
    }

    // 4. What it takes on disk.
    println!(
        "database size: {:.2} GiB (whole), {:.2} GiB (month by month)",
        file_gib(&whole),
        file_gib(&monthly)
    );

    // 5. The explorer on the year.
    explorer_latency(&monthly, &work);

    // 6. A tagging session on the year: assignments and undos.
    tagging_session(&monthly, &work);
}

/// Generate the year once; later runs reuse the files.
fn generate_once(data: &Path, months: u32, lines: usize) -> Vec<generate::MonthFiles> {
    let done = data.join(".complete");
    let mut year = generate::Year::new(data, lines);
    let t = Instant::now();
    let mut files = Vec::new();
    for m in 0..months {
        files.push(if done.exists() {
            year.paths_of(m)
        } else {
            year.write_month(m).expect("generate")
        });
    }
    if !done.exists() {
        std::fs::write(data.join("services.csv"), generate::service_map_csv()).expect("services");
        std::fs::write(&done, "").expect("marker");
        let (lines, tasks): (usize, usize) = files
            .iter()
            .map(|f| (f.lines, f.tasks_started))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let dollars: f64 = files.iter().map(|f| f.total_units as f64 / 1e8).sum();
        println!(
            "generated {months} months: {lines} billing lines (${dollars:.0}), {tasks} tasks, in {:.0}s",
            t.elapsed().as_secs_f64()
        );
    }
    files
}

/// Run the binary on `db` and watch it until it exits; panics if it fails.
fn run_apportion(db: &Path, args: &[&std::ffi::OsStr]) -> Step {
    let step = run_apportion_within(db, args, None);
    if let Some(failure) = &step.failure {
        panic!("apportion failed: {failure}");
    }
    step
}

/// One more line at the end of the month: a later delivery of the same month.
fn append_line(billing: &Path) {
    use std::io::Write;
    let text = std::fs::read_to_string(billing).ok();
    let last = text.as_deref().and_then(|t| t.lines().last()).map(str::to_owned);
    drop(text);
    let mut file = std::fs::OpenOptions::new().append(true).open(billing).expect("open");
    if let Some(line) = last {
        writeln!(file, "{}", line.replacen("\"LineItem\",\"", "\"LineItem\",\"9", 1)).expect("append");
    }
}

fn explorer_latency(db_path: &Path, work: &Path) {
    let limit = std::env::var("APPORTION_MEMORY_LIMIT").ok();
    let db = Db::open_with(db_path, limit.as_deref()).expect("open");
    let worker = Worker {
        db: db.try_clone().expect("connection"),
        rules: RulesChoice {
            given: None,
            default: work.join("no-rules.toml"),
        },
    };
    let mut app = App::new(db.explored_months().expect("months"), work.to_path_buf());
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
        terminal.draw(|f| ui::draw(f, app)).expect("draw");
    };
    let start = app.start();
    settle(&mut app, start);
    let script = [
        Action::Move(Movement::Down),
        Action::Drill,
        Action::Move(Movement::Down),
        Action::Drill,
        Action::Move(Movement::Down),
        Action::Move(Movement::Down),
        Action::Back,
        Action::Back,
        Action::PreviousMonth,
        Action::PreviousMonth,
        Action::NextMonth,
        Action::ToggleMeasure,
        Action::ToggleHierarchy,
        Action::Drill,
        Action::Move(Movement::Down),
        Action::Drill,
        Action::Back,
        Action::Back,
        Action::ToggleMeasure,
        Action::ToggleHierarchy,
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
        "explorer on the year: {} keypresses (drill, back, month, measure, hierarchy): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        latencies.len(),
        pct(0.5),
        pct(0.95),
        latencies[latencies.len() - 1]
    );
}

/// Assign the latest month's five largest untagged resources one after the
/// other, as the tagging page does (the month on screen first), then undo
/// them: how long until the month on screen is right, and until every month
/// is; and the explorer's keypresses on the year while an assignment runs on
/// the other connection, as the tagging page's worker does.
fn tagging_session(db_path: &Path, work: &Path) {
    use apportion::db::{CostMeasure, MonthProgress};
    struct Clock {
        started: Instant,
        first: Option<Duration>,
    }
    impl MonthProgress for Clock {
        fn month_finished(&mut self) {
            self.first.get_or_insert(self.started.elapsed());
        }
    }
    let limit = std::env::var("APPORTION_MEMORY_LIMIT").ok();
    let db = Db::open_with(db_path, limit.as_deref()).expect("open");
    // A session's own rules file, empty to begin with (the year was synced without one).
    let rules = work.join("session-rules.toml");
    std::fs::write(&rules, "").expect("rules file");
    let choice = RulesChoice {
        given: Some(rules.clone()),
        default: rules,
    };
    let months = db.explored_months().expect("months");
    let latest = months.last().expect("a month").clone();
    let chase = db
        .coverage(&latest, CostMeasure::Unblended, 0.9)
        .expect("coverage")
        .chase;
    let mut first = Vec::new();
    let mut all = Vec::new();
    let mut time = |label: &str, f: &mut dyn FnMut(&mut Clock) -> String| {
        let mut clock = Clock {
            started: Instant::now(),
            first: None,
        };
        let message = f(&mut clock);
        let whole = clock.started.elapsed();
        let on_screen = clock.first.unwrap_or(whole);
        println!(
            "  {label}: month on screen {:.2}s, all {} months {:.2}s ({message})",
            on_screen.as_secs_f64(),
            months.len(),
            whole.as_secs_f64()
        );
        first.push(on_screen.as_secs_f64());
        all.push(whole.as_secs_f64());
    };
    println!("tagging session on {latest} ({} rows to chase to 90%):", chase.len());
    if chase.is_empty() {
        println!("  nothing to chase: coverage is at the target already");
        return;
    }
    let targets: Vec<String> = chase.iter().take(5).map(|c| c.resource.clone()).collect();
    for resource in &targets {
        let rule = apportion::rules::NewRule::exactly("ingest", "resource", resource);
        time("assign", &mut |clock| {
            apportion::attribute::assign(&db, &choice, &rule, Some(&latest), clock).expect("assign")
        });
    }
    for _ in &targets {
        time("undo", &mut |clock| {
            apportion::attribute::undo_assign(&db, &choice, Some(&latest), clock).expect("undo")
        });
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p).round() as usize]
    };
    println!(
        "tagging session: month on screen p50 {:.2}s, p95 {:.2}s; all months p50 {:.2}s, p95 {:.2}s; peak RSS of the process {:.2} GiB",
        pct(&mut first, 0.5),
        pct(&mut first, 0.95),
        pct(&mut all, 0.5),
        pct(&mut all, 0.95),
        gib(own_peak_kib())
    );
}

/// This process's high-water mark (VmHWM), KiB.
fn own_peak_kib() -> u64 {
    high_water_kib("/proc/self/status").unwrap_or(0)
}
