//! Runs the attribution batch (`sql/attribute.sql`) in one transaction: the
//! latest allocations are replaced, rollups appended, conservation verified.

use duckdb::params;

use super::{Db, DbError, Result};
use crate::rules::Rule;

#[derive(Debug, Clone)]
pub struct AttributionInput {
    pub tag_key: String,
    /// `spread` or `separate`.
    pub idle: String,
    pub weight_name: String,
    pub cpu_weight: f64,
    pub memory_weight: f64,
    pub rules_text: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run_id: i64,
    pub periods: Vec<String>,
    /// (method kind, unblended cost) over all periods, for the summary line.
    pub by_method: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("attribution does not conserve money in {period}: {measure} billed {billed}, allocated {allocated}")]
pub struct ConservationError {
    pub period: String,
    pub measure: String,
    pub billed: String,
    pub allocated: String,
}

const ATTRIBUTE_SQL: &str = include_str!("sql/attribute.sql");

impl Db {
    pub fn attribute(&self, input: &AttributionInput) -> Result<RunSummary> {
        self.in_transaction(|| self.attribute_in_transaction(input))
    }

    fn attribute_in_transaction(&self, input: &AttributionInput) -> Result<RunSummary> {
        let conn = &self.conn;
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE attr_settings (tag_key VARCHAR, idle VARCHAR, cpu_w DOUBLE, mem_w DOUBLE);
             CREATE OR REPLACE TEMP TABLE attr_rules (n BIGINT, area VARCHAR, area_from_tag VARCHAR, product VARCHAR,
                 usage_type VARCHAR, operation VARCHAR, account VARCHAR, region VARCHAR, resource VARCHAR,
                 line_item_type VARCHAR);
             CREATE OR REPLACE TEMP TABLE attr_rule_tags (n BIGINT, key VARCHAR, pattern VARCHAR);",
        )?;
        conn.execute(
            "INSERT INTO attr_settings VALUES (?, ?, ?, ?)",
            params![input.tag_key, input.idle, input.cpu_weight, input.memory_weight],
        )?;
        {
            let mut rules = conn.appender("attr_rules")?;
            let mut tags = conn.appender("attr_rule_tags")?;
            for r in &input.rules {
                rules.append_row(params![
                    r.number as i64,
                    r.area,
                    r.area_from_tag,
                    r.product,
                    r.usage_type,
                    r.operation,
                    r.account,
                    r.region,
                    r.resource,
                    r.line_item_type
                ])?;
                for (k, g) in &r.tags {
                    tags.append_row(params![r.number as i64, k, g])?;
                }
            }
            rules.flush()?;
            tags.flush()?;
        }
        conn.execute_batch(ATTRIBUTE_SQL)?;
        let run_id: i64 = conn.query_row("SELECT COALESCE(max(run_id), 0) + 1 FROM attribution_runs", [], |r| r.get(0))?;
        conn.execute_batch("DELETE FROM allocations")?;
        conn.execute(
            "INSERT INTO allocations
             SELECT ?, b.billing_period, COALESCE(CAST(b.usage_start AS DATE), b.billing_period),
                    COALESCE(b.product_name, b.product_code, ''), COALESCE(b.usage_type, ''), b.usage_account,
                    COALESCE(b.resource_id, ''), f.area, f.service, f.method, sum(f.u), sum(f.a), sum(f.bl)
             FROM a_final f JOIN billing_lines b ON b.rowid = f.line_id
             GROUP BY ALL",
            params![run_id],
        )?;
        self.check_conservation()?;
        let periods: Vec<String> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT strftime(billing_period, '%Y-%m') AS p FROM allocations ORDER BY p",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        conn.execute(
            "INSERT INTO attribution_runs VALUES (?, current_timestamp::TIMESTAMP, ?, ?, ?, ?, ?, ?::VARCHAR[])",
            params![
                run_id,
                input.idle,
                input.weight_name,
                input.tag_key,
                input.rules_text,
                input.rules.len() as i64,
                format!("[{}]", periods.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(", "))
            ],
        )?;
        for (table, dims) in [
            ("rollup_product_area", "product, area"),
            ("rollup_area_service", "area, service"),
            ("rollup_area_account", "area, account"),
        ] {
            conn.execute_batch(&format!(
                "INSERT INTO {table} SELECT run_id, billing_period, {dims},
                        sum(unblended_cost), sum(amortized_cost), sum(blended_cost)
                 FROM allocations GROUP BY ALL"
            ))?;
        }
        let by_method = {
            let mut stmt = conn.prepare(
                "SELECT CASE WHEN starts_with(method, 'rule:') THEN 'rule'
                             WHEN starts_with(method, 'ebs→') THEN 'ebs' ELSE method END AS m,
                        CAST(sum(unblended_cost) AS VARCHAR)
                 FROM allocations GROUP BY m ORDER BY m",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        Ok(RunSummary {
            run_id,
            periods,
            by_method,
        })
    }

    /// Allocated equals billed, per period and cost measure, to the last decimal.
    fn check_conservation(&self) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "WITH billed AS (SELECT billing_period, sum(unblended_cost) u, sum(amortized_cost) a, sum(blended_cost) b
                             FROM billing_lines GROUP BY 1),
                  allocated AS (SELECT billing_period, sum(unblended_cost) u, sum(amortized_cost) a, sum(blended_cost) b
                                FROM allocations GROUP BY 1)
             SELECT strftime(billing_period, '%Y-%m'), m.name,
                    CAST(COALESCE(m.billed, 0) AS VARCHAR), CAST(COALESCE(m.allocated, 0) AS VARCHAR)
             FROM billed FULL JOIN allocated USING (billing_period),
                  LATERAL (VALUES ('unblended', billed.u, allocated.u),
                                  ('amortized', billed.a, allocated.a),
                                  ('blended', billed.b, allocated.b)) m(name, billed, allocated)
             WHERE m.billed IS DISTINCT FROM m.allocated
             LIMIT 1",
        )?;
        let mut rows = stmt.query([])?;
        if let Some(r) = rows.next()? {
            return Err(DbError::Conservation(ConservationError {
                period: r.get(0)?,
                measure: r.get(1)?,
                billed: r.get(2)?,
                allocated: r.get(3)?,
            }));
        }
        Ok(())
    }

    /// Whether an attribution run exists (reports read allocations once one does).
    pub fn has_attribution(&self) -> Result<bool> {
        Ok(self.conn.query_row("SELECT count(*) > 0 FROM attribution_runs", [], |r| r.get(0))?)
    }
}
