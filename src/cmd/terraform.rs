//! `lint-terraform` (exit 0 clean, 1 findings, 2 errors) and
//! `services import-terraform`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{LintArgs, LintFormat};
use crate::db::Db;
use crate::safe_text::for_terminal;
use crate::terraform::lint::Status;
use crate::terraform::{self, TfError};

fn load_or_report(dir: &Path) -> std::result::Result<Vec<terraform::Module>, ExitCode> {
    terraform::load(dir).map_err(|e: TfError| {
        eprintln!("error: {}", for_terminal(&e.to_string()));
        ExitCode::from(2)
    })
}

pub fn lint(db_path: Option<&Path>, args: &LintArgs) -> Result<ExitCode> {
    let modules = match load_or_report(&args.dir) {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    let mut findings = terraform::lint::lint(&modules, &args.tag_key);
    if let Some(path) = db_path {
        let db = Db::open(path).with_context(|| format!("opening database {}", path.display()))?;
        let names: Vec<String> = findings.iter().flat_map(|f| f.names.clone()).collect();
        let billed = db.billed_by_name(&names)?;
        for f in &mut findings {
            f.billed = Some(f.names.iter().filter_map(|n| billed.get(n)).sum());
        }
        // The biggest untagged spend first.
        findings.sort_by(|a, b| b.billed.unwrap_or(0.0).total_cmp(&a.billed.unwrap_or(0.0)));
    }
    let failing = |f: &&terraform::lint::Finding| f.status == Status::Missing || (args.strict && f.status == Status::Unknown);
    let shown: Vec<&terraform::lint::Finding> =
        findings.iter().filter(|f| args.verbose || f.status != Status::Ignored).collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        LintFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &shown)?;
            writeln!(out)?;
        }
        LintFormat::Text => {
            for f in &shown {
                let billed = f.billed.filter(|b| *b > 0.0).map(|b| format!(" (${b:.2} billed)")).unwrap_or_default();
                let status = match f.status {
                    Status::Missing => "missing",
                    Status::Unknown => "unknown",
                    Status::Ignored => "ignored",
                };
                writeln!(
                    out,
                    "{}:{}: {}: {status}: {}{billed}",
                    for_terminal(&f.file.display().to_string()),
                    f.line,
                    for_terminal(&f.address),
                    for_terminal(&f.message)
                )?;
            }
        }
    }
    Ok(if findings.iter().any(|f| failing(&f)) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub fn import(db: &Db, rules: &super::RulesPath, dir: &Path) -> Result<ExitCode> {
    let modules = match load_or_report(dir) {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    let declared = terraform::services::declared(&modules);
    let entries: Vec<(String, String, String)> = declared
        .iter()
        .filter_map(|d| d.area.clone().map(|a| (d.service.clone(), a, d.source.clone())))
        .collect();
    db.replace_terraform_services(&entries)?;
    let mut out = std::io::stdout().lock();
    for d in &declared {
        match &d.area {
            Some(area) => writeln!(out, "{} → {}  ({})", for_terminal(&d.service), for_terminal(area), for_terminal(&d.source))?,
            None => writeln!(out, "{}: no product_area  ({})", for_terminal(&d.service), for_terminal(&d.source))?,
        }
    }
    let missing = declared.iter().filter(|d| d.area.is_none()).count();
    writeln!(out, "{} services mapped from Terraform, {missing} without a product_area", entries.len())?;
    let summary = crate::attribute::run(db, &rules.path, rules.explicit, &Default::default())
        .context("the map is saved, but attributing with it failed")?;
    super::attribute::print_run(&summary, &mut out)?;
    Ok(if missing > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
