//! Quoting for the few places DuckDB cannot bind a parameter: file paths in
//! `read_csv`/`read_parquet` and column names taken from an export's header.

/// A SQL string literal: `'` doubled, and NUL refused since DuckDB would cut the string there.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A SQL identifier: `"` doubled.
pub fn identifier(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn literals_round_trip_through_duckdb(text in "\\PC*") {
            let conn = duckdb::Connection::open_in_memory().unwrap();
            let back: String = conn.query_row(&format!("SELECT {}", literal(&text)), [], |r| r.get(0)).unwrap();
            prop_assert_eq!(back, text);
        }

        #[test]
        fn identifiers_round_trip_through_duckdb(name in "[^\\x00]{1,40}") {
            let conn = duckdb::Connection::open_in_memory().unwrap();
            let sql = format!("SELECT column_name FROM (DESCRIBE SELECT 1 AS {})", identifier(&name));
            let back: String = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
            prop_assert_eq!(back, name);
        }
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(identifier("a\"b"), "\"a\"\"b\"");
    }
}
