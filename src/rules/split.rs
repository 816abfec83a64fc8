//! `[[split]]` tables: after the direct attribution of a month, one area's
//! money (or the part of it a filter picks) is shared over other areas —
//! in proportion to their direct cost, evenly, or by fixed percentages — in
//! file order.

use super::LineFilter;
use crate::money::Money;

/// Areas that no tag or rule names: where money lands when nothing claims it.
pub const PSEUDO_AREAS: [&str; 4] = ["(unallocated)", "(idle)", "(unmapped)", "(unused commitment)"];

/// How a split shares its money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitBy {
    /// By each target's direct cost of the same month and measure.
    Proportional,
    /// The same to every target.
    Even,
    /// By the percentages in `shares`.
    Fixed,
}

impl SplitBy {
    pub fn name(self) -> &'static str {
        match self {
            SplitBy::Proportional => "proportional",
            SplitBy::Even => "even",
            SplitBy::Fixed => "fixed",
        }
    }
}

/// One `[[split]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// 1-based position among the file's splits, as `split:<n>` in provenance.
    pub number: usize,
    /// The line of its `[[split]]` header in the file (0 when unknown).
    pub line: usize,
    pub from: String,
    pub by: SplitBy,
    /// The named targets (`to`, or the areas of `shares`); empty: every area
    /// with direct cost that month, pseudo-areas and split sources excluded.
    pub to: Vec<String>,
    /// Fixed percentages by area, exact as written, adding up to 100.
    pub shares: Vec<(String, Money)>,
    pub filter: LineFilter,
}

impl Split {
    /// What the split says, in the file's own words.
    pub fn text(&self) -> String {
        let mut parts = vec![format!("from = {:?}", self.from), format!("by = {:?}", self.by.name())];
        if self.by == SplitBy::Fixed {
            let shares: Vec<String> = self
                .shares
                .iter()
                .map(|(a, p)| format!("{a:?} = {}", trim(*p)))
                .collect();
            parts.push(format!("shares = {{ {} }}", shares.join(", ")));
        } else if !self.to.is_empty() {
            parts.push(format!("to = {:?}", self.to));
        }
        parts.extend(self.filter.describe());
        parts.join(", ")
    }
}

/// A percentage without trailing zeros: `50`, `33.5`.
fn trim(p: Money) -> String {
    let text = p.decimal();
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub(super) fn parse_split(number: usize, table: &toml::Table) -> Result<Split, String> {
    let mut from = None;
    let mut by = SplitBy::Proportional;
    let mut to: Option<Vec<String>> = None;
    let mut shares: Option<Vec<(String, Money)>> = None;
    let mut filter = LineFilter::default();
    for (field, value) in table {
        match field.as_str() {
            "from" => from = Some(super::non_empty_string(field, value)?),
            "by" => {
                by = match value.as_str() {
                    Some("proportional") => SplitBy::Proportional,
                    Some("even") => SplitBy::Even,
                    Some("fixed") => SplitBy::Fixed,
                    _ => {
                        return Err(format!(
                            "by = {value}: expected \"proportional\", \"even\" or \"fixed\""
                        ));
                    }
                }
            }
            "to" => {
                let list = value
                    .as_array()
                    .ok_or("field `to` must be a list of areas like [\"ingest\", \"query\"]")?;
                let areas = list
                    .iter()
                    .map(|v| match v.as_str() {
                        Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
                        _ => Err("field `to` must list areas as non-empty strings".to_owned()),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if areas.is_empty() {
                    return Err("field `to` is empty; leave it out to share over every area".to_owned());
                }
                to = Some(areas);
            }
            "shares" => {
                let table = value
                    .as_table()
                    .ok_or("field `shares` must be a table like { ingest = 60, query = 40 }")?;
                let parsed = table
                    .iter()
                    .map(|(area, v)| {
                        let text = match v {
                            toml::Value::Integer(i) => i.to_string(),
                            toml::Value::Float(f) => f.to_string(),
                            _ => return Err(format!("shares.{area} must be a number (a percentage)")),
                        };
                        let p = Money::parse(&text).map_err(|_| format!("shares.{area} = {text} is no percentage"))?;
                        if p <= Money::ZERO {
                            return Err(format!("shares.{area} = {text}: a share must be above 0"));
                        }
                        Ok((area.clone(), p))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                shares = Some(parsed);
            }
            other => {
                if !filter.take(other, value)? {
                    return Err(format!(
                        "unknown field `{other}`; a split has `from`, `by`, `to`, `shares` and match fields {}",
                        super::match_field_names()
                    ));
                }
            }
        }
    }
    let from = from.ok_or("has no `from` (the area whose money it shares)")?;
    let (to, shares) = match (by, to, shares) {
        (SplitBy::Fixed, Some(_), _) => {
            return Err("by = \"fixed\" takes its targets from `shares`; leave out `to`".to_owned());
        }
        (SplitBy::Fixed, None, None) => {
            return Err("by = \"fixed\" needs `shares`, e.g. { ingest = 60, query = 40 }".to_owned());
        }
        (SplitBy::Fixed, None, Some(shares)) => {
            let total: Money = shares.iter().map(|(_, p)| *p).sum();
            if total != Money::parse("100").unwrap_or_default() {
                return Err(format!("fixed shares add up to {}, not 100", trim(total)));
            }
            (shares.iter().map(|(a, _)| a.clone()).collect(), shares)
        }
        (_, _, Some(_)) => {
            return Err(format!("`shares` belongs to by = \"fixed\", not by = {:?}", by.name()));
        }
        (_, to, None) => (to.unwrap_or_default(), Vec::new()),
    };
    if to.contains(&from) {
        return Err(format!("shares {from:?} with itself"));
    }
    Ok(Split {
        number,
        line: 0,
        from,
        by,
        to,
        shares,
        filter,
    })
}

/// Refuse a split naming as a target an area an earlier split (or itself)
/// already emptied: its money would flow back into a pool that was shared
/// out (A to B, then B back to A).
pub(super) fn check_cycles(splits: &[Split]) -> Result<(), (usize, String)> {
    for (i, split) in splits.iter().enumerate() {
        for earlier in &splits[..i] {
            if let Some(target) = split.to.iter().find(|t| **t == earlier.from) {
                return Err((
                    i,
                    format!(
                        "shares {:?} back into {target:?}, which split {} (line {}) already shared out: a cycle",
                        split.from, earlier.number, earlier.line
                    ),
                ));
            }
        }
    }
    Ok(())
}
