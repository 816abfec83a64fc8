//! `split-check`: the ECS split two ways, as the latest attribution of a
//! month recorded it (`ecs_check`): per service by task events (CPU-seconds
//! or `--weight`) and by AWS's split cost allocation data, and the
//! instance-hours only one covers; and the EKS workloads AWS's split data
//! names, with their idle share and the area each got.

use duckdb::{OptionalExt, params};

use super::{Db, Result};
use crate::money::Money;

const ECS_CHECK_SERVICES_SQL: &str = include_str!("sql/ecs_check_services.sql");
const ECS_CHECK_BOTH_SQL: &str = include_str!("sql/ecs_check_both.sql");
const ECS_CHECK_GAPS_SQL: &str = include_str!("sql/ecs_check_gaps.sql");
const SPLIT_CHECK_EKS_SQL: &str = include_str!("sql/split_check_eks.sql");

/// An EKS workload of the month in AWS's split data (unblended dollars).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSplit {
    /// NAMESPACE/WORKLOAD.
    pub workload: String,
    pub cluster: String,
    pub pods: i64,
    pub instances: i64,
    /// Instance-hours its pods ran in.
    pub hours: i64,
    /// Its pods' split cost, and their share of capacity no pod reserved.
    pub split: Money,
    pub unused: Money,
    /// The area attribution gave it; `(unmapped)` when nothing did.
    pub area: String,
}

/// One service over the instance-hours both splits cover (unblended dollars).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSplit {
    pub service: String,
    pub area: String,
    pub by_events: Money,
    pub by_scad: Money,
    /// by_events − by_scad.
    pub difference: Money,
}

/// Instance-hours of one instance that only one split covers.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitGap {
    pub instance: String,
    pub hours: i64,
    pub first_hour: String,
    pub last_hour: String,
    /// The unblended dollars of those hours (the instance and volumes merged into it).
    pub cost: Money,
}

#[derive(Debug, Clone, Default)]
pub struct EcsCheck {
    pub month: String,
    /// Whether the database holds billing lines of the month.
    pub billed: bool,
    /// The run that attributed the month and its settings, if any did.
    pub run_id: Option<i64>,
    pub weight: String,
    pub idle: String,
    pub ecs_source: String,
    /// Split cost allocation rows of the month (vCPU and memory rows of a task-hour count one).
    pub split_rows: i64,
    /// Instance-hours both splits cover, on how many instances, and their dollars.
    pub both_hours: i64,
    pub both_instances: i64,
    pub both_cost: Money,
    /// Largest difference first.
    pub services: Vec<ServiceSplit>,
    /// Split rows but no task events: where event capture has gaps.
    pub scad_only: Vec<SplitGap>,
    /// Task events but no split rows.
    pub events_only: Vec<SplitGap>,
    /// EKS workloads, costliest first.
    pub workloads: Vec<WorkloadSplit>,
}

impl Db {
    pub fn ecs_check(&self, month: &str) -> Result<EcsCheck> {
        let conn = &self.conn;
        let mut check = EcsCheck {
            month: month.to_owned(),
            ..EcsCheck::default()
        };
        check.billed = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM billing_lines WHERE billing_period = strptime(?, '%Y-%m')::DATE)",
            params![month],
            |r| r.get(0),
        )?;
        check.split_rows = conn.query_row(
            "SELECT count(*) FROM scad_splits WHERE billing_period = strptime(?, '%Y-%m')::DATE",
            params![month],
            |r| r.get(0),
        )?;
        let run: Option<(i64, String, String, Option<String>)> = conn
            .query_row(
                "SELECT r.run_id, r.weight, r.idle, r.ecs_source
                 FROM attributed_months m JOIN attribution_runs r USING (run_id)
                 WHERE m.billing_period = strptime(?, '%Y-%m')::DATE",
                params![month],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((run_id, weight, idle, source)) = run {
            check.run_id = Some(run_id);
            check.weight = weight;
            check.idle = idle;
            check.ecs_source = source.unwrap_or_else(|| "auto".to_owned());
        }
        let mut stmt = conn.prepare(ECS_CHECK_SERVICES_SQL)?;
        let rows = stmt.query_map(params![month], |r| {
            Ok(ServiceSplit {
                service: r.get(0)?,
                area: r.get(1)?,
                by_events: r.get(2)?,
                by_scad: r.get(3)?,
                difference: r.get(4)?,
            })
        })?;
        check.services = rows.collect::<Result<_, _>>()?;
        (check.both_hours, check.both_instances, check.both_cost) =
            conn.query_row(ECS_CHECK_BOTH_SQL, params![month], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        check.scad_only = self.split_gaps(month, "scad_only")?;
        check.events_only = self.split_gaps(month, "events_only")?;
        let mut stmt = conn.prepare(SPLIT_CHECK_EKS_SQL)?;
        let rows = stmt.query_map(params![month], |r| {
            Ok(WorkloadSplit {
                workload: r.get(0)?,
                cluster: r.get(1)?,
                pods: r.get(2)?,
                instances: r.get(3)?,
                hours: r.get(4)?,
                split: r.get(5)?,
                unused: r.get(6)?,
                area: r.get(7)?,
            })
        })?;
        check.workloads = rows.collect::<Result<_, _>>()?;
        Ok(check)
    }

    fn split_gaps(&self, month: &str, kind: &str) -> Result<Vec<SplitGap>> {
        let mut stmt = self.conn.prepare(ECS_CHECK_GAPS_SQL)?;
        let rows = stmt.query_map(params![month, kind], |r| {
            Ok(SplitGap {
                instance: r.get(0)?,
                hours: r.get(1)?,
                first_hour: r.get(2)?,
                last_hour: r.get(3)?,
                cost: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
