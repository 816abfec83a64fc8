//! Edits of rules.toml from the tagging page: append a rule, take the last
//! one back, keeping the file's comments and formatting (toml_edit).

use std::path::Path;

use super::{Rules, RulesError, syntax_error};

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
        assert_eq!(
            rules.rules[1].filter.globs.get("resource").map(String::as_str),
            Some("search-bucket")
        );
        remove_last_rule(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim_end(), original.trim_end());
        // A missing file is created.
        let fresh = dir.path().join("new/rules.toml");
        assert_eq!(append_rule(&fresh, "data", "product", "Amazon Redshift").unwrap(), 1);
        assert_eq!(Rules::load(&fresh, true).unwrap().rules.len(), 1);
    }
}
