//! One thin `run` per subcommand: open what it needs, call the layer that
//! does the work, print the outcome.

mod attribute;
mod demo;
mod ecs_check;
mod engine;
mod explain;
mod export;
mod history;
mod insights;
mod progress;
mod reconcile;
mod report;
#[cfg(feature = "spark")]
mod spark_check;
mod sync;
mod tag;
mod terraform;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::attribute::RulesChoice;
use crate::cli::{Cli, Command, ServicesCommand, TagCommand};
use crate::config;
use crate::db::Db;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let db = Opener {
        path: cli.db.clone(),
        memory_limit: cli.memory_limit.clone(),
    };
    let engine = engine::Flags {
        engine: cli.engine,
        spark_remote: cli.spark_remote.clone(),
        spark_warehouse: cli.spark_warehouse.clone(),
    };
    let rules = RulesChoice {
        given: cli.rules.clone(),
        default: config::default_rules_path(),
    };
    match cli.command {
        Some(Command::Demo(args)) => demo::run(&db.demo(), &args),
        Some(Command::Sync(args)) => sync::run(&engine.open(&db)?, &rules, &args),
        Some(Command::Attribute(args)) => attribute::run(&engine.open(&db)?, &rules, &args),
        Some(Command::Report(args)) => report::run(&db.read()?, &args),
        Some(Command::Explain(args)) => explain::run(&db.read()?, &args),
        Some(Command::Reconcile(args)) => reconcile::run(&db.read()?, &args),
        Some(Command::EcsCheck(args)) => ecs_check::run(&db.read()?, &args),
        Some(Command::Runs) => history::runs(&db.read()?),
        Some(Command::Finalize(args)) => history::finalize(&db.open()?, &args.month),
        Some(Command::Services(ServicesCommand::List)) => history::services(&db.read()?),
        Some(Command::Services(ServicesCommand::ImportTerraform(args))) => {
            terraform::import(&engine.open(&db)?, &rules, &args)
        }
        Some(Command::Tag(TagCommand::Assign(args))) => tag::assign(&engine.open(&db)?, &rules, &args),
        Some(Command::Tag(TagCommand::Undo(args))) => tag::undo(&engine.open(&db)?, &rules, &args),
        Some(Command::Tag(TagCommand::ByTag(args))) => tag::by_tag(&engine.open(&db)?, &rules, &args),
        Some(Command::LintTerraform(args)) => terraform::lint(db.path.as_deref(), &rules, &args),
        Some(Command::Coverage(args)) => insights::coverage(&db.read()?, &args),
        Some(Command::Export(args)) => export::run(&db.read()?, &args),
        Some(Command::Spikes(args)) => insights::spikes(&db.read()?, &args),
        Some(Command::UnitCost(args)) => insights::unit_cost(&db.read()?, &args),
        Some(Command::Forecast(args)) => insights::forecast(&db.read()?, &args),
        #[cfg(feature = "spark")]
        Some(Command::SparkCheck(args)) => spark_check::run(&args, cli.spark_remote.as_deref()),
        None | Some(Command::Tui) => explore(&db.open()?, rules, &Default::default()),
    }
}

/// Open the explorer; its CSV exports go to the current directory, areas
/// assigned in the tagging view to the rules file `rules` resolves to.
pub fn explore(db: &Db, rules: RulesChoice, options: &crate::tui::Options) -> Result<ExitCode> {
    crate::tui::run(db, std::env::current_dir()?, rules, options)?;
    Ok(ExitCode::SUCCESS)
}

/// Which database to open, and with how much memory.
pub struct Opener {
    pub path: Option<PathBuf>,
    pub memory_limit: Option<String>,
}

impl Opener {
    fn open(&self) -> Result<Db> {
        let path = self.db_path();
        self.open_at(&path)
    }

    /// The database file: `--db`, else the platform's default.
    fn db_path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(config::default_db_path)
    }

    pub fn open_at(&self, path: &std::path::Path) -> Result<Db> {
        Db::open_with(path, self.memory_limit.as_deref())
            .with_context(|| format!("opening database {}", path.display()))
    }

    /// For commands that only read: they work without the rules file, and say it is missing.
    fn read(&self) -> Result<Db> {
        let db = self.open()?;
        if let Some(warning) = crate::attribute::missing_rules_warning(&db)? {
            eprintln!("{}", crate::safe_text::for_terminal(&warning));
        }
        Ok(db)
    }

    /// The demo's database: never the real one unless `--db` names it.
    fn demo(&self) -> Opener {
        Opener {
            path: Some(self.path.clone().unwrap_or_else(config::default_demo_db_path)),
            memory_limit: self.memory_limit.clone(),
        }
    }
}
