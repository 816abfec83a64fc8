//! One thin `run` per subcommand: open what it needs, call the layer that
//! does the work, print the outcome.

mod attribute;
mod demo;
mod explain;
mod history;
mod insights;
mod terraform;
mod report;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, ServicesCommand};
use crate::config;
use crate::db::Db;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let db_path = cli.db.clone();
    let rules = RulesPath {
        explicit: cli.rules.is_some(),
        path: cli.rules.clone().unwrap_or_else(config::default_rules_path),
    };
    match cli.command {
        Some(Command::Demo(args)) => demo::run(db_path.unwrap_or_else(config::default_demo_db_path), &args),
        Some(Command::Sync(args)) => sync::run(&open(db_path)?, &rules, &args),
        Some(Command::Attribute(args)) => attribute::run(&open(db_path)?, &rules, &args),
        Some(Command::Report(args)) => report::run(&open(db_path)?, &args),
        Some(Command::Explain(args)) => explain::run(&open(db_path)?, &args),
        Some(Command::Runs) => history::runs(&open(db_path)?),
        Some(Command::Finalize(args)) => history::finalize(&open(db_path)?, &args.month),
        Some(Command::Services(ServicesCommand::List)) => history::services(&open(db_path)?),
        Some(Command::Services(ServicesCommand::ImportTerraform(args))) => {
            terraform::import(&open(db_path)?, &rules, &args)
        }
        Some(Command::LintTerraform(args)) => terraform::lint(db_path.as_deref(), &args),
        Some(Command::Coverage(args)) => insights::coverage(&open(db_path)?, &args),
        Some(Command::Spikes(args)) => insights::spikes(&open(db_path)?, &args),
        Some(Command::UnitCost(args)) => insights::unit_cost(&open(db_path)?, &args),
        Some(Command::Forecast(args)) => insights::forecast(&open(db_path)?, &args),
        None | Some(Command::Tui) => explore(&open(db_path)?, &rules.path),
    }
}

/// Open the explorer; its CSV exports go to the current directory, rules
/// assigned in the tagging view to `rules`.
pub fn explore(db: &Db, rules: &std::path::Path) -> Result<ExitCode> {
    crate::tui::run(db, std::env::current_dir()?, rules.to_path_buf())?;
    Ok(ExitCode::SUCCESS)
}

/// Where rules come from; a missing file is fine unless it was named.
pub struct RulesPath {
    pub path: PathBuf,
    pub explicit: bool,
}

fn open(path: Option<PathBuf>) -> Result<Db> {
    let path = path.unwrap_or_else(config::default_db_path);
    Db::open(&path).with_context(|| format!("opening database {}", path.display()))
}
