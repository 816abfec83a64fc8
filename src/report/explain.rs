//! `explain` output: how one resource's dollars were attributed, in words.

use std::io::{self, Write};

use super::usd;
use crate::attribute::rules::{Rule, Rules};
use crate::db::{Explanation, Method};
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
        x.run_id.map(|r| format!(" (run {r})")).unwrap_or_default()
    )?;
    for (area, service, method, cost) in &x.parts {
        let service = if service.is_empty() {
            String::new()
        } else {
            format!(" service {}", t(service))
        };
        writeln!(
            out,
            "    {:>12}  {}{service}  by {}",
            usd(*cost),
            t(area),
            describe(method, rules.as_ref())
        )?;
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
                "    {split:>12} + {unused:>10}  {} ({}), {tasks} task(s)",
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
                .map(rule_text)
                .unwrap_or_default();
            format!(
                "rule {n}{}",
                if text.is_empty() {
                    String::new()
                } else {
                    format!(" [{text}]")
                }
            )
        }
        Some(Method::Tag) => "its product area tag".to_owned(),
        Some(Method::Ecs) => "ECS split (CPU-seconds of its tasks)".to_owned(),
        Some(Method::Scad) => "AWS split cost allocation data (its tasks' split and unused cost)".to_owned(),
        Some(Method::Idle) => "idle capacity (--idle separate)".to_owned(),
        Some(Method::Unallocated) => "nothing: no tag, no rule matched".to_owned(),
        Some(Method::Merged { instance }) => format!("EBS merge into {}", for_terminal(&instance)),
        None => for_terminal(method).into_owned(),
    }
}

fn rule_text(rule: &Rule) -> String {
    let fields = [
        ("area", &rule.area),
        ("area_from_tag", &rule.area_from_tag),
        ("product", &rule.product),
        ("usage_type", &rule.usage_type),
        ("operation", &rule.operation),
        ("account", &rule.account),
        ("region", &rule.region),
        ("resource", &rule.resource),
        ("line_item_type", &rule.line_item_type),
    ];
    let mut parts: Vec<String> = fields
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name} = {v:?}")))
        .collect();
    for (k, v) in &rule.tags {
        parts.push(format!("tags.{k} = {v:?}"));
    }
    for_terminal(&parts.join(", ")).into_owned()
}
