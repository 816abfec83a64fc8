//! How a dollar was attributed, as `allocations.method` stores it: one
//! parser for the names attribution writes, used by every reader.

/// The way an allocation row got its product area.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// The line's own cost allocation tag.
    Tag,
    /// The n-th rule of the rules file (1-based).
    Rule(usize),
    /// Split across ECS services by their tasks' CPU-seconds (or the chosen weight).
    Ecs,
    /// Split across ECS services by AWS's split cost allocation data (each
    /// task's split cost, plus its unused cost under `--idle spread`).
    Scad,
    /// A volume's attached fraction, merged into this EC2 instance.
    Merged { instance: String },
    /// Instance capacity no task used (`--idle separate`).
    Idle,
    /// Nothing matched.
    Unallocated,
}

impl Method {
    /// The name as stored: `tag`, `rule:<n>`, `ecs`, `ebs→<instance>`, `idle`, `unallocated`.
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text {
            "tag" => Method::Tag,
            "ecs" => Method::Ecs,
            "scad" => Method::Scad,
            "idle" => Method::Idle,
            "unallocated" => Method::Unallocated,
            _ => {
                if let Some(n) = text.strip_prefix("rule:") {
                    Method::Rule(n.parse().ok()?)
                } else if let Some(instance) = text.strip_prefix("ebs→") {
                    Method::Merged {
                        instance: instance.to_owned(),
                    }
                } else {
                    return None;
                }
            }
        })
    }

    /// The stored name.
    pub fn name(&self) -> String {
        match self {
            Method::Tag => "tag".to_owned(),
            Method::Rule(n) => format!("rule:{n}"),
            Method::Ecs => "ecs".to_owned(),
            Method::Scad => "scad".to_owned(),
            Method::Merged { instance } => format!("ebs→{instance}"),
            Method::Idle => "idle".to_owned(),
            Method::Unallocated => "unallocated".to_owned(),
        }
    }

    /// The kind, for summaries: `tag`, `rule`, `ecs`, `scad`, `ebs`, `idle`, `unallocated`.
    pub fn kind(&self) -> &'static str {
        match self {
            Method::Tag => "tag",
            Method::Rule(_) => "rule",
            Method::Ecs => "ecs",
            Method::Scad => "scad",
            Method::Merged { .. } => "ebs",
            Method::Idle => "idle",
            Method::Unallocated => "unallocated",
        }
    }

    /// Whether the area came from what a resource is (its tag or a rule on it)
    /// rather than from derivation (ECS split by events or by AWS, EBS merge, idle).
    pub fn is_derived(&self) -> bool {
        matches!(self, Method::Ecs | Method::Scad | Method::Merged { .. } | Method::Idle)
    }
}

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
            Method::Ecs,
            Method::Scad,
            Method::Merged {
                instance: "i-0abc".to_owned(),
            },
            Method::Idle,
            Method::Unallocated,
        ] {
            assert_eq!(Method::parse(&m.name()), Some(m));
        }
        assert_eq!(Method::parse("rule:x"), None);
        assert_eq!(Method::parse("magic"), None);
        assert!(Method::Scad.is_derived() && !Method::Tag.is_derived());
    }
}
