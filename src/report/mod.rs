//! Cost reports: compute a grouped report from the database, then format it
//! as an aligned table, CSV or JSON to any writer.

mod ecs_check;
mod explain;
mod format;
mod insights;
mod reconcile;

use anyhow::{Context, Result};

pub use ecs_check::write_ecs_check;
pub use explain::{write_area_explanation, write_explanation};
pub use format::{OutputFormat, usd, write_report};
pub use insights::{
    Fit, fit, per_units, signed_usd, write_coverage, write_forecast, write_spikes, write_tag_keys, write_unit_costs,
};
pub use reconcile::write_reconciliation;

use crate::db::{CostMeasure, Db, Dimension, ReportRow};

/// A computed report, ready to format.
#[derive(Debug, Clone)]
pub struct Report {
    pub month: String,
    pub dims: Vec<Dimension>,
    pub measure: CostMeasure,
    pub rows: Vec<ReportRow>,
    pub currencies: Vec<String>,
}

/// Cost of `month` (default: the latest in the database) grouped by `dims`.
pub fn cost_report(db: &Db, month: Option<&str>, dims: &[Dimension], measure: CostMeasure) -> Result<Report> {
    let month = month_or_latest(db, month)?;
    let rows = db
        .cost_report(&month, dims, measure)
        .with_context(|| format!("computing the report for {month}"))?;
    let currencies = db.currencies(&month)?;
    Ok(Report {
        month,
        dims: dims.to_vec(),
        measure,
        rows,
        currencies,
    })
}

/// `month`, or the latest billing period in the database.
pub fn month_or_latest(db: &Db, month: Option<&str>) -> Result<String> {
    match month {
        Some(m) => Ok(m.to_owned()),
        None => db
            .latest_period()?
            .context("the database holds no billing data yet: run `apportion sync PATH` or `apportion demo`"),
    }
}

/// Parse `YYYY-MM`.
pub fn parse_month(text: &str) -> Result<String, String> {
    let ok = text.len() == 7
        && text.as_bytes()[4] == b'-'
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && text[5..].bytes().all(|b| b.is_ascii_digit())
        && matches!(text[5..].parse::<u32>(), Ok(1..=12));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not a month like 2026-09"))
    }
}
