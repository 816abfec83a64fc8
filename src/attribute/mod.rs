//! Attribution: which rules and settings a run uses, and running it.
//!
//! The steps, all set-based SQL in `db/sql/attribute.sql`, one billing period
//! at a time: 1. EBS merge (the attached fraction of a volume line becomes
//! part of its instance), 2. ECS split (an instance piece is divided among
//! the services whose tasks ran on it, by CPU-seconds or the chosen weight),
//! 3. tag, 4. rules (first match wins), 5. `(unallocated)`. Where the export
//! carries AWS split cost allocation data, its per-task rows split an instance
//! too (method `scad`), by `ecs_source`. A month is attributed again only when
//! its inputs changed.
//!
//! A database remembers the rules file and the flag-given settings it was
//! last attributed with, so a command without `--rules` never silently
//! attributes with other rules.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::db::{AttributionInput, Db, LastRun, MonthProgress, RunSummary, Scope};
use crate::rules::{self, Idle, Rules, Weight};

/// Flags of `attribute` that override rules.toml; remembered by the database.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub idle: Option<Idle>,
    pub weight: Option<Weight>,
    pub tag_key: Option<String>,
}

/// Where rules come from: `--rules`/`APPORTION_RULES` if given, else the file
/// the database remembers, else `default` (a new database).
#[derive(Debug, Clone)]
pub struct RulesChoice {
    pub given: Option<PathBuf>,
    pub default: PathBuf,
}

/// The rules and settings a run will use, and what changed since the last one.
#[derive(Debug, Clone)]
pub struct Plan {
    pub input: AttributionInput,
    /// The rules file (it may not exist: then there are no rules).
    pub rules_path: PathBuf,
    /// One line for the user when the rules differ from the last run's.
    pub note: Option<String>,
}

/// Choose the rules: `given` (`--rules`/`APPORTION_RULES`), else the file the
/// database was last attributed with, else `default` (a new database). A
/// remembered file that is gone is an error: attributing without it would
/// silently drop the team's rules.
pub fn plan(db: &Db, choice: &RulesChoice, overrides: &Overrides) -> Result<Plan> {
    let (given, default) = (choice.given.as_deref(), choice.default.as_path());
    let last = db.last_run()?;
    let remembered = last
        .as_ref()
        .filter(|l| !l.rules_path.is_empty())
        .map(|l| PathBuf::from(&l.rules_path));
    let (path, must_exist) = match (given, &remembered) {
        (Some(p), _) => (absolute(p), true),
        (None, Some(p)) => {
            let existed = last.as_ref().is_some_and(|l| !l.rules_hash.is_empty());
            if existed && !p.exists() {
                bail!(
                    "the rules file this database was attributed with, {}, is gone; \
                     put it back, or choose another with --rules FILE (or APPORTION_RULES)",
                    p.display()
                );
            }
            (p.clone(), existed)
        }
        (None, None) => (absolute(default), false),
    };
    let rules = Rules::load(&path, must_exist)?;
    refuse_unknown_targets(db, &rules, &path)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading rules file {}", path.display())),
    };
    let hash = if path.exists() {
        content_hash(&text)
    } else {
        String::new()
    };
    // Flags given now win; else the flags of the last run.
    let remembered_flags = last.as_ref().map(LastRun::overrides).transpose()?.unwrap_or_default();
    let overrides = Overrides {
        idle: overrides.idle.or(remembered_flags.idle),
        weight: overrides.weight.or(remembered_flags.weight),
        tag_key: overrides.tag_key.clone().or(remembered_flags.tag_key),
    };
    let note = last.as_ref().and_then(|l| {
        let shown = path.display();
        if !l.rules_path.is_empty() && Path::new(&l.rules_path) != path {
            Some(format!(
                "rules: was {}, now {shown}; re-attributing every month",
                l.rules_path
            ))
        } else if l.rules_hash != hash {
            let name = path
                .file_name()
                .map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
            Some(format!("{name} changed: re-attributing every month"))
        } else {
            None
        }
    });
    let mut input = input_for(&rules, &text, &overrides);
    input.rules_path = path.to_string_lossy().into_owned();
    input.rules_hash = hash;
    Ok(Plan {
        input,
        rules_path: path,
        note,
    })
}

/// Attribute the months `scope` names (or whose inputs changed), then freeze
/// months whose invoice AWS has issued.
pub fn run(db: &Db, plan: &Plan, scope: &Scope, progress: &mut dyn MonthProgress) -> Result<RunSummary> {
    run_first(db, plan, scope, None, progress)
}

/// [`run`], the month `first` (the one on screen) before the others.
pub fn run_first(
    db: &Db,
    plan: &Plan,
    scope: &Scope,
    first: Option<&str>,
    progress: &mut dyn MonthProgress,
) -> Result<RunSummary> {
    let summary = db
        .attribute_first(&plan.input, scope, first, progress)
        .context("attribution failed; the months not yet attributed keep their previous attribution")?;
    for month in db.months_closed_by_invoice()? {
        db.finalize(&month, "invoice")?;
    }
    Ok(summary)
}

/// Assign `area` to the lines whose `field` is `value`: a rule appended to the
/// rules file the database remembers, then the months brought up to date,
/// `first` (the month on screen) first. A rule appended at the end moves only
/// the money it claims (see [`Db::attribute_first`]). Returns a line saying
/// what was done and where.
pub fn assign(
    db: &Db,
    choice: &RulesChoice,
    rule: &rules::NewRule,
    first: Option<&str>,
    progress: &mut dyn MonthProgress,
) -> Result<String> {
    let path = plan(db, choice, &Overrides::default())?.rules_path;
    let number = rules::append_rule(&path, rule)?;
    // A rule the months could not take is taken back out of the file.
    let summary = plan(db, choice, &Overrides::default())
        .and_then(|plan| run_first(db, &plan, &Scope::Changed, first, progress))
        .or_else(|e| {
            rules::remove_last_rule(&path)?;
            Err(e.context(format!("rule {number} was not added to {}", path.display())))
        })?;
    Ok(format!(
        "rule {number} added to {}: {}{}",
        path.display(),
        rule.describe(),
        summary.change.map(|c| format!("; {c}")).unwrap_or_default()
    ))
}

/// Remove the last rule of the remembered rules file and bring the months up
/// to date, `first` first: what that rule claimed goes back where it was.
pub fn undo_assign(
    db: &Db,
    choice: &RulesChoice,
    first: Option<&str>,
    progress: &mut dyn MonthProgress,
) -> Result<String> {
    let path = plan(db, choice, &Overrides::default())?.rules_path;
    rules::remove_last_rule(&path)?;
    let plan = plan(db, choice, &Overrides::default())?;
    let summary = run_first(db, &plan, &Scope::Changed, first, progress)?;
    Ok(format!(
        "removed the last rule of {}{}",
        path.display(),
        summary.change.map(|c| format!("; {c}")).unwrap_or_default()
    ))
}

/// Attribute every month with these rules, outside any remembered choice
/// (tests and benchmarks that hold rules in memory).
pub fn run_rules(db: &Db, rules: &Rules, rules_text: &str, overrides: &Overrides) -> Result<RunSummary> {
    let input = input_for(rules, rules_text, overrides);
    let plan = Plan {
        input,
        rules_path: PathBuf::new(),
        note: None,
    };
    run(db, &plan, &Scope::All, &mut ())
}

/// When a read-only command meets a database whose rules file is gone: a
/// warning for the user (the numbers shown are still those attributed).
pub fn missing_rules_warning(db: &Db) -> Result<Option<String>> {
    Ok(db.last_run()?.and_then(|l| {
        (!l.rules_hash.is_empty() && !l.rules_path.is_empty() && !Path::new(&l.rules_path).exists()).then(|| {
            format!(
                "note: the rules file this database was attributed with, {}, is missing; the next sync or attribute needs it (or --rules FILE)",
                l.rules_path
            )
        })
    }))
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
        idle,
        weight_name: weight.name(),
        ecs_source: rules.ecs_source.name().to_owned(),
        cpu_weight,
        memory_weight,
        rules_text: rules_text.to_owned(),
        rules: rules.rules.clone(),
        splits: rules.splits.clone(),
        tag_aliases: rules.tag_aliases.clone(),
        area_from_column: rules.area_from_column.clone(),
        rules_path: String::new(),
        rules_hash: String::new(),
        idle_flag: overrides.idle.map(|i| i.name().to_owned()),
        weight_flag: overrides.weight.map(Weight::name),
        tag_key_flag: overrides.tag_key.clone(),
    }
}

/// A split target must be an area the bill knows: one a rule or split
/// names, a pseudo-area, or one the database has seen (attributed, mapped,
/// or a tag value). A typo would otherwise make a split quietly go nowhere.
fn refuse_unknown_targets(db: &Db, rules: &Rules, path: &Path) -> Result<()> {
    let named: std::collections::BTreeSet<&str> = rules
        .rules
        .iter()
        .filter_map(|r| r.area.as_deref())
        .chain(rules.splits.iter().map(|s| s.from.as_str()))
        .chain(rules::PSEUDO_AREAS)
        .collect();
    for (area, place) in rules.split_targets() {
        if named.contains(area.as_str()) || db.knows_area(&area)? {
            continue;
        }
        bail!(
            "rules file {}: {place}: target {area:?} is no area of this bill (no tag, rule, service map \
             entry or attribution names it)",
            path.display()
        );
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn content_hash(text: &str) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

impl LastRun {
    /// The settings the last run was given as flags.
    fn overrides(&self) -> Result<Overrides> {
        Ok(Overrides {
            idle: self.idle_flag.as_deref().and_then(Idle::parse),
            weight: self.weight_flag.as_deref().and_then(Weight::parse),
            tag_key: self.tag_key_flag.clone(),
        })
    }
}
