//! `lint-terraform`: every taggable AWS resource of every module instance must
//! carry the tag, through its `tags`, a `tags` block, or the `default_tags` of
//! the provider the instance receives. What cannot be resolved is "unknown".

use std::collections::HashSet;
use std::path::PathBuf;

use hcl_edit::Span;
use serde::Serialize;

use super::eval::{Keys, Value};
use super::instance::{Graph, Step, provider_alias};
use super::scope::{blocks, label};
use super::{ignore_reason, line_of};

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
    /// The tag is there under an alias or another spelling, and
    /// `--strict-key` asks for the canonical one.
    Misspelled,
    Unknown,
    Ignored,
    /// A module call that leads to no local folder: what it creates is unknown.
    Unfollowed,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Misspelled => "misspelled",
            Status::Unknown => "unknown",
            Status::Ignored => "ignored",
            Status::Unfollowed => "not followed",
        }
    }
}

/// A resource (or module call) as written in a module's code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// `aws_s3_bucket.this`, or `module.labels` for a call not followed.
    pub address: String,
    pub file: PathBuf,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Where the fix goes: the module call that decides the resource's tags
    /// (or the call into downloaded code), else the resource itself.
    pub file: PathBuf,
    pub line: usize,
    /// The address Terraform shows: `module.a.module.b.aws_s3_bucket.this`.
    pub address: String,
    /// The module calls from the entry module down to the resource.
    pub chain: Vec<Step>,
    pub resource: Place,
    pub status: Status,
    pub message: String,
    /// Literal names (bucket, table, function…) that may link it to billing lines.
    #[serde(skip)]
    pub names: Vec<String>,
    /// Billed dollars of those names, when ranked against a database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed: Option<crate::money::Money>,
}

impl Finding {
    /// `anchor`: the call on the chain where the fix goes; None for the resource itself.
    fn new(chain: Vec<Step>, resource: Place, status: Status, message: String, anchor: Option<usize>) -> Finding {
        let (file, line) = match anchor.and_then(|k| chain.get(k)) {
            Some(call) => (call.file.clone(), call.line),
            None => (resource.file.clone(), resource.line),
        };
        let mut address: Vec<&str> = chain.iter().map(|s| s.call.as_str()).collect();
        address.push(&resource.address);
        let address = address.join(".");
        Finding {
            file,
            line,
            address,
            chain,
            resource,
            status,
            message,
            names: Vec::new(),
            billed: None,
        }
    }
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

/// The tag every taggable resource must carry: any spelling attribution
/// reads as it (`Product-Area`, an alias of `[tag_aliases]`), or with
/// `strict` only the key exactly as given.
#[derive(Debug, Clone)]
pub struct AreaKey {
    pub key: String,
    spellings: Vec<String>,
    pub strict: bool,
}

impl AreaKey {
    pub fn new(key: &str, aliases: &crate::rules::TagAliases, strict: bool) -> AreaKey {
        AreaKey {
            key: key.to_owned(),
            spellings: aliases.spellings(key),
            strict,
        }
    }

    /// The first of `keys` attribution reads as this key.
    fn find<'k>(&self, keys: &'k std::collections::BTreeSet<String>) -> Option<&'k String> {
        keys.get(&self.key).or_else(|| {
            keys.iter()
                .find(|k| self.spellings.contains(&crate::rules::tag_key_letters(k)))
        })
    }
}

/// Findings in the order a reader fixes them: by the place of the fix.
pub fn lint(graph: &Graph<'_>, area_key: &AreaKey) -> Vec<Finding> {
    let tag_key = area_key.key.as_str();
    let taggable = taggable_types();
    let mut findings = Vec::new();
    for (i, instance) in graph.instances.iter().enumerate() {
        for file in &graph.tree.modules[instance.module].files {
            let src = file.source.as_str();
            for block in blocks(&file.body, "resource") {
                let kind = label(block, 0);
                if !taggable.contains(kind.as_str()) {
                    continue;
                }
                let line = line_of(src, block.span().map_or(0, |r| r.start));
                let own = match block.body.get_attribute("tags") {
                    Some(attr) => Keys::of(&graph.value(i, &attr.value, src)),
                    None => Keys {
                        known: blocks(&block.body, "tags")
                            .flat_map(|b| b.body.attributes().map(|a| a.key.as_str().to_owned()))
                            .collect(),
                        ..Keys::default()
                    },
                };
                let alias = block
                    .body
                    .get_attribute("provider")
                    .and_then(|a| provider_alias(&a.value))
                    .unwrap_or(None);
                let inherited = match (graph.default_tags(i, &alias), &alias) {
                    (Some(tags), _) => Keys::of(&tags),
                    (None, Some(alias)) => Keys::of(&Value::Unknown(match instance.chain.last() {
                        Some(step) => format!("provider aws.{alias} is not passed to {}", step.call),
                        None => format!("provider aws.{alias} is not declared"),
                    })),
                    (None, None) => Keys::default(),
                };
                let keys = own.union(inherited);
                let spelled = match area_key.find(&keys.known) {
                    Some(k) if k == tag_key || !area_key.strict => continue,
                    found => found.cloned(),
                };
                let (status, message) = match (ignore_reason(src, line).or_else(|| instance.ignored.clone()), keys.open)
                {
                    (Some(reason), _) => (Status::Ignored, reason),
                    (None, _) if spelled.is_some() => (
                        Status::Misspelled,
                        format!("tag spelled {:?}; the key is {tag_key:?}", spelled.unwrap_or_default()),
                    ),
                    (None, Some(why)) => (Status::Unknown, format!("tag {tag_key:?} may be set: {why}")),
                    (None, None) if area_key.find(&keys.blank).is_some() => {
                        (Status::Missing, format!("tag {tag_key:?} is empty"))
                    }
                    (None, None) => (Status::Missing, format!("no tag {tag_key:?}")),
                };
                let place = Place {
                    address: format!("{kind}.{}", label(block, 1)),
                    file: file.path.clone(),
                    line,
                };
                // The call that decides the tags; inside downloaded code, the call into it.
                let decided = block
                    .body
                    .get_attribute("tags")
                    .and_then(|a| graph.decided_at(i, &a.value, 0));
                let anchor = match (decided, instance.downloaded_from) {
                    (Some(d), Some(r)) => Some(d.min(r)),
                    (d, r) => d.or(r),
                };
                let mut finding = Finding::new(instance.chain.clone(), place, status, message, anchor);
                finding.names = NAME_ATTRIBUTES
                    .iter()
                    .filter_map(|a| block.body.get_attribute(a))
                    .filter_map(|attr| graph.value(i, &attr.value, src).as_str().map(str::to_owned))
                    .collect();
                findings.push(finding);
            }
        }
    }
    for call in &graph.unfollowed {
        let (outer, this) = call.chain.split_at(call.chain.len().saturating_sub(1));
        let Some(this) = this.first() else { continue };
        let place = Place {
            address: this.call.clone(),
            file: this.file.clone(),
            line: this.line,
        };
        let (status, message) = match &call.ignored {
            Some(reason) => (Status::Ignored, reason.clone()),
            None => (
                Status::Unfollowed,
                format!("what it creates is unknown: {}", call.reason),
            ),
        };
        let anchor = graph.instances[call.caller].downloaded_from;
        findings.push(Finding::new(outer.to_vec(), place, status, message, anchor));
    }
    findings.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    findings
}
