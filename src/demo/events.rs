//! The demo company's event exports, as the capture kit collects them: ECS
//! task and container-instance state changes (EventBridge envelopes, one
//! JSON object a line) and the CloudTrail records of EBS volumes attached
//! and detached, one file of each per month.

use std::io::Write;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::fleet::{Fleet, Task};
use super::keyed_hex;
use super::story::{self, POOLS, SERVICES, month_of, month_start};

/// An EventBridge event.
#[derive(Serialize)]
struct Envelope<'a, D> {
    version: &'static str,
    id: String,
    #[serde(rename = "detail-type")]
    detail_type: &'static str,
    source: &'static str,
    account: &'static str,
    time: String,
    region: &'static str,
    resources: [&'a str; 1],
    detail: D,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskDetail<'a> {
    cluster_arn: &'a str,
    container_instance_arn: &'a str,
    task_arn: &'a str,
    task_definition_arn: String,
    group: String,
    launch_type: &'static str,
    cpu: String,
    memory: String,
    last_status: &'static str,
    desired_status: &'static str,
    started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_reason: Option<&'static str>,
    containers: [Container<'a>; 1],
    version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Container<'a> {
    name: &'a str,
    last_status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerInstanceDetail<'a> {
    cluster_arn: &'a str,
    container_instance_arn: &'a str,
    ec2_instance_id: &'a str,
    status: &'static str,
    agent_connected: bool,
    registered_resources: [Resource; 2],
    version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource {
    name: &'static str,
    r#type: &'static str,
    integer_value: u32,
}

/// A CloudTrail record of `AttachVolume` or `DetachVolume`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrailRecord<'a> {
    event_version: &'static str,
    event_time: String,
    event_source: &'static str,
    event_name: &'static str,
    aws_region: &'static str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'static str,
    user_agent: &'static str,
    request_parameters: VolumeParameters<'a>,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    event_type: &'static str,
    recipient_account_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VolumeParameters<'a> {
    volume_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<&'static str>,
}

#[derive(Serialize)]
struct Trail<'a> {
    #[serde(rename = "Records")]
    records: Vec<TrailRecord<'a>>,
}

/// `2026-04-01T00:00:00.000Z`, as ECS writes its times.
fn ecs_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn uuid(key: &str) -> String {
    let h = keyed_hex(key, 32);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn cluster_arn(pool: usize) -> String {
    let p = &POOLS[pool];
    format!("arn:aws:ecs:{}:{}:cluster/{}", story::REGION, p.account, p.cluster)
}

/// One event of the month, before it is written: its time orders the file.
enum Event<'a> {
    Task { task: &'a Task, stopped: bool },
    Instance { instance: usize, draining: bool },
}

/// Write month `month`'s ECS events as JSON lines, in time order.
pub fn write_ecs(month: usize, fleet: &Fleet, out: &mut impl Write) -> std::io::Result<usize> {
    let in_month = |t: NaiveDateTime| month_of(t) == month && t < story::window_end();
    let mut events: Vec<(NaiveDateTime, Event<'_>)> = Vec::new();
    for (i, instance) in fleet.instances.iter().enumerate() {
        if instance.container_instance_arn().is_none() {
            continue;
        }
        if in_month(instance.launch) {
            events.push((
                instance.launch + Duration::seconds(50),
                Event::Instance {
                    instance: i,
                    draining: false,
                },
            ));
        }
        let drain = instance.end - Duration::minutes(3);
        if instance.terminated() && in_month(drain) {
            events.push((
                drain,
                Event::Instance {
                    instance: i,
                    draining: true,
                },
            ));
        }
    }
    for task in &fleet.tasks {
        if in_month(task.started) {
            events.push((task.started, Event::Task { task, stopped: false }));
        }
        if let Some(stopped) = task.stopped.filter(|s| in_month(*s)) {
            events.push((stopped, Event::Task { task, stopped: true }));
        }
    }
    events.sort_by_key(|(time, event)| match event {
        Event::Instance { instance, draining } => (*time, 0, fleet.instances[*instance].id.clone(), *draining),
        Event::Task { task, stopped } => (*time, 1, task.id.clone(), *stopped),
    });
    for (time, event) in &events {
        match event {
            Event::Task { task, stopped } => write_task(fleet, task, *stopped, *time, out)?,
            Event::Instance { instance, draining } => write_instance(fleet, *instance, *draining, *time, out)?,
        }
    }
    Ok(events.len())
}

fn write_task(
    fleet: &Fleet,
    task: &Task,
    stopped: bool,
    time: NaiveDateTime,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let pool = &POOLS[task.pool];
    let service = &SERVICES[task.service];
    let cluster = cluster_arn(task.pool);
    let container_instance = fleet.instances[task.instance]
        .container_instance_arn()
        .unwrap_or_default();
    let task_arn = format!(
        "arn:aws:ecs:{}:{}:task/{}/{}",
        story::REGION,
        pool.account,
        pool.cluster,
        task.id
    );
    // A new task definition revision ships with every deployment.
    let revision = 40 + (task.started - month_start(0)).num_days() / i64::from(service.deploy_every_days);
    let status = if stopped { "STOPPED" } else { "RUNNING" };
    let event = Envelope {
        version: "0",
        id: uuid(&format!("{task_arn}/{status}")),
        detail_type: "ECS Task State Change",
        source: "aws.ecs",
        account: pool.account,
        time: ecs_time(time),
        region: story::REGION,
        resources: [&task_arn],
        detail: TaskDetail {
            cluster_arn: &cluster,
            container_instance_arn: &container_instance,
            task_arn: &task_arn,
            task_definition_arn: format!(
                "arn:aws:ecs:{}:{}:task-definition/{}:{revision}",
                story::REGION,
                pool.account,
                service.name
            ),
            group: format!("service:{}", service.name),
            launch_type: "EC2",
            cpu: service.cpu.to_string(),
            memory: (service.cpu * 2).to_string(),
            last_status: status,
            desired_status: status,
            started_at: ecs_time(task.started),
            stopped_at: stopped.then(|| ecs_time(time)),
            stopped_reason: stopped.then_some(task.reason),
            containers: [Container {
                name: service.name,
                last_status: status,
            }],
            version: if stopped { 4 } else { 2 },
        },
    };
    serde_json::to_writer(&mut *out, &event)?;
    out.write_all(b"\n")
}

fn write_instance(
    fleet: &Fleet,
    i: usize,
    draining: bool,
    time: NaiveDateTime,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let instance = &fleet.instances[i];
    let super::fleet::Owner::Pool(p) = instance.owner else {
        return Ok(());
    };
    let pool = &POOLS[p];
    let cluster = cluster_arn(p);
    let arn = instance.container_instance_arn().unwrap_or_default();
    let event = Envelope {
        version: "0",
        id: uuid(&format!("{arn}/{draining}")),
        detail_type: "ECS Container Instance State Change",
        source: "aws.ecs",
        account: pool.account,
        time: ecs_time(time),
        region: story::REGION,
        resources: [&arn],
        detail: ContainerInstanceDetail {
            cluster_arn: &cluster,
            container_instance_arn: &arn,
            ec2_instance_id: &instance.id,
            status: if draining { "DRAINING" } else { "ACTIVE" },
            agent_connected: true,
            registered_resources: [
                Resource {
                    name: "CPU",
                    r#type: "INTEGER",
                    integer_value: pool.container_cpu(),
                },
                Resource {
                    name: "MEMORY",
                    r#type: "INTEGER",
                    integer_value: pool.container_memory(),
                },
            ],
            version: if draining { 2 } else { 1 },
        },
    };
    serde_json::to_writer(&mut *out, &event)?;
    out.write_all(b"\n")
}

/// Write month `month`'s CloudTrail records of volumes attached and detached.
pub fn write_trail(month: usize, fleet: &Fleet, out: &mut impl Write) -> std::io::Result<usize> {
    let in_month = |t: NaiveDateTime| month_of(t) == month && t < story::window_end();
    let mut records: Vec<(NaiveDateTime, TrailRecord<'_>)> = Vec::new();
    for a in &fleet.attachments {
        let volume = &fleet.volumes[a.volume];
        let instance = &fleet.instances[a.instance];
        let mut events = vec![(a.from, "AttachVolume")];
        if let Some(to) = a.to {
            events.push((to, "DetachVolume"));
        }
        for (time, name) in events.into_iter().filter(|(t, _)| in_month(*t)) {
            let attach = name == "AttachVolume";
            records.push((
                time,
                TrailRecord {
                    event_version: "1.09",
                    event_time: time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    event_source: "ec2.amazonaws.com",
                    event_name: name,
                    aws_region: story::REGION,
                    source_ip_address: "autoscaling.amazonaws.com",
                    user_agent: "autoscaling.amazonaws.com",
                    request_parameters: VolumeParameters {
                        volume_id: &volume.id,
                        instance_id: attach.then_some(instance.id.as_str()),
                        device: attach.then_some("/dev/xvdf"),
                    },
                    event_id: uuid(&format!("{}/{name}/{time}", volume.id)),
                    read_only: false,
                    event_type: "AwsApiCall",
                    recipient_account_id: volume.account,
                },
            ));
        }
    }
    records.sort_by(|a, b| (a.0, &a.1.event_id).cmp(&(b.0, &b.1.event_id)));
    let count = records.len();
    serde_json::to_writer(
        &mut *out,
        &Trail {
            records: records.into_iter().map(|(_, r)| r).collect(),
        },
    )?;
    out.write_all(b"\n")?;
    Ok(count)
}
