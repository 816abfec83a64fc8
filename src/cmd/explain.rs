//! `explain RESOURCE_ID`: the provenance of one resource's dollars.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::ExplainArgs;
use crate::db::Db;
use crate::report::{month_or_latest, write_explanation};
use crate::safe_text::for_terminal;

pub fn run(db: &Db, args: &ExplainArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    let Some(explanation) = db.explain(&month, &args.resource)? else {
        bail!(
            "no billing line of {month} names resource {}",
            for_terminal(&args.resource)
        );
    };
    write_explanation(&explanation, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
