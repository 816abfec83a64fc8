//! The demo company's bill: one legacy Cost and Usage Report (CSV, daily
//! lines, resource ids and cost allocation tags) per month, with the
//! Savings Plan columns that make amortized cost differ from unblended.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike, Weekday};
use serde::{Serialize, Serializer};

use super::fleet::{Fleet, Instance, Owner};
use super::keyed_hex;
use super::story::{self, LATEST, NAMED, POOLS, Product, SURGES, Tags, month_start};
use crate::money::Money;

/// Dollars as the generator prices them: rounded to 10⁻⁸ (the places AWS
/// writes amounts with), held exactly, so every sum it reports is exact.
pub fn amount(dollars: f64) -> Money {
    Money::from_units((dollars * 1e8).round() as i128 * 100)
}

/// An amount in a CSV cell, as its exact decimal.
fn plain<S: Serializer>(value: &Money, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// An optional amount: an empty cell when absent.
fn cell<S: Serializer>(value: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(a) => s.collect_str(a),
        None => s.serialize_str(""),
    }
}

/// One line of the report, in the column names AWS writes.
#[derive(Debug, Serialize)]
struct CurLine<'a> {
    #[serde(rename = "identity/LineItemId")]
    line_item_id: String,
    #[serde(rename = "identity/TimeInterval")]
    time_interval: String,
    #[serde(rename = "bill/InvoiceId")]
    invoice_id: &'a str,
    #[serde(rename = "bill/BillingEntity")]
    billing_entity: &'static str,
    #[serde(rename = "bill/BillType")]
    bill_type: &'static str,
    #[serde(rename = "bill/PayerAccountId")]
    payer: &'static str,
    #[serde(rename = "bill/BillingPeriodStartDate")]
    period_start: &'a str,
    #[serde(rename = "bill/BillingPeriodEndDate")]
    period_end: &'a str,
    #[serde(rename = "lineItem/UsageAccountId")]
    account: &'static str,
    #[serde(rename = "lineItem/LineItemType")]
    line_type: &'static str,
    #[serde(rename = "lineItem/UsageStartDate")]
    start: String,
    #[serde(rename = "lineItem/UsageEndDate")]
    end: String,
    #[serde(rename = "lineItem/ProductCode")]
    product_code: &'static str,
    #[serde(rename = "lineItem/UsageType")]
    usage_type: String,
    #[serde(rename = "lineItem/Operation")]
    operation: &'static str,
    #[serde(rename = "lineItem/AvailabilityZone")]
    zone: &'static str,
    #[serde(rename = "lineItem/ResourceId")]
    resource: String,
    #[serde(rename = "lineItem/UsageMoney")]
    amount: String,
    #[serde(rename = "lineItem/CurrencyCode")]
    currency: &'static str,
    #[serde(rename = "lineItem/UnblendedCost", serialize_with = "plain")]
    unblended: Money,
    #[serde(rename = "lineItem/BlendedCost", serialize_with = "plain")]
    blended: Money,
    #[serde(rename = "lineItem/LineItemDescription")]
    description: String,
    #[serde(rename = "product/ProductName")]
    product_name: &'static str,
    #[serde(rename = "product/region")]
    region: &'static str,
    #[serde(rename = "product/instanceType")]
    instance_type: &'static str,
    #[serde(rename = "savingsPlan/SavingsPlanARN")]
    savings_plan: &'static str,
    #[serde(rename = "savingsPlan/SavingsPlanEffectiveCost", serialize_with = "cell")]
    sp_effective: Option<Money>,
    #[serde(rename = "savingsPlan/TotalCommitmentToDate", serialize_with = "cell")]
    sp_commitment: Option<Money>,
    #[serde(rename = "savingsPlan/UsedCommitment", serialize_with = "cell")]
    sp_used: Option<Money>,
    #[serde(rename = "resourceTags/user:Name")]
    tag_name: &'static str,
    #[serde(rename = "resourceTags/user:env")]
    tag_env: &'static str,
    #[serde(rename = "resourceTags/user:product_area")]
    tag_area: &'static str,
    #[serde(rename = "resourceTags/user:team")]
    tag_team: &'static str,
}

/// What a month's report holds, as the generator counted it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthTotals {
    pub month: String,
    pub lines: usize,
    pub unblended: Money,
    pub amortized: Money,
}

/// The fields that vary from line to line; the rest come from the month.
struct Line {
    account: &'static str,
    line_type: &'static str,
    start: NaiveDateTime,
    end: NaiveDateTime,
    product: Product,
    usage_type: String,
    operation: &'static str,
    zone: &'static str,
    resource: String,
    amount: f64,
    cost: Money,
    description: String,
    instance_type: &'static str,
    tags: Tags,
    sp_effective: Option<Money>,
    sp_commitment: Option<Money>,
    sp_used: Option<Money>,
}

impl Line {
    fn usage(account: &'static str, product: Product, start: NaiveDateTime, end: NaiveDateTime, cost: Money) -> Line {
        Line {
            account,
            line_type: "Usage",
            start,
            end,
            product,
            usage_type: String::new(),
            operation: "",
            zone: "",
            resource: String::new(),
            amount: 0.0,
            cost,
            description: String::new(),
            instance_type: "",
            tags: Tags::default(),
            sp_effective: None,
            sp_commitment: None,
            sp_used: None,
        }
    }

    /// Its cost under the standard amortization (what `sync` will compute).
    fn amortized(&self) -> Money {
        match self.line_type {
            "SavingsPlanCoveredUsage" => self.sp_effective.unwrap_or_default(),
            "SavingsPlanNegation" => Money::ZERO,
            "SavingsPlanRecurringFee" => self.sp_commitment.unwrap_or_default() - self.sp_used.unwrap_or_default(),
            _ => self.cost,
        }
    }
}

struct MonthWriter<W: Write> {
    out: csv::Writer<W>,
    month: usize,
    invoice: String,
    period_start: String,
    period_end: String,
    totals: MonthTotals,
    /// Unblended cost per usage account, for tax.
    by_account: BTreeMap<&'static str, Money>,
}

impl<W: Write> MonthWriter<W> {
    /// Write a line, and from the month the EDP starts, the discount line AWS
    /// writes beside each usage line (no tags of its own: it follows the
    /// resource it names).
    fn write(&mut self, line: Line) -> csv::Result<()> {
        let discount =
            (line.line_type == "Usage" && self.month >= story::EDP_FROM && !line.cost.is_zero()).then(|| {
                let mut d = Line::usage(
                    line.account,
                    line.product,
                    line.start,
                    line.end,
                    -amount(line.cost.as_f64() * story::EDP_RATE),
                );
                d.line_type = "EdpDiscount";
                d.usage_type = line.usage_type.clone();
                d.operation = line.operation;
                d.zone = line.zone;
                d.resource = line.resource.clone();
                d.description = format!("{}% Enterprise Discount Program discount", story::EDP_RATE * 100.0);
                d
            });
        self.write_one(line)?;
        match discount {
            Some(d) => self.write_one(d),
            None => Ok(()),
        }
    }

    fn write_one(&mut self, line: Line) -> csv::Result<()> {
        self.totals.lines += 1;
        self.totals.unblended += line.cost;
        self.totals.amortized += line.amortized();
        *self.by_account.entry(line.account).or_default() += line.cost;
        let seq = self.totals.lines;
        let region = if line.zone.is_empty() && line.resource.is_empty() {
            ""
        } else {
            story::REGION
        };
        self.out.serialize(CurLine {
            line_item_id: keyed_hex(&format!("{}/{seq}", self.month), 26),
            time_interval: format!("{}/{}", stamp(line.start), stamp(line.end)),
            invoice_id: &self.invoice,
            billing_entity: "AWS",
            bill_type: "Anniversary",
            payer: story::PAYER,
            period_start: &self.period_start,
            period_end: &self.period_end,
            account: line.account,
            line_type: line.line_type,
            start: stamp_ms(line.start),
            end: stamp_ms(line.end),
            product_code: line.product.code,
            usage_type: line.usage_type,
            operation: line.operation,
            zone: line.zone,
            resource: line.resource,
            amount: format!("{:.6}", line.amount),
            currency: "USD",
            unblended: line.cost,
            blended: line.cost,
            description: line.description,
            product_name: line.product.name,
            region,
            instance_type: line.instance_type,
            savings_plan: if line.line_type.starts_with("SavingsPlan") {
                story::SAVINGS_PLAN_ARN
            } else {
                ""
            },
            sp_effective: line.sp_effective,
            sp_commitment: line.sp_commitment,
            sp_used: line.sp_used,
            tag_name: line.tags.name,
            tag_env: line.tags.env,
            tag_area: line.tags.area,
            tag_team: line.tags.team,
        })
    }
}

/// `2026-04-01T00:00:00Z`
fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-04-01T00:00:00.000Z`, as CUR writes its dates.
fn stamp_ms(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn floor_hour(t: NaiveDateTime) -> NaiveDateTime {
    t.with_minute(0).and_then(|t| t.with_second(0)).unwrap_or(t)
}

fn ceil_hour(t: NaiveDateTime) -> NaiveDateTime {
    let floor = floor_hour(t);
    if floor == t { t } else { floor + Duration::hours(1) }
}

/// A day's line for something that existed from `from` to `to`: the hours
/// it ran that day (the interval rounded out to whole hours), or None.
fn day_span(day: NaiveDateTime, from: NaiveDateTime, to: NaiveDateTime) -> Option<(NaiveDateTime, NaiveDateTime, f64)> {
    let (lo, hi) = (day.max(from), (day + Duration::days(1)).min(to));
    (lo < hi).then(|| (floor_hour(lo), ceil_hour(hi), (hi - lo).num_seconds() as f64 / 3600.0))
}

/// A deterministic factor around 1 for one meter on one day: weekdays are
/// busier than weekends where traffic drives the cost.
fn wobble(key: &str, day: NaiveDateTime, follows_traffic: bool) -> f64 {
    let noise = (super::keyed_u64(&format!("{key}/{day}")) % 10_000) as f64 / 10_000.0 - 0.5;
    if follows_traffic {
        let weekday = if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            0.875
        } else {
            1.05
        };
        weekday * (1.0 + noise * 0.06)
    } else {
        1.0 + noise * 0.02
    }
}

/// Write month `month`'s report to `out`.
pub fn write_month(month: usize, fleet: &Fleet, out: impl Write) -> csv::Result<MonthTotals> {
    let first = month_start(month);
    let next = month_start(month + 1);
    let days = (next - first).num_days();
    let mut w = MonthWriter {
        out: csv::Writer::from_writer(out),
        month,
        invoice: if month == LATEST {
            String::new()
        } else {
            format!("{}", 2_104_118_000 + month as u64 * 7_193)
        },
        period_start: stamp_ms(first),
        period_end: stamp_ms(next),
        totals: MonthTotals {
            month: story::month_name(month),
            ..MonthTotals::default()
        },
        by_account: BTreeMap::new(),
    };
    let instances: Vec<&Instance> = fleet
        .instances
        .iter()
        .filter(|i| i.launch < next && i.end > first)
        .collect();
    for d in 0..days {
        let day = first + Duration::days(d);
        let mut used = Money::ZERO;
        for instance in &instances {
            used += instance_lines(&mut w, instance, day)?;
        }
        for volume in fleet.volumes.iter().filter(|v| v.created < next && v.deleted > first) {
            let Some((start, end, hours)) = day_span(day, volume.created, volume.deleted) else {
                continue;
            };
            for (usage_type, price, units) in volume.disk.meters() {
                let quantity = units * hours / (days as f64 * 24.0);
                let mut line = Line::usage(volume.account, story::EC2, start, end, amount(quantity * price));
                line.usage_type = usage_type.to_owned();
                line.operation = if volume.disk.io2_iops > 0 {
                    "CreateVolume-io2"
                } else {
                    "CreateVolume-Gp3"
                };
                line.zone = volume.zone;
                line.resource = volume.id.clone();
                line.amount = quantity;
                line.description = format!(
                    "${price} per {} provisioned {}-month",
                    volume.disk.kind(),
                    if usage_type.contains("IOPS") { "IOPS" } else { "GB" }
                );
                line.tags = volume.tags;
                w.write(line)?;
            }
        }
        for named in NAMED.iter().filter(|n| n.deleted.is_none_or(|d| month < d)) {
            for meter in named.meters {
                let growth = match meter.growth {
                    story::Growth::Fixed => 1.0,
                    story::Growth::Traffic => story::traffic(month),
                };
                let key = format!("{}/{}", named.name, meter.usage_type);
                let mut cost =
                    meter.monthly / 30.4 * growth * wobble(&key, day, meter.growth == story::Growth::Traffic);
                if month == LATEST {
                    cost += SURGES
                        .iter()
                        .filter(|s| {
                            s.resource == named.name && s.usage_type == meter.usage_type && day.day() >= s.from_day
                        })
                        .map(|s| s.per_day * wobble(&format!("{key}/surge"), day, false))
                        .sum::<f64>();
                }
                let cost = amount(cost);
                let mut line = Line::usage(named.account, named.product, day, day + Duration::days(1), cost);
                line.usage_type = meter.usage_type.to_owned();
                line.operation = meter.operation;
                line.resource = named.resource_id();
                line.amount = cost.as_f64() / meter.price;
                line.description = format!("${} per unit of {}", meter.price, meter.usage_type);
                line.tags = named.tags;
                w.write(line)?;
            }
        }
        // The Savings Plan bills its commitment every hour, used or not.
        let commitment = amount(story::COMMITMENT_PER_HOUR * 24.0);
        let mut fee = Line::usage(
            story::PAYER,
            story::SAVINGS_PLANS,
            day,
            day + Duration::days(1),
            amount(story::COMMITMENT_PER_HOUR * 24.0 * (1.0 - story::UPFRONT_SHARE)),
        );
        fee.line_type = "SavingsPlanRecurringFee";
        fee.usage_type = "ComputeSP:3yrPartialUpfront".to_owned();
        fee.resource = story::SAVINGS_PLAN_ARN.to_owned();
        fee.amount = 24.0;
        fee.description = format!(
            "3 year Partial Upfront Compute Savings Plan, ${} per hour committed",
            story::COMMITMENT_PER_HOUR
        );
        fee.sp_commitment = Some(commitment);
        fee.sp_used = Some(used);
        w.write(fee)?;
    }
    let (start, end) = (first, next);
    if month < story::CREDIT_MONTHS {
        let mut credit = Line::usage(story::PROD, story::EC2, start, end, -amount(story::CREDIT_PER_MONTH));
        credit.line_type = "Credit";
        credit.description = "AWS Migration Acceleration Program credit".to_owned();
        w.write(credit)?;
    }
    if month == LATEST {
        // An SLA credit for last month's S3 error rates, on the account that used it.
        let mut credit = Line::usage(story::PROD, story::S3, start, end, -amount(story::SLA_CREDIT));
        credit.line_type = "Credit";
        credit.description = "AWS Service Level Agreement credit for Amazon S3".to_owned();
        w.write(credit)?;
    }
    let usage: f64 = w.totals.unblended.as_f64();
    let mut support = Line::usage(
        story::PAYER,
        story::SUPPORT,
        start,
        end,
        amount(story::business_support(usage)),
    );
    support.line_type = "Fee";
    support.usage_type = "Dollar".to_owned();
    support.amount = 1.0;
    support.description = "AWS Support (Business)".to_owned();
    w.write(support)?;
    // Sales tax: one line a month per account, on everything it used.
    let taxed: Vec<(&'static str, Money)> = w.by_account.iter().map(|(account, cost)| (*account, *cost)).collect();
    for (account, cost) in taxed {
        let mut tax = Line::usage(account, story::TAX, start, end, amount(cost.as_f64() * story::TAX_RATE));
        tax.line_type = "Tax";
        tax.usage_type = "Tax:US-Sales".to_owned();
        tax.amount = 1.0;
        tax.description = format!("Sales tax of {}% on usage", story::TAX_RATE * 100.0);
        w.write(tax)?;
    }
    w.out.flush()?;
    Ok(w.totals)
}

/// An instance's line for one day (two under the Savings Plan), its
/// internet egress, and the Savings Plan commitment it used.
fn instance_lines<W: Write>(w: &mut MonthWriter<W>, instance: &Instance, day: NaiveDateTime) -> csv::Result<Money> {
    let Some((start, end, hours)) = day_span(day, instance.launch, instance.end) else {
        return Ok(Money::ZERO);
    };
    let kind = instance.instance_type();
    let on_demand = amount(hours * kind.hourly);
    let usage_type = format!("BoxUsage:{}", kind.name);
    let base = |line_type: &'static str, cost: Money, description: String| {
        let mut line = Line::usage(instance.account(), story::EC2, start, end, cost);
        line.line_type = line_type;
        line.usage_type = usage_type.clone();
        line.operation = "RunInstances";
        line.zone = instance.zone;
        line.resource = instance.id.clone();
        line.amount = hours;
        line.description = description;
        line.instance_type = kind.name;
        line.tags = instance.tags();
        line
    };
    let mut used = Money::ZERO;
    if instance.covered {
        let effective = amount(hours * kind.hourly * story::SAVINGS_PLAN_RATE);
        let mut covered = base(
            "SavingsPlanCoveredUsage",
            on_demand,
            format!(
                "{} hours of Linux {} covered by a Compute Savings Plan",
                round2(hours),
                kind.name
            ),
        );
        covered.sp_effective = Some(effective);
        w.write(covered)?;
        w.write(base(
            "SavingsPlanNegation",
            -on_demand,
            format!(
                "SavingsPlanNegation used by AccountId : {} and UsageSku : {}",
                instance.account(),
                kind.name
            ),
        ))?;
        used = effective;
    } else {
        w.write(base(
            "Usage",
            on_demand,
            format!("${} per On Demand Linux {} Instance Hour", kind.hourly, kind.name),
        ))?;
    }
    if let Owner::Pool(p) = instance.owner {
        let per_hour = POOLS[p].egress_per_hour;
        if per_hour > 0.0 {
            let cost = amount(hours * per_hour * wobble(&instance.id, day, true));
            let mut egress = Line::usage(instance.account(), story::EC2, start, end, cost);
            egress.usage_type = "DataTransfer-Out-Bytes".to_owned();
            egress.operation = "RunInstances";
            egress.resource = instance.id.clone();
            egress.amount = cost.as_f64() / 0.05;
            egress.description =
                "$0.05 per GB - greater than 150 TB / month data transfer out beyond the global free tier".to_owned();
            egress.tags = instance.tags();
            w.write(egress)?;
        }
    }
    Ok(used)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
