//! How a dollar was attributed, as `allocations.method` stores it: a closed
//! set, one parser for every reader, and the names the attribution SQL
//! writes (filled into `sql/attribute.sql` from here, never spelled there).

/// The way an allocation row got its product area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// The line's own cost allocation tag.
    Tag,
    /// The n-th rule of the rules file (1-based).
    Rule(usize),
    /// A Fargate task's or pod's own line, by the service map (its ECS
    /// service, or its EKS workload and namespace).
    Service,
    /// Split across ECS services by their tasks' CPU-seconds (or the chosen weight).
    Ecs,
    /// Split across ECS services by AWS's split cost allocation data (each
    /// task's split cost, plus its unused cost under `--idle spread`).
    Scad,
    /// A volume's attached fraction, merged into an EC2 instance (which one is
    /// the row's `merged_into`).
    Ebs,
    /// Instance capacity no task used (`--idle separate`).
    Idle,
    /// A discount, credit, refund or commitment that followed the usage it
    /// belongs to (and a commitment's unused part, set aside as
    /// `(unused commitment)`).
    Follow,
    /// Moved to this area by the n-th `[[split]]` of the rules file (1-based).
    Split(usize),
    /// Nothing matched.
    Unallocated,
}

impl Method {
    /// The name as stored: `tag`, `rule:<n>`, `service`, `ecs`, `scad`, `ebs`, `idle`, `follow`, `split:<n>`, `unallocated`.
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text {
            "tag" => Method::Tag,
            "service" => Method::Service,
            "ecs" => Method::Ecs,
            "scad" => Method::Scad,
            "ebs" => Method::Ebs,
            "idle" => Method::Idle,
            "follow" => Method::Follow,
            "unallocated" => Method::Unallocated,
            _ => {
                if let Some(n) = text.strip_prefix(RULE_PREFIX) {
                    Method::Rule(n.parse().ok()?)
                } else if let Some(n) = text.strip_prefix(SPLIT_PREFIX) {
                    Method::Split(n.parse().ok()?)
                } else {
                    return None;
                }
            }
        })
    }

    /// The stored name.
    pub fn name(&self) -> String {
        match self {
            Method::Rule(n) => format!("{RULE_PREFIX}{n}"),
            Method::Split(n) => format!("{SPLIT_PREFIX}{n}"),
            other => other.kind().to_owned(),
        }
    }

    /// The kind, for summaries: `tag`, `rule`, `service`, `ecs`, `scad`, `ebs`, `idle`, `follow`, `split`, `unallocated`.
    pub fn kind(&self) -> &'static str {
        match self {
            Method::Tag => "tag",
            Method::Service => "service",
            Method::Rule(_) => "rule",
            Method::Ecs => "ecs",
            Method::Scad => "scad",
            Method::Ebs => "ebs",
            Method::Idle => "idle",
            Method::Follow => "follow",
            Method::Split(_) => "split",
            Method::Unallocated => "unallocated",
        }
    }

    /// Whether the area came from what a resource is (its tag or a rule on it)
    /// rather than from derivation (ECS split by events or by AWS, EBS merge,
    /// idle, a split of shared cost).
    pub fn is_derived(&self) -> bool {
        matches!(
            self,
            Method::Ecs | Method::Scad | Method::Ebs | Method::Idle | Method::Follow | Method::Split(_)
        )
    }

    /// `{method_*}` placeholders of the attribution SQL and the SQL literal
    /// each stands for: whole names, and the prefixes numbered methods are
    /// built from (`{method_rule} || n`).
    pub(super) fn sql_literals() -> [(&'static str, String); 10] {
        let literal = |text: &str| format!("'{text}'");
        [
            ("method_tag", literal(Method::Tag.kind())),
            ("method_service", literal(Method::Service.kind())),
            ("method_ecs", literal(Method::Ecs.kind())),
            ("method_scad", literal(Method::Scad.kind())),
            ("method_ebs", literal(Method::Ebs.kind())),
            ("method_idle", literal(Method::Idle.kind())),
            ("method_follow", literal(Method::Follow.kind())),
            ("method_unallocated", literal(Method::Unallocated.kind())),
            ("method_rule", literal(RULE_PREFIX)),
            ("method_split", literal(SPLIT_PREFIX)),
        ]
    }
}

impl Method {
    /// `sql` with its `{method_*}` placeholders filled.
    pub(super) fn fill_names(sql: &str) -> String {
        let literals = Method::sql_literals();
        let values: Vec<(&str, &str)> = literals.iter().map(|(k, v)| (*k, v.as_str())).collect();
        super::sql::fill(sql, &values)
    }
}

const RULE_PREFIX: &str = "rule:";
const SPLIT_PREFIX: &str = "split:";

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_round_trips() {
        for m in [
            Method::Tag,
            Method::Rule(12),
            Method::Service,
            Method::Ecs,
            Method::Scad,
            Method::Ebs,
            Method::Idle,
            Method::Follow,
            Method::Split(3),
            Method::Unallocated,
        ] {
            assert_eq!(Method::parse(&m.name()), Some(m));
        }
        assert_eq!(Method::parse("rule:x"), None);
        assert_eq!(Method::parse("ebs→i-0abc"), None);
        assert_eq!(Method::parse("magic"), None);
        assert!(Method::Scad.is_derived() && !Method::Tag.is_derived());
    }

    #[test]
    fn sql_literals_are_the_stored_names() {
        for (placeholder, literal) in Method::sql_literals() {
            let name = literal.trim_matches('\'');
            let parsed = Method::parse(name).or_else(|| Method::parse(&format!("{name}1")));
            assert!(parsed.is_some(), "{placeholder} = {literal} is no method");
        }
    }
}
