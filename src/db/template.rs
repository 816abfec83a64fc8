//! The one way a `.sql` file is filled: `{name}` placeholders (a name of
//! lowercase letters, digits and `_`) replaced by SQL text that db itself
//! makes — a column from a closed enum, a literal from a closed set, a
//! condition built from the rule vocabulary. Data is never filled in: values
//! are bound parameters, file paths go through `quote`.

/// `template` with each `{name}` of `values` replaced. Braces that are not a
/// placeholder (DuckDB struct literals `{'k': v}`, maps) are left alone.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) if after[name_len..].starts_with('}') => {
                out.push_str(value);
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders still in `sql`, for tests that every one is filled.
#[cfg(test)]
pub(crate) fn placeholders(sql: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = sql;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            found.push(after[..len].to_owned());
        }
        rest = after;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_leaves_struct_literals() {
        let sql = "SELECT {cost}, {'start': x}, {unknown}, {method_tag} FROM t WHERE m = {method_tag}";
        let filled = fill(sql, &[("cost", "unblended_cost"), ("method_tag", "'tag'")]);
        assert_eq!(
            filled,
            "SELECT unblended_cost, {'start': x}, {unknown}, 'tag' FROM t WHERE m = 'tag'"
        );
        assert_eq!(placeholders(&filled), vec!["unknown"]);
        assert_eq!(fill("{", &[]), "{");
        assert_eq!(fill("x{cost", &[("cost", "c")]), "x{cost");
    }
}
