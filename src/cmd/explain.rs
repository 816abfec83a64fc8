//! `explain RESOURCE_ID`: the provenance of one resource's dollars.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cli::ExplainArgs;
use crate::db::Db;
use crate::report::write_explanation;
use crate::safe_text::for_terminal;

pub fn run(db: &Db, args: &ExplainArgs) -> Result<ExitCode> {
    let month = match &args.month {
        Some(m) => m.clone(),
        None => db.latest_period()?.context("the database holds no billing data yet: run `apportion sync PATH`")?,
    };
    let Some(explanation) = db.explain(&month, &args.resource)? else {
        bail!("no billing line of {month} names resource {}", for_terminal(&args.resource));
    };
    write_explanation(&explanation, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
