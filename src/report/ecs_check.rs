//! `ecs-check` output: per service, the dollars the ECS split gives by task
//! events and by AWS's split cost allocation data, and the instance-hours only
//! one of them covers (where event capture has gaps).

use std::io::{self, Write};

use super::{signed_usd, usd};
use crate::db::{EcsCheck, SplitGap, WorkloadSplit};
use crate::money::Money;
use crate::safe_text::for_terminal;

pub fn write_ecs_check(c: &EcsCheck, out: &mut dyn Write) -> io::Result<()> {
    if !c.billed {
        return writeln!(out, "No bill for {} in the database.", c.month);
    }
    let Some(run) = c.run_id else {
        return writeln!(out, "{} is not attributed yet: run `apportion attribute`", c.month);
    };
    writeln!(
        out,
        "ECS split check for {} (attribution run {run}: --weight {}, --idle {}, ecs_source {}; unblended cost)",
        c.month, c.weight, c.idle, c.ecs_source
    )?;
    if c.split_rows == 0 {
        writeln!(
            out,
            "\nNo AWS split cost allocation data in {}: turn on split cost allocation data for Amazon ECS in the Billing \
             console (Cost Management preferences) and include it in a CUR 2.0 export (or a legacy CUR), then sync it.",
            c.month
        )?;
    }
    if c.services.is_empty() {
        writeln!(
            out,
            "\nNo instance-hour has both task events and AWS split rows: nothing to compare."
        )?;
    } else {
        writeln!(
            out,
            "\n{} instance-hour(s) on {} instance(s) have both task events and AWS split rows ({}). Per service:",
            c.both_hours,
            c.both_instances,
            usd(c.both_cost)
        )?;
        let width = column_width(c.services.iter().map(|s| s.service.as_str()), 7);
        let area_width = column_width(c.services.iter().map(|s| s.area.as_str()), 4);
        writeln!(
            out,
            "  {:<width$}  {:<area_width$}  {:>14}  {:>14}  {:>14}",
            "service",
            "area",
            format!("by {}", weight_label(&c.weight)),
            "by AWS split",
            "difference"
        )?;
        for s in &c.services {
            writeln!(
                out,
                "  {:<width$}  {:<area_width$}  {:>14}  {:>14}  {:>14}",
                for_terminal(&s.service),
                for_terminal(&s.area),
                usd(s.by_events),
                usd(s.by_scad),
                signed_usd(s.difference)
            )?;
        }
        writeln!(
            out,
            "  (difference = by events − by AWS split. AWS weighs each task's vCPU and memory 9:1 by the larger of \
             reserved and used; compare --weight cpu+memory.)"
        )?;
    }
    gaps(
        out,
        "AWS split rows but no task events (event capture gaps)",
        &c.scad_only,
    )?;
    // Without any split rows every instance with tasks would be listed: the
    // note above says it all.
    if c.split_rows > 0 {
        gaps(out, "task events but no AWS split rows", &c.events_only)?;
    }
    workloads(out, &c.workloads)
}

/// The EKS part: per workload its pods, hours, split and unused cost and
/// area, then the workloads nothing gave an area.
fn workloads(out: &mut dyn Write, list: &[WorkloadSplit]) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let hours: i64 = list.iter().map(|w| w.hours).sum();
    let unused: Money = list.iter().map(|w| w.unused).sum();
    writeln!(
        out,
        "\nEKS workloads in AWS split rows: {} over {hours} workload-hour(s); unused capacity {} (--idle separate: (idle))",
        list.len(),
        usd(unused)
    )?;
    let width = column_width(list.iter().map(|w| w.workload.as_str()), 8);
    writeln!(
        out,
        "  {:<width$}  {:>5}  {:>6}  {:>12}  {:>12}  area (cluster)",
        "workload", "pods", "hours", "split", "unused"
    )?;
    for w in list {
        writeln!(
            out,
            "  {:<width$}  {:>5}  {:>6}  {:>12}  {:>12}  {} ({})",
            for_terminal(&w.workload),
            w.pods,
            w.hours,
            usd(w.split),
            usd(w.unused),
            for_terminal(&w.area),
            for_terminal(&w.cluster)
        )?;
    }
    let unmapped: Vec<&WorkloadSplit> = list.iter().filter(|w| w.area == "(unmapped)").collect();
    if !unmapped.is_empty() {
        let cost: Money = unmapped.iter().map(|w| w.split + w.unused).sum();
        writeln!(
            out,
            "  {} workload(s) have no area ({}): add them to the service map (service = workload, namespace; or * for \
             a namespace), tag their pods, or write a rule (`area_from_tag = \"aws:eks:namespace\"`)",
            unmapped.len(),
            usd(cost)
        )?;
    }
    Ok(())
}

/// Instances listed per gap kind, the costliest first; the rest are counted.
const GAP_LIST_LIMIT: usize = 20;

fn gaps(out: &mut dyn Write, what: &str, list: &[SplitGap]) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let hours: i64 = list.iter().map(|g| g.hours).sum();
    let cost: Money = list.iter().map(|g| g.cost).sum();
    writeln!(
        out,
        "\nInstance-hours with {what}: {hours} on {} instance(s), {}",
        list.len(),
        usd(cost)
    )?;
    for g in list.iter().take(GAP_LIST_LIMIT) {
        writeln!(
            out,
            "  {}  {:>5} h  {} … {}  {:>12}",
            for_terminal(&g.instance),
            g.hours,
            g.first_hour,
            g.last_hour,
            usd(g.cost)
        )?;
    }
    if list.len() > GAP_LIST_LIMIT {
        writeln!(out, "  … and {} more instance(s)", list.len() - GAP_LIST_LIMIT)?;
    }
    Ok(())
}

fn weight_label(weight: &str) -> String {
    match weight {
        "cpu" => "CPU-seconds".to_owned(),
        other => format!("events ({other})"),
    }
}

/// The width of a column of these texts as the terminal shows them, at
/// least `at_least` (the header's).
fn column_width<'a>(texts: impl Iterator<Item = &'a str>, at_least: usize) -> usize {
    texts
        .map(|t| for_terminal(t).chars().count())
        .max()
        .unwrap_or(0)
        .max(at_least)
}
