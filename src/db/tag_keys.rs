//! The area tag key as the latest attribution read it, and `coverage
//! --tag-keys`: the keys a month's lines carry that are read as the area
//! key, and those that only look like it (aliases to add).

use duckdb::{OptionalExt, params};

use super::{Db, Result};
use crate::money::Money;
use crate::rules::{Rules, TagAliases, tag_key_letters};

const TAG_KEYS_SQL: &str = include_str!("sql/tag_keys.sql");

/// How attribution reads a tag key the lines carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyReading {
    /// The area key itself, or a spelling with the same letters and digits.
    Same,
    /// An alias of `[tag_aliases]`.
    Alias,
    /// Not read as the area key, but spelled like it: an alias to add?
    LooksLike,
}

/// A tag key of a month's lines and the money of the lines carrying it.
#[derive(Debug, Clone, PartialEq)]
pub struct TagKeyUse {
    pub key: String,
    pub reading: KeyReading,
    pub lines: i64,
    pub cost: Money,
    pub values: i64,
}

impl Db {
    /// The area tag key of the latest attribution and the aliases its rules
    /// gave (`product_area` and none before any attribution).
    pub fn area_key(&self) -> Result<(String, TagAliases)> {
        let last: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT tag_key, rules_text FROM attribution_runs ORDER BY run_id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (key, text) = last.unwrap_or_else(|| ("product_area".to_owned(), String::new()));
        let aliases = Rules::parse(&text, "rules").map(|r| r.tag_aliases).unwrap_or_default();
        Ok((key, aliases))
    }

    /// The month's tag keys read as the area key or spelled like it, the
    /// most money first, with the area key.
    pub fn tag_keys_like_area(&self, month: &str) -> Result<(String, Vec<TagKeyUse>)> {
        let (key, aliases) = self.area_key()?;
        let spellings = aliases.spellings(&key);
        let area = tag_key_letters(&key);
        let mut stmt = self.conn.prepare(TAG_KEYS_SQL)?;
        let rows = stmt.query_map(params![month], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Money>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut keys = Vec::new();
        for row in rows {
            let (tag, lines, cost, values) = row?;
            let letters = tag_key_letters(&tag);
            let reading = if letters == area {
                KeyReading::Same
            } else if spellings.contains(&letters) {
                KeyReading::Alias
            } else if looks_like(&tag, &key) {
                KeyReading::LooksLike
            } else {
                continue;
            };
            keys.push(TagKeyUse {
                key: tag,
                reading,
                lines,
                cost,
                values,
            });
        }
        Ok((key, keys))
    }
}

/// Whether `key` is spelled like `area`: their letters within two edits,
/// one holding the other, a word of four letters or more in common
/// (`product_area`, `area_owner`), or `key` the initials of `area`'s words
/// (`pa`).
fn looks_like(key: &str, area: &str) -> bool {
    let (a, b) = (tag_key_letters(key), tag_key_letters(area));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (key_words, area_words) = (words(key), words(area));
    let initials: String = area_words.iter().filter_map(|w| w.chars().next()).collect();
    edits(&a, &b) <= 2
        || (a.len().min(b.len()) >= 4 && (a.contains(&b) || b.contains(&a)))
        || key_words.iter().any(|w| w.len() >= 4 && area_words.contains(w))
        || (area_words.len() > 1 && a == initials)
}

/// A key's words, lowercased: split at anything but letters and digits and
/// where a capital follows a small letter (`ProductArea`).
fn words(key: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    let mut previous_small = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(String::new());
            previous_small = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_small {
            words.push(String::new());
        }
        previous_small = c.is_ascii_lowercase();
        if let Some(w) = words.last_mut() {
            w.push(c.to_ascii_lowercase());
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

/// Levenshtein distance between two short ASCII keys.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_spelled_like_the_area_key() {
        for key in [
            "product_areas",
            "prod_area",
            "ProductAreaName",
            "area_owner",
            "pa",
            "Produkt_Area",
        ] {
            assert!(looks_like(key, "product_area"), "{key}");
        }
        for key in ["team", "cost_center", "Name", "env", "p"] {
            assert!(!looks_like(key, "product_area"), "{key}");
        }
        assert_eq!(words("ProductArea"), ["product", "area"]);
        assert_eq!(words("user:cost-center"), ["user", "cost", "center"]);
        assert_eq!(edits("kitten", "sitting"), 3);
    }
}
