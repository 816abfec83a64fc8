//! `attribute`: attribute every month again (or one), with the database's
//! rules and any new flags, and say what it did.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;

use crate::attribute::{Overrides, Plan, RulesChoice, plan, run as attribute};
use crate::cli::AttributeArgs;
use crate::db::{Db, RunSummary, Scope};
use crate::report::usd;

pub fn run(db: &Db, rules: &RulesChoice, args: &AttributeArgs) -> Result<ExitCode> {
    let overrides = Overrides {
        idle: args.idle,
        weight: args.weight,
        tag_key: args.tag_key.clone(),
    };
    let plan = plan(db, rules, &overrides)?;
    let scope = args.month.clone().map_or(Scope::All, Scope::Month);
    let summary = attribute_with_progress(db, &plan, &scope)?;
    print_run(&plan, &summary, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// Attribute with a bar per month while stdout is a terminal.
pub fn attribute_with_progress(db: &Db, plan: &Plan, scope: &Scope) -> Result<RunSummary> {
    if std::io::stdout().is_terminal() {
        attribute(db, plan, scope, &mut super::progress::MonthBar::start())
    } else {
        attribute(db, plan, scope, &mut ())
    }
}

pub fn print_run(plan: &Plan, summary: &RunSummary, out: &mut dyn Write) -> std::io::Result<()> {
    if let Some(note) = &plan.note {
        writeln!(out, "{}", crate::safe_text::for_terminal(note))?;
    }
    let Some(run_id) = summary.run_id else {
        return if summary.held == 0 {
            writeln!(
                out,
                "attribution: no billing data yet (load some with `apportion sync PATH`)"
            )
        } else {
            writeln!(out, "attribution: every month is up to date")
        };
    };
    let parts: Vec<String> = summary
        .by_method
        .iter()
        .map(|(method, cost)| format!("{method} {}", usd(*cost)))
        .collect();
    writeln!(
        out,
        "attribution run {run_id} over {} month(s) ({}): {}",
        summary.periods.len(),
        month_span(&summary.periods),
        if parts.is_empty() {
            "nothing to attribute".to_owned()
        } else {
            parts.join(", ")
        }
    )?;
    if let Some(change) = &summary.change {
        writeln!(out, "{}", crate::safe_text::for_terminal(change))?;
    }
    for note in &summary.split_notes {
        writeln!(out, "{}", crate::safe_text::for_terminal(note))?;
    }
    Ok(())
}

fn month_span(periods: &[String]) -> String {
    match periods {
        [first, _, _, .., last] => format!("{first} … {last}"),
        few => few.join(", "),
    }
}
