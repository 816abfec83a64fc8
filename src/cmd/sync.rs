//! `sync`: load exports with a progress bar on a terminal, then a summary per file.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::SyncArgs;
use crate::db::Db;
use crate::ingest::{FileStatus, SyncProgress, SyncReport, sync_paths};
use crate::report::display_money;
use crate::safe_text::for_terminal;

pub fn run(db: &Db, rules: &super::RulesPath, args: &SyncArgs) -> Result<ExitCode> {
    let report = if std::io::stdout().is_terminal() {
        let mut bar = Bar::start(db)?;
        let result = sync_paths(db, &args.paths, &mut bar);
        bar.finish();
        result
    } else {
        sync_paths(db, &args.paths, &mut ())
    }
    .context("sync failed; the database is unchanged")?;
    let stdout = std::io::stdout();
    print_summary(&report, &mut stdout.lock())?;
    let summary = crate::attribute::run(db, &rules.path, rules.explicit, &Default::default())
        .context("the sync is saved, but attributing it failed; fix the rules and run `apportion attribute`")?;
    super::attribute::print_run(&summary, &mut stdout.lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn print_summary(report: &SyncReport, out: &mut dyn Write) -> std::io::Result<()> {
    let (mut loaded, mut unchanged, mut skipped) = (0, 0, 0);
    for file in &report.files {
        let path = for_terminal(&file.path.display().to_string()).into_owned();
        match &file.status {
            FileStatus::Loaded { format, periods, lines, unblended_total, currencies, outside_period } => {
                loaded += 1;
                let money = match currencies.as_slice() {
                    [] => display_money(unblended_total),
                    [usd] if usd == "USD" => format!("${}", display_money(unblended_total)),
                    list => format!("{} {}", display_money(unblended_total), for_terminal(&list.join("+"))),
                };
                let outside = match outside_period {
                    0 => String::new(),
                    n => format!(", {n} lines dated outside the period"),
                };
                writeln!(
                    out,
                    "loaded     {path}\n           {}, {}, {lines} lines, {money}{outside}",
                    format.label(),
                    if periods.is_empty() { "no billing period".to_owned() } else { periods.join(" ") },
                )?;
            }
            FileStatus::LoadedRecords { kind, rows } => {
                loaded += 1;
                writeln!(out, "loaded     {path}\n           {}, {rows} rows", kind.label())?;
            }
            FileStatus::Unchanged { format } => {
                unchanged += 1;
                writeln!(out, "unchanged  {path} ({format})")?;
            }
            FileStatus::Skipped { reason } => {
                skipped += 1;
                writeln!(out, "skipped    {path}: {}", for_terminal(reason))?;
            }
        }
    }
    write!(out, "{loaded} loaded, {unchanged} unchanged, {skipped} skipped")?;
    if report.replaced_lines > 0 {
        write!(out, "; {} lines of earlier deliveries replaced", report.replaced_lines)?;
    }
    writeln!(out)
}

/// A per-file bar fed by DuckDB's own estimate of the running statement.
struct Bar {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    fn start(db: &Db) -> Result<Bar> {
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos:>3}% {wide_msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let probe = db.progress_probe()?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(p) = probe.percent() {
                        bar.set_position(p.clamp(0.0, 100.0) as u64);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Ok(Bar {
            bar,
            stop,
            ticker: Some(ticker),
        })
    }

    fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl SyncProgress for Bar {
    fn file_started(&mut self, path: &Path, index: usize, count: usize) {
        self.bar.set_position(0);
        self.bar.set_prefix(format!("{}/{}", index + 1, count));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.bar.set_message(for_terminal(&name).into_owned());
    }

    fn file_finished(&mut self) {
        self.bar.set_position(100);
    }
}
