//! `demo`: write the demo company's exports (a year of bills, ECS and EBS
//! events, a service map, business metrics, rules, Terraform), sync them
//! into the demo database (never the real one), attribute with the demo's
//! rules, then open the explorer or print where the money went.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::attribute::RulesChoice;
use crate::cli::DemoArgs;
use crate::db::{CostMeasure, Dimension, Scope};
use crate::ingest::sync_paths;
use crate::report::{OutputFormat, cost_report, write_report};

pub fn run(opener: &super::Opener, args: &DemoArgs) -> Result<ExitCode> {
    let db_path = opener.path.clone().unwrap_or_else(crate::config::default_demo_db_path);
    let scratch = tempfile::tempdir().context("creating a temp dir for the demo exports")?;
    let dir = args.out.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let written = crate::demo::write(&dir).with_context(|| format!("writing the demo exports to {}", dir.display()))?;
    let db = opener.open_at(&db_path)?;
    // The exports only: the Terraform tree is for lint-terraform, not sync.
    let exports = ["cur", "events", "services.csv", "business-metrics.csv"].map(|p| dir.join(p));
    sync_paths(&db, &exports, &mut ()).context("syncing the demo exports")?;
    // The demo's rules live beside its database, which remembers them, so the
    // tagging view and later commands without --rules add to and use them.
    let rules_path = db_path.with_file_name("demo-rules.toml");
    std::fs::write(&rules_path, crate::demo::RULES).with_context(|| format!("writing {}", rules_path.display()))?;
    let rules = RulesChoice {
        given: Some(rules_path),
        default: crate::config::default_rules_path(),
    };
    let plan = crate::attribute::plan(&db, &rules, &Default::default())?;
    crate::attribute::run(&db, &plan, &Scope::All, &mut ())?;
    if !args.no_tui {
        let options = crate::tui::Options { tour: args.tour };
        return super::explore(&db, RulesChoice { given: None, ..rules }, &options);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let report = cost_report(
        &db,
        None,
        &[Dimension::Area, Dimension::Product],
        CostMeasure::Unblended,
    )?;
    write_report(&report, OutputFormat::Table, &mut out)?;
    if let (Some(first), Some(last)) = (written.months.first(), written.months.last()) {
        writeln!(
            out,
            "\nPlover Analytics, {} to {} (the last month is still an estimate)",
            first.month, last.month
        )?;
    }
    writeln!(out, "demo database: {}", db_path.display())?;
    if let Some(out_dir) = &args.out {
        writeln!(
            out,
            "demo exports:  {dir} (try `apportion --rules {dir}/rules.toml sync {dir}` and `apportion lint-terraform {dir}/terraform`)",
            dir = out_dir.display()
        )?;
    }
    let db_arg = db_path.display();
    writeln!(
        out,
        "next: apportion --db {db_arg} spikes      # what jumped in the latest month, and why"
    )?;
    writeln!(
        out,
        "      apportion --db {db_arg} coverage    # what to tag to reach 90%"
    )?;
    writeln!(
        out,
        "      apportion --db {db_arg} forecast --metric api_calls --amount 1000000"
    )?;
    Ok(ExitCode::SUCCESS)
}
