//! `rules.toml`: the cost allocation tag key, attribution defaults, and the
//! ordered rules that give untagged lines a product area. Validated whole:
//! an invalid file names the rule and field, and nothing is attributed with it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// How idle instance capacity is treated by the ECS split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Idle {
    #[default]
    Spread,
    Separate,
}

impl Idle {
    pub fn parse(text: &str) -> Option<Idle> {
        match text {
            "spread" => Some(Idle::Spread),
            "separate" => Some(Idle::Separate),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Idle::Spread => "spread",
            Idle::Separate => "separate",
        }
    }
}

/// Which ECS split wins where an instance-hour has both task events and AWS
/// split cost allocation data (SCAD) rows: `auto` takes the events where they
/// cover it and SCAD elsewhere, `events` never uses SCAD, `scad` takes SCAD
/// where it has rows and the events elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EcsSource {
    #[default]
    Auto,
    Events,
    Scad,
}

impl EcsSource {
    pub fn parse(text: &str) -> Option<EcsSource> {
        match text {
            "auto" => Some(EcsSource::Auto),
            "events" => Some(EcsSource::Events),
            "scad" => Some(EcsSource::Scad),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EcsSource::Auto => "auto",
            EcsSource::Events => "events",
            EcsSource::Scad => "scad",
        }
    }
}

/// Resource weighting of the ECS split: CPU, memory, or both at `cpu_ratio`:1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Weight {
    #[default]
    Cpu,
    Memory,
    CpuMemory {
        cpu_ratio: f64,
    },
}

impl Weight {
    /// `cpu`, `memory`, `cpu+memory` (9:1) or `cpu+memory:R`.
    pub fn parse(text: &str) -> Option<Weight> {
        match text {
            "cpu" => Some(Weight::Cpu),
            "memory" => Some(Weight::Memory),
            "cpu+memory" => Some(Weight::CpuMemory { cpu_ratio: 9.0 }),
            _ => {
                let ratio: f64 = text.strip_prefix("cpu+memory:")?.parse().ok()?;
                (ratio.is_finite() && ratio >= 0.0).then_some(Weight::CpuMemory { cpu_ratio: ratio })
            }
        }
    }

    pub fn name(self) -> String {
        match self {
            Weight::Cpu => "cpu".to_owned(),
            Weight::Memory => "memory".to_owned(),
            Weight::CpuMemory { cpu_ratio } => format!("cpu+memory:{cpu_ratio}"),
        }
    }
}

/// One rule: every given field must match (globs with `*` and `?`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    /// 1-based position in the file, as `rule:<n>` in provenance.
    pub number: usize,
    pub area: Option<String>,
    pub area_from_tag: Option<String>,
    pub product: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub resource: Option<String>,
    pub line_item_type: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    pub tag_key: String,
    pub idle: Idle,
    pub weight: Weight,
    pub ecs_source: EcsSource,
    pub rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read rules file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("rules file {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    tag_key: Option<String>,
    idle: Option<String>,
    weight: Option<String>,
    ecs_source: Option<String>,
    #[serde(default)]
    rule: Vec<toml::Table>,
}

const MATCH_FIELDS: [&str; 8] = [
    "product",
    "usage_type",
    "operation",
    "account",
    "region",
    "resource",
    "line_item_type",
    "tags",
];

impl Rules {
    /// Defaults when there is no rules file: tag `product_area`, spread, cpu, no rules.
    pub fn defaults() -> Rules {
        Rules {
            tag_key: "product_area".to_owned(),
            ..Rules::default()
        }
    }

    /// Load `path`; a missing file at the default location means defaults.
    pub fn load(path: &Path, must_exist: bool) -> Result<Rules, RulesError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Rules::parse(&text, &shown),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(Rules::defaults()),
            Err(source) => Err(RulesError::Read { path: shown, source }),
        }
    }

    pub fn parse(text: &str, shown: &str) -> Result<Rules, RulesError> {
        let invalid = |message: String| RulesError::Invalid {
            path: shown.to_owned(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| invalid(syntax_error(text, e.message(), e.span())))?;
        let idle = match raw.idle.as_deref() {
            None => Idle::Spread,
            Some(t) => {
                Idle::parse(t).ok_or_else(|| invalid(format!("idle = {t:?}: expected \"spread\" or \"separate\"")))?
            }
        };
        let weight = match raw.weight.as_deref() {
            None => Weight::Cpu,
            Some(t) => Weight::parse(t)
                .ok_or_else(|| invalid(format!("weight = {t:?}: expected cpu, memory or cpu+memory[:R]")))?,
        };
        let ecs_source = match raw.ecs_source.as_deref() {
            None => EcsSource::Auto,
            Some(t) => EcsSource::parse(t)
                .ok_or_else(|| invalid(format!("ecs_source = {t:?}: expected \"auto\", \"events\" or \"scad\"")))?,
        };
        let tag_key = raw.tag_key.unwrap_or_else(|| "product_area".to_owned());
        if tag_key.trim().is_empty() {
            return Err(invalid("tag_key is empty".to_owned()));
        }
        let rules = raw
            .rule
            .iter()
            .enumerate()
            .map(|(i, table)| parse_rule(i + 1, table).map_err(|m| invalid(format!("rule {}: {m}", i + 1))))
            .collect::<Result<_, _>>()?;
        Ok(Rules {
            tag_key,
            idle,
            weight,
            ecs_source,
            rules,
        })
    }
}

/// A TOML error as `line L, column C: message` with a short excerpt of the
/// line: a broken 100,000-character line must not print the whole line.
fn syntax_error(text: &str, message: &str, span: Option<std::ops::Range<usize>>) -> String {
    const CONTEXT: usize = 40;
    let message = message.trim();
    let Some(at) = span.map(|s| s.start.min(text.len())) else {
        return message.to_owned();
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line_no = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let line = &text[line_start..line_end];
    let offset = at - line_start;
    let from = floor_char_boundary(line, offset.saturating_sub(CONTEXT));
    let to = floor_char_boundary(line, (offset + CONTEXT).min(line.len()));
    let excerpt = format!(
        "{}{}{}",
        if from > 0 { "…" } else { "" },
        &line[from..to],
        if to < line.len() { "…" } else { "" }
    );
    format!("line {line_no}, column {column}: {message}\n    {}", excerpt.trim_end())
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn parse_rule(number: usize, table: &toml::Table) -> Result<Rule, String> {
    let mut rule = Rule {
        number,
        ..Rule::default()
    };
    for (field, value) in table {
        let text = || match value {
            toml::Value::String(s) if !s.is_empty() => Ok(s.clone()),
            toml::Value::String(_) => Err(format!("field `{field}` is empty")),
            _ => Err(format!("field `{field}` must be a string")),
        };
        match field.as_str() {
            "area" => rule.area = Some(text()?),
            "area_from_tag" => rule.area_from_tag = Some(text()?),
            "product" => rule.product = Some(text()?),
            "usage_type" => rule.usage_type = Some(text()?),
            "operation" => rule.operation = Some(text()?),
            "account" => rule.account = Some(text()?),
            "region" => rule.region = Some(text()?),
            "resource" => rule.resource = Some(text()?),
            "line_item_type" => rule.line_item_type = Some(text()?),
            "tags" => {
                let toml::Value::Table(tags) = value else {
                    return Err("field `tags` must be a table like { team = \"data-*\" }".to_owned());
                };
                for (k, v) in tags {
                    let toml::Value::String(glob) = v else {
                        return Err(format!("field `tags.{k}` must be a string"));
                    };
                    rule.tags.insert(k.clone(), glob.clone());
                }
            }
            other => {
                return Err(format!(
                    "unknown field `{other}`; a rule has `area` or `area_from_tag` and match fields {}",
                    MATCH_FIELDS.join(", ")
                ));
            }
        }
    }
    match (&rule.area, &rule.area_from_tag) {
        (Some(_), Some(_)) => Err("has both `area` and `area_from_tag`; give one".to_owned()),
        (None, None) => Err("has neither `area` nor `area_from_tag`".to_owned()),
        _ => Ok(rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_example_parses() {
        let rules = Rules::parse(
            r#"
tag_key = "product_area"
idle = "separate"
weight = "cpu+memory:4"
ecs_source = "scad"

[[rule]]
area = "platform"
product = "AWS Support*"

[[rule]]
area = "data-analysis"
resource = "arn:aws:s3:::tasks-to-redshift-*"
account = "222222222222"

[[rule]]
area_from_tag = "team"
tags = { env = "prod*" }
"#,
            "rules.toml",
        )
        .unwrap();
        assert_eq!(rules.idle, Idle::Separate);
        assert_eq!(rules.weight, Weight::CpuMemory { cpu_ratio: 4.0 });
        assert_eq!(rules.ecs_source, EcsSource::Scad);
        assert_eq!(Rules::parse("", "r").unwrap().ecs_source, EcsSource::Auto);
        assert_eq!(rules.rules.len(), 3);
        assert_eq!(rules.rules[1].account.as_deref(), Some("222222222222"));
        assert_eq!(rules.rules[2].tags.get("env").map(String::as_str), Some("prod*"));
    }

    #[test]
    fn errors_name_the_rule_and_field() {
        let err = Rules::parse(
            "[[rule]]\narea = \"a\"\n\n[[rule]]\narea = \"b\"\nprodcut = \"x\"\n",
            "r.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("rule 2: unknown field `prodcut`"), "{err}");
        let err = Rules::parse("[[rule]]\nproduct = \"x\"\n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("rule 1: has neither"), "{err}");
        let err = Rules::parse("[[rule]]\narea = 3\n", "r.toml").unwrap_err();
        assert!(
            err.to_string().contains("rule 1: field `area` must be a string"),
            "{err}"
        );
        let err = Rules::parse("idle = \"sometimes\"\n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("idle"), "{err}");
        let err = Rules::parse("ecs_source = \"aws\"\n", "r.toml").unwrap_err();
        assert!(
            err.to_string()
                .contains("ecs_source = \"aws\": expected \"auto\", \"events\" or \"scad\""),
            "{err}"
        );
    }

    #[test]
    fn weights_parse() {
        assert_eq!(Weight::parse("cpu+memory"), Some(Weight::CpuMemory { cpu_ratio: 9.0 }));
        assert_eq!(Weight::parse("memory"), Some(Weight::Memory));
        assert_eq!(Weight::parse("cpu+memory:x"), None);
    }
}

/// Append `[[rule]] area = …, <field> = <value>` to the rules file at `path`
/// (created if missing), keeping its comments and formatting. Returns the new
/// rule's number.
pub fn append_rule(path: &Path, area: &str, field: &str, value: &str) -> Result<usize, RulesError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(RulesError::Read { path: shown, source }),
    };
    // Refuse to extend a file that is already invalid: nothing half-read.
    Rules::parse(&text, &shown)?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| RulesError::Invalid {
        path: shown.clone(),
        message: syntax_error(&text, e.message(), e.span()),
    })?;
    let rules = doc
        .entry("rule")
        .or_insert(toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| RulesError::Invalid {
            path: shown.clone(),
            message: "`rule` is not an array of tables".to_owned(),
        })?;
    let mut table = toml_edit::Table::new();
    table.insert("area", toml_edit::value(area));
    table.insert(field, toml_edit::value(value));
    table
        .decor_mut()
        .set_prefix("\n# added by the apportion tagging view\n");
    rules.push(table);
    let number = rules.len();
    write_atomically(path, &doc.to_string()).map_err(|source| RulesError::Read { path: shown, source })?;
    Ok(number)
}

/// Remove the last rule of the file (the undo of `append_rule`).
pub fn remove_last_rule(path: &Path) -> Result<(), RulesError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| RulesError::Invalid {
        path: shown.clone(),
        message: syntax_error(&text, e.message(), e.span()),
    })?;
    if let Some(rules) = doc.get_mut("rule").and_then(|r| r.as_array_of_tables_mut())
        && !rules.is_empty()
    {
        rules.remove(rules.len() - 1);
        if rules.is_empty() {
            doc.remove("rule");
        }
    }
    write_atomically(path, &doc.to_string()).map_err(|source| RulesError::Read { path: shown, source })
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("toml.tmp");
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn appending_keeps_comments_and_undo_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        let original = "# our rules\ntag_key = \"product_area\"\n\n[[rule]]\narea = \"platform\" # support\nproduct = \"AWS Support*\"\n";
        std::fs::write(&path, original).unwrap();
        assert_eq!(append_rule(&path, "search", "resource", "search-bucket").unwrap(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(original), "{text}");
        let rules = Rules::parse(&text, "r").unwrap();
        assert_eq!(rules.rules[1].area.as_deref(), Some("search"));
        assert_eq!(rules.rules[1].resource.as_deref(), Some("search-bucket"));
        remove_last_rule(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim_end(), original.trim_end());
        // A missing file is created.
        let fresh = dir.path().join("new/rules.toml");
        assert_eq!(append_rule(&fresh, "data", "product", "Amazon Redshift").unwrap(), 1);
        assert_eq!(Rules::load(&fresh, true).unwrap().rules.len(), 1);
    }
}
