//! Queries behind `coverage`, `spikes` and `unit-cost`/`forecast`, all over the
//! latest attribution (`allocations`) and the synced business metrics.

use duckdb::params;

use super::sql::fill;
use super::{CostMeasure, Db, Method, Result};
use crate::money::Money;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    pub total: Money,
    /// (tag | rule | derived | unmapped | unallocated, cost), largest first
    pub by_method: Vec<(String, Money)>,
    /// (AWS product, covered cost, total cost)
    pub by_product: Vec<(String, Money, Money)>,
    /// Untagged spend to chase, largest first, down to the target.
    pub chase: Vec<Chase>,
    /// (month, covered share)
    pub history: Vec<(String, f64)>,
    /// When the chase list needs more than [`GROUPS_FROM`] rows: groups that
    /// one rule each would claim, largest first.
    pub groups: Vec<ChaseGroup>,
}

/// A chase list longer than this offers groups.
pub const GROUPS_FROM: usize = 50;

/// Unclaimed money one rule would claim: resources named alike, lines
/// carrying a tag key, a usage type, an account.
#[derive(Debug, Clone, PartialEq)]
pub struct ChaseGroup {
    pub kind: GroupKind,
    /// The name stem (without its `*`), tag key, usage type or account.
    pub key: String,
    /// Resources (tag values, for a tag key) in it.
    pub members: i64,
    pub cost: Money,
    /// Coverage once it is claimed (with nothing else).
    pub coverage_after: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Resources whose names start with the stem.
    Stem,
    /// Lines carrying the tag key: each value becomes an area.
    TagKey,
    UsageType,
    Account,
}

impl ChaseGroup {
    /// The rule that claims the group: `area` (ignored for a tag key, whose
    /// values are the areas).
    pub fn rule(&self, area: &str) -> crate::rules::NewRule {
        use crate::rules::{NewRule, glob_literal};
        match self.kind {
            GroupKind::Stem => NewRule::pattern(area, "resource", &format!("{}*", glob_literal(&self.key))),
            GroupKind::TagKey => NewRule::from_tag(&self.key),
            GroupKind::UsageType => NewRule::exactly(area, "usage_type", &self.key),
            GroupKind::Account => NewRule::exactly(area, "account", &self.key),
        }
    }

    /// How the group reads in a list: `resources plover-raw-* (41)`.
    pub fn label(&self) -> String {
        match self.kind {
            GroupKind::Stem => format!("resources {}* ({})", self.key, self.members),
            GroupKind::TagKey => format!("tag {} ({} values → areas)", self.key, self.members),
            GroupKind::UsageType => format!("usage type {} ({} resources)", self.key, self.members),
            GroupKind::Account => format!("account {} ({} resources)", self.key, self.members),
        }
    }
}

/// One unallocated resource of the chase list.
#[derive(Debug, Clone, PartialEq)]
pub struct Chase {
    pub resource: String,
    pub product: String,
    /// The usage type with most of its cost, for assigning by usage type.
    pub usage_type: String,
    pub cost: Money,
    /// Coverage once it and everything above it is tagged.
    pub coverage_after: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub area: String,
    pub product: String,
    pub current: Money,
    pub previous: Money,
    /// Month-end projection of `current` while the month is open.
    pub projected: Option<Money>,
    /// (resource or service, change), largest absolute change first.
    pub drivers: Vec<(String, Money)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spikes {
    pub month: String,
    pub previous: Option<String>,
    /// Days compared when the month is still open (same days of both months).
    pub partial_days: Option<u32>,
    pub days_in_month: u32,
    pub spikes: Vec<Spike>,
    /// (date, area, product, cost, trailing mean)
    pub anomalies: Vec<(String, String, String, Money, Money)>,
}

/// One month of a unit cost.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCost {
    pub month: String,
    pub metric: String,
    pub area: Option<String>,
    pub cost: Money,
    pub volume: f64,
}

const SPIKES_SQL: &str = include_str!("sql/spikes.sql");
const ANOMALIES_SQL: &str = include_str!("sql/anomalies.sql");
const UNIT_COSTS_SQL: &str = include_str!("sql/unit_costs.sql");
const TAG_GROUPS_SQL: &str = include_str!("sql/tag_groups.sql");

/// Which cost an area's unit cost divides: after every `[[split]]` gave it
/// its share of shared costs (fully loaded), or before (direct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CostBasis {
    #[default]
    FullyLoaded,
    Direct,
}

impl CostBasis {
    pub fn label(self) -> &'static str {
        match self {
            CostBasis::FullyLoaded => "fully loaded (after splits)",
            CostBasis::Direct => "direct (before splits)",
        }
    }
}

/// Which areas count as attributed: everything but unallocated and unmapped.
const UNCOVERED: &str = "('(unallocated)', '(unmapped)')";

impl Db {
    pub fn coverage(&self, month: &str, measure: CostMeasure, target: f64) -> Result<Coverage> {
        let cost = measure.column_name();
        let conn = &self.conn;
        let mut c = Coverage::default();
        let filled = |template: &str| fill(template, &[("cost", cost), ("uncovered", UNCOVERED)]);
        let mut stmt = conn.prepare(&filled(
            "SELECT area = '(unmapped)', method, sum({cost})
             FROM allocations WHERE billing_period = strptime(?, '%Y-%m')::DATE
             GROUP BY ALL",
        ))?;
        let rows: Vec<(bool, String, Money)> = stmt
            .query_map(params![month], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut kinds: std::collections::BTreeMap<String, Money> = std::collections::BTreeMap::new();
        for (unmapped, method, cost) in rows {
            let kind = match Method::parse(&method) {
                _ if unmapped => "unmapped",
                Some(m) if !m.is_derived() => m.kind(),
                _ => "derived",
            };
            let total = kinds.entry(kind.to_owned()).or_default();
            *total += cost;
        }
        c.by_method = kinds.into_iter().collect();
        c.by_method.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        c.total = c.by_method.iter().map(|(_, v)| *v).sum();
        let mut stmt = conn.prepare(&filled(
            "SELECT product, COALESCE(sum({cost}) FILTER (WHERE area NOT IN {uncovered}), 0), sum({cost})
             FROM allocations WHERE billing_period = strptime(?, '%Y-%m')::DATE
             GROUP BY product ORDER BY 3 DESC, 1",
        ))?;
        c.by_product = stmt
            .query_map(params![month], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let covered: Money = c.by_product.iter().map(|(_, v, _)| *v).sum();
        let mut stmt = conn.prepare(&filled(
            "SELECT resource, product, arg_max(usage_type, {cost}), sum({cost}) AS c FROM allocations
             WHERE billing_period = strptime(?, '%Y-%m')::DATE AND area = '(unallocated)'
             GROUP BY resource, product HAVING sum({cost}) > 0 ORDER BY c DESC, resource LIMIT 10000",
        ))?;
        let rows: Vec<(String, String, String, Money)> = stmt
            .query_map(params![month], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let total = c.total.as_f64();
        let mut running = covered;
        for (resource, product, usage_type, cost) in rows {
            if total.abs() > f64::EPSILON && running.as_f64() / total >= target {
                break;
            }
            running += cost;
            let coverage_after = if total.abs() > f64::EPSILON {
                running.as_f64() / total
            } else {
                1.0
            };
            c.chase.push(Chase {
                resource,
                product,
                usage_type,
                cost,
                coverage_after,
            });
        }
        if c.chase.len() > GROUPS_FROM {
            c.groups = self.chase_groups(month, covered, c.total)?;
        }
        let mut stmt = conn.prepare(&filled(
            "SELECT strftime(billing_period, '%Y-%m'),
                    CAST(COALESCE(sum({cost}) FILTER (WHERE area NOT IN {uncovered}), 0) / NULLIF(sum({cost}), 0) AS DOUBLE)
             FROM allocations GROUP BY 1 ORDER BY 1",
        ))?;
        c.history = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<f64>>(1)?.unwrap_or(0.0))))?
            .collect::<Result<_, _>>()?;
        Ok(c)
    }

    /// The groups of the month's unclaimed money, with the coverage each reaches.
    fn chase_groups(&self, month: &str, covered: Money, total: Money) -> Result<Vec<ChaseGroup>> {
        let (key, aliases) = self.area_key()?;
        let spellings = aliases.spellings(&key).join(",");
        let mut stmt = self.conn.prepare(TAG_GROUPS_SQL)?;
        let rows = stmt.query_map(params![month, spellings], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Money>(3)?,
            ))
        })?;
        let mut groups = Vec::new();
        for row in rows {
            let (kind, key, members, cost) = row?;
            let kind = match kind.as_str() {
                "resource" => GroupKind::Stem,
                "tag" => GroupKind::TagKey,
                "usage_type" => GroupKind::UsageType,
                _ => GroupKind::Account,
            };
            let coverage_after = if total.is_zero() {
                1.0
            } else {
                (covered + cost).as_f64() / total.as_f64()
            };
            groups.push(ChaseGroup {
                kind,
                key,
                members,
                cost,
                coverage_after,
            });
        }
        Ok(groups)
    }

    pub fn spikes(&self, month: &str, measure: CostMeasure, min_delta: f64) -> Result<Spikes> {
        let cost = measure.column_name();
        let conn = &self.conn;
        let previous: Option<String> = conn.query_row(
            "SELECT strftime(max(billing_period), '%Y-%m') FROM allocations WHERE billing_period < strptime(?, '%Y-%m')::DATE",
            params![month],
            |r| r.get(0),
        )?;
        // A month whose data stop before its last day is still open: it is
        // compared day for day with the previous month, and projected.
        let (last_day, days_in_month): (Option<u32>, u32) = conn.query_row(
            "SELECT (SELECT max(day(usage_date)) FROM allocations WHERE billing_period = m), day(last_day(m))
             FROM (SELECT strptime(?, '%Y-%m')::DATE AS m)",
            params![month],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?.map(|d| d as u32),
                    r.get::<_, i64>(1)? as u32,
                ))
            },
        )?;
        let partial_days = last_day.filter(|d| *d < days_in_month);
        let days = partial_days.unwrap_or(31) as i64;
        let prev = previous.clone().unwrap_or_else(|| "0001-01".to_owned());
        let mut stmt = conn.prepare(&fill(SPIKES_SQL, &[("cost", cost)]))?;
        let spikes = stmt
            .query_map(params![month, prev, days, min_delta], |r| {
                let drivers: duckdb::types::Value = r.get(4)?;
                Ok(Spike {
                    area: r.get(0)?,
                    product: r.get(1)?,
                    current: r.get(2)?,
                    previous: r.get(3)?,
                    projected: None,
                    drivers: drivers_of(drivers),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|mut s| {
                if let Some(d) = partial_days {
                    s.projected = Some(Money::from_units(
                        s.current.units() * i128::from(days_in_month) / i128::from(d),
                    ));
                }
                s
            })
            .collect();
        let mut stmt = conn.prepare(&fill(ANOMALIES_SQL, &[("cost", cost)]))?;
        let anomalies = stmt
            .query_map(params![month, min_delta.max(1.0)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(Spikes {
            month: month.to_owned(),
            previous,
            partial_days,
            days_in_month,
            spikes,
            anomalies,
        })
    }

    /// Cost and volume per month for each metric (per area where the
    /// metric is), with fully loaded costs.
    pub fn unit_costs(&self, metric: Option<&str>, measure: CostMeasure) -> Result<Vec<UnitCost>> {
        self.unit_costs_of(metric, None, measure, CostBasis::FullyLoaded)
    }

    /// Cost and volume per month for each metric; with `area`, that area's
    /// cost against the metric's volume (the area's own rows of it, if any).
    pub fn unit_costs_of(
        &self,
        metric: Option<&str>,
        area: Option<&str>,
        measure: CostMeasure,
        basis: CostBasis,
    ) -> Result<Vec<UnitCost>> {
        let cost = measure.column_name();
        let cells = match basis {
            CostBasis::FullyLoaded => format!("SELECT billing_period, area, {cost} AS cost FROM explore_cells"),
            CostBasis::Direct => format!("SELECT billing_period, direct_area AS area, {cost} AS cost FROM allocations"),
        };
        let sql = fill(UNIT_COSTS_SQL, &[("cells", &cells)]);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![metric, area], |r| {
            Ok(UnitCost {
                month: r.get(0)?,
                metric: r.get(1)?,
                area: r.get(2)?,
                cost: r.get(3)?,
                volume: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn drivers_of(value: duckdb::types::Value) -> Vec<(String, Money)> {
    use duckdb::types::Value;
    let Value::List(items) = value else { return Vec::new() };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::Struct(fields) => {
                let mut name = String::new();
                let mut delta = Money::ZERO;
                for (k, v) in fields.iter() {
                    match (k.as_str(), v) {
                        ("d", Value::Text(t)) => name = t.clone(),
                        ("delta", Value::Text(d)) => delta = Money::parse(d).unwrap_or_default(),
                        _ => {}
                    }
                }
                Some((name, delta))
            }
            _ => None,
        })
        .collect()
}
