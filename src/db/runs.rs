//! Attribution history: the list of runs, closing months into finalized
//! rollups, and the service map as recorded.

use duckdb::{OptionalExt, params};

use super::sql::fill;
use super::{Db, Result};
use crate::money::Money;

const RUNS_SQL: &str = include_str!("sql/runs.sql");
const MONTHS_CLOSED_BY_INVOICE_SQL: &str = include_str!("sql/months_closed_by_invoice.sql");
const BILLED_BY_NAME_SQL: &str = include_str!("sql/billed_by_name.sql");

/// The rollups a finalized month is copied from: (finalized table, rollup table).
const ROLLUPS: [(&str, &str); 3] = [
    ("finalized_product_area", "rollup_product_area"),
    ("finalized_area_service", "rollup_area_service"),
    ("finalized_area_account", "rollup_area_account"),
];

#[derive(Debug, Clone)]
pub struct RunInfo {
    pub run_id: i64,
    pub started_at: String,
    pub idle: String,
    pub weight: String,
    pub tag_key: String,
    pub rule_count: i64,
    /// The months the run attributed.
    pub periods: Vec<String>,
    /// The rules file ('' when none) and its content hash ('' when it did not exist).
    pub rules_path: String,
    pub rules_hash: String,
    /// Which ECS split won where both exist (`auto` for runs before it was recorded).
    pub ecs_source: String,
    /// What a run by a rule change did ("rule 7 appended: 12 months, …");
    /// None for a full attribution.
    pub change: Option<String>,
    /// Where its months were attributed in full (`duckdb`, `spark`; `duckdb`
    /// too for a run of rule changes alone, which move here), and the
    /// warehouse another engine kept its results in.
    pub engine: String,
    pub warehouse: Option<String>,
}

/// What the latest run was attributed with, for the next run to keep.
#[derive(Debug, Clone)]
pub struct LastRun {
    pub rules_path: String,
    pub rules_hash: String,
    pub idle_flag: Option<String>,
    pub weight_flag: Option<String>,
    pub tag_key_flag: Option<String>,
    /// The engine the latest run that attributed a month in full used
    /// (`duckdb` when none did), and that engine's warehouse: a run of rule
    /// changes alone used none.
    pub engine: String,
    pub warehouse: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceEntry {
    pub service: String,
    pub cluster: Option<String>,
    /// For an EKS workload (or `*`, every workload of it).
    pub namespace: Option<String>,
    pub area: String,
    pub source: String,
}

impl Db {
    pub fn runs(&self) -> Result<Vec<RunInfo>> {
        let mut stmt = self.conn.prepare(RUNS_SQL)?;
        let rows = stmt.query_map([], |r| {
            Ok(RunInfo {
                run_id: r.get(0)?,
                started_at: r.get(1)?,
                idle: r.get(2)?,
                weight: r.get(3)?,
                tag_key: r.get(4)?,
                rule_count: r.get(5)?,
                periods: super::store::list_of_text(r.get(6)?),
                rules_path: r.get(7)?,
                rules_hash: r.get(8)?,
                ecs_source: r.get(9)?,
                change: r.get(10)?,
                engine: r.get(11)?,
                warehouse: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The rules and flag-given settings of the latest run, if any.
    pub fn last_run(&self) -> Result<Option<LastRun>> {
        Ok(self
            .conn
            .query_row(
                "SELECT COALESCE(r.rules_path, ''), COALESCE(r.rules_hash, ''), r.idle_flag, r.weight_flag,
                        r.tag_key_flag, COALESCE(e.engine, 'duckdb'), e.warehouse
                 FROM attribution_runs r
                 -- the engine of the latest run that attributed a month in full
                 LEFT JOIN (SELECT engine, warehouse FROM attribution_runs WHERE engine IS NOT NULL
                            ORDER BY run_id DESC LIMIT 1) e ON true
                 ORDER BY r.run_id DESC LIMIT 1",
                [],
                |r| {
                    Ok(LastRun {
                        rules_path: r.get(0)?,
                        rules_hash: r.get(1)?,
                        idle_flag: r.get(2)?,
                        weight_flag: r.get(3)?,
                        tag_key_flag: r.get(4)?,
                        engine: r.get(5)?,
                        warehouse: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Copy the latest run's rollups of `month` into the finalized tables,
    /// replacing an earlier finalization. Returns the run id, or None when no
    /// run covers the month.
    pub fn finalize(&self, month: &str, reason: &str) -> Result<Option<i64>> {
        let run: Option<i64> = self.conn.query_row(
            "SELECT max(run_id) FROM rollup_product_area WHERE billing_period = strptime(?, '%Y-%m')::DATE",
            params![month],
            |r| r.get(0),
        )?;
        let Some(run_id) = run else { return Ok(None) };
        self.in_transaction(|| {
            for (finalized, rollup) in ROLLUPS {
                let tables = [("finalized", finalized), ("rollup", rollup)];
                self.conn.execute(
                    &fill(
                        "DELETE FROM {finalized} WHERE billing_period = strptime(?, '%Y-%m')::DATE",
                        &tables,
                    ),
                    params![month],
                )?;
                self.conn.execute(
                    &fill(
                        "INSERT INTO {finalized} SELECT * FROM {rollup}
                         WHERE run_id = ? AND billing_period = strptime(?, '%Y-%m')::DATE",
                        &tables,
                    ),
                    params![run_id, month],
                )?;
            }
            self.conn.execute(
                "DELETE FROM finalized_months WHERE billing_period = strptime(?, '%Y-%m')::DATE",
                params![month],
            )?;
            self.conn.execute(
                "INSERT INTO finalized_months VALUES (strptime(?, '%Y-%m')::DATE, ?, current_timestamp::TIMESTAMP, ?)",
                params![month, run_id, reason],
            )?;
            Ok(Some(run_id))
        })
    }

    /// Months whose invoice AWS has issued (no line is an estimate) and that are
    /// not finalized yet.
    pub fn months_closed_by_invoice(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(MONTHS_CLOSED_BY_INVOICE_SQL)?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn finalized_months(&self) -> Result<Vec<(String, i64, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT strftime(billing_period, '%Y-%m'), run_id, reason FROM finalized_months ORDER BY 1")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn service_map(&self) -> Result<Vec<ServiceEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT service, cluster, product_area, source, namespace FROM service_map
             ORDER BY service, cluster NULLS FIRST, namespace NULLS FIRST",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ServiceEntry {
                service: r.get(0)?,
                cluster: r.get(1)?,
                area: r.get(2)?,
                source: r.get(3)?,
                namespace: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Db {
    /// Replace the Terraform-sourced part of the service map (file id 0).
    pub fn replace_terraform_services(&self, entries: &[(String, String, String)]) -> Result<()> {
        self.in_transaction(|| {
            self.conn.execute_batch("DELETE FROM service_map WHERE file_id = 0")?;
            let mut stmt = self.conn.prepare(
                "INSERT INTO service_map (file_id, service, cluster, product_area, source) VALUES (0, ?, NULL, ?, ?)",
            )?;
            for (service, area, source) in entries {
                stmt.execute(params![service, area, source])?;
            }
            Ok(())
        })
    }

    /// Whether `area` appears anywhere in the data: attributed, in the
    /// service map, or as the value of some tag of a line. The tag scan runs
    /// only when the cheaper places do not know it.
    pub fn knows_area(&self, area: &str) -> Result<bool> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM allocations WHERE area = ?1 OR direct_area = ?1)
                 OR EXISTS (SELECT 1 FROM service_map WHERE product_area = ?1)",
            params![area],
            |r| r.get(0),
        )?;
        if known {
            return Ok(true);
        }
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM billing_lines
                            WHERE tags IS NOT NULL
                              AND list_contains(map_values(CAST(tags AS MAP(VARCHAR, VARCHAR))), ?1))",
            params![area],
            |r| r.get(0),
        )?)
    }

    /// Unblended dollars billed to each of `names` (as the short resource id or
    /// the id as billed), over all months.
    pub fn billed_by_name(&self, names: &[String]) -> Result<std::collections::HashMap<String, Money>> {
        self.conn
            .execute_batch("CREATE OR REPLACE TEMP TABLE tf_names (name VARCHAR)")?;
        {
            let mut appender = self.conn.appender("tf_names")?;
            for n in names {
                appender.append_row(params![n])?;
            }
            appender.flush()?;
        }
        let mut stmt = self.conn.prepare(BILLED_BY_NAME_SQL)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
