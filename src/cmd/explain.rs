//! `explain RESOURCE_ID|AREA`: the provenance of one resource's dollars, or
//! of one product area's (direct, followed, received and given by splits).

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::ExplainArgs;
use crate::db::Db;
use crate::report::{month_or_latest, write_area_explanation, write_explanation};
use crate::safe_text::for_terminal;

pub fn run(db: &Db, args: &ExplainArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    if let Some(explanation) = db.explain(&month, &args.resource)? {
        write_explanation(&explanation, &mut std::io::stdout().lock())?;
    } else if let Some(area) = db.explain_area(&month, &args.resource)? {
        write_area_explanation(&area, &mut std::io::stdout().lock())?;
    } else {
        bail!(
            "no billing line of {month} names resource {}, and no product area has that name",
            for_terminal(&args.resource)
        );
    }
    Ok(ExitCode::SUCCESS)
}
