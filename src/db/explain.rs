//! The provenance of one resource's dollars in a month: its lines, tags, how
//! each part was attributed, and the events (tasks, attachments) behind it.

use std::collections::BTreeMap;

use duckdb::{OptionalExt, params};

use super::{Db, Result};
use crate::money::Money;

const EXPLAIN_BILLED_SQL: &str = include_str!("sql/explain_billed.sql");
const EXPLAIN_SERVICES_SQL: &str = include_str!("sql/explain_services.sql");
const EXPLAIN_SPLIT_GAPS_SQL: &str = include_str!("sql/explain_split_gaps.sql");
const EXPLAIN_ATTACHMENTS_SQL: &str = include_str!("sql/explain_attachments.sql");
const EXPLAIN_SCAD_SQL: &str = include_str!("sql/explain_scad.sql");

/// One way part of a resource's dollars went.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub area: String,
    pub service: String,
    pub method: String,
    /// The instance a volume's dollars merged into (method `ebs`), else ''.
    pub merged_into: String,
    pub cost: Money,
}

#[derive(Debug, Clone, Default)]
pub struct Explanation {
    pub month: String,
    pub resource: String,
    pub lines: i64,
    pub billed: Money,
    pub products: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// The resource's own lines as attributed.
    pub parts: Vec<Part>,
    /// For an instance: (volume, unblended cost merged into this instance).
    pub merged_volumes: Vec<(String, Money)>,
    /// For an instance: (service, area, tasks, CPU-seconds in the month).
    pub services: Vec<(String, String, i64, f64)>,
    /// For an instance: (service, area, tasks, split cost, unused cost) of
    /// AWS's split cost allocation data in the month.
    pub scad_services: Vec<(String, String, i64, Money, Money)>,
    /// For an instance: (service, area, by task events, by AWS's split) over
    /// the instance-hours both cover, as the latest attribution saw them.
    pub split_check: Vec<(String, String, Money, Money)>,
    /// For an instance: (kind, hours, cost) of the hours only one split covers
    /// (`scad_only`: split rows but no task events; `events_only`: the reverse).
    pub split_gaps: Vec<(String, i64, Money)>,
    /// For a volume or an instance: (volume, instance, from, to) of attachments overlapping the month.
    pub attachments: Vec<(String, String, String, String)>,
    /// The rules of the run that attributed the month, for `rule:<n>` methods.
    pub rules_text: String,
    pub run_id: Option<i64>,
    /// What that run was, when a rule change made it ("rule 7 appended: …").
    pub run_change: Option<String>,
}

impl Db {
    /// Explain `resource` (as billed, or its short id) in `month`; None when it has no line there.
    pub fn explain(&self, month: &str, resource: &str) -> Result<Option<Explanation>> {
        let conn = &self.conn;
        let found: Option<(String, String, i64, Money)> = conn
            .query_row(EXPLAIN_BILLED_SQL, params![month, resource], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((billed_id, short, lines, billed)) = found else {
            return Ok(None);
        };
        let mut x = Explanation {
            month: month.to_owned(),
            resource: billed_id.clone(),
            lines,
            billed,
            tags: self.resource_tags(month, resource)?,
            ..Explanation::default()
        };
        let strings = |sql: &str, args: &[&dyn duckdb::ToSql]| -> Result<Vec<String>> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map(args, |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        x.products = strings(
            "SELECT DISTINCT COALESCE(product_name, product_code, '') FROM billing_lines
             WHERE billing_period = strptime(?, '%Y-%m')::DATE AND resource_id = ? ORDER BY 1",
            params![month, billed_id],
        )?;
        let mut stmt = conn.prepare(
            "SELECT area, service, method, merged_into, sum(unblended_cost) FROM allocations
             WHERE billing_period = strptime(?, '%Y-%m')::DATE AND resource = ?
             GROUP BY ALL ORDER BY sum(unblended_cost) DESC, area, service, method, merged_into",
        )?;
        let rows = stmt.query_map(params![month, billed_id], |r| {
            Ok(Part {
                area: r.get(0)?,
                service: r.get(1)?,
                method: r.get(2)?,
                merged_into: r.get(3)?,
                cost: r.get(4)?,
            })
        })?;
        x.parts = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(
            "SELECT resource, sum(unblended_cost) FROM allocations
             WHERE billing_period = strptime(?, '%Y-%m')::DATE AND merged_into = ?
             GROUP BY ALL ORDER BY ALL",
        )?;
        let rows = stmt.query_map(params![month, short], |r| Ok((r.get(0)?, r.get(1)?)))?;
        x.merged_volumes = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(EXPLAIN_SERVICES_SQL)?;
        let rows = stmt.query_map(params![month, month, short], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        x.services = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(EXPLAIN_SCAD_SQL)?;
        let rows = stmt.query_map(params![month, short], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        x.scad_services = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(
            "SELECT service, area, events_cost, scad_cost FROM ecs_check
             WHERE billing_period = strptime(?, '%Y-%m')::DATE AND instance_id = ? AND kind = 'both'
             ORDER BY greatest(events_cost, scad_cost) DESC, service",
        )?;
        let rows = stmt.query_map(params![month, short], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        x.split_check = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(EXPLAIN_SPLIT_GAPS_SQL)?;
        let rows = stmt.query_map(params![month, short], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        x.split_gaps = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(EXPLAIN_ATTACHMENTS_SQL)?;
        let rows = stmt.query_map(params![month, month, short, short], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        x.attachments = rows.collect::<Result<_, _>>()?;
        if let Some((run, text, change)) = self.month_run(month)? {
            x.run_id = Some(run);
            x.rules_text = text;
            x.run_change = change;
        }
        Ok(Some(x))
    }

    /// The run that attributed `month` and the rules text it used, for
    /// naming `rule:<n>` and `split:<n>`; None before any attribution.
    pub(super) fn month_run(&self, month: &str) -> Result<Option<(i64, String, Option<String>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.run_id, r.rules_text, r.change FROM attributed_months m JOIN attribution_runs r USING (run_id)
                 WHERE m.billing_period = strptime(?, '%Y-%m')::DATE",
                params![month],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }
}
