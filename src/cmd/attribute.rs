//! `attribute`: re-run attribution with the current rules and flags.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::attribute::{Overrides, run as attribute};
use crate::cli::AttributeArgs;
use crate::db::{Db, RunSummary};
use crate::report::display_money;

pub fn run(db: &Db, rules: &super::RulesPath, args: &AttributeArgs) -> Result<ExitCode> {
    let overrides = Overrides {
        idle: args.idle,
        weight: args.weight,
        tag_key: args.tag_key.clone(),
    };
    let summary = attribute(db, &rules.path, rules.explicit, &overrides)?;
    print_run(&summary, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn print_run(summary: &RunSummary, out: &mut dyn Write) -> std::io::Result<()> {
    let parts: Vec<String> = summary
        .by_method
        .iter()
        .map(|(method, cost)| format!("{method} ${}", display_money(cost)))
        .collect();
    writeln!(
        out,
        "attribution run {} over {} month(s): {}",
        summary.run_id,
        summary.periods.len(),
        if parts.is_empty() { "nothing to attribute".to_owned() } else { parts.join(", ") }
    )
}
