//! Queries behind the explorer: the children of a drill-down path with this
//! and last month's cost, and a daily series for a sparkline. They read the
//! per-month tables attribution keeps (`explore_cells`, `explore_days`), so a
//! keypress costs the same with one month held or ten years. Path columns
//! come from the closed `Level` enum; values are bound parameters.

use duckdb::params_from_iter;

use super::sql::fill;
use super::{CostMeasure, Db, Result};

const EXPLORE_SQL: &str = include_str!("sql/explore.sql");
const EXPLORE_DAILY_SQL: &str = include_str!("sql/explore_daily.sql");
use crate::money::Money;

/// One level of the drill-down hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Product,
    Area,
    /// The ECS service where a line was split, else the resource.
    Leaf,
}

impl Level {
    fn sql(self) -> &'static str {
        match self {
            Level::Product => "product",
            Level::Area => "area",
            Level::Leaf => "leaf",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Product => "AWS product",
            Level::Area => "product area",
            Level::Leaf => "resource or service",
        }
    }
}

/// A row of the explorer: a child of the current path.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploreRow {
    pub name: String,
    /// Whether the name is an ECS service (only at the leaf level).
    pub is_service: bool,
    pub cost: Money,
    pub previous: Money,
}

/// The most rows one level shows; the rest are summed into one line.
pub const ROW_LIMIT: usize = 5000;

impl Db {
    /// Children of `path` at `level` in `month`, with `previous` month's cost.
    pub fn explore(
        &self,
        month: &str,
        previous: Option<&str>,
        measure: CostMeasure,
        path: &[(Level, String)],
        level: Level,
    ) -> Result<Vec<ExploreRow>> {
        let (filter, mut values) = path_filter(path);
        let cost = measure.column_name();
        let sql = fill(
            EXPLORE_SQL,
            &[
                ("key", level.sql()),
                ("cost", cost),
                ("filter", &filter),
                ("row_limit", &ROW_LIMIT.to_string()),
            ],
        );
        let mut params: Vec<String> = vec![month.to_owned()];
        params.extend(values.iter().cloned());
        params.push(previous.unwrap_or("0001-01").to_owned());
        params.append(&mut values);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| {
            Ok(ExploreRow {
                name: r.get(0)?,
                is_service: r.get::<_, Option<bool>>(1)?.unwrap_or(false) && level == Level::Leaf,
                cost: r.get(2)?,
                previous: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cost per day of `month` under `path` (days without cost are 0).
    pub fn daily(&self, month: &str, measure: CostMeasure, path: &[(Level, String)]) -> Result<Vec<f64>> {
        let (filter, values) = path_filter(path);
        let sql = fill(
            EXPLORE_DAILY_SQL,
            &[("cost", measure.column_name()), ("filter", &filter)],
        );
        let mut params = vec![month.to_owned(), month.to_owned(), month.to_owned()];
        params.extend(values);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cost under `path` in each of `months` (oldest first; a month without
    /// cost is zero), for the trend of the selected row.
    pub fn trend(
        &self,
        months: &[String],
        measure: CostMeasure,
        path: &[(Level, String)],
    ) -> Result<Vec<(String, Money)>> {
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok(Vec::new());
        };
        let (filter, values) = path_filter(path);
        let sql = fill(
            "SELECT strftime(billing_period, '%Y-%m'), sum({cost}) FROM explore_cells
             WHERE billing_period BETWEEN strptime(?, '%Y-%m')::DATE AND strptime(?, '%Y-%m')::DATE {filter}
             GROUP BY 1",
            &[("cost", measure.column_name()), ("filter", &filter)],
        );
        let mut params = vec![first.clone(), last.clone()];
        params.extend(values);
        let mut stmt = self.conn.prepare(&sql)?;
        let found: std::collections::HashMap<String, Money> = stmt
            .query_map(params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(months
            .iter()
            .map(|m| (m.clone(), found.get(m).copied().unwrap_or_default()))
            .collect())
    }

    /// Months that have allocations, oldest first.
    pub fn explored_months(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT strftime(billing_period, '%Y-%m') AS m FROM explore_cells ORDER BY m")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// ` AND <column> = ?` per path step, with the values to bind.
fn path_filter(path: &[(Level, String)]) -> (String, Vec<String>) {
    let filter = path
        .iter()
        .map(|(level, _)| fill(" AND {column} = ?", &[("column", level.sql())]))
        .collect();
    (filter, path.iter().map(|(_, v)| v.clone()).collect())
}
