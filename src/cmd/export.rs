//! `export`: a month as attributed, to a FOCUS (or plain CSV) file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{ExportArgs, ExportFormatArg, FocusVersionArg};
use crate::db::{Db, ExportFormat, FocusVersion};
use crate::report::{month_or_latest, usd};

pub fn run(db: &Db, args: &ExportArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    let version = match args.focus_version {
        FocusVersionArg::V1_2 => FocusVersion::V1_2,
        FocusVersionArg::V1_3 => FocusVersion::V1_3,
    };
    let (format, default_name) = match args.format {
        ExportFormatArg::Focus => (
            ExportFormat::Focus,
            format!("apportion-{month}.focus-{}.csv", version.name()),
        ),
        ExportFormatArg::Parquet => (
            ExportFormat::Parquet,
            format!("apportion-{month}.focus-{}.parquet", version.name()),
        ),
        ExportFormatArg::Csv => (ExportFormat::Csv, format!("apportion-{month}.csv")),
    };
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(default_name));
    let s = db
        .export_month(&month, format, version, &out)
        .with_context(|| format!("exporting {month} to {}", out.display()))?;
    let what = match format {
        ExportFormat::Csv => "CSV".to_owned(),
        _ => format!("FOCUS {}", version.name()),
    };
    writeln!(
        std::io::stdout().lock(),
        "{}: {month} as attributed by run {}, {what}: {} rows from {} billing lines; billed {}, effective {}; \
         each of {} areas sums to its attributed cost",
        crate::safe_text::for_terminal(&out.display().to_string()),
        s.run_id,
        s.rows,
        s.lines,
        usd(s.billed),
        usd(s.effective),
        s.areas
    )?;
    Ok(ExitCode::SUCCESS)
}
