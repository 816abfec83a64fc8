//! DBR-RT months of any size for the tests that need volume or variety
//! rather than a story: EC2 instance-hours, EBS volumes, DynamoDB tables and
//! S3 buckets with tags, support and tax, a rounding line and the total rows
//! AWS adds (which are not money). Seeded, so a spec always writes the same file.

use std::io::{self, Write};

use apportion::demo::Rng;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Cost in units of 10⁻⁸ dollars, so totals are exact.
pub type Units = i64;
const UNITS_PER_DOLLAR: i64 = 100_000_000;

pub fn format_units(units: Units) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let a = units.unsigned_abs();
    format!(
        "{sign}{}.{:08}",
        a / UNITS_PER_DOLLAR as u64,
        a % UNITS_PER_DOLLAR as u64
    )
}

/// What to generate for one month of one payer account.
#[derive(Debug, Clone)]
pub struct DbrMonth {
    pub year: i32,
    pub month: u32,
    pub payer: String,
    pub linked: Vec<String>,
    /// Approximate number of money lines.
    pub target_lines: usize,
    pub seed: u64,
    /// Whether AWS has issued the invoice (else InvoiceID is `Estimated`).
    pub final_invoice: bool,
    /// Multiplies the usage of the `search` area.
    pub search_growth: f64,
}

impl DbrMonth {
    /// July 2026 of payer 900000000001 with one linked account, the month the
    /// re-delivery and S3 tests write.
    pub fn july_2026(target_lines: usize, seed: u64, final_invoice: bool) -> DbrMonth {
        DbrMonth {
            year: 2026,
            month: 7,
            payer: "900000000001".to_owned(),
            linked: vec!["900000000002".to_owned()],
            target_lines,
            seed,
            final_invoice,
            search_growth: 1.0,
        }
    }
}

/// Money written, for checking a sync against it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub money_lines: usize,
    pub total: Units,
}

const AREAS: [&str; 5] = ["search", "checkout", "payments", "data-platform", "growth"];
const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// One DBR-RT row, in the column names AWS writes.
#[derive(Serialize, Clone)]
struct Row<'a> {
    #[serde(rename = "InvoiceID")]
    invoice: &'a str,
    #[serde(rename = "PayerAccountId")]
    payer: &'a str,
    #[serde(rename = "LinkedAccountId")]
    account: &'a str,
    #[serde(rename = "RecordType")]
    record_type: &'a str,
    #[serde(rename = "RecordId")]
    record_id: String,
    #[serde(rename = "ProductName")]
    product: &'a str,
    #[serde(rename = "RateId")]
    rate_id: &'a str,
    #[serde(rename = "SubscriptionId")]
    subscription_id: &'a str,
    #[serde(rename = "PricingPlanId")]
    pricing_plan_id: &'a str,
    #[serde(rename = "UsageType")]
    usage_type: &'a str,
    #[serde(rename = "Operation")]
    operation: &'a str,
    #[serde(rename = "AvailabilityZone")]
    zone: &'a str,
    #[serde(rename = "ReservedInstance")]
    reserved: &'a str,
    #[serde(rename = "ItemDescription")]
    description: String,
    #[serde(rename = "UsageStartDate")]
    start: String,
    #[serde(rename = "UsageEndDate")]
    end: String,
    #[serde(rename = "UsageQuantity")]
    quantity: &'a str,
    #[serde(rename = "BlendedRate")]
    blended_rate: String,
    #[serde(rename = "BlendedCost")]
    blended_cost: String,
    #[serde(rename = "UnBlendedRate")]
    unblended_rate: String,
    #[serde(rename = "UnBlendedCost")]
    unblended_cost: String,
    #[serde(rename = "ResourceId")]
    resource: &'a str,
    #[serde(rename = "user:Name")]
    name: &'a str,
    #[serde(rename = "user:product_area")]
    area: &'a str,
    #[serde(rename = "user:team")]
    team: &'a str,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Instance,
    Volume,
    Table,
    Bucket,
}

struct Resource {
    kind: Kind,
    id: String,
    account: usize,
    zone: &'static str,
    area: Option<&'static str>,
    hourly: Units,
}

fn team_of(area: &str) -> &'static str {
    match area {
        "search" | "growth" => "discovery",
        "checkout" | "payments" => "commerce",
        _ => "platform",
    }
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

impl DbrMonth {
    fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    fn days(&self) -> i64 {
        ((self.first_day() + chrono::Months::new(1)) - self.first_day()).num_days()
    }

    pub fn file_name(&self) -> String {
        format!(
            "{}-aws-billing-detailed-line-items-with-resources-and-tags-{}-{:02}.csv",
            self.payer, self.year, self.month
        )
    }

    /// The fleet, drawn from the seed alone so every month of a seed bills the same resources.
    fn resources(&self) -> Vec<Resource> {
        let mut rng = Rng::new(self.seed);
        let hours = (self.days() * 24) as usize;
        let n = self.target_lines.max(hours);
        let count = |share: f64, per: usize| ((n as f64 * share) / per as f64).round().max(1.0) as usize;
        let accounts = self.linked.len().max(1) as u64;
        // One resource in five carries no product_area tag.
        let pick_area = |rng: &mut Rng| (rng.below(5) != 0).then(|| AREAS[rng.below(AREAS.len() as u64) as usize]);
        let mut out = Vec::new();
        let mut add = |rng: &mut Rng, kind: Kind, i: usize, per: usize, share: f64| {
            for _ in 0..count(share, per) {
                let area = pick_area(rng);
                let (id, hourly) = match kind {
                    Kind::Instance => (
                        format!("i-{:017x}", rng.next_u64() >> 4),
                        [9_600_000, 19_200_000, 34_000_000][rng.below(3) as usize],
                    ),
                    Kind::Volume => (
                        format!("vol-{:017x}", rng.next_u64() >> 4),
                        1_000_000 + rng.below(3_000_000) as Units,
                    ),
                    Kind::Table => (
                        format!(
                            "arn:aws:dynamodb:us-east-1:123456789012:table/{}-{:x}",
                            area.unwrap_or("misc"),
                            rng.below(1 << 20)
                        ),
                        500_000 + rng.below(20_000_000) as Units,
                    ),
                    Kind::Bucket => (
                        format!("{}-assets-{:x}", area.unwrap_or("shared"), rng.below(1 << 24)),
                        2_000_000 + rng.below(200_000_000) as Units,
                    ),
                };
                let account = rng.below(accounts) as usize;
                out.push(Resource {
                    kind,
                    id,
                    account,
                    zone: ZONES[(i + out.len()) % 3],
                    area,
                    hourly,
                });
            }
        };
        let days = self.days() as usize;
        add(&mut rng, Kind::Instance, 0, hours, 0.55);
        add(&mut rng, Kind::Volume, 1, hours, 0.30);
        add(&mut rng, Kind::Table, 2, hours, 0.10);
        add(&mut rng, Kind::Bucket, 0, days * 2, 0.05);
        out
    }

    /// Write the month as a DBR-RT CSV; returns the money it holds.
    pub fn write(&self, out: &mut impl Write) -> io::Result<Written> {
        let mut rng = Rng::new(self.seed ^ ((self.year as u64) << 8 | self.month as u64));
        let invoice = if self.final_invoice {
            format!("{}", 80_000_000 + self.year as u64 * 12 + self.month as u64)
        } else {
            "Estimated".to_owned()
        };
        let first = self.first_day().and_hms_opt(0, 0, 0).expect("midnight");
        let mut sink = Sink {
            csv: csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(out),
            per_account: vec![0; self.linked.len().max(1)],
            written: Written::default(),
        };
        let blank = Row {
            invoice: &invoice,
            payer: &self.payer,
            account: &self.payer,
            record_type: "LineItem",
            record_id: String::new(),
            product: "",
            rate_id: "100",
            subscription_id: "200",
            pricing_plan_id: "300",
            usage_type: "",
            operation: "",
            zone: "",
            reserved: "N",
            description: String::new(),
            start: String::new(),
            end: String::new(),
            quantity: "1.00000000",
            blended_rate: String::new(),
            blended_cost: String::new(),
            unblended_rate: String::new(),
            unblended_cost: String::new(),
            resource: "",
            name: "",
            area: "",
            team: "",
        };
        for r in &self.resources() {
            let growth = if r.area == Some("search") {
                self.search_growth
            } else {
                1.0
            };
            let hourly = (r.hourly as f64 * growth) as Units;
            let area = r.area.unwrap_or("");
            let name = if r.kind == Kind::Instance {
                format!("{}-worker", if area.is_empty() { "legacy" } else { area })
            } else {
                String::new()
            };
            let row = Row {
                account: self.linked.get(r.account).unwrap_or(&self.payer),
                zone: r.zone,
                resource: &r.id,
                name: &name,
                area,
                team: if area.is_empty() { "" } else { team_of(area) },
                ..blank.clone()
            };
            let priced = |product,
                          usage_type,
                          operation,
                          description: &str,
                          start: NaiveDateTime,
                          end: NaiveDateTime,
                          quantity,
                          rate: Units| Row {
                product,
                usage_type,
                operation,
                description: description.to_owned(),
                start: stamp(start),
                end: stamp(end),
                quantity,
                blended_rate: format_units(rate),
                unblended_rate: format_units(rate),
                ..row.clone()
            };
            if r.kind == Kind::Bucket {
                for day in 0..self.days() {
                    let (start, end) = (first + Duration::days(day), first + Duration::days(day + 1));
                    let storage = hourly / 10 + rng.below(1000) as Units;
                    let requests = (hourly / 40) * (1 + rng.below(3) as Units);
                    let s3 = "Amazon Simple Storage Service";
                    let description = "$0.023 per GB - first 50 TB / month of storage used";
                    sink.line(
                        r.account,
                        priced(
                            s3,
                            "TimedStorage-ByteHrs",
                            "StandardStorage",
                            description,
                            start,
                            end,
                            "1024.00000000",
                            2_300_000,
                        ),
                        storage,
                    )?;
                    let description = "$0.005 per 1,000 PUT, COPY, POST, or LIST requests";
                    sink.line(
                        r.account,
                        priced(
                            s3,
                            "Requests-Tier1",
                            "PutObject",
                            description,
                            start,
                            end,
                            "20000.00000000",
                            500,
                        ),
                        requests,
                    )?;
                }
                continue;
            }
            for hour in 0..self.days() * 24 {
                let (start, end) = (first + Duration::hours(hour), first + Duration::hours(hour + 1));
                let ec2 = "Amazon Elastic Compute Cloud";
                let (row, cost) = match r.kind {
                    Kind::Instance => (
                        priced(
                            ec2,
                            "BoxUsage:m5.xlarge",
                            "RunInstances",
                            "On Demand Linux Instance Hour",
                            start,
                            end,
                            "1.00000000",
                            hourly,
                        ),
                        hourly,
                    ),
                    Kind::Volume => (
                        priced(
                            ec2,
                            "EBS:VolumeUsage.gp3",
                            "CreateVolume-Gp3",
                            "$0.08 per GB-month of gp3 storage",
                            start,
                            end,
                            "0.13888889",
                            hourly,
                        ),
                        hourly,
                    ),
                    _ => (
                        priced(
                            "Amazon DynamoDB",
                            "TimedStorage-ByteHrs",
                            "StandardStorage",
                            "$0.25 per GB-Month of storage used",
                            start,
                            end,
                            "3.50000000",
                            hourly,
                        ),
                        hourly / 2 + rng.below(hourly as u64) as Units,
                    ),
                };
                sink.line(r.account, row, cost)?;
            }
        }
        // Business support (10% of usage, at least $100) and sales tax (5%), billed to the payer.
        let (month_start, month_end) = (stamp(first), stamp(first + Duration::days(self.days())));
        let usage = sink.written.total;
        for (product, usage_type, description, cost) in [
            (
                "AWS Support (Business)",
                "Dollar",
                "AWS Support (Business) monthly fee",
                (usage / 10).max(100 * UNITS_PER_DOLLAR),
            ),
            ("Tax", "Tax:US-Sales", "Sales tax of 5% on usage", usage / 20),
        ] {
            let row = Row {
                product,
                usage_type,
                description: description.to_owned(),
                start: month_start.clone(),
                end: month_end.clone(),
                blended_rate: format_units(cost),
                unblended_rate: format_units(cost),
                ..blank.clone()
            };
            sink.line(usize::MAX, row, cost)?;
        }
        // AWS adds a rounding line (money, no usage dates) and restates totals (not money).
        let bare = Row {
            quantity: "",
            rate_id: "",
            subscription_id: "",
            pricing_plan_id: "",
            reserved: "",
            ..blank.clone()
        };
        let rounding: Units = rng.below(2000) as Units - 1000;
        sink.line(
            usize::MAX,
            Row {
                record_type: "Rounding",
                description: "Rounding of costs".to_owned(),
                ..bare.clone()
            },
            rounding,
        )?;
        let total = sink.written.total;
        for (i, cost) in sink.per_account.clone().into_iter().enumerate() {
            let account = self.linked.get(i).unwrap_or(&self.payer);
            let description = format!("Total amount for linked account# {account}");
            sink.total(
                Row {
                    account,
                    record_type: "AccountTotal",
                    description,
                    ..bare.clone()
                },
                cost,
            )?;
        }
        for record_type in ["InvoiceTotal", "StatementTotal"] {
            let (y, m, d) = (self.year, self.month, self.days());
            let description =
                format!("Total statement amount for period {y}-{m:02}-01 00:00:00 - {y}-{m:02}-{d:02} 23:59:59");
            sink.total(
                Row {
                    account: "",
                    record_type,
                    description,
                    ..bare.clone()
                },
                total,
            )?;
        }
        sink.csv.flush()?;
        Ok(sink.written)
    }
}

/// Rows on their way out, and the money counted so far.
struct Sink<W: Write> {
    csv: csv::Writer<W>,
    per_account: Vec<Units>,
    written: Written,
}

impl<W: Write> Sink<W> {
    /// A money line of linked account `account` (past the last: the payer's, counted with the first).
    fn line(&mut self, account: usize, row: Row<'_>, cost: Units) -> io::Result<()> {
        let slot = if account < self.per_account.len() { account } else { 0 };
        self.per_account[slot] += cost;
        self.written.money_lines += 1;
        self.written.total += cost;
        let record_id = self.written.money_lines.to_string();
        self.csv.serialize(Row {
            record_id,
            blended_cost: format_units(cost),
            unblended_cost: format_units(cost),
            ..row
        })?;
        Ok(())
    }

    /// A total row: it restates money, it is not money.
    fn total(&mut self, row: Row<'_>, cost: Units) -> io::Result<()> {
        self.csv.serialize(Row {
            blended_cost: format_units(cost),
            unblended_cost: format_units(cost),
            ..row
        })?;
        Ok(())
    }
}
