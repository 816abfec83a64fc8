//! Read queries behind `report`: grouping dimensions come from a closed enum
//! mapped to literal SQL; values (the month) are bound parameters.

use std::collections::BTreeMap;

use duckdb::params;

use super::sql::fill;
use super::{Db, Result};
use crate::money::Money;

const COST_REPORT_SQL: &str = include_str!("sql/cost_report.sql");
const RESOURCE_TAGS_SQL: &str = include_str!("sql/resource_tags.sql");
const TASK_INSTANCES_SQL: &str = include_str!("sql/task_instances.sql");

/// A column a report can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Product,
    Area,
    Service,
    Resource,
    Account,
    UsageType,
    Method,
    /// The instance a volume's dollars merged into (method `ebs`), else ''.
    MergedInto,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::Product,
        Dimension::Area,
        Dimension::Service,
        Dimension::Resource,
        Dimension::Account,
        Dimension::UsageType,
        Dimension::Method,
        Dimension::MergedInto,
    ];

    /// The dimension's name on the command line and in CSV headers, which is
    /// also its column in `allocations`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Product => "product",
            Dimension::Area => "area",
            Dimension::Service => "service",
            Dimension::Resource => "resource",
            Dimension::Account => "account",
            Dimension::UsageType => "usage_type",
            Dimension::Method => "method",
            Dimension::MergedInto => "merged_into",
        }
    }

    /// A name as `name` gives it; `-` may stand for `_` (`merged-into`).
    pub fn parse(text: &str) -> Option<Dimension> {
        let text = text.replace('-', "_");
        Dimension::ALL.into_iter().find(|d| d.name() == text)
    }

    /// Before any attribution run, every line is unattributed: area
    /// `(unallocated)`, no ECS service, method `unallocated`.
    fn billing_line_sql(self) -> String {
        match self {
            Dimension::Product => "COALESCE(product_name, product_code, '')".to_owned(),
            Dimension::Area => "'(unallocated)'".to_owned(),
            Dimension::Service | Dimension::MergedInto => "''".to_owned(),
            Dimension::Resource => "COALESCE(resource_id, '')".to_owned(),
            Dimension::Account => "usage_account".to_owned(),
            Dimension::UsageType => "COALESCE(usage_type, '')".to_owned(),
            Dimension::Method => format!("'{}'", super::Method::Unallocated.name()),
        }
    }
}

/// Which cost column a report sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CostMeasure {
    #[default]
    Unblended,
    Amortized,
    Blended,
    /// Amortized after discounts, from the export's net columns (amortized
    /// where the export has none).
    NetAmortized,
}

impl CostMeasure {
    pub const ALL: [CostMeasure; 4] = [
        CostMeasure::Unblended,
        CostMeasure::Amortized,
        CostMeasure::Blended,
        CostMeasure::NetAmortized,
    ];

    pub(super) fn column_name(self) -> &'static str {
        self.column()
    }

    /// Its name for people and on the command line: `unblended`, `amortized`, `blended`, `net-amortized`.
    pub fn label(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "unblended",
            CostMeasure::Amortized => "amortized",
            CostMeasure::Blended => "blended",
            CostMeasure::NetAmortized => "net-amortized",
        }
    }

    fn column(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "unblended_cost",
            CostMeasure::Amortized => "amortized_cost",
            CostMeasure::Blended => "blended_cost",
            CostMeasure::NetAmortized => "net_amortized_cost",
        }
    }
}

/// One group of a report: its dimension values and the exact cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub keys: Vec<String>,
    pub cost: Money,
}

impl Db {
    /// The latest billing period in the database, as `YYYY-MM`.
    pub fn latest_period(&self) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT strftime(max(billing_period), '%Y-%m') FROM billing_lines",
            [],
            |r| r.get(0),
        )?)
    }

    /// Every billing period in the database, oldest first, as `YYYY-MM`.
    pub fn periods(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT strftime(billing_period, '%Y-%m') AS p FROM billing_lines ORDER BY p")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cost of `month` (`YYYY-MM`) grouped by `dims`, largest first.
    pub fn cost_report(&self, month: &str, dims: &[Dimension], measure: CostMeasure) -> Result<Vec<ReportRow>> {
        let attributed = self.has_attribution()?;
        let table = if attributed { "allocations" } else { "billing_lines" };
        let keys: Vec<String> = dims
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let column = if attributed {
                    d.name().to_owned()
                } else {
                    d.billing_line_sql()
                };
                format!("{column} AS k{i}")
            })
            .collect();
        let group = if dims.is_empty() { "" } else { "GROUP BY ALL" };
        let order_keys: String = (0..dims.len()).map(|i| format!(", k{i}")).collect();
        let keys: String = keys.iter().map(|k| format!("{k}, ")).collect();
        let sql = fill(
            COST_REPORT_SQL,
            &[
                ("keys", &keys),
                ("cost", measure.column()),
                ("table", table),
                ("group", group),
                ("order_keys", &order_keys),
            ],
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![month], |r| {
            let keys = (0..dims.len())
                .map(|i| r.get::<_, String>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ReportRow {
                keys,
                cost: r.get(dims.len())?,
            })
        })?;
        let rows: Vec<ReportRow> = rows.collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .filter(|r| !(dims.is_empty() && r.cost.is_zero()))
            .collect())
    }

    /// Currencies billed in `month`, for labelling sums (a mix is summed as is).
    pub fn currencies(&self, month: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT COALESCE(currency, 'USD') AS c FROM billing_lines
             WHERE billing_period = strptime(?, '%Y-%m')::DATE ORDER BY c",
        )?;
        let rows = stmt.query_map(params![month], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every tag carried by the lines of `resource` (id as billed, or its short form) in `month`.
    pub fn resource_tags(&self, month: &str, resource: &str) -> Result<BTreeMap<String, String>> {
        let mut stmt = self.conn.prepare(RESOURCE_TAGS_SQL)?;
        let rows = stmt.query_map(params![month, resource], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Distinct ECS tasks, and (task id, EC2 instance) for the tasks whose
    /// container instance is known: how far the event joins reach.
    pub fn event_counts(&self) -> Result<(i64, Vec<(String, String)>)> {
        let tasks: i64 = self
            .conn
            .query_row("SELECT count(DISTINCT task_arn) FROM ecs_task_events", [], |r| r.get(0))?;
        let mut stmt = self.conn.prepare(TASK_INSTANCES_SQL)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok((tasks, rows.collect::<Result<_, _>>()?))
    }
}
