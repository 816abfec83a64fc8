//! How the statements in `sql/` are filled and run: `{name}` placeholders
//! take identifiers (from closed enums) or SQL built in `db`, never data, which
//! is always bound; a file of several statements runs one at a time.

/// `template` with each `{name}` of `values` replaced by its text. Anything
/// else in braces (DuckDB's struct literals, `{'key': value}`) is kept, and an
/// inserted value is not searched for placeholders again. Comment lines are
/// left out: they name placeholders, and a value spanning lines would end one.
pub(super) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template
        .split_inclusive('\n')
        .filter(|l| !l.trim_start().starts_with("--"))
    {
        fill_line(line, values, &mut out);
    }
    out
}

fn fill_line(line: &str, values: &[(&str, &str)], out: &mut String) {
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// `('(unallocated)', '(idle)', …)`: the pseudo-areas as an SQL list, for
/// `{pseudo_areas}` (literals of a closed set, not data).
pub(super) fn pseudo_area_list() -> String {
    let quoted: Vec<String> = crate::rules::PSEUDO_AREAS.iter().map(|a| format!("'{a}'")).collect();
    format!("({})", quoted.join(", "))
}

/// The statements of a `.sql` file, without its comment lines.
pub(crate) fn statements(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
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
    fn placeholders_are_filled_and_struct_literals_kept() {
        let template = "SELECT sum({cost}), {'d': driver}, {unknown} FROM {table} WHERE {cost} > 0";
        assert_eq!(
            fill(template, &[("cost", "unblended_cost"), ("table", "allocations")]),
            "SELECT sum(unblended_cost), {'d': driver}, {unknown} FROM allocations WHERE unblended_cost > 0"
        );
    }

    #[test]
    fn a_filled_value_is_not_filled_again() {
        assert_eq!(fill("{a} {b}", &[("a", "{b}"), ("b", "x")]), "{b} x");
        assert_eq!(fill("{a", &[("a", "x")]), "{a");
        assert_eq!(fill("}{a}{", &[("a", "x")]), "}x{");
        assert_eq!(fill("", &[("a", "x")]), "");
    }

    #[test]
    fn comment_lines_are_left_out() {
        let template = "-- {values} are the columns\nSELECT {values}\n  -- indented\nFROM t";
        assert_eq!(
            fill(template, &[("values", "a,\n-- b\nc")]),
            "SELECT a,\n-- b\nc\nFROM t"
        );
    }

    #[test]
    fn statements_are_split_without_comments() {
        let text = "-- a comment; with a semicolon\nSELECT 1;\n\n-- another\nSELECT 2\n";
        assert_eq!(statements(text), vec!["SELECT 1", "SELECT 2"]);
    }
}
