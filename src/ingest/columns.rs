//! An export's columns looked up by a normalized name, and the builder that
//! turns them into the SQL expressions db's statements load them with.

use std::collections::HashMap;

use super::diagnose::ValueChecks;
use crate::db::dialect::Dialect;
use crate::db::{ExportRows, quote};

/// Lowercase ASCII letters and digits only: `lineItem/UnblendedCost`,
/// `line_item_unblended_cost` and `LineItemUnblendedCost` are one key.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Columns of one file as an engine reads them: (name, DuckDB type), and
/// the engine whose SQL reads the file (stage one of a load, see
/// [`SelectBuilder`]). Spark's reader gives every column as text, nested ones
/// as JSON text (typed `JSON` here), as DuckDB reads a CSV export.
pub struct Columns {
    list: Vec<(String, String)>,
    by_key: HashMap<String, usize>,
    dialect: Dialect,
}

impl Columns {
    pub fn new(list: Vec<(String, String)>) -> Columns {
        Columns::read_by(Dialect::DuckDb, list)
    }

    pub fn read_by(dialect: Dialect, list: Vec<(String, String)>) -> Columns {
        let mut by_key = HashMap::new();
        for (i, (name, _)) in list.iter().enumerate() {
            by_key.entry(key(name)).or_insert(i);
        }
        Columns { list, by_key, dialect }
    }

    /// The engine that reads the file.
    pub fn dialect(&self) -> Dialect {
        self.dialect
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

/// Builds the expressions of a load over [`Columns`] in two stages, because
/// parsing is where a load spends its time. Stage one reads the file and
/// groups its lines by the raw text of every column the normalization uses
/// (money and quantities summed, lines counted), so lines that need no
/// hour-by-hour attribution become one row per day; only EC2 instance and EBS
/// volume lines (`timed`) keep their own interval. Stage two parses and
/// normalizes the grouped rows. It also remembers which source columns must
/// hold numbers or timestamps, so a failed load can be traced to a line.
pub struct SelectBuilder<'a> {
    pub columns: &'a Columns,
    pub checks: ValueChecks,
    missing: Vec<String>,
    /// Stage one's group keys: (expression over the file's columns, alias).
    keys: Vec<(String, String)>,
    /// Stage one's sums: (aggregate over the file's columns, alias).
    measures: Vec<(String, String)>,
    /// Whether a line is an EC2 instance or EBS volume, over the file's columns.
    timed: Option<String>,
}

impl<'a> SelectBuilder<'a> {
    /// The tag columns of a DBR-style file (`user:team`, `aws:createdBy`), as
    /// (stored key, column): user tags without their prefix, AWS tags with it.
    pub fn prefixed_tags(&self) -> Vec<(String, String)> {
        let tags = self
            .columns
            .iter()
            .filter_map(|(name, _)| {
                let stored = name
                    .strip_prefix("user:")
                    .or_else(|| name.starts_with("aws:").then_some(name))?;
                Some((stored.to_owned(), name.to_owned()))
            })
            .collect();
        unique_tags(tags)
    }

    pub fn new(columns: &'a Columns) -> SelectBuilder<'a> {
        SelectBuilder {
            columns,
            checks: ValueChecks::default(),
            missing: Vec::new(),
            keys: Vec::new(),
            measures: Vec::new(),
            timed: None,
        }
    }

    pub fn has(&self, keys: &[&str]) -> bool {
        self.columns.find(keys).is_some()
    }

    fn column(&self, keys: &[&str]) -> Option<(String, String)> {
        self.columns
            .find(keys)
            .map(|n| (n.to_owned(), self.columns.dialect.identifier(n)))
    }

    /// A stage-one group key; the alias stage two refers to it by.
    pub fn key(&mut self, raw: String) -> String {
        if let Some((_, alias)) = self.keys.iter().find(|(r, _)| *r == raw) {
            return alias.clone();
        }
        let alias = format!("k{}", self.keys.len());
        self.keys.push((raw, alias.clone()));
        alias
    }

    fn measure(&mut self, aggregate: String) -> String {
        if let Some((_, alias)) = self.measures.iter().find(|(a, _)| *a == aggregate) {
            return alias.clone();
        }
        let alias = format!("m{}", self.measures.len());
        self.measures.push((aggregate, alias.clone()));
        alias
    }

    /// A column as the file holds it, for row filters and line identities.
    pub fn raw(&self, keys: &[&str]) -> Option<String> {
        self.column(keys).map(|(_, c)| format!("ap_text({c})"))
    }

    /// `ap_text(col)`, or NULL when absent.
    pub fn text(&mut self, keys: &[&str]) -> Option<String> {
        let (_, c) = self.column(keys)?;
        Some(format!("ap_text({})", self.key(c)))
    }

    pub fn text_or_null(&mut self, keys: &[&str]) -> String {
        self.text(keys).unwrap_or_else(|| "NULL".to_owned())
    }

    /// The resource id; EC2 instances and EBS volumes are attributed hour by
    /// hour, so their lines are never merged across hours.
    pub fn resource(&mut self, keys: &[&str]) -> String {
        match self.column(keys) {
            Some((_, c)) => {
                self.timed = Some(format!(
                    "COALESCE(ap_short_id(ap_text({c})) LIKE 'i-%' OR ap_short_id(ap_text({c})) LIKE 'vol-%', false)"
                ));
                format!("ap_text({})", self.key(c))
            }
            None => "NULL".to_owned(),
        }
    }

    pub fn money(&mut self, keys: &[&str]) -> Option<String> {
        let (name, c) = self.column(keys)?;
        self.checks.money.push(name);
        Some(self.measure(format!("sum(ap_money({c}))")))
    }

    pub fn number_or_null(&mut self, keys: &[&str]) -> String {
        match self.column(keys) {
            Some((name, c)) => {
                self.checks.numeric.push(name);
                self.measure(format!("sum(ap_number({c}))"))
            }
            None => "NULL".to_owned(),
        }
    }

    pub fn time(&mut self, keys: &[&str]) -> Option<String> {
        let (name, c) = self.column(keys)?;
        self.checks.temporal.push(name);
        Some(format!("ap_time({})", self.key(c)))
    }

    /// Start and end of a line's usage. A line that is not timed keeps only
    /// its day, so a day of hourly lines of one kind becomes one row.
    pub fn usage_interval(&mut self, start: &[&str], end: &[&str]) -> (String, String) {
        let start = match self.column(start) {
            Some((name, c)) => {
                self.checks.temporal.push(name);
                let day = self.columns.dialect.day_text(&format!("ap_time({c})"));
                let k = self.key(format!("CASE WHEN ap_timed THEN ap_text({c}) ELSE {day} END"));
                format!("ap_time({k})")
            }
            None => "NULL".to_owned(),
        };
        let end = match self.column(end) {
            Some((name, c)) => {
                self.checks.temporal.push(name);
                let k = self.key(format!("CASE WHEN ap_timed THEN ap_text({c}) END"));
                let m = self.measure(format!("max(CASE WHEN NOT ap_timed THEN ap_time({c}) END)"));
                format!("COALESCE(ap_time({k}), {m})")
            }
            None => "NULL".to_owned(),
        };
        (start, end)
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

    /// A JSON object over tag columns: (tag key as stored, source column name).
    /// Empty cells become `null`, which reads the same as an absent key. (JSON
    /// text stores far faster than a MAP column: a sync-speed choice.)
    pub fn tag_object(&mut self, tags: &[(String, String)]) -> String {
        if tags.is_empty() {
            return "NULL::JSON".to_owned();
        }
        let pairs: Vec<String> = tags
            .iter()
            .map(|(k, col)| {
                let column = self.columns.dialect.identifier(col);
                format!("{}, ap_text({})", quote::literal(k), self.key(column))
            })
            .collect();
        format!("json_object({})", pairs.join(", "))
    }

    /// A map column (or a JSON object in text) of tags as a JSON object, with
    /// `resourceTags/` and `user:`/`user_` prefixes removed and empty values dropped.
    pub fn tag_map(&mut self, column: &str, duck_type: &str) -> String {
        let k = self.key(self.columns.dialect.identifier(column));
        let as_map = if duck_type.starts_with("MAP") {
            k
        } else {
            format!("CAST(CAST(ap_text({k}) AS JSON) AS MAP(VARCHAR, VARCHAR))")
        };
        format!(
            "CAST(map_from_entries(list_transform(list_filter(map_entries({as_map}), lambda e: NULLIF(trim(e.value), '') IS NOT NULL), \
             lambda e: {{'key': regexp_replace(e.key, '^(resourceTags/)?(user[:_])?', ''), 'value': e.value}})) AS JSON)"
        )
    }

    /// The export's rows for db: `reader`'s lines passing `filter`, grouped
    /// by what this builder used (its keys, then its sums).
    pub fn rows<'s>(&'s self, reader: &'s str, filter: Option<&'s str>) -> ExportRows<'s> {
        ExportRows {
            reader,
            filter,
            timed: self.timed.as_deref().unwrap_or("false"),
            groups: self.keys.iter().chain(&self.measures).cloned().collect(),
        }
    }
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
