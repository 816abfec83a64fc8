//! `demo`: generate three months of sample exports, sync them into the demo
//! database (never the real one), and print where the money went.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::DemoArgs;
use crate::db::{CostMeasure, Db, Dimension};
use crate::demo::demo_months;
use crate::ingest::sync_paths;
use crate::report::{OutputFormat, cost_report, write_report};

/// Lines per demo month: enough to feel real, small enough to build in a second.
const DEMO_LINES_PER_MONTH: usize = 20_000;

pub fn run(db_path: PathBuf, args: &DemoArgs) -> Result<ExitCode> {
    let scratch = tempfile::tempdir().context("creating a temp dir for the demo exports")?;
    let dir = args.out.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for month in demo_months(DEMO_LINES_PER_MONTH) {
        let path = dir.join(month.file_name());
        let mut out = BufWriter::new(File::create(&path).with_context(|| format!("writing {}", path.display()))?);
        month.write(&mut out)?;
        out.flush()?;
    }
    let db = Db::open(&db_path).with_context(|| format!("opening database {}", db_path.display()))?;
    sync_paths(&db, std::slice::from_ref(&dir), &mut ()).context("syncing the demo exports")?;
    crate::attribute::run_rules(&db, &crate::rules::Rules::defaults(), "", &Default::default())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let report = cost_report(&db, None, &[Dimension::Product, Dimension::Account], CostMeasure::Unblended)?;
    write_report(&report, OutputFormat::Table, &mut out)?;
    writeln!(out, "\ndemo database: {}", db_path.display())?;
    if let Some(out_dir) = &args.out {
        writeln!(out, "demo exports:  {} (try `apportion sync {}`)", out_dir.display(), out_dir.display())?;
    }
    writeln!(
        out,
        "next: apportion --db {} report --by account,product --format csv",
        db_path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
