//! The demo company, Plover Analytics: twelve months of its AWS exports
//! (legacy CUR, ECS and CloudTrail events, a service map, business metrics)
//! and its Terraform, generated from a fixed story, the same bytes every run.
//! `story` is the company as data; `fleet` simulates its EC2 and ECS year;
//! `bill`, `events` and `terraform` write what AWS and its repository hold.

mod bill;
mod events;
mod fleet;
pub mod story;
mod terraform;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use bill::MonthTotals;

/// The demo's rules: what its untagged lines belong to.
pub const RULES: &str = include_str!("../../assets/demo-rules.toml");

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

/// A number drawn from a name: the same name gives the same number in any
/// order, so adding a resource never changes another one's figures.
fn keyed_u64(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// `digits` (at most 32) lowercase hex digits drawn from a name, for ids.
fn keyed_hex(key: &str, digits: usize) -> String {
    let mut text = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(key.as_bytes()));
    text.truncate(digits);
    text
}

/// What `write` put in the folder.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub months: Vec<MonthTotals>,
    pub ecs_events: usize,
    pub volume_events: usize,
    pub terraform: PathBuf,
}

#[derive(Serialize)]
struct ServiceRow {
    service: &'static str,
    product_area: &'static str,
}

#[derive(Serialize)]
struct MetricRow {
    month: String,
    metric: &'static str,
    value: u64,
    area: &'static str,
}

/// Write the demo's exports under `dir`: `cur/` (a report a month),
/// `events/` (ECS and CloudTrail, a file of each a month), `services.csv`,
/// `business-metrics.csv`, `rules.toml` and `terraform/`.
pub fn write(dir: &Path) -> io::Result<Written> {
    let fleet = fleet::simulate();
    let (cur, event_dir) = (dir.join("cur"), dir.join("events"));
    std::fs::create_dir_all(&cur)?;
    std::fs::create_dir_all(&event_dir)?;
    let create = |path: PathBuf| File::create(&path).map(BufWriter::new);
    let mut written = Written {
        terraform: dir.join("terraform"),
        ..Written::default()
    };
    for month in 0..story::MONTHS {
        let name = story::month_name(month);
        let mut out = create(cur.join(format!("plover-cur-{name}.csv")))?;
        written.months.push(bill::write_month(month, &fleet, &mut out)?);
        out.flush()?;
        let mut out = create(event_dir.join(format!("ecs-{name}.jsonl")))?;
        written.ecs_events += events::write_ecs(month, &fleet, &mut out)?;
        out.flush()?;
        let mut out = create(event_dir.join(format!("cloudtrail-{name}.json")))?;
        written.volume_events += events::write_trail(month, &fleet, &mut out)?;
        out.flush()?;
    }
    // The service map leaves billing-sync out: its cost shows as (unmapped).
    let mut services = csv::Writer::from_path(dir.join("services.csv"))?;
    for service in &story::SERVICES {
        if let Some(product_area) = service.area {
            services.serialize(ServiceRow {
                service: service.name,
                product_area,
            })?;
        }
    }
    services.flush()?;
    let mut metrics = csv::Writer::from_path(dir.join("business-metrics.csv"))?;
    for month in 0..story::MONTHS {
        let name = story::month_name(month);
        metrics.serialize(MetricRow {
            month: name.clone(),
            metric: "api_calls",
            value: story::api_calls(month),
            area: "",
        })?;
        metrics.serialize(MetricRow {
            month: name,
            metric: "queries",
            value: story::queries(month),
            area: "query",
        })?;
    }
    metrics.flush()?;
    std::fs::write(dir.join("rules.toml"), RULES)?;
    terraform::write(&written.terraform)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_story_writes_the_same_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = write(a.path()).unwrap();
        write(b.path()).unwrap();
        for entry in walkdir::WalkDir::new(a.path())
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
        {
            let rel = entry.path().strip_prefix(a.path()).unwrap();
            assert!(
                std::fs::read(entry.path()).unwrap() == std::fs::read(b.path().join(rel)).unwrap(),
                "{} differs",
                rel.display()
            );
        }
        assert_eq!(first.months.len(), 12);
        assert_eq!(first.months[0].month, "2025-12");
        assert_eq!(first.months[11].month, "2026-11");
    }

    #[test]
    fn amortized_cost_adds_the_upfront_half_of_the_savings_plan() {
        let dir = tempfile::tempdir().unwrap();
        let written = write(dir.path()).unwrap();
        let per_day = story::COMMITMENT_PER_HOUR * 24.0;
        let upfront = bill::amount(per_day) - bill::amount(per_day * (1.0 - story::UPFRONT_SHARE));
        for (i, m) in written.months.iter().enumerate() {
            // Unblended carries the recurring half of the fee; amortized the whole commitment.
            let days = (story::month_start(i + 1) - story::month_start(i)).num_days();
            assert_eq!(
                (m.amortized - m.unblended).units(),
                upfront.units() * days as i128,
                "{}",
                m.month
            );
        }
    }
}
