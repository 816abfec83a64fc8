//! The year of the demo company's EC2 fleet, simulated once: every instance
//! with its launch and end, every EBS volume and where it was attached when,
//! and every ECS task with the instance it ran on. The bill and the events
//! are both written from it, so they agree.

use chrono::{Duration, NaiveDateTime};

use super::keyed_hex;
use super::story::{self, Disk, InstanceType, MACHINES, MONTHS, POOLS, SERVICES, Tags, month_start, window_end};

/// Who an instance belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Pool(usize),
    Machine(usize),
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub owner: Owner,
    pub zone: &'static str,
    pub launch: NaiveDateTime,
    /// Its termination, or the window's end.
    pub end: NaiveDateTime,
    /// Whether the Savings Plan covers its usage.
    pub covered: bool,
}

impl Instance {
    pub fn instance_type(&self) -> InstanceType {
        match self.owner {
            Owner::Pool(p) => POOLS[p].instance,
            Owner::Machine(m) => MACHINES[m].instance,
        }
    }

    pub fn tags(&self) -> Tags {
        match self.owner {
            Owner::Pool(p) => POOLS[p].tags,
            Owner::Machine(m) => MACHINES[m].tags,
        }
    }

    pub fn account(&self) -> &'static str {
        match self.owner {
            Owner::Pool(p) => POOLS[p].account,
            Owner::Machine(m) => MACHINES[m].account,
        }
    }

    pub fn terminated(&self) -> bool {
        self.end < window_end()
    }

    /// The ECS container instance it registered as (pool instances only).
    pub fn container_instance_arn(&self) -> Option<String> {
        let Owner::Pool(p) = self.owner else { return None };
        let pool = &POOLS[p];
        Some(format!(
            "arn:aws:ecs:{}:{}:container-instance/{}/{}",
            story::REGION,
            pool.account,
            pool.cluster,
            keyed_hex(&self.id, 32)
        ))
    }
}

#[derive(Debug, Clone)]
pub struct Volume {
    pub id: String,
    pub account: &'static str,
    pub zone: &'static str,
    pub disk: Disk,
    pub tags: Tags,
    pub created: NaiveDateTime,
    /// Deleted then, or still there at the window's end.
    pub deleted: NaiveDateTime,
}

/// A volume attached to an instance from `from` to `to` (None: still attached).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub volume: usize,
    pub instance: usize,
    pub from: NaiveDateTime,
    pub to: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub service: usize,
    pub pool: usize,
    pub instance: usize,
    pub started: NaiveDateTime,
    /// None: still running when the window ends.
    pub stopped: Option<NaiveDateTime>,
    /// Why it stopped: a deployment, or its instance being replaced.
    pub reason: &'static str,
}

#[derive(Debug, Default)]
pub struct Fleet {
    pub instances: Vec<Instance>,
    pub volumes: Vec<Volume>,
    pub attachments: Vec<Attachment>,
    pub tasks: Vec<Task>,
}

/// Pool instances are replaced every three weeks (a new AMI), staggered by slot.
const REFRESH_DAYS: i64 = 21;

pub fn simulate() -> Fleet {
    let mut fleet = Fleet::default();
    for p in 0..POOLS.len() {
        fleet.add_pool(p);
    }
    for m in 0..MACHINES.len() {
        fleet.add_machine(m);
    }
    fleet
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

impl Fleet {
    fn add_pool(&mut self, p: usize) {
        let pool = &POOLS[p];
        for slot in 0..pool.max_size() {
            // The months the slot is in use, as runs of consecutive months.
            let mut m = 0;
            while m < MONTHS {
                if pool.size(m) <= slot {
                    m += 1;
                    continue;
                }
                let first = m;
                while m < MONTHS && pool.size(m) > slot {
                    m += 1;
                }
                // A slot added after the start is launched on its month's first morning.
                let start = if first == 0 {
                    month_start(0) + minutes(slot as i64 % 20)
                } else {
                    month_start(first) + Duration::hours(6) + minutes(3 * slot as i64)
                };
                self.add_slot(p, slot, start, month_start(m));
            }
        }
    }

    /// One slot of a pool from `start` to `end`: a chain of instances, each
    /// replaced after three weeks, and one data volume that moves along.
    fn add_slot(&mut self, p: usize, slot: usize, start: NaiveDateTime, end: NaiveDateTime) {
        let pool = &POOLS[p];
        let zone = story::ZONES[slot % story::ZONES.len()];
        let volume = self.volumes.len();
        self.volumes.push(Volume {
            id: format!("vol-0{}", keyed_hex(&format!("{}/{slot}/{start}", pool.cluster), 16)),
            account: pool.account,
            zone,
            disk: pool.disk,
            tags: pool.tags,
            created: start,
            deleted: if end < window_end() { end + minutes(10) } else { end },
        });
        // The first replacement is staggered so the pool never refreshes at once.
        let phase = Duration::hours((slot as i64 * 37) % (REFRESH_DAYS * 24)) + Duration::days(3);
        let mut boundaries = vec![start];
        let mut next = start + phase;
        while next < end - Duration::hours(12) {
            boundaries.push(next);
            next += Duration::days(REFRESH_DAYS);
        }
        for (generation, &from) in boundaries.iter().enumerate() {
            let replaced = boundaries.get(generation + 1).copied();
            // The replacement is up before the old instance drains and ends.
            let launch = if generation == 0 { from } else { from - minutes(5) };
            let until = replaced.map_or(end, |r| r + minutes(3));
            let instance = self.instances.len();
            self.instances.push(Instance {
                id: format!("i-0{}", keyed_hex(&format!("{}/{slot}/{launch}", pool.cluster), 16)),
                owner: Owner::Pool(p),
                zone,
                launch,
                end: if until < window_end() { until } else { window_end() },
                covered: slot < pool.covered_slots,
            });
            // The data volume moves: detached as the old instance drains, attached to the new one.
            let attached = if generation == 0 { from } else { from + minutes(2) };
            let detached = replaced.map(|r| r + minutes(1)).or((end < window_end()).then_some(end));
            self.attachments.push(Attachment {
                volume,
                instance,
                from: attached,
                to: detached,
            });
            let tasks_from = attached + minutes(1);
            let tasks_until = replaced.unwrap_or(end);
            self.add_tasks(
                p,
                slot,
                instance,
                tasks_from,
                tasks_until,
                replaced.is_some() || end < window_end(),
            );
        }
    }

    /// The tasks of every lane of one instance between `from` and `until`.
    fn add_tasks(
        &mut self,
        p: usize,
        slot: usize,
        instance: usize,
        from: NaiveDateTime,
        until: NaiveDateTime,
        drained: bool,
    ) {
        let pool = &POOLS[p];
        let id = self.instances[instance].id.clone();
        let lanes = (0..MONTHS)
            .map(|m| pool.lane_services(m, slot).len())
            .max()
            .unwrap_or(0);
        for lane in 0..lanes {
            // The lane's service month by month, merged into runs.
            let mut runs: Vec<(NaiveDateTime, NaiveDateTime, usize)> = Vec::new();
            for m in 0..MONTHS {
                let (lo, hi) = (month_start(m).max(from), month_start(m + 1).min(until));
                if lo >= hi {
                    continue;
                }
                let Some(&service) = pool.lane_services(m, slot).get(lane) else {
                    continue;
                };
                match runs.last_mut() {
                    Some(last) if last.1 == lo && last.2 == service => last.1 = hi,
                    _ => runs.push((lo, hi, service)),
                }
            }
            for (i, &(lo, hi, service)) in runs.iter().enumerate() {
                let task = |started: NaiveDateTime, stopped: Option<NaiveDateTime>, reason| Task {
                    id: keyed_hex(&format!("{id}/{service}/{started}"), 32),
                    service,
                    pool: p,
                    instance,
                    started,
                    stopped: stopped.filter(|s| *s < window_end()),
                    reason,
                };
                let mut started = if lo == from {
                    lo + Duration::seconds(lane as i64 * 7)
                } else {
                    lo + minutes(2)
                };
                for deploy in deployments(service, lo, hi) {
                    // Tasks are replaced a few at a time across the pool.
                    let stop = deploy + Duration::seconds(((instance * 13 + lane * 29) % 1_800) as i64);
                    if stop <= started + minutes(10) || stop >= hi {
                        continue;
                    }
                    self.tasks.push(task(started, Some(stop), "Deployment"));
                    started = stop + Duration::seconds(40);
                }
                // A lane that changes service hands over; the last run drains with its instance.
                let last = i + 1 == runs.len();
                let stopped = if last && !drained { None } else { Some(hi) };
                self.tasks.push(task(
                    started,
                    stopped,
                    if last { "Instance refresh" } else { "Scaling activity" },
                ));
            }
        }
    }

    fn add_machine(&mut self, m: usize) {
        let machine = &MACHINES[m];
        let day = |(month, day): (usize, u32)| month_start(month) + Duration::days(i64::from(day) - 1);
        let from = day(machine.from) + Duration::hours(if machine.from == (0, 1) { 0 } else { 10 });
        let until = machine.until.map_or(window_end(), |u| day(u) + Duration::hours(10));
        for n in 0..machine.count {
            let zone = story::ZONES[n % story::ZONES.len()];
            let volume = machine.disk.map(|disk| {
                self.volumes.push(Volume {
                    id: format!("vol-0{}", keyed_hex(&format!("{}/{n}", machine.name), 16)),
                    account: machine.account,
                    zone,
                    disk,
                    tags: machine.tags,
                    created: from,
                    deleted: if machine.leaves_volume { window_end() } else { until },
                });
                self.volumes.len() - 1
            });
            // A rolling group replaces one instance a month, on the 12th.
            let mut boundaries = vec![from];
            if machine.rolling {
                for month in 1..MONTHS {
                    if month % machine.count == n % machine.count {
                        boundaries.push(month_start(month) + Duration::days(11) + Duration::hours(9));
                    }
                }
            }
            for (generation, &start) in boundaries.iter().enumerate() {
                let replaced = boundaries.get(generation + 1).copied();
                let instance = self.instances.len();
                self.instances.push(Instance {
                    id: format!("i-0{}", keyed_hex(&format!("{}/{n}/{start}", machine.name), 16)),
                    owner: Owner::Machine(m),
                    zone,
                    launch: start,
                    end: replaced.map_or(until, |r| r + minutes(20)),
                    covered: false,
                });
                if let Some(volume) = volume {
                    let attached = if generation == 0 { start } else { start + minutes(25) };
                    let detached = replaced
                        .map(|r| r + minutes(15))
                        .or((until < window_end()).then_some(until - minutes(5)));
                    self.attachments.push(Attachment {
                        volume,
                        instance,
                        from: attached,
                        to: detached,
                    });
                }
            }
        }
    }
}

/// When a service's deployments fall between `from` and `until`: every few
/// days, at an hour of its own.
fn deployments(service: usize, from: NaiveDateTime, until: NaiveDateTime) -> Vec<NaiveDateTime> {
    let every = Duration::days(i64::from(SERVICES[service].deploy_every_days));
    let mut t =
        month_start(0) + Duration::hours(14 + (service as i64 * 5) % 9) + Duration::days(service as i64 % 4 + 1);
    let mut out = Vec::new();
    while t < until {
        if t >= from {
            out.push(t);
        }
        t += every;
    }
    out
}
