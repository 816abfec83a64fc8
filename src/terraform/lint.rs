//! `lint-terraform`: every taggable AWS resource must carry the tag, through
//! its own `tags`, a `tags` block, `merge(...)`, locals, variable defaults, or
//! its provider's `default_tags`. What cannot be resolved is "unknown".

use std::collections::HashSet;
use std::path::PathBuf;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use serde::Serialize;

use super::scope::{Keys, Scope};
use super::{Module, line_of};

/// The taggable resource types shipped in `assets/`.
pub const TAGGABLE: &str = include_str!("../../assets/taggable-aws-resources.txt");

pub fn taggable_types() -> HashSet<&'static str> {
    TAGGABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Missing,
    Unknown,
    Ignored,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub address: String,
    pub status: Status,
    pub message: String,
    /// Literal names (bucket, table, function…) that may link it to billing lines.
    #[serde(skip)]
    pub names: Vec<String>,
    /// Billed dollars of those names, when ranked against a database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed: Option<f64>,
}

const NAME_ATTRIBUTES: [&str; 8] = [
    "bucket",
    "name",
    "function_name",
    "identifier",
    "cluster_identifier",
    "cluster_name",
    "table_name",
    "domain_name",
];

pub fn lint(modules: &[Module], tag_key: &str) -> Vec<Finding> {
    let taggable = taggable_types();
    let scopes: Vec<Scope<'_>> = modules.iter().map(Scope::of).collect();
    let mut findings = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let scope = &scopes[index];
        // A module without provider blocks uses its nearest ancestor's providers.
        let provider_scope = (0..modules.len())
            .filter(|&i| !scopes[i].providers.is_empty() && module.dir.starts_with(&modules[i].dir))
            .max_by_key(|&i| modules[i].dir.components().count())
            .map(|i| &scopes[i]);
        for file in &module.files {
            let src = file.source.as_str();
            for block in file.body.blocks().filter(|b| b.ident.as_str() == "resource") {
                let [kind, name] = [0, 1].map(|i| block.labels.get(i).map(|l| l.as_str().to_owned()).unwrap_or_default());
                if !taggable.contains(kind.as_str()) {
                    continue;
                }
                let start = block.span().map_or(0, |r| r.start);
                let line = line_of(src, start);
                let address = format!("{kind}.{name}");
                let own = match block.body.get_attribute("tags") {
                    Some(attr) => scope.keys(&attr.value, src, 0),
                    None => Keys {
                        known: block
                            .body
                            .blocks()
                            .filter(|b| b.ident.as_str() == "tags")
                            .flat_map(|b| b.body.attributes().map(|a| a.key.as_str().to_owned()))
                            .collect(),
                        open: None,
                    },
                };
                let alias = block.body.get_attribute("provider").and_then(|a| provider_alias(&a.value));
                let inherited = match provider_scope {
                    Some(ps) => match ps.providers.iter().find(|(a, _)| *a == alias) {
                        Some((_, Some((tags, file_src)))) => ps.keys(tags, file_src, 0),
                        Some((_, None)) => Keys::default(),
                        None if alias.is_some() => Keys {
                            open: Some(format!("provider aws.{} is not declared", alias.clone().unwrap_or_default())),
                            ..Keys::default()
                        },
                        None => Keys::default(),
                    },
                    None => Keys::default(),
                };
                let keys = own.union(inherited);
                if keys.known.contains(tag_key) {
                    continue;
                }
                let names = NAME_ATTRIBUTES
                    .iter()
                    .filter_map(|a| block.body.get_attribute(a).and_then(|attr| scope.string(&attr.value, 0)))
                    .collect();
                let (status, message) = match (ignore_reason(src, line), keys.open) {
                    (Some(reason), _) => (Status::Ignored, reason),
                    (None, Some(why)) => (Status::Unknown, format!("tag {tag_key:?} may be set: {why}")),
                    (None, None) => (Status::Missing, format!("no tag {tag_key:?}")),
                };
                findings.push(Finding {
                    file: file.path.clone(),
                    line,
                    address,
                    status,
                    message,
                    names,
                    billed: None,
                });
            }
        }
    }
    findings
}

/// `aws.x` in `provider = aws.x`.
fn provider_alias(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else { return None };
    match (&t.expr, t.operators.as_slice()) {
        (Expression::Variable(root), [op]) if root.as_str() == "aws" => match op.value() {
            TraversalOperator::GetAttr(alias) => Some(alias.as_str().to_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// `# apportion:ignore <reason>` on the resource's first line or the line above.
fn ignore_reason(src: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = src.lines().collect();
    [line.checked_sub(1), line.checked_sub(2)]
        .into_iter()
        .flatten()
        .filter_map(|i| lines.get(i))
        .find_map(|l| l.split_once("apportion:ignore").map(|(_, reason)| reason.trim().to_owned()))
        .map(|r| if r.is_empty() { "no reason given".to_owned() } else { r })
}
