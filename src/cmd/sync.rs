//! `sync`: load exports with a progress bar on a terminal, then a summary per file.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::progress::Bar;
use crate::attribute::RulesChoice;
use crate::cli::SyncArgs;
use crate::db::{Db, Scope};
use crate::ingest::{FileStatus, SyncReport, sync_paths};
use crate::report::display_money;
use crate::safe_text::for_terminal;

pub fn run(db: &Db, rules: &RulesChoice, args: &SyncArgs) -> Result<ExitCode> {
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
    let after = "the sync is saved, but attributing it failed; fix the rules and run `apportion attribute`";
    let plan = crate::attribute::plan(db, rules, &Default::default()).context(after)?;
    let summary = super::attribute::attribute_with_progress(db, &plan, &Scope::Changed).context(after)?;
    super::attribute::print_run(&plan, &summary, &mut stdout.lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn print_summary(report: &SyncReport, out: &mut dyn Write) -> std::io::Result<()> {
    let (mut loaded, mut unchanged, mut skipped) = (0, 0, 0);
    for file in &report.files {
        let path = for_terminal(&file.path.display().to_string()).into_owned();
        match &file.status {
            FileStatus::Loaded { format, periods, lines, unblended_total, currencies, outside_period, split_rows } => {
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
                let splits = match split_rows {
                    0 => String::new(),
                    n => format!("; {n} split cost allocation rows of ECS tasks (how AWS divides their instances, not money)"),
                };
                writeln!(
                    out,
                    "loaded     {path}\n           {}, {}, {lines} lines, {money}{outside}{splits}",
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
