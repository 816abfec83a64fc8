//! `export`: a month as attributed, one row per billing line and area share,
//! as FOCUS 1.2 or 1.3 (CSV or Parquet, DuckDB's writers) or as a plain CSV.
//! The rows are checked before the file is written: per area they sum to
//! the attribution's own totals, per measure, to the cent.

use std::path::Path;

use duckdb::params;

use super::sql::fill;
use super::{CostMeasure, Db, DbError, Dimension, Result, quote};
use crate::money::Money;

const EXPORT_ROWS_SQL: &str = include_str!("sql/export_rows.sql");

/// What the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// FOCUS columns, CSV.
    Focus,
    /// FOCUS columns, Parquet.
    Parquet,
    /// apportion's own names: month, day, account, product, usage type,
    /// resource, area, service, method, billed and effective cost.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FocusVersion {
    V1_2,
    V1_3,
}

impl FocusVersion {
    pub fn name(self) -> &'static str {
        match self {
            FocusVersion::V1_2 => "1.2",
            FocusVersion::V1_3 => "1.3",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub rows: u64,
    pub lines: u64,
    pub billed: Money,
    pub effective: Money,
    pub run_id: i64,
    /// Areas whose rows sum to their attributed total, both measures.
    pub areas: usize,
}

/// The FOCUS 1.3 columns: the provider columns that replace ProviderName
/// and PublisherName, and apportion's split in the allocation columns.
const FOCUS_13: &str = ",
    COALESCE(provider, 'AWS') AS ServiceProviderName,
    COALESCE(details ->> 'HostProviderName', provider, 'AWS') AS HostProviderName,
    method AS AllocatedMethodId,
    CAST(json_object('Elements', json_array(json_object('AllocatedRatio', fu, 'x_ProductArea', area,
                                                        'x_Service', service))) AS VARCHAR) AS AllocatedMethodDetails";

impl Db {
    /// Write `month` as attributed to `out`; nothing is written when the
    /// rows do not sum back to the attribution.
    pub fn export_month(
        &self,
        month: &str,
        format: ExportFormat,
        version: FocusVersion,
        out: &Path,
    ) -> Result<ExportSummary> {
        let conn = &self.conn;
        let run_id: Option<i64> = conn.query_row(
            "SELECT max(run_id) FROM allocations WHERE billing_period = strptime(?, '%Y-%m')::DATE",
            params![month],
            |r| r.get(0),
        )?;
        let Some(run_id) = run_id else {
            return Err(DbError::Invalid(format!(
                "{month} has no attributed lines: run `apportion sync` or `apportion attribute` first"
            )));
        };
        let ts = match format {
            ExportFormat::Parquet => "CAST(t AS TIMESTAMP)",
            _ => "strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ')",
        };
        conn.execute_batch(&format!("CREATE OR REPLACE TEMP MACRO ap_export_ts(t) AS {ts};"))?;
        let focus13 = if version == FocusVersion::V1_3 { FOCUS_13 } else { "" };
        let query = fill(EXPORT_ROWS_SQL, &[("ts", "ap_export_ts"), ("focus13", focus13)]);
        conn.execute(
            &format!("CREATE OR REPLACE TEMP TABLE export_rows AS {query}"),
            params![month, run_id],
        )?;
        let summary = self.check_export(month, run_id)?;
        let target = quote::literal(&out.display().to_string());
        let copy = match format {
            ExportFormat::Focus => format!("COPY export_rows TO {target} (FORMAT csv, HEADER true)"),
            ExportFormat::Parquet => format!("COPY export_rows TO {target} (FORMAT parquet)"),
            ExportFormat::Csv => format!(
                "COPY (SELECT left(BillingPeriodStart, 7) AS month, left(ChargePeriodStart, 10) AS day,
                              SubAccountId AS account, ServiceName AS product, x_UsageType AS usage_type,
                              ResourceId AS resource, x_ProductArea AS area, x_Service AS service,
                              x_AttributionMethod AS method, BilledCost AS billed_cost,
                              EffectiveCost AS effective_cost
                       FROM export_rows) TO {target} (FORMAT csv, HEADER true)"
            ),
        };
        conn.execute_batch(&copy)?;
        conn.execute_batch("DROP TABLE export_rows")?;
        Ok(summary)
    }

    /// The rows' totals, and each area's rows against what the attribution
    /// says of the area (billed = unblended, effective = amortized).
    fn check_export(&self, month: &str, run_id: i64) -> Result<ExportSummary> {
        let (rows, lines, billed, effective): (i64, i64, Money, Money) = self.conn.query_row(
            "SELECT count(*), (SELECT count(*) FROM billing_lines WHERE billing_period = strptime(?, '%Y-%m')::DATE),
                    COALESCE(sum(BilledCost), 0), COALESCE(sum(EffectiveCost), 0)
             FROM export_rows",
            params![month],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let mut stmt = self
            .conn
            .prepare("SELECT x_ProductArea, sum(BilledCost), sum(EffectiveCost) FROM export_rows GROUP BY 1")?;
        let exported: std::collections::BTreeMap<String, (Money, Money)> = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<std::result::Result<_, _>>()?;
        let by_area = |measure| -> Result<std::collections::BTreeMap<String, Money>> {
            Ok(self
                .cost_report(month, &[Dimension::Area], measure)?
                .into_iter()
                .map(|r| (r.keys[0].clone(), r.cost))
                .collect())
        };
        let (unblended, amortized) = (by_area(CostMeasure::Unblended)?, by_area(CostMeasure::Amortized)?);
        let cent = Money::parse("0.005").unwrap_or_default();
        let areas: std::collections::BTreeSet<&String> = exported
            .keys()
            .chain(unblended.keys())
            .chain(amortized.keys())
            .collect();
        for area in &areas {
            let (b, e) = exported.get(*area).copied().unwrap_or_default();
            let (u, a) = (
                unblended.get(*area).copied().unwrap_or_default(),
                amortized.get(*area).copied().unwrap_or_default(),
            );
            if (b - u).abs() >= cent || (e - a).abs() >= cent {
                return Err(DbError::Invalid(format!(
                    "export of {month}: area {area:?} sums to {b} billed / {e} effective, attributed {u} / {a}; nothing written"
                )));
            }
        }
        Ok(ExportSummary {
            rows: rows as u64,
            lines: lines as u64,
            billed,
            effective,
            run_id,
            areas: areas.len(),
        })
    }
}
