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

/// A file's path for DuckDB's readers, which take a glob: a literal whose
/// `*`, `?` and `[` are each a class of that one character (`[*]`, `[?]`,
/// `[[]`), so the pattern names the one file (`a*b.csv` would also read its
/// sibling `aXb.csv`, and `bill [1].csv` would find no file).
pub fn file(path: &str) -> String {
    let mut pattern = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '*' | '?' | '[' => {
                pattern.push('[');
                pattern.push(c);
                pattern.push(']');
            }
            c => pattern.push(c),
        }
    }
    literal(&pattern)
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
    fn a_file_path_is_a_glob_of_that_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = duckdb::Connection::open_in_memory().unwrap();
        // Siblings each pattern would also match, were it read as a glob.
        for name in ["aXb.csv", "b.csv", "qq.csv"] {
            std::fs::write(dir.path().join(name), format!("n\n{name}\n")).unwrap();
        }
        for name in ["a*b.csv", "bill [1].csv", "q?.csv", "it's.csv"] {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("n\n{name}\n")).unwrap();
            let sql = format!(
                "SELECT string_agg(n, '|') FROM read_csv({}, all_varchar = true)",
                file(&path.to_string_lossy())
            );
            let read: String = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
            assert_eq!(read, name);
        }
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(identifier("a\"b"), "\"a\"\"b\"");
    }
}
