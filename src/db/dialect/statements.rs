//! The shapes of the attribution's statements, for an engine without
//! DuckDB's temp tables and in-place DELETE/INSERT (Spark): each statement
//! of a batch read as one step on a named table, which the engine keeps as a
//! new version of that table (db/attribution.rs's batches write nothing else).

/// One statement of a batch, as a step on the table it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `CREATE OR REPLACE TEMP TABLE name AS select`: a table made from a query.
    Keep { name: String, select: String },
    /// `CREATE OR REPLACE TEMP TABLE name (column TYPE, …)`: an empty table,
    /// its columns with Spark's type names.
    Empty {
        name: String,
        columns: Vec<(String, String)>,
    },
    /// `DELETE FROM name [WHERE condition]`: the rows where the condition
    /// holds go (all rows without one).
    Delete { name: String, condition: Option<String> },
    /// `INSERT INTO name [BY NAME] select`: rows added, by column name or by position.
    Insert {
        name: String,
        by_name: bool,
        select: String,
    },
}

impl Step {
    /// The table the step writes.
    pub fn name(&self) -> &str {
        match self {
            Step::Keep { name, .. }
            | Step::Empty { name, .. }
            | Step::Delete { name, .. }
            | Step::Insert { name, .. } => name,
        }
    }
}

/// The steps of a batch (its comment lines and placeholders already gone),
/// or the first statement that is none of them.
pub fn steps(batch: &str) -> Result<Vec<Step>, String> {
    crate::db::sql::statements(batch).iter().map(|s| step(s)).collect()
}

fn step(statement: &str) -> Result<Step, String> {
    let unknown = || {
        let start: String = statement.chars().take(80).collect();
        format!("a statement the Spark runner has no shape for: {start}")
    };
    if let Some(rest) = strip_words(statement, &["CREATE", "OR", "REPLACE", "TEMP", "TABLE"]) {
        let (name, rest) = identifier(rest).ok_or_else(unknown)?;
        if let Some(select) = strip_words(rest, &["AS"]) {
            return Ok(Step::Keep {
                name,
                select: select.to_string(),
            });
        }
        let body = rest
            .trim()
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .ok_or_else(unknown)?;
        let columns = top_level_commas(body)
            .into_iter()
            .map(|def| {
                let def = def.trim();
                let (column, ty) = def.split_once(char::is_whitespace).ok_or_else(unknown)?;
                Ok((column.to_string(), spark_type(ty.trim()).ok_or_else(unknown)?))
            })
            .collect::<Result<_, String>>()?;
        return Ok(Step::Empty { name, columns });
    }
    if let Some(rest) = strip_words(statement, &["DELETE", "FROM"]) {
        let (name, rest) = identifier(rest).ok_or_else(unknown)?;
        let condition = match strip_words(rest, &["WHERE"]) {
            Some(c) => Some(c.to_string()),
            None if rest.trim().is_empty() => None,
            None => return Err(unknown()),
        };
        return Ok(Step::Delete { name, condition });
    }
    if let Some(rest) = strip_words(statement, &["INSERT", "INTO"]) {
        let (name, rest) = identifier(rest).ok_or_else(unknown)?;
        let (by_name, select) = match strip_words(rest, &["BY", "NAME"]) {
            Some(s) => (true, s),
            None => (false, rest),
        };
        return Ok(Step::Insert {
            name,
            by_name,
            select: select.trim().to_string(),
        });
    }
    Err(unknown())
}

/// `text` after the keywords `words` (any case, any whitespace between), or None.
fn strip_words<'a>(text: &'a str, words: &[&str]) -> Option<&'a str> {
    let mut rest = text.trim_start();
    for word in words {
        let head = rest.get(..word.len())?;
        let after = &rest[word.len()..];
        if !head.eq_ignore_ascii_case(word) || !after.starts_with(|c: char| c.is_whitespace() || c == '(') {
            return None;
        }
        rest = after.trim_start();
    }
    Some(rest)
}

/// A table name (letters, digits, `_`) and what follows it.
fn identifier(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_string(), &text[end..]))
}

/// `a, b(1, 2), c` → `a`, `b(1, 2)`, `c`.
fn top_level_commas(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A column type as the attribution's empty tables write it, in Spark's words.
fn spark_type(duckdb: &str) -> Option<String> {
    let upper = duckdb.to_ascii_uppercase();
    Some(match upper.as_str() {
        "VARCHAR" => "STRING".to_string(),
        "BIGINT" | "DOUBLE" | "BOOLEAN" | "DATE" | "TIMESTAMP" => upper,
        _ if upper.starts_with("DECIMAL(") => upper,
        _ => return None,
    })
}

/// Every table a step of the batches may read under its own name, replaced
/// in `text` (whole words only) by the name it has now; `names` are (table,
/// its current name) pairs.
pub fn renamed(text: &str, names: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        out.push_str(&rest[..start]);
        let word_end = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(rest.len(), |e| start + e);
        let word = &rest[start..word_end];
        // A word right after a quote is inside a literal or a quoted name: kept.
        let quoted = out.ends_with('\'') || out.ends_with('"') || out.ends_with('`');
        match names.iter().find(|(table, _)| table == word) {
            Some((_, now)) if !quoted => out.push_str(now),
            _ => out.push_str(word),
        }
        rest = &rest[word_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_statement_shape_is_read_as_its_step() {
        let batch = "CREATE OR REPLACE TEMP TABLE a_x AS\nSELECT 1 AS n;\n\
                     CREATE OR REPLACE TEMP TABLE a_notes (n BIGINT, from_area VARCHAR, u DECIMAL(38, 10));\n\
                     DELETE FROM direct_base WHERE billing_period = (SELECT period FROM attr_month);\n\
                     DELETE FROM a_x;\n\
                     INSERT INTO direct_base BY NAME\nSELECT 1 AS n;\n\
                     INSERT INTO ecs_check\nSELECT 2";
        let steps = steps(batch).unwrap();
        assert_eq!(
            steps[0],
            Step::Keep {
                name: "a_x".into(),
                select: "SELECT 1 AS n".into()
            }
        );
        assert_eq!(
            steps[1],
            Step::Empty {
                name: "a_notes".into(),
                columns: vec![
                    ("n".into(), "BIGINT".into()),
                    ("from_area".into(), "STRING".into()),
                    ("u".into(), "DECIMAL(38, 10)".into())
                ]
            }
        );
        assert_eq!(
            steps[2],
            Step::Delete {
                name: "direct_base".into(),
                condition: Some("billing_period = (SELECT period FROM attr_month)".into())
            }
        );
        assert_eq!(
            steps[3],
            Step::Delete {
                name: "a_x".into(),
                condition: None
            }
        );
        assert_eq!(
            steps[4],
            Step::Insert {
                name: "direct_base".into(),
                by_name: true,
                select: "SELECT 1 AS n".into()
            }
        );
        assert_eq!(steps[5].name(), "ecs_check");
        assert!(matches!(&steps[5], Step::Insert { by_name: false, .. }));
    }

    #[test]
    fn a_statement_of_another_shape_is_refused_by_its_start() {
        let e = steps("UPDATE a SET x = 1").unwrap_err();
        assert!(e.contains("UPDATE a SET x = 1"), "{e}");
        assert!(steps("CREATE OR REPLACE TEMP TABLE t (x HUGEINT)").is_err());
        assert!(steps("DELETE FROM t USING u").is_err());
    }

    #[test]
    fn tables_are_renamed_as_whole_words_outside_quotes() {
        let names = vec![
            ("a_sig".to_string(), "a_sig__3".to_string()),
            ("a_alloc".to_string(), "a_alloc__7".to_string()),
        ];
        assert_eq!(
            renamed(
                "SELECT a_sig_area, 'a_sig' FROM a_sig JOIN a_alloc USING (x) WHERE a.a_alloc_n = 1",
                &names
            ),
            "SELECT a_sig_area, 'a_sig' FROM a_sig__3 JOIN a_alloc__7 USING (x) WHERE a.a_alloc_n = 1"
        );
    }
}
