//! The vocabulary of `rules.toml`: the cost allocation tag key, attribution
//! defaults, the matchers that narrow lines, and the ordered rules that give
//! untagged lines a product area. Below every layer that uses it: `db` stages
//! it, `attribute` runs it, `report` prints it. Validated whole: an invalid
//! file names the rule and field, and nothing is attributed with it.

mod change;
mod edit;
mod split;
mod tag_aliases;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

pub use change::{RuleChange, rule_change};
pub use edit::{NewRule, append_rule, glob_literal, remove_last_rule};
pub use split::{PSEUDO_AREAS, Split, SplitBy};
pub use tag_aliases::{TagAliases, tag_key_letters};

/// A field that narrows which lines a rule applies to: its name in
/// rules.toml (and in `explain`'s rule text), and the columns of a line's
/// signature its glob is tried on (any of them may match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matcher {
    pub key: &'static str,
    pub columns: &'static [&'static str],
}

/// Every matcher a rule may use besides `tags`. This table is the one
/// definition: parsing, the staged rule table, the SQL match condition and
/// the rule text of `explain` all read it. The columns are those of
/// attribution's line signature (`a_sig` in `db/sql/attribute.sql`).
pub const MATCHERS: [Matcher; 7] = [
    Matcher {
        key: "product",
        columns: &["product", "product_code"],
    },
    Matcher {
        key: "usage_type",
        columns: &["usage_type"],
    },
    Matcher {
        key: "operation",
        columns: &["operation"],
    },
    Matcher {
        key: "account",
        columns: &["account"],
    },
    Matcher {
        key: "region",
        columns: &["region"],
    },
    Matcher {
        key: "resource",
        columns: &["resource", "resource_short"],
    },
    Matcher {
        key: "line_item_type",
        columns: &["line_type"],
    },
];

/// Which lines a rule applies to: globs by matcher key, and globs on tag
/// values (`tags = { team = "data-*" }`). Every one given must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineFilter {
    pub globs: BTreeMap<&'static str, String>,
    pub tags: BTreeMap<String, String>,
}

impl LineFilter {
    /// The glob given for `matcher`, if any.
    pub fn glob(&self, matcher: &Matcher) -> Option<&str> {
        self.globs.get(matcher.key).map(String::as_str)
    }

    /// `key = "glob"` pairs in the file's vocabulary, matchers first, for
    /// people reading what a rule does.
    pub fn describe(&self) -> Vec<String> {
        let mut parts: Vec<String> = MATCHERS
            .iter()
            .filter_map(|m| self.glob(m).map(|g| format!("{} = {g:?}", m.key)))
            .collect();
        parts.extend(self.tags.iter().map(|(k, v)| format!("tags.{k} = {v:?}")));
        parts
    }

    /// Take `field` into the filter if it is a matcher or `tags`; `Ok(false)`
    /// when the field is something else.
    fn take(&mut self, field: &str, value: &toml::Value) -> Result<bool, String> {
        if field == "tags" {
            let toml::Value::Table(tags) = value else {
                return Err("field `tags` must be a table like { team = \"data-*\" }".to_owned());
            };
            for (k, v) in tags {
                let toml::Value::String(glob) = v else {
                    return Err(format!("field `tags.{k}` must be a string"));
                };
                self.tags.insert(k.clone(), glob.clone());
            }
            return Ok(true);
        }
        let Some(matcher) = MATCHERS.iter().find(|m| m.key == field) else {
            return Ok(false);
        };
        self.globs.insert(matcher.key, non_empty_string(field, value)?);
        Ok(true)
    }
}

/// The names a rule's match fields go by, for error messages.
fn match_field_names() -> String {
    let mut names: Vec<&str> = MATCHERS.iter().map(|m| m.key).collect();
    names.push("tags");
    names.join(", ")
}

fn non_empty_string(field: &str, value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) if !s.is_empty() => Ok(s.clone()),
        toml::Value::String(_) => Err(format!("field `{field}` is empty")),
        _ => Err(format!("field `{field}` must be a string")),
    }
}

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
    pub filter: LineFilter,
}

impl Rule {
    /// What the rule says, in the file's own words (`area = "x", product = "y"`).
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(area) = &self.area {
            parts.push(format!("area = {area:?}"));
        }
        if let Some(tag) = &self.area_from_tag {
            parts.push(format!("area_from_tag = {tag:?}"));
        }
        parts.extend(self.filter.describe());
        parts.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    pub tag_key: String,
    pub idle: Idle,
    pub weight: Weight,
    pub ecs_source: EcsSource,
    pub rules: Vec<Rule>,
    pub splits: Vec<Split>,
    pub tag_aliases: TagAliases,
    /// A FOCUS `x_` column whose value, where a line has one, is its area
    /// before its tag: `x_ProductArea` of an exported bill.
    pub area_from_column: Option<String>,
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
    area_from_column: Option<String>,
    #[serde(default)]
    rule: Vec<toml::Table>,
    #[serde(default)]
    split: Vec<toml::Table>,
    #[serde(default)]
    tag_aliases: BTreeMap<String, toml::Value>,
}

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
        let rule_lines = header_lines(text, "rule");
        let at = |lines: &[usize], i: usize| lines.get(i).map_or(String::new(), |l| format!("line {l}: "));
        let rules = raw
            .rule
            .iter()
            .enumerate()
            .map(|(i, table)| {
                parse_rule(i + 1, table).map_err(|m| invalid(format!("{}rule {}: {m}", at(&rule_lines, i), i + 1)))
            })
            .collect::<Result<_, _>>()?;
        let split_lines = header_lines(text, "split");
        let splits: Vec<Split> = raw
            .split
            .iter()
            .enumerate()
            .map(|(i, table)| {
                let mut split = split::parse_split(i + 1, table)
                    .map_err(|m| invalid(format!("{}split {}: {m}", at(&split_lines, i), i + 1)))?;
                split.line = split_lines.get(i).copied().unwrap_or(0);
                Ok(split)
            })
            .collect::<Result<_, _>>()?;
        split::check_cycles(&splits)
            .map_err(|(i, m)| invalid(format!("{}split {}: {m}", at(&split_lines, i), i + 1)))?;
        let tag_aliases = TagAliases::parse(&raw.tag_aliases).map_err(|m| invalid(format!("[tag_aliases]: {m}")))?;
        if let Some(column) = &raw.area_from_column
            && !(column.starts_with("x_") && column.len() > 2)
        {
            return Err(invalid(format!(
                "area_from_column = {column:?}: expected a FOCUS extension column, x_…; for a tag, use tag_key"
            )));
        }
        Ok(Rules {
            tag_key,
            idle,
            weight,
            ecs_source,
            rules,
            splits,
            tag_aliases,
            area_from_column: raw.area_from_column,
        })
    }

    /// Areas the rules name as targets (`area` of a rule, `to` and `shares`
    /// of a split) with where: `(area, "split 2 (line 14)")`, for checking
    /// that each is an area the bill knows.
    pub fn split_targets(&self) -> Vec<(String, String)> {
        self.splits
            .iter()
            .flat_map(|s| {
                let place = format!("line {}: split {}", s.line, s.number);
                s.to.iter().map(move |t| (t.clone(), place.clone()))
            })
            .collect()
    }
}

/// The 1-based lines of the `[[name]]` headers of `text`, in order: where
/// the n-th rule or split of the file starts, for errors that name it.
fn header_lines(text: &str, name: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            let Some(inner) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) else {
                return false;
            };
            inner.trim() == name
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// A TOML error as `line L, column C: message` with a short excerpt of the
/// line: a broken 100,000-character line must not print the whole line.
pub(crate) fn syntax_error(text: &str, message: &str, span: Option<std::ops::Range<usize>>) -> String {
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
        match field.as_str() {
            "area" => rule.area = Some(non_empty_string(field, value)?),
            "area_from_tag" => rule.area_from_tag = Some(non_empty_string(field, value)?),
            other => {
                if !rule.filter.take(other, value)? {
                    return Err(format!(
                        "unknown field `{other}`; a rule has `area` or `area_from_tag` and match fields {}",
                        match_field_names()
                    ));
                }
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
        assert_eq!(
            rules.rules[1].filter.globs.get("account").map(String::as_str),
            Some("222222222222")
        );
        assert_eq!(rules.rules[2].filter.tags.get("env").map(String::as_str), Some("prod*"));
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
    fn errors_name_the_line_of_the_rule() {
        let err = Rules::parse("# x\n[[rule]]\narea = \"a\"\n\n[[rule]]\nprodcut = \"x\"\n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("r.toml: line 5: rule 2:"), "{err}");
    }

    #[test]
    fn splits_parse_as_the_issue_writes_them() {
        let rules = Rules::parse(
            r#"
[[split]]
from = "shared"
by = "proportional"

[[split]]
from = "(idle)"
to = ["ingest", "query"]
by = "even"

[[split]]
from = "platform"
product = "AWS Support*"
by = "fixed"
shares = { ingest = 50, query = 30, pipeline = 20.0 }
"#,
            "rules.toml",
        )
        .unwrap();
        assert_eq!(rules.splits.len(), 3);
        assert_eq!(rules.splits[0].by, SplitBy::Proportional);
        assert!(rules.splits[0].to.is_empty());
        assert_eq!(rules.splits[1].to, vec!["ingest", "query"]);
        assert_eq!(rules.splits[2].line, 11);
        assert_eq!(rules.splits[2].to, vec!["ingest", "pipeline", "query"]);
        assert_eq!(
            rules.splits[2].filter.globs.get("product").map(String::as_str),
            Some("AWS Support*")
        );
        assert_eq!(
            rules.splits[2].text(),
            r#"from = "platform", by = "fixed", shares = { "ingest" = 50, "pipeline" = 20, "query" = 30 }, product = "AWS Support*""#
        );
    }

    #[test]
    fn bad_splits_are_refused_with_file_and_line() {
        let refused = |text: &str, expected: &str| {
            let err = Rules::parse(text, "r.toml").unwrap_err().to_string();
            assert!(err.contains(expected), "{err}\n  expected: {expected}");
        };
        refused(
            "[[split]]\nfrom = \"a\"\nby = \"fixed\"\nshares = { b = 60, c = 30 }\n",
            "r.toml: line 1: split 1: fixed shares add up to 90, not 100",
        );
        refused(
            "[[split]]\nfrom = \"a\"\nby = \"evenly\"\n",
            "line 1: split 1: by = \"evenly\": expected",
        );
        refused(
            "[[split]]\nfrom = \"a\"\nto = [\"b\"]\n\n[[split]]\nfrom = \"b\"\nto = [\"a\"]\n",
            "line 5: split 2: shares \"b\" back into \"a\", which split 1 (line 1) already shared out: a cycle",
        );
        refused("[[split]]\nby = \"even\"\n", "split 1: has no `from`");
        refused("[[split]]\nfrom = \"a\"\nto = [\"a\"]\n", "shares \"a\" with itself");
        refused(
            "[[split]]\nfrom = \"a\"\nshares = { b = 100 }\n",
            "`shares` belongs to by = \"fixed\"",
        );
        refused("[[split]]\nfrom = \"a\"\nprodcut = \"x\"\n", "unknown field `prodcut`");
        // A third of a hundred, written exactly, adds up.
        assert!(
            Rules::parse(
                "[[split]]\nfrom = \"a\"\nby = \"fixed\"\nshares = { b = 33.5, c = 33.25, d = 33.25 }\n",
                "r"
            )
            .is_ok()
        );
    }

    #[test]
    fn every_matcher_parses_and_reads_back() {
        for m in MATCHERS {
            let rules = Rules::parse(&format!("[[rule]]\narea = \"x\"\n{} = \"v*\"\n", m.key), "r").unwrap();
            assert_eq!(rules.rules[0].filter.glob(&m), Some("v*"));
            assert_eq!(rules.rules[0].text(), format!("area = \"x\", {} = \"v*\"", m.key));
        }
    }

    #[test]
    fn weights_parse() {
        assert_eq!(Weight::parse("cpu+memory"), Some(Weight::CpuMemory { cpu_ratio: 9.0 }));
        assert_eq!(Weight::parse("memory"), Some(Weight::Memory));
        assert_eq!(Weight::parse("cpu+memory:x"), None);
    }
}
