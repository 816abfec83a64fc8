//! `runs`, `finalize` and `services list`: what attribution has recorded.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::db::Db;
use crate::safe_text::for_terminal;

pub fn runs(db: &Db) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let finalized = db.finalized_months()?;
    writeln!(
        out,
        "{:>5}  {:<19}  {:<8}  {:<14}  {:<14}  {:>5}  months attributed",
        "run", "started", "idle", "weight", "tag key", "rules"
    )?;
    for r in db.runs()? {
        writeln!(
            out,
            "{:>5}  {:<19}  {:<8}  {:<14}  {:<14}  {:>5}  {}",
            r.run_id,
            r.started_at,
            r.idle,
            r.weight,
            for_terminal(&r.tag_key),
            r.rule_count,
            r.periods.join(" ")
        )?;
        let rules = match (r.rules_path.as_str(), r.rules_hash.as_str()) {
            ("", _) => "no rules file".to_owned(),
            (path, "") => format!("{} (absent: no rules)", for_terminal(path)),
            (path, hash) => format!("{} (content {})", for_terminal(path), &hash[..hash.len().min(12)]),
        };
        writeln!(
            out,
            "       rules: {rules}; ECS split: ecs_source {}",
            for_terminal(&r.ecs_source)
        )?;
        if let Some(warehouse) = &r.warehouse {
            writeln!(
                out,
                "       attributed on {}, results in {}",
                for_terminal(&r.engine),
                for_terminal(warehouse)
            )?;
        }
        if let Some(change) = &r.change {
            writeln!(out, "       {}", for_terminal(change))?;
        }
    }
    for (month, run, reason) in finalized {
        writeln!(out, "finalized {month}: run {run} ({reason})")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn finalize(db: &Db, month: &str) -> Result<ExitCode> {
    match db.finalize(month, "manual")? {
        Some(run) => {
            writeln!(std::io::stdout(), "finalized {month} from attribution run {run}")?;
            Ok(ExitCode::SUCCESS)
        }
        None => bail!("no attribution run covers {month}; sync it first"),
    }
}

pub fn services(db: &Db) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let entries = db.service_map()?;
    if entries.is_empty() {
        writeln!(out, "no service map yet: sync a CSV with header service,product_area")?;
    }
    for e in entries {
        let cluster = e
            .cluster
            .map(|c| format!(" (cluster {})", for_terminal(&c)))
            .unwrap_or_default();
        let cluster = match e.namespace {
            Some(ns) => format!("{cluster} (namespace {})", for_terminal(&ns)),
            None => cluster,
        };
        writeln!(
            out,
            "{}{cluster} → {}  from {}",
            for_terminal(&e.service),
            for_terminal(&e.area),
            for_terminal(&e.source)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
