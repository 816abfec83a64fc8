//! An export's columns looked up by a normalized name, and the builder that
//! turns them into the SQL expressions of one normalizing SELECT.

use std::collections::HashMap;

use super::diagnose::ValueChecks;
use crate::db::quote;

/// Lowercase ASCII letters and digits only: `lineItem/UnblendedCost`,
/// `line_item_unblended_cost` and `LineItemUnblendedCost` are one key.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Columns of one file as DuckDB reads them: (name, DuckDB type).
pub struct Columns {
    list: Vec<(String, String)>,
    by_key: HashMap<String, usize>,
}

impl Columns {
    pub fn new(list: Vec<(String, String)>) -> Columns {
        let mut by_key = HashMap::new();
        for (i, (name, _)) in list.iter().enumerate() {
            by_key.entry(key(name)).or_insert(i);
        }
        Columns { list, by_key }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.list.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// The first present column among `keys` (already normalized with [`key`]).
    pub fn find(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .find_map(|k| self.by_key.get(*k))
            .map(|&i| self.list[i].0.as_str())
    }

    pub fn type_of(&self, name: &str) -> Option<&str> {
        self.list.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }
}

/// Builds expressions over [`Columns`], remembering which source columns must
/// hold numbers or timestamps so a failed load can be traced to a line.
pub struct SelectBuilder<'a> {
    pub columns: &'a Columns,
    pub checks: ValueChecks,
    missing: Vec<String>,
}

impl<'a> SelectBuilder<'a> {
    pub fn new(columns: &'a Columns) -> SelectBuilder<'a> {
        SelectBuilder {
            columns,
            checks: ValueChecks::default(),
            missing: Vec::new(),
        }
    }

    pub fn has(&self, keys: &[&str]) -> bool {
        self.columns.find(keys).is_some()
    }

    fn column(&self, keys: &[&str]) -> Option<(String, String)> {
        self.columns.find(keys).map(|n| (n.to_owned(), quote::identifier(n)))
    }

    /// `ap_text(col)`, or NULL when absent.
    pub fn text(&self, keys: &[&str]) -> Option<String> {
        self.column(keys).map(|(_, c)| format!("ap_text({c})"))
    }

    pub fn text_or_null(&self, keys: &[&str]) -> String {
        self.text(keys).unwrap_or_else(|| "NULL".to_owned())
    }

    pub fn money(&mut self, keys: &[&str]) -> Option<String> {
        let (name, c) = self.column(keys)?;
        self.checks.money.push(name);
        Some(format!("ap_money({c})"))
    }

    pub fn number_or_null(&mut self, keys: &[&str]) -> String {
        match self.column(keys) {
            Some((name, c)) => {
                self.checks.numeric.push(name);
                format!("ap_number({c})")
            }
            None => "NULL".to_owned(),
        }
    }

    pub fn time(&mut self, keys: &[&str]) -> Option<String> {
        let (name, c) = self.column(keys)?;
        self.checks.temporal.push(name);
        Some(format!("ap_time({c})"))
    }

    pub fn time_or_null(&mut self, keys: &[&str]) -> String {
        self.time(keys).unwrap_or_else(|| "NULL".to_owned())
    }

    /// Note a required column that is absent; reported once all are known.
    pub fn require(&mut self, expr: Option<String>, wanted: &str) -> String {
        expr.unwrap_or_else(|| {
            self.missing.push(wanted.to_owned());
            "NULL".to_owned()
        })
    }

    pub fn missing(&self) -> &[String] {
        &self.missing
    }
}

/// A JSON object over tag columns: (tag key as stored, source column name).
/// Empty cells become `null`, which reads the same as an absent key. (JSON
/// text stores far faster than a MAP column: a sync-speed choice.)
pub fn tag_map_from_columns(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return "NULL::JSON".to_owned();
    }
    let pairs: Vec<String> = tags
        .iter()
        .map(|(k, col)| format!("{}, ap_text({})", quote::literal(k), quote::identifier(col)))
        .collect();
    format!("json_object({})", pairs.join(", "))
}

/// A map column (or a JSON object in text) of tags as a JSON object, with
/// `resourceTags/` and `user:`/`user_` prefixes removed and empty values dropped.
pub fn tag_map_from_map_column(column: &str, duck_type: &str) -> String {
    let c = quote::identifier(column);
    let as_map = if duck_type.starts_with("MAP") {
        c
    } else {
        format!("CAST(CAST(ap_text({c}) AS JSON) AS MAP(VARCHAR, VARCHAR))")
    };
    format!(
        "CAST(map_from_entries(list_transform(list_filter(map_entries({as_map}), lambda e: NULLIF(trim(e.value), '') IS NOT NULL), \
         lambda e: {{'key': regexp_replace(e.key, '^(resourceTags/)?(user[:_])?', ''), 'value': e.value}})) AS JSON)"
    )
}

/// Region from an availability zone such as `us-east-1a`.
pub fn region_from_zone(zone_expr: &str) -> String {
    format!("ap_region_of_zone({zone_expr})")
}

/// Deduplicate tag keys, first column wins.
pub fn unique_tags(tags: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect()
}
