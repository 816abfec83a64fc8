//! The provenance of one product area's dollars in a month: what it carries
//! directly (by how), what it received from each split, discount, credit and
//! commitment, and what its own splits gave away.

use duckdb::params;

use super::{Db, Method, Result};
use crate::money::Money;

const EXPLAIN_AREA_SQL: &str = include_str!("sql/explain_area.sql");

/// One way money reached (or left) the area: `kind` is `direct`,
/// `followed`, `received` or `given`; `how` the method (`tag`, `rule:2`,
/// `split:1`, …); `other` the area it came from or went to, or for followed
/// money the kind of charge (`discount`, `credit`, `commitment`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFlow {
    pub kind: String,
    pub how: String,
    pub other: String,
    pub unblended: Money,
    pub amortized: Money,
}

#[derive(Debug, Clone, Default)]
pub struct AreaExplanation {
    pub month: String,
    pub area: String,
    pub flows: Vec<AreaFlow>,
    /// The rules of the run that attributed the month, for `rule:<n>` and `split:<n>`.
    pub rules_text: String,
}

impl Db {
    /// Explain `area` in `month`; None when no allocation of the month names it.
    pub fn explain_area(&self, month: &str, area: &str) -> Result<Option<AreaExplanation>> {
        let mut stmt = self.conn.prepare(&Method::fill_names(EXPLAIN_AREA_SQL))?;
        let rows = stmt.query_map(params![month, area], |r| {
            Ok(AreaFlow {
                kind: r.get(0)?,
                how: r.get(1)?,
                other: r.get(2)?,
                unblended: r.get(3)?,
                amortized: r.get(4)?,
            })
        })?;
        let flows: Vec<AreaFlow> = rows.collect::<Result<_, _>>()?;
        if flows.is_empty() {
            return Ok(None);
        }
        Ok(Some(AreaExplanation {
            month: month.to_owned(),
            area: area.to_owned(),
            flows,
            rules_text: self.month_run(month)?.map(|(_, text, _)| text).unwrap_or_default(),
        }))
    }
}
