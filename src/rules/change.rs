//! How one set of rules differs from another in what attribution reads: the
//! difference a month's attribution can be brought up to date by without
//! attributing it again (rules appended at the end, or the last one removed).

use super::{Rule, Split};

/// What changed between the rules a month was attributed with and new ones.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleChange {
    /// The same rules and splits.
    Same,
    /// These rules were appended after all the old ones; nothing else changed.
    Appended(Vec<Rule>),
    /// The last old rule (this number) was removed; nothing else changed.
    RemovedLast(usize),
    /// Anything else: rules edited, reordered or removed from the middle, or
    /// splits changed.
    Other,
}

/// The change from `old` to `new` rules and splits. Splits compare by what
/// they say, not by the line they start on (appending a rule moves them).
pub fn rule_change(old_rules: &[Rule], old_splits: &[Split], new_rules: &[Rule], new_splits: &[Split]) -> RuleChange {
    let same_splits = old_splits.len() == new_splits.len()
        && old_splits.iter().zip(new_splits).all(|(a, b)| {
            Split {
                line: b.line,
                ..a.clone()
            } == *b
        });
    if !same_splits {
        return RuleChange::Other;
    }
    if new_rules == old_rules {
        RuleChange::Same
    } else if new_rules.len() > old_rules.len() && new_rules.starts_with(old_rules) {
        RuleChange::Appended(new_rules[old_rules.len()..].to_vec())
    } else if new_rules.len() + 1 == old_rules.len() && old_rules.starts_with(new_rules) {
        RuleChange::RemovedLast(old_rules.len())
    } else {
        RuleChange::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn parse(text: &str) -> Rules {
        Rules::parse(text, "rules.toml").unwrap()
    }

    const SPLIT: &str = "[[split]]\nfrom = \"shared\"\nby = \"even\"\n";

    #[test]
    fn an_appended_rule_is_told_from_an_edit() {
        let one = parse(&format!("[[rule]]\narea = \"a\"\nproduct = \"X\"\n{SPLIT}"));
        let two = parse(&format!(
            "[[rule]]\narea = \"a\"\nproduct = \"X\"\n[[rule]]\narea = \"b\"\nresource = \"i-1\"\n{SPLIT}"
        ));
        let change = rule_change(&one.rules, &one.splits, &two.rules, &two.splits);
        assert_eq!(change, RuleChange::Appended(vec![two.rules[1].clone()]));
        assert_eq!(two.splits[0].line, 7, "the split moved down");
        assert_eq!(
            rule_change(&two.rules, &two.splits, &one.rules, &one.splits),
            RuleChange::RemovedLast(2)
        );
        assert_eq!(
            rule_change(&one.rules, &one.splits, &one.rules, &one.splits),
            RuleChange::Same
        );
        let edited = parse(&format!("[[rule]]\narea = \"c\"\nproduct = \"X\"\n{SPLIT}"));
        assert_eq!(
            rule_change(&one.rules, &one.splits, &edited.rules, &edited.splits),
            RuleChange::Other
        );
        let no_split = parse("[[rule]]\narea = \"a\"\nproduct = \"X\"\n[[rule]]\narea = \"b\"\nresource = \"i-1\"\n");
        assert_eq!(
            rule_change(&one.rules, &one.splits, &no_split.rules, &no_split.splits),
            RuleChange::Other
        );
    }
}
