//! `reconcile`: the month's invoice by kind of charge, where each kind's
//! money went, and the totals it is checked against.

use duckdb::params;

use super::sql::fill;
use super::{CostMeasure, Db, Method, Result};
use crate::money::Money;

const RECONCILE_SQL: &str = include_str!("sql/reconcile.sql");
const CHARGE_AREAS_SQL: &str = include_str!("sql/charge_areas.sql");
const INVOICES_SQL: &str = include_str!("sql/invoices.sql");
const STATEMENT_CHECKS_SQL: &str = include_str!("sql/statement_checks.sql");

/// One kind of charge (`usage`, `commitment`, `fee`, `discount`, `credit`,
/// `refund`, `tax`, `other`) and where its money went.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeRow {
    pub charge: String,
    pub billed: Money,
    /// Attributed to areas by tag, rule, the ECS split, merging or following.
    pub direct: Money,
    /// Moved to areas by a `[[split]]`.
    pub by_split: Money,
    /// Left in a pseudo-area after every split.
    pub unallocated: Money,
    /// The part that was a commitment's unused part (wherever it went).
    pub unused: Money,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciliation {
    pub month: String,
    pub rows: Vec<ChargeRow>,
    /// The sum of the bill's lines, and of the month's allocations.
    pub billed: Money,
    pub allocated: Money,
    /// (invoice id, its lines' total, whether the export calls it an estimate).
    pub invoices: Vec<(String, Money, Option<bool>)>,
    /// The totals the export states about itself (DBR and the cost
    /// allocation report), each against the lines it totals.
    pub stated: Vec<StatedTotal>,
}

/// One total an export states (`InvoiceTotal` of an invoice, `AccountTotal`
/// of a linked account, `StatementTotal` of a payer) and its lines' sum.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedTotal {
    pub record_type: String,
    /// The invoice id, linked account or payer account it totals.
    pub subject: String,
    pub stated: Money,
    pub lines: Money,
}

impl StatedTotal {
    pub fn holds(&self) -> bool {
        self.stated == self.lines
    }
}

impl Reconciliation {
    /// Allocated equals billed, and every total the export states equals its lines.
    pub fn balances(&self) -> bool {
        self.allocated == self.billed && self.stated.iter().all(StatedTotal::holds)
    }
}

/// Where one kind of charge went: an area, what it got directly, and by splits.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeArea {
    pub area: String,
    pub direct: Money,
    pub by_split: Money,
}

impl Db {
    /// The areas that received `charge` in `month`, largest first.
    pub fn charge_areas(&self, month: &str, charge: &str, measure: CostMeasure) -> Result<Vec<ChargeArea>> {
        let cost = measure.column_name();
        let sql = fill(&Method::fill_names(CHARGE_AREAS_SQL), &[("cost", cost)]);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![month, charge], |r| {
            Ok(ChargeArea {
                area: r.get(0)?,
                direct: r.get(1)?,
                by_split: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn reconcile(&self, month: &str, measure: CostMeasure) -> Result<Reconciliation> {
        let cost = measure.column_name();
        let pseudo = super::sql::pseudo_area_list();
        let sql = fill(
            &Method::fill_names(RECONCILE_SQL),
            &[("cost", cost), ("pseudo_areas", &pseudo)],
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![month], |r| {
            Ok(ChargeRow {
                charge: r.get(0)?,
                billed: r.get(1)?,
                direct: r.get(2)?,
                by_split: r.get(3)?,
                unallocated: r.get(4)?,
                unused: r.get(5)?,
            })
        })?;
        let rows: Vec<ChargeRow> = rows.collect::<Result<_, _>>()?;
        let allocated: Money = self.conn.query_row(
            &format!(
                "SELECT COALESCE(sum({cost}), 0) FROM allocations WHERE billing_period = strptime(?, '%Y-%m')::DATE"
            ),
            params![month],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(&fill(INVOICES_SQL, &[("cost", cost)]))?;
        let invoices = stmt
            .query_map(params![month], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        // A statement states cash: its totals are checked against the
        // blended lines in the blended view, else the unblended ones.
        let (lines, stated) = match measure {
            CostMeasure::Blended => ("blended_cost", "blended_cost"),
            _ => ("unblended_cost", "unblended_cost"),
        };
        let mut stmt = self
            .conn
            .prepare(&fill(STATEMENT_CHECKS_SQL, &[("cost", lines), ("stated", stated)]))?;
        let stated = stmt
            .query_map(params![month], |r| {
                Ok(StatedTotal {
                    record_type: r.get(0)?,
                    subject: r.get(1)?,
                    stated: r.get(2)?,
                    lines: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Reconciliation {
            month: month.to_owned(),
            billed: rows.iter().map(|r| r.billed).sum(),
            rows,
            allocated,
            invoices,
            stated,
        })
    }
}
