//! `report`: cost of a month grouped by dimensions.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::db::Db;
use crate::report::{cost_report, write_report};

pub fn run(db: &Db, args: &ReportArgs) -> Result<ExitCode> {
    let report = cost_report(db, args.month.as_deref(), &args.by, args.cost.into())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write_report(&report, args.format.into(), &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
