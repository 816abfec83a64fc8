//! `lint-terraform` (exit 0 clean, 1 findings, 2 errors) and
//! `services import-terraform`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::attribute::RulesChoice;
use crate::cli::{ImportArgs, LintArgs, LintFormat};
use crate::db::Db;
use crate::rules::Rules;
use crate::safe_text::for_terminal;
use crate::terraform::lint::{AreaKey, Finding, Status};
use crate::terraform::{self, Graph, TfError, Tree};

fn load_or_report(dirs: &[PathBuf], var_files: &[PathBuf]) -> std::result::Result<Tree, ExitCode> {
    terraform::load(dirs, var_files).map_err(|e: TfError| {
        eprintln!("error: {}", for_terminal(&e.to_string()));
        ExitCode::from(2)
    })
}

/// Lint with the area key and its aliases from the rules file (`--rules`, else
/// the default one when it exists); `--tag-key` overrides the key.
pub fn lint(db_path: Option<&std::path::Path>, rules: &RulesChoice, args: &LintArgs) -> Result<ExitCode> {
    let rules = match &rules.given {
        Some(path) => Rules::load(path, true)?,
        None => Rules::load(&rules.default, false)?,
    };
    let tree = match load_or_report(&args.dirs, &args.var_files) {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let graph = Graph::build(&tree);
    let key = args.tag_key.as_deref().unwrap_or(&rules.tag_key);
    let area_key = AreaKey::new(key, &rules.tag_aliases, args.strict_key);
    let mut findings = terraform::lint::lint(&graph, &area_key);
    if let Some(path) = db_path {
        let db = Db::open(path).with_context(|| format!("opening database {}", path.display()))?;
        let names: Vec<String> = findings.iter().flat_map(|f| f.names.clone()).collect();
        let billed = db.billed_by_name(&names)?;
        for f in &mut findings {
            f.billed = Some(f.names.iter().filter_map(|n| billed.get(n).copied()).sum());
        }
        // The biggest untagged spend first.
        findings.sort_by_key(|f| std::cmp::Reverse(f.billed.unwrap_or_default()));
    }
    let failing = |f: &Finding| match f.status {
        Status::Missing | Status::Misspelled => true,
        Status::Unknown | Status::Unfollowed => args.strict,
        Status::Ignored => false,
    };
    let shown: Vec<&Finding> = findings
        .iter()
        .filter(|f| args.verbose || !matches!(f.status, Status::Ignored | Status::Unfollowed))
        .collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        LintFormat::Json => {
            let text = serde_json::to_string_pretty(&shown)?;
            writeln!(out, "{}", crate::safe_text::for_terminal_json(&text))?;
        }
        LintFormat::Text => {
            for f in &shown {
                writeln!(out, "{}", text_line(f))?;
            }
        }
    }
    Ok(if findings.iter().any(failing) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `file:line: [module.a › module.b › ]address[ (its file:line)]: status: message`
fn text_line(f: &Finding) -> String {
    let billed = f
        .billed
        .filter(|b| *b > crate::money::Money::ZERO)
        .map(|b| format!(" (${} billed)", b.dollars()))
        .unwrap_or_default();
    let what = if f.chain.is_empty() {
        f.resource.address.clone()
    } else {
        let calls: Vec<&str> = f.chain.iter().map(|s| s.call.as_str()).collect();
        format!(
            "{} › {} ({}:{})",
            calls.join(" › "),
            f.resource.address,
            f.resource.file.display(),
            f.resource.line
        )
    };
    format!(
        "{}:{}: {}: {}: {}{billed}",
        for_terminal(&f.file.display().to_string()),
        f.line,
        for_terminal(&what),
        f.status.word(),
        for_terminal(&f.message)
    )
}

pub fn import(db: &Db, rules: &crate::attribute::RulesChoice, args: &ImportArgs) -> Result<ExitCode> {
    let tree = match load_or_report(&args.dirs, &args.var_files) {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let declared = terraform::services::declared(&Graph::build(&tree));
    let entries: Vec<(String, String, String)> = declared
        .iter()
        .filter_map(|d| d.area.clone().map(|a| (d.service.clone(), a, d.source.clone())))
        .collect();
    db.replace_terraform_services(&entries)?;
    let mut out = std::io::stdout().lock();
    for d in &declared {
        match &d.area {
            Some(area) => writeln!(
                out,
                "{} → {}  ({})",
                for_terminal(&d.service),
                for_terminal(area),
                for_terminal(&d.source)
            )?,
            None => writeln!(
                out,
                "{}: no product_area  ({})",
                for_terminal(&d.service),
                for_terminal(&d.source)
            )?,
        }
    }
    let missing = declared.iter().filter(|d| d.area.is_none()).count();
    writeln!(
        out,
        "{} services mapped from Terraform, {missing} without a product_area",
        entries.len()
    )?;
    let after = "the map is saved, but attributing with it failed";
    let plan = crate::attribute::plan(db, rules, &Default::default()).context(after)?;
    let summary = super::attribute::attribute_with_progress(db, &plan, &crate::db::Scope::Changed).context(after)?;
    super::attribute::print_run(&plan, &summary, &mut out)?;
    Ok(if missing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
