//! A year of a large bill for benchmarks: DBR-RT months of a few million
//! lines each, shaped like the bill of DESIGN.md's story, with the ECS task
//! and container-instance events and the CloudTrail volume records behind it.
//!
//! Every resource keeps its tags all month. About 60% of the money is 300
//! EC2 instances running ECS tasks (about 400,000 tasks a month, started and
//! stopped; some run across months and some never stop), with EBS volumes
//! attached, detached and moved. The rest is DynamoDB, S3, ElastiCache,
//! CloudWatch and data transfer, per resource per hour.

#![allow(dead_code)] // shared by the year and sync benchmarks and the generate_year example, each using part of it

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use apportion::demo::Rng;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use flate2::Compression;
use flate2::write::GzEncoder;

pub const PAYER: &str = "123456789012";
const LINKED: [&str; 3] = ["210987654321", "345678901234", "456789012345"];
pub const INSTANCES: usize = 300;
const VOLUMES_PER_INSTANCE: usize = 2;
/// Tasks running on one instance at any time, on average.
const LANES: usize = 10;
/// Mean task length in minutes: 300 instances × 10 lanes × 720 h / 5.4 h ≈ 400,000 tasks a month.
const MEAN_TASK_MINUTES: u64 = 324;

const SERVICES: [(&str, &str); 12] = [
    ("search-api", "search"),
    ("search-indexer", "search"),
    ("cart", "checkout"),
    ("checkout-web", "checkout"),
    ("payments-api", "payments"),
    ("ledger", "payments"),
    ("recommendations", "growth"),
    ("email-sender", "growth"),
    ("ingest-proxy", "data-platform"),
    ("stream-router", "data-platform"),
    ("batch-export", "data-platform"),
    ("admin-web", "platform"),
];
const AREAS: [&str; 6] = ["search", "checkout", "payments", "growth", "data-platform", "platform"];

const HEADER: &str = "\"InvoiceID\",\"PayerAccountId\",\"LinkedAccountId\",\"RecordType\",\"RecordId\",\"ProductName\",\"RateId\",\"SubscriptionId\",\"PricingPlanId\",\"UsageType\",\"Operation\",\"AvailabilityZone\",\"ReservedInstance\",\"ItemDescription\",\"UsageStartDate\",\"UsageEndDate\",\"UsageQuantity\",\"BlendedRate\",\"BlendedCost\",\"UnBlendedRate\",\"UnBlendedCost\",\"ResourceId\",\"user:Name\",\"user:product_area\",\"user:team\"";

/// One billed thing: its fixed CSV fields up to the dates, and its hourly cost.
struct Line {
    /// `"InvoiceID",…,"ItemDescription",` with the record id left out.
    head_before_id: String,
    head_after_id: String,
    /// `,"quantity","rate","cost","rate","cost","resource","name","area","team"` after the dates.
    resource_tail: String,
    /// Hourly cost in 10⁻⁸ dollars (varied ±25% by hour).
    hourly: i64,
}

/// What one month of the benchmark wrote.
#[derive(Debug, Default, Clone)]
pub struct MonthFiles {
    pub month: String,
    pub billing: PathBuf,
    pub events: PathBuf,
    pub trail: PathBuf,
    pub lines: usize,
    pub total_units: i64,
    pub tasks_started: usize,
    pub task_events: usize,
}

impl MonthFiles {
    /// `2026-01: 6200000 lines, 1.23 GiB of exports`: a generated month as
    /// the benchmarks print it.
    pub fn summary(&self) -> String {
        let bytes: u64 = [&self.billing, &self.events, &self.trail]
            .iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();
        format!(
            "{}: {} lines, {:.2} GiB of exports",
            self.month,
            self.lines,
            bytes as f64 / (1u64 << 30) as f64
        )
    }
}

/// A task running on an instance lane, carried from month to month.
#[derive(Clone)]
struct Task {
    arn: String,
    service: usize,
    cpu: u32,
    started: NaiveDateTime,
    stops: Option<NaiveDateTime>,
}

/// The generator's state between months: the tasks still running.
pub struct Year {
    pub dir: PathBuf,
    pub lines_per_month: usize,
    rng: Rng,
    lanes: Vec<Option<Task>>,
    next_task: u64,
}

impl Year {
    pub fn new(dir: &Path, lines_per_month: usize) -> Year {
        Year {
            dir: dir.to_path_buf(),
            lines_per_month,
            rng: Rng::new(2026),
            lanes: vec![None; INSTANCES * LANES],
            next_task: 0,
        }
    }

    fn instance_id(i: usize) -> String {
        format!("i-{:017x}", 0x0a11_0000_0000u64 + i as u64 * 7919)
    }

    fn volume_id(v: usize) -> String {
        format!("vol-{:017x}", 0x0b22_0000_0000u64 + v as u64 * 104_729)
    }

    fn area_of(i: usize) -> Option<&'static str> {
        // One resource in four carries no product_area tag.
        (i % 4 != 3).then(|| AREAS[i % AREAS.len()])
    }

    /// The billed things of every month (the same fleet all year).
    fn lines(&self, invoice: &str) -> Vec<Line> {
        let hours = 720;
        let mut out = Vec::new();
        let mut push = |account: &str,
                        product: &str,
                        usage_type: &str,
                        operation: &str,
                        zone: &str,
                        desc: &str,
                        resource: &str,
                        area: Option<&str>,
                        hourly: i64| {
            let (area, team) = match area {
                Some(a) => (a, format!("team-{a}")),
                None => ("", String::new()),
            };
            let name = if resource.starts_with("i-") {
                format!("{}-host", if area.is_empty() { "legacy" } else { area })
            } else {
                String::new()
            };
            out.push(Line {
                head_before_id: format!("\"{invoice}\",\"{PAYER}\",\"{account}\",\"LineItem\",\""),
                head_after_id: format!("\",\"{product}\",\"100\",\"200\",\"300\",\"{usage_type}\",\"{operation}\",\"{zone}\",\"N\",\"{desc}\","),
                resource_tail: format!(",\"{resource}\",\"{name}\",\"{area}\",\"{team}\""),
                hourly,
            });
        };
        let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
        for i in 0..INSTANCES {
            let (itype, rate) = [
                ("m5.2xlarge", 38_400_000i64),
                ("c5.2xlarge", 34_000_000),
                ("r5.2xlarge", 50_400_000),
            ][i % 3];
            let usage = format!("BoxUsage:{itype}");
            let desc = format!("On Demand Linux {itype} Instance Hour");
            push(
                LINKED[i % 2],
                "Amazon Elastic Compute Cloud",
                &usage,
                "RunInstances",
                zones[i % 3],
                &desc,
                &Self::instance_id(i),
                Self::area_of(i),
                rate,
            );
        }
        for v in 0..INSTANCES * VOLUMES_PER_INSTANCE {
            push(
                LINKED[(v / 2) % 2],
                "Amazon Elastic Compute Cloud",
                "EBS:VolumeUsage.gp3",
                "CreateVolume-Gp3",
                zones[(v / 2) % 3],
                "gp3 GB-month",
                &Self::volume_id(v),
                Self::area_of(v / 2 + 1),
                5_500_000,
            );
        }
        // The rest, per resource per hour, until the month holds its lines.
        let fixed = INSTANCES * (1 + VOLUMES_PER_INSTANCE);
        let others = (self.lines_per_month / hours).saturating_sub(fixed).max(1);
        for k in 0..others {
            let area = Self::area_of(k);
            let account = LINKED[k % 3];
            let cheap = 700_000 + (k as i64 * 7_919) % 1_000_000;
            match k % 10 {
                0..=3 => {
                    let table = format!(
                        "arn:aws:dynamodb:us-east-1:{account}:table/{}-t{k}",
                        area.unwrap_or("misc")
                    );
                    let (usage, op) = if k % 2 == 0 {
                        ("ReadCapacityUnit-Hrs", "CommittedThroughput")
                    } else {
                        ("WriteCapacityUnit-Hrs", "CommittedThroughput")
                    };
                    push(
                        account,
                        "Amazon DynamoDB",
                        usage,
                        op,
                        "us-east-1",
                        "DynamoDB provisioned capacity",
                        &table,
                        area,
                        cheap,
                    );
                }
                4..=6 => {
                    let bucket = format!("{}-data-{k}", area.unwrap_or("shared"));
                    let (usage, op) = if k % 3 == 0 {
                        ("Requests-Tier1", "PutObject")
                    } else {
                        ("TimedStorage-ByteHrs", "StandardStorage")
                    };
                    push(
                        account,
                        "Amazon Simple Storage Service",
                        usage,
                        op,
                        "",
                        "S3 usage",
                        &bucket,
                        area,
                        cheap,
                    );
                }
                7 => {
                    let node = format!(
                        "arn:aws:elasticache:us-east-1:{account}:cluster:{}-cache-{k}",
                        area.unwrap_or("misc")
                    );
                    push(
                        account,
                        "Amazon ElastiCache",
                        "NodeUsage:cache.r6g.large",
                        "CreateCacheCluster:0012",
                        "us-east-1a",
                        "ElastiCache node hour",
                        &node,
                        area,
                        cheap * 3,
                    );
                }
                8 => {
                    let stream = format!(
                        "arn:aws:logs:us-east-1:{account}:log-group:/ecs/{}-{k}",
                        area.unwrap_or("misc")
                    );
                    push(
                        account,
                        "AmazonCloudWatch",
                        "TimedStorage-ByteHrs",
                        "PutLogEvents",
                        "",
                        "CloudWatch logs",
                        &stream,
                        area,
                        cheap / 2,
                    );
                }
                _ => {
                    let lb = format!(
                        "arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/{}-{k}",
                        area.unwrap_or("misc")
                    );
                    push(
                        account,
                        "AWS Data Transfer",
                        "DataTransfer-Out-Bytes",
                        "LoadBalancing",
                        "us-east-1",
                        "Data transfer out",
                        &lb,
                        area,
                        cheap,
                    );
                }
            }
        }
        out
    }

    /// The files of month `index` as an earlier run wrote them.
    pub fn paths_of(&self, index: u32) -> MonthFiles {
        let start = add_months(NaiveDate::from_ymd_opt(2025, 10, 1).expect("date"), index);
        let month = format!("{}-{:02}", start.year(), start.month());
        MonthFiles {
            billing: self.dir.join(format!(
                "{PAYER}-aws-billing-detailed-line-items-with-resources-and-tags-{month}.csv"
            )),
            events: self.dir.join(format!("ecs-events-{month}.jsonl.gz")),
            trail: self.dir.join(format!("cloudtrail-{month}.json.gz")),
            month,
            ..MonthFiles::default()
        }
    }

    /// Write month `index` (0-based from 2025-10) and its events.
    pub fn write_month(&mut self, index: u32) -> io::Result<MonthFiles> {
        let first = NaiveDate::from_ymd_opt(2025, 10, 1).expect("date");
        let start = add_months(first, index);
        let next = add_months(first, index + 1);
        let month = format!("{}-{:02}", start.year(), start.month());
        let invoice = format!("{}", 80_000_000 + index);
        let lines = self.lines(&invoice);
        let hours = (next - start).num_days() * 24;
        let hour_stamps: Vec<String> = (0..=hours)
            .map(|h| {
                (start.and_hms_opt(0, 0, 0).expect("midnight") + Duration::hours(h))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .collect();
        std::fs::create_dir_all(&self.dir)?;
        let billing = self.dir.join(format!(
            "{PAYER}-aws-billing-detailed-line-items-with-resources-and-tags-{month}.csv"
        ));
        let mut out = BufWriter::with_capacity(1 << 22, File::create(&billing)?);
        writeln!(out, "{HEADER}")?;
        let mut files = MonthFiles {
            month: month.clone(),
            billing: billing.clone(),
            ..MonthFiles::default()
        };
        let mut record = 1u64;
        let mut row = Vec::with_capacity(512);
        for h in 0..hours as usize {
            for (n, line) in lines.iter().enumerate() {
                let wobble = ((n as i64 * 31 + h as i64 * 17) % 51) - 25;
                let cost = line.hourly + line.hourly * wobble / 100;
                row.clear();
                row.extend_from_slice(line.head_before_id.as_bytes());
                write!(row, "{}{record:010}", index + 1)?;
                row.extend_from_slice(line.head_after_id.as_bytes());
                row.push(b'"');
                row.extend_from_slice(hour_stamps[h].as_bytes());
                row.extend_from_slice(b"\",\"");
                row.extend_from_slice(hour_stamps[h + 1].as_bytes());
                let money = units(cost);
                write!(row, "\",\"1.00000000\",\"{money}\",\"{money}\",\"{money}\",\"{money}\"")?;
                row.extend_from_slice(line.resource_tail.as_bytes());
                row.push(b'\n');
                out.write_all(&row)?;
                record += 1;
                files.lines += 1;
                files.total_units += cost;
            }
        }
        out.flush()?;
        self.write_events(start, next, &mut files)?;
        Ok(files)
    }

    fn write_events(&mut self, start: NaiveDate, next: NaiveDate, files: &mut MonthFiles) -> io::Result<()> {
        let month = &files.month;
        files.events = self.dir.join(format!("ecs-events-{month}.jsonl.gz"));
        files.trail = self.dir.join(format!("cloudtrail-{month}.json.gz"));
        let mut ecs = GzEncoder::new(
            BufWriter::with_capacity(1 << 20, File::create(&files.events)?),
            Compression::fast(),
        );
        let from = start.and_hms_opt(0, 0, 0).expect("midnight");
        let until = next.and_hms_opt(0, 0, 0).expect("midnight");
        let stamp = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let account = LINKED[0];
        for i in 0..INSTANCES {
            writeln!(
                ecs,
                "{{\"version\":\"0\",\"detail-type\":\"ECS Container Instance State Change\",\"source\":\"aws.ecs\",\"account\":\"{account}\",\"time\":\"{}\",\"region\":\"us-east-1\",\"detail\":{{\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:{account}:container-instance/prod/ci-{i:05}\",\"clusterArn\":\"arn:aws:ecs:us-east-1:{account}:cluster/prod\",\"ec2InstanceId\":\"{}\",\"registeredResources\":[{{\"name\":\"CPU\",\"type\":\"INTEGER\",\"integerValue\":8192}},{{\"name\":\"MEMORY\",\"type\":\"INTEGER\",\"integerValue\":31000}}],\"status\":\"ACTIVE\",\"version\":{}}}}}",
                stamp(from),
                Self::instance_id(i),
                files.month.replace('-', "")
            )?;
        }
        let task_event = |out: &mut dyn Write,
                          task: &Task,
                          instance: usize,
                          stopped: Option<NaiveDateTime>|
         -> io::Result<()> {
            let (service, _) = SERVICES[task.service];
            let (status, version, time, stop) = match stopped {
                Some(s) => ("STOPPED", 2, s, format!(",\"stoppedAt\":\"{}\"", stamp(s))),
                None => ("RUNNING", 1, task.started, String::new()),
            };
            writeln!(
                out,
                "{{\"version\":\"0\",\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"account\":\"{account}\",\"time\":\"{}\",\"region\":\"us-east-1\",\"resources\":[\"{arn}\"],\"detail\":{{\"taskArn\":\"{arn}\",\"clusterArn\":\"arn:aws:ecs:us-east-1:{account}:cluster/prod\",\"containerInstanceArn\":\"arn:aws:ecs:us-east-1:{account}:container-instance/prod/ci-{instance:05}\",\"group\":\"service:{service}\",\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:{account}:task-definition/{service}:12\",\"launchType\":\"EC2\",\"cpu\":\"{}\",\"memory\":\"{}\",\"lastStatus\":\"{status}\",\"desiredStatus\":\"{status}\",\"startedAt\":\"{}\"{stop},\"version\":{version}}}}}",
                stamp(time),
                task.cpu,
                task.cpu * 2,
                stamp(task.started),
                arn = task.arn,
            )
        };
        for lane in 0..self.lanes.len() {
            let instance = lane / LANES;
            let mut clock = from;
            loop {
                let task = match self.lanes[lane].take() {
                    Some(t) => t,
                    None => {
                        // A short gap, then the next task on this lane.
                        let started = clock + Duration::minutes(self.rng.below(20) as i64);
                        if started >= until {
                            break;
                        }
                        self.next_task += 1;
                        let service = (self.rng.below(SERVICES.len() as u64)) as usize;
                        // Mostly hours long; one task in 2,500 runs for weeks, one in 5,000 never stops.
                        let minutes = match self.rng.below(5000) {
                            0 => None,
                            1..=2 => Some(10_000 + self.rng.below(50_000)),
                            _ => Some(5 + self.rng.below(2 * MEAN_TASK_MINUTES)),
                        };
                        let task = Task {
                            arn: format!(
                                "arn:aws:ecs:us-east-1:{account}:task/prod/{:032x}",
                                self.next_task.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                            ),
                            service,
                            cpu: [512, 1024, 2048][self.rng.below(3) as usize],
                            started,
                            stops: minutes.map(|m| started + Duration::minutes(m as i64)),
                        };
                        task_event(&mut ecs, &task, instance, None)?;
                        files.tasks_started += 1;
                        files.task_events += 1;
                        task
                    }
                };
                match task.stops {
                    Some(stop) if stop < until => {
                        task_event(&mut ecs, &task, instance, Some(stop))?;
                        files.task_events += 1;
                        clock = stop;
                    }
                    // Still running at the end of the month: carried into the next.
                    _ => {
                        self.lanes[lane] = Some(task);
                        break;
                    }
                }
            }
        }
        ecs.finish()?.flush()?;
        // Volumes: attached to their instance from the first month; each month
        // a few are detached and moved to another instance.
        let mut trail = GzEncoder::new(BufWriter::new(File::create(&files.trail)?), Compression::fast());
        let mut records = Vec::new();
        let call = |name: &str, at: NaiveDateTime, volume: &str, instance: Option<&str>| {
            let instance = instance.map(|i| format!(",\"instanceId\":\"{i}\"")).unwrap_or_default();
            format!(
                "{{\"eventVersion\":\"1.08\",\"eventTime\":\"{}\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"{name}\",\"awsRegion\":\"us-east-1\",\"requestParameters\":{{\"volumeId\":\"{volume}\"{instance}}}}}",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            )
        };
        if files.month == "2025-10" {
            for v in 0..INSTANCES * VOLUMES_PER_INSTANCE {
                records.push(call(
                    "AttachVolume",
                    from,
                    &Self::volume_id(v),
                    Some(&Self::instance_id(v / VOLUMES_PER_INSTANCE)),
                ));
            }
        }
        for _ in 0..20 {
            let v = self.rng.below((INSTANCES * VOLUMES_PER_INSTANCE) as u64) as usize;
            let at = from + Duration::minutes(self.rng.below(40_000) as i64);
            let to = self.rng.below(INSTANCES as u64) as usize;
            records.push(call("DetachVolume", at, &Self::volume_id(v), None));
            records.push(call(
                "AttachVolume",
                at + Duration::minutes(30),
                &Self::volume_id(v),
                Some(&Self::instance_id(to)),
            ));
        }
        writeln!(trail, "{{\"Records\":[{}]}}", records.join(","))?;
        trail.finish()?.flush()?;
        Ok(())
    }
}

/// The service map of the benchmark: every service but one mapped.
pub fn service_map_csv() -> String {
    let mut text = String::from("service,product_area\n");
    for (service, area) in SERVICES.iter().filter(|(s, _)| *s != "batch-export") {
        text.push_str(&format!("{service},{area}\n"));
    }
    text
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    NaiveDate::from_ymd_opt(total / 12, (total % 12) as u32 + 1, 1).expect("month")
}

fn units(u: i64) -> String {
    format!("{}.{:08}", u / 100_000_000, u % 100_000_000)
}
