//! Edits of rules.toml from the tagging page: append a rule, take the last
//! one back, keeping the file's comments and formatting (toml_edit).

use std::path::Path;

use super::{Rules, RulesError, syntax_error};

/// A rule an assignment appends (the tagging page, `tag assign`): an area, or
/// the area a tag names, for the lines its matchers match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    /// `area = "…"`, or `area_from_tag = "…"` when `from_tag`.
    pub area: String,
    pub from_tag: bool,
    /// (match field, glob): a matcher key or `tags.KEY`.
    pub matches: Vec<(String, String)>,
}

impl NewRule {
    /// `area` for the lines whose `field` is exactly `value` (glob characters
    /// in it match themselves).
    pub fn exactly(area: &str, field: &str, value: &str) -> NewRule {
        NewRule::pattern(area, field, &glob_literal(value))
    }

    /// `area` for the lines whose `field` matches the glob `pattern`.
    pub fn pattern(area: &str, field: &str, pattern: &str) -> NewRule {
        NewRule {
            area: area.to_owned(),
            from_tag: false,
            matches: vec![(field.to_owned(), pattern.to_owned())],
        }
    }

    /// The area each line's `key` tag names, for every line that has it.
    pub fn from_tag(key: &str) -> NewRule {
        NewRule {
            area: key.to_owned(),
            from_tag: true,
            matches: Vec::new(),
        }
    }

    /// What it says, in the file's words: `resource = "i-1" → ingest`.
    pub fn describe(&self) -> String {
        let matches: Vec<String> = self.matches.iter().map(|(f, g)| format!("{f} = {g:?}")).collect();
        match (self.from_tag, matches.is_empty()) {
            (true, true) => format!("area_from_tag = {:?}", self.area),
            (true, false) => format!("{} → area_from_tag = {:?}", matches.join(", "), self.area),
            (false, _) => format!("{} → {}", matches.join(", "), self.area),
        }
    }
}

/// `text` as a glob that matches exactly it: `*`, `?` and `[` in brackets.
pub fn glob_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Append `rule` as a `[[rule]]` to the rules file at `path` (created if
/// missing), after its other rules, keeping its comments and formatting.
/// Returns the new rule's number.
pub fn append_rule(path: &Path, rule: &NewRule) -> Result<usize, RulesError> {
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
    table.insert(
        if rule.from_tag { "area_from_tag" } else { "area" },
        toml_edit::value(&rule.area),
    );
    for (field, glob) in &rule.matches {
        match field.strip_prefix("tags.") {
            Some(key) => {
                let tags = table
                    .entry("tags")
                    .or_insert(toml_edit::value(toml_edit::InlineTable::new()));
                if let Some(t) = tags.as_inline_table_mut() {
                    t.insert(key, glob.as_str().into());
                }
            }
            None => {
                table.insert(field, toml_edit::value(glob));
            }
        }
    }
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
        assert_eq!(
            append_rule(&path, &NewRule::exactly("search", "resource", "search-bucket")).unwrap(),
            2
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(original), "{text}");
        let rules = Rules::parse(&text, "r").unwrap();
        assert_eq!(rules.rules[1].area.as_deref(), Some("search"));
        assert_eq!(
            rules.rules[1].filter.globs.get("resource").map(String::as_str),
            Some("search-bucket")
        );
        remove_last_rule(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim_end(), original.trim_end());
        // A missing file is created.
        let fresh = dir.path().join("new/rules.toml");
        assert_eq!(
            append_rule(&fresh, &NewRule::exactly("data", "product", "Amazon Redshift")).unwrap(),
            1
        );
        assert_eq!(Rules::load(&fresh, true).unwrap().rules.len(), 1);
    }

    #[test]
    fn glob_characters_of_an_assigned_value_match_themselves_and_groups_append_as_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        assert_eq!(glob_literal("a*b?[c]"), "a[*]b[?][[]c]");
        append_rule(&path, &NewRule::exactly("x", "resource", "odd*name")).unwrap();
        append_rule(&path, &NewRule::pattern("y", "resource", "plover-raw-*")).unwrap();
        append_rule(&path, &NewRule::from_tag("team")).unwrap();
        let mut by_tag = NewRule::pattern("z", "account", "1111*");
        by_tag.matches.push(("tags.env".to_owned(), "prod".to_owned()));
        append_rule(&path, &by_tag).unwrap();
        let rules = Rules::load(&path, true).unwrap().rules;
        assert_eq!(rules[0].filter.globs["resource"], "odd[*]name");
        assert_eq!(rules[1].filter.globs["resource"], "plover-raw-*");
        assert_eq!(rules[2].area_from_tag.as_deref(), Some("team"));
        assert!(rules[2].filter.globs.is_empty());
        assert_eq!(rules[3].filter.tags["env"], "prod");
        assert_eq!(NewRule::from_tag("team").describe(), "area_from_tag = \"team\"");
    }
}
