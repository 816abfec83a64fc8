//! Plover Analytics, the demo company, as data: its accounts, the twelve
//! months, its traffic, the ECS pools and their services, the machines and
//! named resources it pays for, and what changed in the latest month.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

pub const PAYER: &str = "111111111111";
pub const PROD: &str = "222222222222";
pub const STAGING: &str = "333333333333";
pub const REGION: &str = "us-east-1";
pub const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// The first month, fixed so the exports (and every snapshot of them) are
/// the same bytes whatever day the demo runs.
const FIRST_MONTH: (i32, u32) = (2025, 12);
pub const MONTHS: usize = 12;

/// Customer API calls proxied each month, in millions: about 3.5% growth a
/// month with a holiday dip. Traffic drives most of the bill.
const API_CALLS_MILLIONS: [u64; MONTHS] = [
    2_050, 1_990, 2_120, 2_210, 2_290, 2_400, 2_470, 2_560, 2_680, 2_770, 2_870, 2_990,
];

/// Dashboard and API queries answered by the `query` area each month, in thousands.
const QUERIES_THOUSANDS: [u64; MONTHS] = [
    41_200, 38_900, 43_800, 45_100, 47_900, 49_300, 50_800, 53_900, 55_200, 58_600, 60_100, 66_400,
];

pub fn month_start(i: usize) -> NaiveDateTime {
    let (year, month) = FIRST_MONTH;
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default() + chrono::Months::new(i as u32);
    first.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// `2026-04`
pub fn month_name(i: usize) -> String {
    let m = month_start(i);
    format!("{}-{:02}", m.year(), m.month())
}

pub fn window_end() -> NaiveDateTime {
    month_start(MONTHS)
}

/// The month index of a time inside the window.
pub fn month_of(t: NaiveDateTime) -> usize {
    (0..MONTHS).rev().find(|&i| month_start(i) <= t).unwrap_or(0)
}

pub fn api_calls(month: usize) -> u64 {
    API_CALLS_MILLIONS[month] * 1_000_000
}

pub fn queries(month: usize) -> u64 {
    QUERIES_THOUSANDS[month] * 1_000
}

/// Traffic of a month relative to the first one.
pub fn traffic(month: usize) -> f64 {
    API_CALLS_MILLIONS[month] as f64 / API_CALLS_MILLIONS[0] as f64
}

pub const LATEST: usize = MONTHS - 1;

/// An AWS product as CUR names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub code: &'static str,
    pub name: &'static str,
}

pub const EC2: Product = Product {
    code: "AmazonEC2",
    name: "Amazon Elastic Compute Cloud",
};
pub const S3: Product = Product {
    code: "AmazonS3",
    name: "Amazon Simple Storage Service",
};
pub const DYNAMODB: Product = Product {
    code: "AmazonDynamoDB",
    name: "Amazon DynamoDB",
};
pub const ELASTICACHE: Product = Product {
    code: "AmazonElastiCache",
    name: "Amazon ElastiCache",
};
pub const FIREHOSE: Product = Product {
    code: "AmazonKinesisFirehose",
    name: "Amazon Kinesis Firehose",
};
pub const CLOUDWATCH: Product = Product {
    code: "AmazonCloudWatch",
    name: "AmazonCloudWatch",
};
pub const SUPPORT: Product = Product {
    code: "AWSSupportBusiness",
    name: "AWS Support (Business)",
};
/// Sales tax, billed as a product of its own once a month per account.
pub const TAX: Product = Product {
    code: "Tax",
    name: "Tax",
};
pub const SAVINGS_PLANS: Product = Product {
    code: "ComputeSavingsPlans",
    name: "Savings Plans for AWS Compute usage",
};

/// The cost allocation tags a resource carries (empty: absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tags {
    pub name: &'static str,
    pub area: &'static str,
    pub team: &'static str,
    pub env: &'static str,
}

const fn tags(name: &'static str, area: &'static str, team: &'static str, env: &'static str) -> Tags {
    Tags { name, area, team, env }
}

/// An ECS service: its product area (None: left out of the service map, so
/// its cost shows as `(unmapped)`), task size, and how often it deploys.
#[derive(Debug)]
pub struct Service {
    pub name: &'static str,
    pub area: Option<&'static str>,
    pub cpu: u32,
    pub deploy_every_days: u32,
}

pub static SERVICES: [Service; 12] = [
    Service {
        name: "edge-proxy",
        area: Some("ingest"),
        cpu: 8192,
        deploy_every_days: 7,
    },
    Service {
        name: "collector",
        area: Some("ingest"),
        cpu: 4096,
        deploy_every_days: 10,
    },
    Service {
        name: "enricher",
        area: Some("pipeline"),
        cpu: 8192,
        deploy_every_days: 7,
    },
    Service {
        name: "sessionizer",
        area: Some("pipeline"),
        cpu: 6144,
        deploy_every_days: 14,
    },
    Service {
        name: "router",
        area: Some("pipeline"),
        cpu: 4096,
        deploy_every_days: 10,
    },
    Service {
        name: "schema-registry",
        area: Some("platform"),
        cpu: 1024,
        deploy_every_days: 21,
    },
    Service {
        name: "query-api",
        area: Some("query"),
        cpu: 4096,
        deploy_every_days: 5,
    },
    Service {
        name: "exporter",
        area: Some("query"),
        cpu: 2048,
        deploy_every_days: 14,
    },
    Service {
        name: "dashboards-web",
        area: Some("dashboards"),
        cpu: 3072,
        deploy_every_days: 4,
    },
    Service {
        name: "alerts",
        area: Some("dashboards"),
        cpu: 1024,
        deploy_every_days: 14,
    },
    Service {
        name: "report-builder",
        area: Some("dashboards"),
        cpu: 2048,
        deploy_every_days: 10,
    },
    Service {
        name: "billing-sync",
        area: None,
        cpu: 2048,
        deploy_every_days: 21,
    },
];

pub fn service(name: &str) -> usize {
    SERVICES.iter().position(|s| s.name == name).unwrap_or(0)
}

/// An EC2 instance type at its on-demand Linux price in us-east-1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub hourly: f64,
    pub vcpus: u32,
    pub memory_mib: u32,
}

const C6I_4XL: InstanceType = InstanceType {
    name: "c6i.4xlarge",
    hourly: 0.68,
    vcpus: 16,
    memory_mib: 32_768,
};
const C6I_8XL: InstanceType = InstanceType {
    name: "c6i.8xlarge",
    hourly: 1.36,
    vcpus: 32,
    memory_mib: 65_536,
};
const M6I_4XL: InstanceType = InstanceType {
    name: "m6i.4xlarge",
    hourly: 0.768,
    vcpus: 16,
    memory_mib: 65_536,
};
const M6I_12XL: InstanceType = InstanceType {
    name: "m6i.12xlarge",
    hourly: 2.304,
    vcpus: 48,
    memory_mib: 196_608,
};
const M6I_8XL: InstanceType = InstanceType {
    name: "m6i.8xlarge",
    hourly: 1.536,
    vcpus: 32,
    memory_mib: 131_072,
};
const R6I_2XL: InstanceType = InstanceType {
    name: "r6i.2xlarge",
    hourly: 0.504,
    vcpus: 8,
    memory_mib: 65_536,
};
const R6I_4XL: InstanceType = InstanceType {
    name: "r6i.4xlarge",
    hourly: 1.008,
    vcpus: 16,
    memory_mib: 131_072,
};
const I4I_4XL: InstanceType = InstanceType {
    name: "i4i.4xlarge",
    hourly: 1.373,
    vcpus: 16,
    memory_mib: 131_072,
};
const I4I_8XL: InstanceType = InstanceType {
    name: "i4i.8xlarge",
    hourly: 2.746,
    vcpus: 32,
    memory_mib: 262_144,
};
const G5_12XL: InstanceType = InstanceType {
    name: "g5.12xlarge",
    hourly: 5.672,
    vcpus: 48,
    memory_mib: 196_608,
};

/// An EBS volume: size, type and provisioned IOPS (io2 only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disk {
    pub gb: u32,
    pub io2_iops: u32,
}

impl Disk {
    const fn gp3(gb: u32) -> Disk {
        Disk { gb, io2_iops: 0 }
    }

    pub fn kind(&self) -> &'static str {
        if self.io2_iops > 0 { "io2" } else { "gp3" }
    }

    /// (usage type, $ per unit-month, units) of each line the volume bills.
    pub fn meters(&self) -> Vec<(&'static str, f64, f64)> {
        let mut out = Vec::new();
        if self.io2_iops > 0 {
            out.push(("EBS:VolumeUsage.io2", 0.125, f64::from(self.gb)));
            out.push(("EBS:VolumeP-IOPS.io2", 0.065, f64::from(self.io2_iops)));
        } else {
            out.push(("EBS:VolumeUsage.gp3", 0.08, f64::from(self.gb)));
        }
        out
    }
}

/// An ECS cluster's pool of container instances, all alike. Each instance
/// runs lanes: tasks of a service one after another, replaced at every
/// deployment. Every instance has the pool's `lanes`; its `shared_lanes`
/// take turns over the `shared` services from instance to instance, so a
/// small service runs a few tasks across the pool. The lanes reserve part of
/// the instance's CPU; the rest idles.
#[derive(Debug)]
pub struct Pool {
    pub cluster: &'static str,
    pub account: &'static str,
    pub instance: InstanceType,
    pub tags: Tags,
    /// The data volume each instance slot keeps; it moves to the slot's next instance.
    pub disk: Disk,
    /// Instances in the first month, and how many more per unit of traffic growth.
    pub base: f64,
    pub per_traffic: f64,
    /// Lanes on every instance: (service, lanes).
    pub lanes: &'static [(&'static str, usize)],
    pub shared: &'static [&'static str],
    pub shared_lanes: usize,
    /// Instance slots whose usage the Savings Plan covers.
    pub covered_slots: usize,
    /// Dollars an hour each instance sends to the internet (EC2 data transfer out).
    pub egress_per_hour: f64,
}

pub static POOLS: [Pool; 4] = [
    Pool {
        cluster: "edge",
        account: PROD,
        instance: C6I_8XL,
        tags: tags("ecs-edge", "ingest", "ingest", "prod"),
        disk: Disk::gp3(500),
        base: 20.0,
        per_traffic: 20.0,
        lanes: &[("edge-proxy", 2), ("collector", 1)],
        shared: &[],
        shared_lanes: 0,
        covered_slots: 0,
        egress_per_hour: 0.65,
    },
    Pool {
        cluster: "stream",
        account: PROD,
        instance: M6I_8XL,
        tags: tags("ecs-stream", "", "", "prod"),
        disk: Disk::gp3(200),
        base: 18.0,
        per_traffic: 8.0,
        lanes: &[("enricher", 1), ("sessionizer", 1), ("router", 1)],
        shared: &[],
        shared_lanes: 0,
        covered_slots: 12,
        egress_per_hour: 0.0,
    },
    Pool {
        cluster: "api",
        account: PROD,
        instance: M6I_4XL,
        tags: tags("ecs-api", "", "", "prod"),
        disk: Disk::gp3(200),
        base: 16.0,
        per_traffic: 12.0,
        lanes: &[("query-api", 1), ("dashboards-web", 1)],
        shared: &[
            "exporter",
            "alerts",
            "report-builder",
            "billing-sync",
            "schema-registry",
        ],
        shared_lanes: 2,
        covered_slots: 0,
        egress_per_hour: 0.0,
    },
    Pool {
        cluster: "staging",
        account: STAGING,
        instance: M6I_12XL,
        tags: tags("ecs-staging", "", "", "staging"),
        disk: Disk::gp3(400),
        base: 15.0,
        per_traffic: 16.0,
        lanes: &[("edge-proxy", 1), ("enricher", 1), ("query-api", 1)],
        shared: &[
            "collector",
            "sessionizer",
            "router",
            "schema-registry",
            "exporter",
            "dashboards-web",
            "alerts",
            "report-builder",
            "billing-sync",
        ],
        shared_lanes: 2,
        covered_slots: 0,
        egress_per_hour: 0.0,
    },
];

/// The latest month's scaled service: query-api gets a second lane on every
/// instance of an api pool four instances bigger.
pub const SCALED: (&str, &str, usize, usize) = ("api", "query-api", 2, 4);

impl Pool {
    pub fn size(&self, month: usize) -> usize {
        let grown = (self.base + self.per_traffic * (traffic(month) - 1.0)).round() as usize;
        let (cluster, _, _, extra) = SCALED;
        grown
            + if self.cluster == cluster && month == LATEST {
                extra
            } else {
                0
            }
    }

    pub fn max_size(&self) -> usize {
        (0..MONTHS).map(|m| self.size(m)).max().unwrap_or(0)
    }

    /// The service of each lane of an instance in a month.
    /// The service of each lane of the instance in `slot` in a month. The
    /// scaled service's new lanes come last, so the other lanes keep their tasks.
    pub fn lane_services(&self, month: usize, slot: usize) -> Vec<usize> {
        let (cluster, scaled, lanes, _) = SCALED;
        let mut out = Vec::new();
        let mut extra = Vec::new();
        for &(name, count) in self.lanes {
            out.extend(std::iter::repeat_n(service(name), count));
            if self.cluster == cluster && name == scaled && month == LATEST {
                extra.extend(std::iter::repeat_n(service(name), lanes.saturating_sub(count)));
            }
        }
        for k in 0..self.shared_lanes {
            out.push(service(self.shared[(slot * self.shared_lanes + k) % self.shared.len()]));
        }
        out.extend(extra);
        out
    }

    /// Tasks of `service` running in the pool in a month, when every instance is up.
    pub fn tasks_of(&self, service: usize, month: usize) -> usize {
        (0..self.size(month))
            .map(|slot| {
                self.lane_services(month, slot)
                    .iter()
                    .filter(|&&s| s == service)
                    .count()
            })
            .sum()
    }

    pub fn container_cpu(&self) -> u32 {
        self.instance.vcpus * 1024
    }

    /// What the ECS agent registers: the instance's memory less what the OS keeps.
    pub fn container_memory(&self) -> u32 {
        self.instance.memory_mib - self.instance.memory_mib / 32
    }
}

/// Instances outside ECS: databases, brokers, batch and CI machines.
#[derive(Debug)]
pub struct Machine {
    pub name: &'static str,
    pub account: &'static str,
    pub instance: InstanceType,
    pub count: usize,
    pub tags: Tags,
    pub disk: Option<Disk>,
    /// First day (month index, day of month) and the day it was shut down for good.
    pub from: (usize, u32),
    pub until: Option<(usize, u32)>,
    /// One instance is replaced each month (its volume moves to the new one).
    pub rolling: bool,
    /// Its volume is detached at shutdown and left behind, still billed.
    pub leaves_volume: bool,
}

pub static MACHINES: [Machine; 9] = [
    Machine {
        name: "clickhouse",
        account: PROD,
        instance: I4I_8XL,
        count: 8,
        tags: tags("clickhouse", "query", "query", "prod"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "kafka",
        account: PROD,
        instance: R6I_4XL,
        count: 6,
        tags: tags("kafka", "", "pipeline", "prod"),
        disk: Some(Disk::gp3(4000)),
        from: (0, 1),
        until: None,
        rolling: true,
        leaves_volume: false,
    },
    Machine {
        name: "spark-batch",
        account: PROD,
        instance: R6I_4XL,
        count: 7,
        tags: tags("spark-batch", "", "", "prod"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "ml-training",
        account: PROD,
        instance: G5_12XL,
        count: 1,
        tags: tags("ml-training", "", "", ""),
        disk: None,
        from: (2, 9),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "legacy-etl",
        account: PROD,
        instance: R6I_2XL,
        count: 1,
        tags: tags("legacy-etl", "", "", "prod"),
        disk: Some(Disk {
            gb: 2000,
            io2_iops: 16_000,
        }),
        from: (0, 1),
        until: Some((3, 14)),
        rolling: false,
        leaves_volume: true,
    },
    Machine {
        name: "bastion",
        account: PROD,
        instance: InstanceType {
            name: "t3.small",
            hourly: 0.0208,
            vcpus: 2,
            memory_mib: 2048,
        },
        count: 1,
        tags: tags("bastion", "platform", "platform", "prod"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "ci-runner",
        account: STAGING,
        instance: C6I_4XL,
        count: 14,
        tags: tags("ci-runner", "", "", "staging"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "loadgen",
        account: STAGING,
        instance: C6I_8XL,
        count: 4,
        tags: tags("loadgen", "", "", "staging"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
    Machine {
        name: "clickhouse-staging",
        account: STAGING,
        instance: I4I_4XL,
        count: 3,
        tags: tags("clickhouse-staging", "query", "query", "staging"),
        disk: None,
        from: (0, 1),
        until: None,
        rolling: false,
        leaves_volume: false,
    },
];

/// How a meter's monthly amount moves over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    Fixed,
    /// Follows the month's traffic.
    Traffic,
}

/// One usage type of a named resource: its price per unit and its cost in
/// the first month.
#[derive(Debug)]
pub struct Meter {
    pub usage_type: &'static str,
    pub operation: &'static str,
    pub price: f64,
    pub monthly: f64,
    pub growth: Growth,
}

const fn meter(usage_type: &'static str, operation: &'static str, price: f64, monthly: f64, growth: Growth) -> Meter {
    Meter {
        usage_type,
        operation,
        price,
        monthly,
        growth,
    }
}

/// What Terraform resource declares a named resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    Bucket,
    Table,
    Stream,
    Cache,
    LogGroup,
    NatGateway,
}

/// A resource billed under its own id: buckets, tables, caches, streams,
/// log groups, NAT gateways.
#[derive(Debug)]
pub struct Named {
    pub name: &'static str,
    pub account: &'static str,
    pub product: Product,
    pub declared: Declared,
    pub tags: Tags,
    pub meters: &'static [Meter],
    /// Deleted at the start of this month.
    pub deleted: Option<usize>,
}

impl Named {
    /// The id CUR bills it under: a bucket's name, else an ARN (cache nodes
    /// and NAT gateways carry a suffix of their own).
    pub fn resource_id(&self) -> String {
        let (account, region) = (self.account, REGION);
        match self.declared {
            Declared::Bucket => self.name.to_owned(),
            Declared::Table => format!("arn:aws:dynamodb:{region}:{account}:table/{}", self.name),
            Declared::Stream => format!("arn:aws:firehose:{region}:{account}:deliverystream/{}", self.name),
            Declared::Cache => format!("arn:aws:elasticache:{region}:{account}:cluster:{}", self.name),
            Declared::LogGroup => format!("arn:aws:logs:{region}:{account}:log-group:{}", self.name),
            Declared::NatGateway => format!("arn:aws:ec2:{region}:{account}:natgateway/{}", self.name),
        }
    }
}

use Growth::{Fixed, Traffic};

const fn bucket(name: &'static str, account: &'static str, tags: Tags, meters: &'static [Meter]) -> Named {
    Named {
        name,
        account,
        product: S3,
        declared: Declared::Bucket,
        tags,
        meters,
        deleted: None,
    }
}

const fn table(name: &'static str, account: &'static str, tags: Tags, meters: &'static [Meter]) -> Named {
    Named {
        name,
        account,
        product: DYNAMODB,
        declared: Declared::Table,
        tags,
        meters,
        deleted: None,
    }
}

const NO_TAGS: Tags = tags("", "", "", "");

pub static NAMED: [Named; 25] = [
    // S3: raw events land here from Firehose, replays are archived, query
    // results and customer exports are served from buckets, logs are shared.
    bucket(
        "plover-raw-events",
        PROD,
        tags("", "pipeline", "pipeline", "prod"),
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 7_200.0, Traffic),
            meter("USE1-Requests-Tier1", "PutObject", 0.005, 1_900.0, Traffic),
            meter("USE1-Requests-Tier2", "GetObject", 0.0004, 300.0, Traffic),
        ],
    ),
    bucket(
        "plover-replay-archive",
        PROD,
        tags("", "pipeline", "pipeline", "prod"),
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 1_300.0, Fixed),
            meter("USE1-Requests-Tier1", "PutObject", 0.005, 250.0, Fixed),
        ],
    ),
    bucket(
        "plover-query-results",
        PROD,
        NO_TAGS,
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 2_600.0, Traffic),
            meter("USE1-Requests-Tier1", "PutObject", 0.005, 2_300.0, Traffic),
            meter("USE1-Requests-Tier2", "GetObject", 0.0004, 1_200.0, Traffic),
        ],
    ),
    bucket(
        "plover-exports",
        PROD,
        NO_TAGS,
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 2_400.0, Traffic),
            meter("USE1-Requests-Tier2", "GetObject", 0.0004, 900.0, Traffic),
        ],
    ),
    bucket(
        "plover-logs",
        PROD,
        NO_TAGS,
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 1_100.0, Traffic),
            meter("USE1-Requests-Tier1", "PutObject", 0.005, 700.0, Traffic),
        ],
    ),
    bucket(
        "plover-web-assets",
        PROD,
        tags("", "dashboards", "dashboards", "prod"),
        &[meter("USE1-Requests-Tier2", "GetObject", 0.0004, 380.0, Traffic)],
    ),
    bucket(
        "plover-cur",
        PROD,
        tags("", "platform", "platform", "prod"),
        &[meter(
            "USE1-TimedStorage-ByteHrs",
            "StandardStorage",
            0.023,
            95.0,
            Fixed,
        )],
    ),
    bucket(
        "plover-tf-state",
        PROD,
        tags("", "platform", "platform", "prod"),
        &[meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.023, 4.0, Fixed)],
    ),
    bucket(
        "plover-staging-raw",
        STAGING,
        NO_TAGS,
        &[
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.021, 2_100.0, Traffic),
            meter("USE1-Requests-Tier1", "PutObject", 0.005, 500.0, Traffic),
        ],
    ),
    // DynamoDB, on demand.
    table(
        "dedup-keys",
        PROD,
        NO_TAGS,
        &[
            meter("USE1-WriteRequestUnits", "PutItem", 0.000_000_625, 6_200.0, Traffic),
            meter("USE1-ReadRequestUnits", "GetItem", 0.000_000_125, 1_300.0, Traffic),
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.25, 700.0, Traffic),
        ],
    ),
    table(
        "sessions",
        PROD,
        tags("", "ingest", "ingest", "prod"),
        &[
            meter("USE1-WriteRequestUnits", "PutItem", 0.000_000_625, 1_900.0, Traffic),
            meter("USE1-ReadRequestUnits", "GetItem", 0.000_000_125, 900.0, Traffic),
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.25, 150.0, Traffic),
        ],
    ),
    table(
        "customer-config",
        PROD,
        tags("", "ingest", "ingest", "prod"),
        &[
            meter("USE1-ReadRequestUnits", "GetItem", 0.000_000_125, 550.0, Traffic),
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.25, 30.0, Fixed),
        ],
    ),
    Named {
        name: "query-cache-index",
        account: PROD,
        product: DYNAMODB,
        declared: Declared::Table,
        tags: tags("", "query", "query", "prod"),
        meters: &[
            meter("USE1-ReadRequestUnits", "Query", 0.000_000_125, 2_300.0, Fixed),
            meter("USE1-WriteRequestUnits", "PutItem", 0.000_000_625, 900.0, Fixed),
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.25, 140.0, Fixed),
        ],
        deleted: Some(LATEST),
    },
    table(
        "staging-dedup-keys",
        STAGING,
        tags("", "", "pipeline", "staging"),
        &[
            meter("USE1-WriteRequestUnits", "PutItem", 0.000_000_625, 700.0, Fixed),
            meter("USE1-TimedStorage-ByteHrs", "StandardStorage", 0.25, 80.0, Fixed),
        ],
    ),
    table(
        "staging-sessions",
        STAGING,
        tags("", "ingest", "ingest", "staging"),
        &[meter("USE1-WriteRequestUnits", "PutItem", 0.000_000_625, 420.0, Fixed)],
    ),
    // ElastiCache nodes (one line per node).
    cache("query-cache-001", NO_TAGS),
    cache("query-cache-002", NO_TAGS),
    cache("query-cache-003", NO_TAGS),
    Named {
        name: "sessions-redis-001",
        account: PROD,
        product: ELASTICACHE,
        declared: Declared::Cache,
        tags: tags("", "ingest", "ingest", "prod"),
        meters: &[meter(
            "USE1-NodeUsage:cache.r6g.2xlarge",
            "CreateCacheCluster:0012",
            0.821,
            611.0,
            Fixed,
        )],
        deleted: None,
    },
    Named {
        name: "sessions-redis-002",
        account: PROD,
        product: ELASTICACHE,
        declared: Declared::Cache,
        tags: tags("", "ingest", "ingest", "prod"),
        meters: &[meter(
            "USE1-NodeUsage:cache.r6g.2xlarge",
            "CreateCacheCluster:0012",
            0.821,
            611.0,
            Fixed,
        )],
        deleted: None,
    },
    // Firehose delivers every raw event to S3.
    Named {
        name: "events-to-s3",
        account: PROD,
        product: FIREHOSE,
        declared: Declared::Stream,
        tags: NO_TAGS,
        meters: &[meter("USE1-BilledBytes", "PutRecordBatch", 0.029, 8_200.0, Traffic)],
        deleted: None,
    },
    // Container logs of every service go to one log group.
    Named {
        name: "ecs-services",
        account: PROD,
        product: CLOUDWATCH,
        declared: Declared::LogGroup,
        tags: NO_TAGS,
        meters: &[
            meter("USE1-DataProcessing-Bytes", "PutLogEvents", 0.50, 4_900.0, Traffic),
            meter(
                "USE1-TimedStorage-ByteHrs",
                "HourlyStorageMetering",
                0.03,
                350.0,
                Traffic,
            ),
        ],
        deleted: None,
    },
    Named {
        name: "staging-ecs-services",
        account: STAGING,
        product: CLOUDWATCH,
        declared: Declared::LogGroup,
        tags: NO_TAGS,
        meters: &[meter("USE1-DataProcessing-Bytes", "PutLogEvents", 0.50, 650.0, Fixed)],
        deleted: None,
    },
    // The proxy's calls to customers' origins leave through NAT gateways.
    nat("nat-0a1b2c3d4e5f60711"),
    nat("nat-0a1b2c3d4e5f60722"),
];

const fn cache(name: &'static str, tags: Tags) -> Named {
    Named {
        name,
        account: PROD,
        product: ELASTICACHE,
        declared: Declared::Cache,
        tags,
        meters: CACHE_NODE,
        deleted: None,
    }
}

const CACHE_NODE: &[Meter] = &[meter(
    "USE1-NodeUsage:cache.r6g.4xlarge",
    "CreateCacheCluster:0012",
    1.642,
    1_222.0,
    Fixed,
)];

const fn nat(name: &'static str) -> Named {
    Named {
        name,
        account: PROD,
        product: EC2,
        declared: Declared::NatGateway,
        tags: NO_TAGS,
        meters: NAT_GATEWAY,
        deleted: None,
    }
}

const NAT_GATEWAY: &[Meter] = &[
    meter("USE1-NatGateway-Hours", "NatGateway", 0.045, 33.5, Fixed),
    meter("USE1-NatGateway-Bytes", "NatGateway", 0.045, 1_875.0, Traffic),
];

/// Extra usage from a day of the latest month on: the spike the story chases.
#[derive(Debug)]
pub struct Surge {
    pub resource: &'static str,
    pub usage_type: &'static str,
    pub from_day: u32,
    pub per_day: f64,
}

/// A new customer's backfill fills `plover-raw-events` from the 3rd, and a
/// replay job rewrites `plover-replay-archive` as small objects from the 9th:
/// the pipeline team's S3 bill is about $20,000 higher than the month before.
pub static SURGES: [Surge; 4] = [
    Surge {
        resource: "plover-raw-events",
        usage_type: "USE1-Requests-Tier1",
        from_day: 3,
        per_day: 262.0,
    },
    Surge {
        resource: "plover-raw-events",
        usage_type: "USE1-TimedStorage-ByteHrs",
        from_day: 3,
        per_day: 88.0,
    },
    Surge {
        resource: "plover-replay-archive",
        usage_type: "USE1-Requests-Tier1",
        from_day: 9,
        per_day: 418.0,
    },
    Surge {
        resource: "plover-replay-archive",
        usage_type: "USE1-TimedStorage-ByteHrs",
        from_day: 9,
        per_day: 41.0,
    },
];

/// A Compute Savings Plan bought before the window (half paid upfront) that
/// covers the first `covered_slots` instances of the stream pool.
pub const SAVINGS_PLAN_ARN: &str =
    "arn:aws:savingsplans::111111111111:savingsplan/3f6c2a1e-58b4-4d9e-9a51-7c0e2d4b8f10";
/// Dollars committed per hour, and the share of it paid upfront.
pub const COMMITMENT_PER_HOUR: f64 = 13.30;
pub const UPFRONT_SHARE: f64 = 0.5;
/// The Savings Plan rate as a share of the on-demand rate.
pub const SAVINGS_PLAN_RATE: f64 = 0.72;

/// Migration credits, applied to EC2 in the first months.
pub const CREDIT_PER_MONTH: f64 = 3_000.0;
pub const CREDIT_MONTHS: usize = 6;

/// An Enterprise Discount Program from 2026-06: a discount line of this
/// share beside every usage line, as AWS writes them.
pub const EDP_FROM: usize = 6;
pub const EDP_RATE: f64 = 0.05;

/// An SLA credit for S3 in the latest month.
pub const SLA_CREDIT: f64 = 1_250.0;

/// Sales tax on every product's usage.
pub const TAX_RATE: f64 = 0.02;

/// AWS Business support: a share of each month's usage, by tier.
pub fn business_support(usage: f64) -> f64 {
    let tiers = [
        (10_000.0, 0.10),
        (80_000.0, 0.07),
        (250_000.0, 0.05),
        (1_000_000.0, 0.03),
    ];
    let mut fee = 0.0;
    let mut below = 0.0;
    for (upto, rate) in tiers {
        fee += (usage.min(upto) - below).max(0.0) * rate;
        below = upto;
    }
    fee + (usage - below).max(0.0) * 0.03
}
