//! Attribution settings: rules.toml defaults, overridden by command-line
//! flags, turned into the input of the SQL batch in `db`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::db::{AttributionInput, Db, RunSummary};
use crate::rules::{Idle, Rules, Weight};

/// Flags of `attribute` that override rules.toml for one run.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub idle: Option<Idle>,
    pub weight: Option<Weight>,
    pub tag_key: Option<String>,
}

/// Load the rules (a missing file at the default path means defaults) and run.
pub fn run(db: &Db, rules_path: &Path, explicit: bool, overrides: &Overrides) -> Result<RunSummary> {
    let rules = Rules::load(rules_path, explicit)?;
    let text = std::fs::read_to_string(rules_path).unwrap_or_default();
    run_rules(db, &rules, &text, overrides)
}

pub fn run_rules(db: &Db, rules: &Rules, rules_text: &str, overrides: &Overrides) -> Result<RunSummary> {
    let input = input_for(rules, rules_text, overrides);
    let summary = db.attribute(&input).context("attribution failed; the previous attribution is kept")?;
    // A month whose invoice AWS has issued is closed: freeze it once.
    for month in db.months_closed_by_invoice()? {
        db.finalize(&month, "invoice")?;
    }
    Ok(summary)
}

pub fn input_for(rules: &Rules, rules_text: &str, overrides: &Overrides) -> AttributionInput {
    let idle = overrides.idle.unwrap_or(rules.idle);
    let weight = overrides.weight.unwrap_or(rules.weight);
    let (cpu_weight, memory_weight) = match weight {
        Weight::Cpu => (1.0, 0.0),
        Weight::Memory => (0.0, 1.0),
        Weight::CpuMemory { cpu_ratio } => (cpu_ratio / (cpu_ratio + 1.0), 1.0 / (cpu_ratio + 1.0)),
    };
    AttributionInput {
        tag_key: overrides.tag_key.clone().unwrap_or_else(|| rules.tag_key.clone()),
        idle: idle.name().to_owned(),
        weight_name: weight.name(),
        cpu_weight,
        memory_weight,
        rules_text: rules_text.to_owned(),
        rules: rules.rules.clone(),
    }
}
