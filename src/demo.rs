//! Seeded synthetic exports: realistic DBR-RT months (EC2 instance-hours, EBS
//! volumes, DynamoDB tables, S3 buckets, tags, rounding and total rows).
//! Used by `demo`, by tests, and by the benchmark generator in `examples/`.

use std::cell::Cell;
use std::io::{self, Write};

use chrono::{Datelike, Duration, NaiveDate};

/// splitmix64: tiny, fast and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Cost in units of 10⁻⁸ dollars, so totals are exact.
pub type Units = i64;
const UNITS_PER_DOLLAR: i64 = 100_000_000;

pub fn format_units(units: Units) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let a = units.unsigned_abs();
    format!("{sign}{}.{:08}", a / UNITS_PER_DOLLAR as u64, a % UNITS_PER_DOLLAR as u64)
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
    /// Multiplies the usage of the `search` area, to show a month-over-month spike.
    pub search_growth: f64,
}

/// Money written, for checking a sync against it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub money_lines: usize,
    pub total: Units,
}

pub const AREAS: [&str; 5] = ["search", "checkout", "payments", "data-platform", "growth"];

struct Resource {
    kind: Kind,
    id: String,
    account: usize,
    zone: &'static str,
    area: Option<&'static str>,
    hourly: Units,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Instance(&'static str),
    Volume,
    Table,
    Bucket,
}

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const INSTANCE_TYPES: [(&str, Units); 4] = [
    ("m5.large", 9_600_000),
    ("m5.xlarge", 19_200_000),
    ("c5.2xlarge", 34_000_000),
    ("r5.large", 12_600_000),
];

const HEADER: &str = "\"InvoiceID\",\"PayerAccountId\",\"LinkedAccountId\",\"RecordType\",\"RecordId\",\"ProductName\",\"RateId\",\"SubscriptionId\",\"PricingPlanId\",\"UsageType\",\"Operation\",\"AvailabilityZone\",\"ReservedInstance\",\"ItemDescription\",\"UsageStartDate\",\"UsageEndDate\",\"UsageQuantity\",\"BlendedRate\",\"BlendedCost\",\"UnBlendedRate\",\"UnBlendedCost\",\"ResourceId\",\"user:Name\",\"user:product_area\",\"user:team\"";

impl DbrMonth {
    fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    fn days(&self) -> i64 {
        let first = self.first_day();
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        }
        .expect("valid month");
        (next - first).num_days()
    }

    fn resources(&self) -> Vec<Resource> {
        // Resources are drawn from a seed that does not depend on the month, so
        // the same fleet appears every month.
        let mut rng = Rng::new(self.seed);
        let hours = (self.days() * 24) as usize;
        let n = self.target_lines.max(hours);
        let count = |share: f64, per: usize| ((n as f64 * share) / per as f64).round().max(1.0) as usize;
        let mut out = Vec::new();
        let pick_area = |rng: &mut Rng| {
            // One resource in five carries no product_area tag.
            if rng.below(5) == 0 { None } else { Some(AREAS[rng.below(AREAS.len() as u64) as usize]) }
        };
        let accounts = self.linked.len().max(1) as u64;
        for i in 0..count(0.55, hours) {
            let (itype, rate) = INSTANCE_TYPES[rng.below(4) as usize];
            out.push(Resource {
                kind: Kind::Instance(itype),
                id: format!("i-{:017x}", rng.next_u64() >> 4),
                account: rng.below(accounts) as usize,
                zone: ZONES[i % 3],
                area: pick_area(&mut rng),
                hourly: rate,
            });
        }
        for i in 0..count(0.30, hours) {
            out.push(Resource {
                kind: Kind::Volume,
                id: format!("vol-{:017x}", rng.next_u64() >> 4),
                account: rng.below(accounts) as usize,
                zone: ZONES[i % 3],
                area: pick_area(&mut rng),
                hourly: 1_000_000 + rng.below(3_000_000) as Units,
            });
        }
        for _ in 0..count(0.10, hours) {
            let area = pick_area(&mut rng);
            out.push(Resource {
                kind: Kind::Table,
                id: format!("arn:aws:dynamodb:us-east-1:{}:table/{}-{:x}", "123456789012", area.unwrap_or("misc"), rng.below(1 << 20)),
                account: rng.below(accounts) as usize,
                zone: "us-east-1",
                area,
                hourly: 500_000 + rng.below(20_000_000) as Units,
            });
        }
        let days = self.days() as usize;
        for _ in 0..count(0.05, days * 2) {
            let area = pick_area(&mut rng);
            out.push(Resource {
                kind: Kind::Bucket,
                id: format!("{}-assets-{:x}", area.unwrap_or("shared"), rng.below(1 << 24)),
                account: rng.below(accounts) as usize,
                zone: "",
                area,
                hourly: 2_000_000 + rng.below(200_000_000) as Units,
            });
        }
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
        let resources = self.resources();
        let first = self.first_day().and_hms_opt(0, 0, 0).expect("midnight");
        let hours = self.days() * 24;
        // Cells, so the line writer below can count while totals are read between calls.
        let per_account: Vec<Cell<Units>> = (0..self.linked.len().max(1)).map(|_| Cell::new(0)).collect();
        let (total, money_lines, record_id) = (Cell::new(0 as Units), Cell::new(0usize), Cell::new(1u64));
        writeln!(out, "{HEADER}")?;
        let line = |out: &mut dyn Write, r: &Resource, fields: LineFields<'_>, cost: Units| -> io::Result<()> {
            // Resources of an account index past the linked ones are the payer's own.
            let account = self.linked.get(r.account).unwrap_or(&self.payer);
            let area = r.area.unwrap_or("");
            let team = if area.is_empty() { "" } else { team_of(area) };
            let name = match r.kind {
                Kind::Instance(_) => format!("{}-worker", if area.is_empty() { "legacy" } else { area }),
                _ => String::new(),
            };
            writeln!(
                out,
                "\"{invoice}\",\"{payer}\",\"{account}\",\"LineItem\",\"{id_no}\",\"{product}\",\"100\",\"200\",\"300\",\"{usage_type}\",\"{operation}\",\"{zone}\",\"N\",\"{desc}\",\"{start}\",\"{end}\",\"{qty}\",\"{rate}\",\"{cost}\",\"{rate}\",\"{cost}\",\"{id}\",\"{name}\",\"{area}\",\"{team}\"",
                payer = self.payer,
                product = fields.product,
                usage_type = fields.usage_type,
                operation = fields.operation,
                zone = r.zone,
                desc = fields.description,
                start = fields.start,
                end = fields.end,
                qty = fields.quantity,
                rate = format_units(fields.rate),
                cost = format_units(cost),
                id = r.id,
                id_no = record_id.get(),
            )?;
            record_id.set(record_id.get() + 1);
            let slot = &per_account[if r.account < per_account.len() { r.account } else { 0 }];
            slot.set(slot.get() + cost);
            money_lines.set(money_lines.get() + 1);
            total.set(total.get() + cost);
            Ok(())
        };
        for r in &resources {
            let growth = if r.area == Some("search") { self.search_growth } else { 1.0 };
            let hourly = (r.hourly as f64 * growth) as Units;
            match r.kind {
                Kind::Bucket => {
                    for day in 0..self.days() {
                        let start = first + Duration::days(day);
                        let end = start + Duration::days(1);
                        let (s, e) = (stamp(start), stamp(end));
                        let storage = hourly / 10 + rng.below(1000) as Units;
                        let requests = (hourly / 40) * (1 + rng.below(3) as Units);
                        line(out, r, LineFields {
                            product: "Amazon Simple Storage Service",
                            usage_type: "TimedStorage-ByteHrs",
                            operation: "StandardStorage",
                            description: "$0.023 per GB - first 50 TB / month of storage used",
                            start: &s, end: &e, quantity: "1024.00000000", rate: 2_300_000,
                        }, storage)?;
                        line(out, r, LineFields {
                            product: "Amazon Simple Storage Service",
                            usage_type: "Requests-Tier1",
                            operation: "PutObject",
                            description: "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
                            start: &s, end: &e, quantity: "20000.00000000", rate: 500,
                        }, requests)?;
                    }
                }
                kind => {
                    for hour in 0..hours {
                        let start = first + Duration::hours(hour);
                        let end = start + Duration::hours(1);
                        let (s, e) = (stamp(start), stamp(end));
                        let cost = match kind {
                            Kind::Table => hourly / 2 + rng.below(hourly as u64) as Units,
                            _ => hourly,
                        };
                        let fields = match kind {
                            Kind::Instance(t) => LineFields {
                                product: "Amazon Elastic Compute Cloud",
                                usage_type: instance_usage_type(t),
                                operation: "RunInstances",
                                description: instance_description(t),
                                start: &s, end: &e, quantity: "1.00000000", rate: hourly,
                            },
                            Kind::Volume => LineFields {
                                product: "Amazon Elastic Compute Cloud",
                                usage_type: "EBS:VolumeUsage.gp3",
                                operation: "CreateVolume-Gp3",
                                description: "$0.08 per GB-month of General Purpose (gp3) provisioned storage, US East (N. Virginia)",
                                start: &s, end: &e, quantity: "0.13888889", rate: hourly,
                            },
                            _ => LineFields {
                                product: "Amazon DynamoDB",
                                usage_type: "TimedStorage-ByteHrs",
                                operation: "StandardStorage",
                                description: "$0.25 per GB-Month of storage used beyond first 25 free GB-Months",
                                start: &s, end: &e, quantity: "3.50000000", rate: hourly,
                            },
                        };
                        line(out, r, fields, cost)?;
                    }
                }
            }
        }
        // Business support (10% of usage, at least $100) and sales tax (5%) are
        // billed once a month to the payer account, untagged.
        let month_start = stamp(first);
        let month_end = stamp(first + Duration::days(self.days()));
        let payer = Resource {
            kind: Kind::Bucket,
            id: String::new(),
            account: usize::MAX,
            zone: "",
            area: None,
            hourly: 0,
        };
        let usage = total.get();
        for (product, usage_type, description, cost) in [
            ("AWS Support (Business)", "Dollar", "AWS Support (Business) monthly fee", (usage / 10).max(100 * UNITS_PER_DOLLAR)),
            ("Tax", "Tax:US-Sales", "Sales tax of 5% on usage", usage / 20),
        ] {
            line(out, &payer, LineFields {
                product,
                usage_type,
                operation: "",
                description,
                start: &month_start,
                end: &month_end,
                quantity: "1.00000000",
                rate: cost,
            }, cost)?;
        }
        // AWS adds a rounding line (money, no usage dates) and restates totals (not money).
        let rounding: Units = rng.below(2000) as Units - 1000;
        let record_id = record_id.get();
        let mut written = Written {
            money_lines: money_lines.get(),
            total: total.get(),
        };
        let mut per_account: Vec<Units> = per_account.iter().map(Cell::get).collect();
        writeln!(
            out,
            "\"{invoice}\",\"{p}\",\"{p}\",\"Rounding\",\"{record_id}\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"Rounding of costs\",\"\",\"\",\"\",\"\",\"{c}\",\"\",\"{c}\",\"\",\"\",\"\",\"\"",
            p = self.payer,
            c = format_units(rounding)
        )?;
        written.money_lines += 1;
        written.total += rounding;
        per_account[0] += rounding;
        for (i, total) in per_account.iter().enumerate() {
            let account = self.linked.get(i).unwrap_or(&self.payer);
            writeln!(
                out,
                "\"{invoice}\",\"{p}\",\"{account}\",\"AccountTotal\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"Total amount for linked account# {account}\",\"\",\"\",\"\",\"\",\"{c}\",\"\",\"{c}\",\"\",\"\",\"\",\"\"",
                p = self.payer,
                c = format_units(*total)
            )?;
        }
        for kind in ["InvoiceTotal", "StatementTotal"] {
            writeln!(
                out,
                "\"{invoice}\",\"{p}\",\"\",\"{kind}\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"Total statement amount for period {y}-{m:02}-01 00:00:00 - {y}-{m:02}-{d:02} 23:59:59\",\"\",\"\",\"\",\"\",\"{c}\",\"\",\"{c}\",\"\",\"\",\"\",\"\"",
                p = self.payer,
                y = self.year,
                m = self.month,
                d = self.days(),
                c = format_units(written.total)
            )?;
        }
        Ok(written)
    }

    pub fn file_name(&self) -> String {
        format!(
            "{}-aws-billing-detailed-line-items-with-resources-and-tags-{}-{:02}.csv",
            self.payer, self.year, self.month
        )
    }
}

struct LineFields<'a> {
    product: &'a str,
    usage_type: &'a str,
    operation: &'a str,
    description: &'a str,
    start: &'a str,
    end: &'a str,
    quantity: &'a str,
    rate: Units,
}

fn stamp(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn team_of(area: &str) -> &'static str {
    match area {
        "search" | "growth" => "discovery",
        "checkout" | "payments" => "commerce",
        _ => "platform",
    }
}

fn instance_usage_type(t: &str) -> &'static str {
    match t {
        "m5.large" => "BoxUsage:m5.large",
        "m5.xlarge" => "BoxUsage:m5.xlarge",
        "c5.2xlarge" => "BoxUsage:c5.2xlarge",
        _ => "BoxUsage:r5.large",
    }
}

fn instance_description(t: &str) -> &'static str {
    match t {
        "m5.large" => "$0.096 per On Demand Linux m5.large Instance Hour",
        "m5.xlarge" => "$0.192 per On Demand Linux m5.xlarge Instance Hour",
        "c5.2xlarge" => "$0.34 per On Demand Linux c5.2xlarge Instance Hour",
        _ => "$0.126 per On Demand Linux r5.large Instance Hour",
    }
}

/// The demo's months: three consecutive months for one payer with a prod and
/// a stage account; the last one is still an estimate and `search` jumps in it.
pub fn demo_months(lines_per_month: usize) -> Vec<DbrMonth> {
    let base = NaiveDate::from_ymd_opt(2026, 8, 1).expect("valid date");
    (0..3)
        .map(|i| {
            let first = base + chrono::Months::new(i);
            DbrMonth {
                year: first.year(),
                month: first.month(),
                payer: "111111111111".to_owned(),
                linked: vec!["222222222222".to_owned(), "333333333333".to_owned()],
                target_lines: lines_per_month,
                seed: 7,
                final_invoice: i < 2,
                search_growth: if i == 2 { 1.8 } else { 1.0 },
            }
        })
        .collect()
}

/// ECS and EBS events for a generated month: `ecs_instances` of the month's
/// instances run tasks of several services; every volume is attached to an
/// instance at the start of the month and a third of them move mid-month.
#[derive(Debug, Clone)]
pub struct FleetEvents {
    pub ecs_instances: usize,
    /// Tasks running on each ECS instance at any time, on average.
    pub concurrency: u32,
    pub seed: u64,
}

/// The services the generated tasks belong to, with their product areas.
pub const SERVICES: [(&str, &str); 8] = [
    ("search-api", "search"),
    ("search-indexer", "search"),
    ("cart", "checkout"),
    ("checkout-web", "checkout"),
    ("payments-api", "payments"),
    ("ledger", "payments"),
    ("recommendations", "growth"),
    ("batch-export", "data-platform"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventCounts {
    pub task_events: usize,
    pub tasks: usize,
    pub attachments: usize,
}

impl DbrMonth {
    /// Instance and volume ids of the month's fleet.
    pub fn fleet(&self) -> (Vec<String>, Vec<String>) {
        let resources = self.resources();
        let ids = |want: fn(&Kind) -> bool| resources.iter().filter(|r| want(&r.kind)).map(|r| r.id.clone()).collect();
        (ids(|k| matches!(k, Kind::Instance(_))), ids(|k| matches!(k, Kind::Volume)))
    }

    /// Write ECS task and container-instance events (JSON lines) and CloudTrail
    /// attach/detach records (`{"Records": [...]}`) for this month's fleet.
    pub fn write_events(&self, spec: &FleetEvents, ecs: &mut impl Write, trail: &mut impl Write) -> io::Result<EventCounts> {
        let mut rng = Rng::new(spec.seed ^ ((self.year as u64) << 8 | self.month as u64));
        let (instances, volumes) = self.fleet();
        let first = self.first_day().and_hms_opt(0, 0, 0).expect("midnight");
        let minutes = self.days() * 24 * 60;
        let at = |m: i64| (first + Duration::minutes(m)).format("%Y-%m-%dT%H:%M:%S.000Z").to_string();
        let mut counts = EventCounts::default();
        let account = self.linked.first().unwrap_or(&self.payer);
        for (i, instance) in instances.iter().take(spec.ecs_instances).enumerate() {
            writeln!(
                ecs,
                "{{\"version\":\"0\",\"detail-type\":\"ECS Container Instance State Change\",\"source\":\"aws.ecs\",\"time\":\"{}\",\"detail\":{{\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:{account}:container-instance/prod/ci-{i:05}\",\"clusterArn\":\"arn:aws:ecs:us-east-1:{account}:cluster/prod\",\"ec2InstanceId\":\"{instance}\",\"registeredResources\":[{{\"name\":\"CPU\",\"type\":\"INTEGER\",\"integerValue\":4096}},{{\"name\":\"MEMORY\",\"type\":\"INTEGER\",\"integerValue\":15576}}],\"version\":1}}}}",
                at(0)
            )?;
            for lane in 0..spec.concurrency {
                let mut t = rng.below(120) as i64;
                while t < minutes {
                    let length = 10 + rng.below(170) as i64;
                    let (service, _) = SERVICES[rng.below(SERVICES.len() as u64) as usize];
                    let cpu = [256, 512, 1024][rng.below(3) as usize];
                    let task = format!(
                        "arn:aws:ecs:us-east-1:{account}:task/prod/{}{:02}{i:05}{lane:02}{t:07}",
                        self.year, self.month
                    );
                    let common = format!(
                        "\"taskArn\":\"{task}\",\"clusterArn\":\"arn:aws:ecs:us-east-1:{account}:cluster/prod\",\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:{account}:container-instance/ci-{i:05}\",\"group\":\"service:{service}\",\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:{account}:task-definition/{service}:7\",\"launchType\":\"EC2\",\"cpu\":\"{cpu}\",\"memory\":\"{}\",\"startedAt\":\"{}\"",
                        cpu * 2,
                        at(t)
                    );
                    let stop = t + length;
                    writeln!(
                        ecs,
                        "{{\"version\":\"0\",\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"time\":\"{}\",\"detail\":{{{common},\"lastStatus\":\"RUNNING\",\"version\":2}}}}",
                        at(t)
                    )?;
                    counts.task_events += 1;
                    if stop < minutes {
                        writeln!(
                            ecs,
                            "{{\"version\":\"0\",\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"time\":\"{}\",\"detail\":{{{common},\"lastStatus\":\"STOPPED\",\"stoppedAt\":\"{}\",\"version\":3}}}}",
                            at(stop),
                            at(stop)
                        )?;
                        counts.task_events += 1;
                    }
                    counts.tasks += 1;
                    t = stop + rng.below(10) as i64;
                }
            }
        }
        let mut records = Vec::new();
        for (v, volume) in volumes.iter().enumerate() {
            if instances.is_empty() {
                break;
            }
            let first_host = &instances[v % instances.len()];
            let record = |name: &str, minute: i64, instance: Option<&str>| {
                let instance = instance.map(|i| format!(",\"instanceId\":\"{i}\"")).unwrap_or_default();
                format!(
                    "{{\"eventVersion\":\"1.08\",\"eventTime\":\"{}\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"{name}\",\"awsRegion\":\"us-east-1\",\"eventID\":\"{name}-{volume}-{}{:02}-{minute}\",\"requestParameters\":{{\"volumeId\":\"{volume}\"{instance}}}}}",
                    at(minute).replace(".000", ""),
                    self.year,
                    self.month
                )
            };
            records.push(record("AttachVolume", 0, Some(first_host)));
            counts.attachments += 1;
            if v % 3 == 0 {
                let moved = minutes / 2 + rng.below(600) as i64;
                let second_host = &instances[(v + 1) % instances.len()];
                records.push(record("DetachVolume", moved, None));
                records.push(record("AttachVolume", moved + 5, Some(second_host)));
                counts.attachments += 1;
            }
        }
        writeln!(trail, "{{\"Records\":[{}]}}", records.join(",\n"))?;
        Ok(counts)
    }
}

/// The service map of the generated services, as `services.csv`.
pub fn service_map_csv() -> String {
    let mut text = String::from("service,product_area\n");
    // One service is left out on purpose: its cost shows as (unmapped).
    for (service, area) in SERVICES.iter().filter(|(s, _)| *s != "batch-export") {
        text.push_str(&format!("{service},{area}\n"));
    }
    text
}

/// The benchmark month: one payer, three linked accounts, September 2026.
pub fn bench_month(lines: usize) -> DbrMonth {
    DbrMonth {
        year: 2026,
        month: 9,
        payer: "123456789012".to_owned(),
        linked: vec!["210987654321".to_owned(), "345678901234".to_owned(), "456789012345".to_owned()],
        target_lines: lines,
        seed: 42,
        final_invoice: true,
        search_growth: 1.0,
    }
}

/// Business metrics of the demo months: API calls for the whole company and
/// searches for the `search` area, growing month over month.
pub fn metrics_csv(months: &[DbrMonth]) -> String {
    let mut text = String::from("month,metric,value,area\n");
    for (i, m) in months.iter().enumerate() {
        let month = format!("{}-{:02}", m.year, m.month);
        text.push_str(&format!("{month},api_calls,{},\n", 410_000_000 + i as u64 * 35_000_000));
        text.push_str(&format!("{month},searches,{},search\n", 52_000_000 + i as u64 * 30_000_000));
    }
    text
}
