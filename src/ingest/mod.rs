//! Reading export files into the database: format detection by content, what
//! each format's columns hold (db builds and runs the statements), and the
//! sync that replaces re-delivered months.

mod billing;
mod candidate;
mod cluster;
pub mod columns;
mod container;
mod cost_allocation;
mod cur;
mod dbr;
mod detect;
pub mod diagnose;
mod event_records;
mod focus;
pub mod manifest;
mod metrics;
mod service_map;
mod small_csv;
mod sync;

use std::path::PathBuf;

use crate::db::LineColumn;

pub use cluster::{check_cluster_reader, is_cluster_path};
pub use sync::{FileOutcome, FileStatus, SyncProgress, SyncReport, sync_paths, sync_sources};

/// The billing export formats `sync` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingFormat {
    Dbr,
    Cur,
    Cur2,
    Focus,
    CostAllocation,
}

impl BillingFormat {
    pub fn label(self) -> &'static str {
        match self {
            BillingFormat::Dbr => "DBR-RT",
            BillingFormat::Cur => "CUR",
            BillingFormat::Cur2 => "CUR 2.0",
            BillingFormat::Focus => "FOCUS",
            BillingFormat::CostAllocation => "cost allocation report",
        }
    }

    /// Recognize a billing export from its column names.
    pub fn from_columns(names: &[String]) -> Option<BillingFormat> {
        let keys: Vec<String> = names.iter().map(|n| columns::key(n)).collect();
        if focus::is_header(&keys) {
            Some(BillingFormat::Focus)
        } else if cost_allocation::is_header(&keys) {
            Some(BillingFormat::CostAllocation)
        } else if cur::is_header(&keys) {
            Some(if cur::is_cur2(names) {
                BillingFormat::Cur2
            } else {
                BillingFormat::Cur
            })
        } else if dbr::is_header(&keys) {
            Some(BillingFormat::Dbr)
        } else {
            None
        }
    }

    /// The export's split cost allocation rows (CUR and CUR 2.0 only); None
    /// when it has none.
    fn split_rows(self, columns: &columns::Columns) -> Option<cur::SplitRows<'_>> {
        match self {
            BillingFormat::Cur | BillingFormat::Cur2 => cur::split_rows(columns),
            _ => None,
        }
    }

    fn normalize(self, b: &mut columns::SelectBuilder<'_>) -> Normalization {
        match self {
            BillingFormat::Dbr => dbr::normalize(b),
            BillingFormat::Cur => cur::normalize(b, false),
            BillingFormat::Cur2 => cur::normalize(b, true),
            BillingFormat::Focus => focus::normalize(b),
            BillingFormat::CostAllocation => cost_allocation::normalize(b),
        }
    }
}

/// Everything `sync` loads: billing exports, event exports, service maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Billing(BillingFormat),
    Events,
    ServiceMap,
    Metrics,
}

impl ExportKind {
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Billing(f) => f.label(),
            ExportKind::Events => "events",
            ExportKind::ServiceMap => "service map",
            ExportKind::Metrics => "business metrics",
        }
    }

    fn from_label(label: &str) -> Option<ExportKind> {
        [
            BillingFormat::Dbr,
            BillingFormat::Cur,
            BillingFormat::Cur2,
            BillingFormat::Focus,
            BillingFormat::CostAllocation,
        ]
        .into_iter()
        .map(ExportKind::Billing)
        .chain([ExportKind::Events, ExportKind::ServiceMap, ExportKind::Metrics])
        .find(|k| k.label() == label)
    }
}

/// What each column of `billing_lines` holds for one file (an expression
/// over its grouped rows, see [`columns::SelectBuilder`]), and which lines count.
pub struct Normalization {
    columns: Vec<(LineColumn, String)>,
    filter: Option<String>,
    /// The export's rows that state its own totals (DBR InvoiceTotal,
    /// AccountTotal, StatementTotal): kept apart for `reconcile` to check the
    /// lines against. None where the format has none.
    totals: Option<String>,
    /// Where a line's billing period comes from.
    period: PeriodSource,
    /// The identity of a line item, where the export has one (CUR line item
    /// id and interval, DBR RecordId): the same line arriving twice.
    line_key: Option<String>,
}

impl Normalization {
    fn set(&mut self, target: LineColumn, expr: String) {
        if let Some((_, e)) = self.columns.iter_mut().find(|(t, _)| *t == target) {
            *e = expr;
        }
    }
}

/// A line belongs to the billing period of its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodSource {
    /// Each line names its bill's period (CUR `bill/BillingPeriodStartDate`,
    /// FOCUS `BillingPeriodStart`); lines without it take the file's.
    Column,
    /// The file is one statement: its month is in its name (DBR), else it is
    /// the month most of its lines were used in, and every line gets it.
    File,
}

/// Period given to lines without a date of their own until the file's month is known.
const UNDATED: &str = "1900-01-01";

fn period_expr(timestamp: &str) -> String {
    format!("COALESCE(CAST(date_trunc('month', {timestamp}) AS DATE), DATE '{UNDATED}')")
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: line {line}: {message}")]
    Line { path: PathBuf, line: u64, message: String },
    /// A row of a CSV the cluster read: the header is row 1, so it is the
    /// line of that number unless a quoted value before it spans lines.
    #[error("{path}: row {row}: {message}")]
    Row { path: PathBuf, row: u64, message: String },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{message}")]
    Sync { message: String },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_says_what_each_column_of_billing_lines_holds_once() {
        let columns = columns::Columns::new(Vec::new());
        for format in [
            BillingFormat::Dbr,
            BillingFormat::Cur,
            BillingFormat::Cur2,
            BillingFormat::Focus,
            BillingFormat::CostAllocation,
        ] {
            let mut builder = columns::SelectBuilder::new(&columns);
            let targets: Vec<LineColumn> = format.normalize(&mut builder).columns.iter().map(|(c, _)| *c).collect();
            assert_eq!(targets, LineColumn::ALL, "{}", format.label());
        }
    }
}
