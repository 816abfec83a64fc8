//! `explain` output: how one resource's dollars were attributed, in words.

use std::io::{self, Write};

use super::usd;
use crate::db::{AreaExplanation, Explanation, Method};
use crate::rules::Rules;
use crate::safe_text::for_terminal;

pub fn write_explanation(x: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    let t = |s: &str| for_terminal(s).into_owned();
    writeln!(out, "{} in {}", t(&x.resource), x.month)?;
    writeln!(
        out,
        "  billed: {} on {} line(s) of {}",
        usd(x.billed),
        x.lines,
        t(&x.products.join(", "))
    )?;
    if x.tags.is_empty() {
        writeln!(out, "  tags: none")?;
    } else {
        let tags: Vec<String> = x.tags.iter().map(|(k, v)| format!("{}={}", t(k), t(v))).collect();
        writeln!(out, "  tags: {}", tags.join(", "))?;
    }
    let rules = Rules::parse(&x.rules_text, "rules of the latest run").ok();
    writeln!(
        out,
        "  attributed{}:",
        match (x.run_id, &x.run_change) {
            (Some(r), Some(change)) => format!(" (run {r}: {})", t(change)),
            (Some(r), None) => format!(" (run {r})"),
            _ => String::new(),
        }
    )?;
    for part in &x.parts {
        let service = if part.service.is_empty() {
            String::new()
        } else {
            format!(" service {}", t(&part.service))
        };
        let how = describe(&part.method, rules.as_ref());
        let how = if part.merged_into.is_empty() {
            how
        } else {
            format!("{how} into {}", t(&part.merged_into))
        };
        writeln!(out, "    {:>12}  {}{service}  by {how}", usd(part.cost), t(&part.area))?;
    }
    if x.parts.is_empty() {
        writeln!(out, "    nothing yet: run `apportion attribute`")?;
    }
    if !x.services.is_empty() {
        writeln!(
            out,
            "  ECS tasks on this instance in {} (CPU units × seconds):",
            x.month
        )?;
        for (service, area, tasks, cpu_seconds) in &x.services {
            writeln!(
                out,
                "    {:>16.0}  {} ({}), {tasks} task(s)",
                cpu_seconds,
                t(service),
                t(area)
            )?;
        }
    }
    if !x.scad_services.is_empty() {
        writeln!(
            out,
            "  AWS split cost allocation data on this instance in {} (split + unused cost):",
            x.month
        )?;
        for (service, area, tasks, split, unused) in &x.scad_services {
            let split = usd(*split);
            let unused = usd(*unused);
            writeln!(
                out,
                "    {split:>12} + {unused:>10}  {} ({}), {tasks} task(s) or pod(s)",
                t(service),
                t(area)
            )?;
        }
    }
    if !x.split_check.is_empty() {
        writeln!(
            out,
            "  the ECS split both ways, where task events and AWS split rows both cover the instance:"
        )?;
        writeln!(out, "    {:>12}  {:>12}", "by events", "by AWS split")?;
        for (service, area, by_events, by_scad) in &x.split_check {
            let e = usd(*by_events);
            let a = usd(*by_scad);
            if service == area {
                writeln!(out, "    {e:>12}  {a:>12}  {}", t(service))?;
            } else {
                writeln!(out, "    {e:>12}  {a:>12}  {} ({})", t(service), t(area))?;
            }
        }
    }
    for (kind, hours, cost) in &x.split_gaps {
        let what = match kind.as_str() {
            "scad_only" => "with AWS split rows but no task events",
            _ => "with task events but no AWS split rows",
        };
        writeln!(out, "  {hours} instance-hour(s) {what}: {}", usd(*cost))?;
    }
    if !x.merged_volumes.is_empty() {
        writeln!(out, "  EBS volumes merged into this instance:")?;
        for (volume, cost) in &x.merged_volumes {
            writeln!(out, "    {:>12}  from {}", usd(*cost), t(volume))?;
        }
    }
    if !x.attachments.is_empty() {
        writeln!(out, "  attachments:")?;
        for (volume, instance, from, to) in &x.attachments {
            writeln!(out, "    {} on {} from {from} to {to}", t(volume), t(instance))?;
        }
    }
    Ok(())
}

fn describe(method: &str, rules: Option<&Rules>) -> String {
    match Method::parse(method) {
        Some(Method::Rule(n)) => {
            let text = rules
                .and_then(|r| r.rules.iter().find(|rule| rule.number == n))
                .map(|rule| for_terminal(&rule.text()).into_owned())
                .unwrap_or_default();
            if text.is_empty() {
                format!("rule {n}")
            } else {
                format!("rule {n} [{text}]")
            }
        }
        Some(Method::Split(n)) => {
            let text = rules
                .and_then(|r| r.splits.iter().find(|s| s.number == n))
                .map(|s| for_terminal(&s.text()).into_owned())
                .unwrap_or_default();
            if text.is_empty() {
                format!("split {n}")
            } else {
                format!("split {n} [{text}]")
            }
        }
        Some(Method::Tag) => "its product area tag".to_owned(),
        Some(Method::Service) => "the service map (a Fargate task's ECS service or pod's EKS workload)".to_owned(),
        Some(Method::Ecs) => "ECS split (CPU-seconds of its tasks)".to_owned(),
        Some(Method::Scad) => "AWS split cost allocation data (its tasks' or pods' split and unused cost)".to_owned(),
        Some(Method::Idle) => "idle capacity (--idle separate)".to_owned(),
        Some(Method::Unallocated) => "nothing: no tag, no rule matched".to_owned(),
        Some(Method::Ebs) => "EBS merge".to_owned(),
        Some(Method::Follow) => "following the usage it belongs to (a discount, credit or commitment)".to_owned(),
        None => for_terminal(method).into_owned(),
    }
}

/// An area's dollars: what it carries directly, what followed its usage,
/// what splits brought it and what its own splits gave away.
pub fn write_area_explanation(x: &AreaExplanation, out: &mut dyn Write) -> io::Result<()> {
    let t = |s: &str| for_terminal(s).into_owned();
    let rules = Rules::parse(&x.rules_text, "rules of the latest run").ok();
    let after = x.flows.iter().filter(|f| f.kind != "before");
    let total_u: crate::money::Money = after.clone().map(|f| f.unblended).sum();
    let total_a: crate::money::Money = after.map(|f| f.amortized).sum();
    writeln!(out, "area {} in {}", t(&x.area), x.month)?;
    writeln!(out, "  {:>14}  {:>14}", "unblended", "amortized")?;
    let mut heading = "";
    for f in &x.flows {
        if f.kind == "before" {
            writeln!(
                out,
                "  {:>14}  {:>14}  before any split",
                usd(f.unblended),
                usd(f.amortized)
            )?;
            heading = "";
            continue;
        }
        let title = match f.kind.as_str() {
            "direct" => "directly",
            "followed" => "followed its usage",
            "received" => "received by splits",
            _ => "given away by its splits",
        };
        if title != heading {
            writeln!(out, "  {title}:")?;
            heading = title;
        }
        let what = match f.kind.as_str() {
            "followed" => format!("{} following the usage", t(&f.other)),
            "received" => format!("from {} by {}", t(&f.other), describe(&f.how, rules.as_ref())),
            "given" => format!("to {} by {}", t(&f.other), describe(&f.how, rules.as_ref())),
            _ => format!("by {}", describe(&f.how, rules.as_ref())),
        };
        writeln!(out, "  {:>14}  {:>14}  {what}", usd(f.unblended), usd(f.amortized))?;
    }
    writeln!(
        out,
        "  {:>14}  {:>14}  in all, after splits",
        usd(total_u),
        usd(total_a)
    )
}
