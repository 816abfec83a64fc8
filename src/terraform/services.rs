//! `services import-terraform`: `aws_ecs_service` resources in every module
//! instance (named and tagged through the instance's call), and ECS module
//! calls that cannot be followed, become service map entries.

use hcl_edit::Span;

use super::eval::Value;
use super::instance::{Graph, provider_alias};
use super::line_of;
use super::scope::{blocks, label};

/// A service found in Terraform: its name, area (None when undeclared), and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub service: String,
    pub area: Option<String>,
    pub source: String,
}

const AREA: &str = "product_area";

pub fn declared(graph: &Graph<'_>) -> Vec<Declared> {
    let mut out: Vec<Declared> = Vec::new();
    let mut push = |d: Declared| {
        if !out.iter().any(|o| o.service == d.service && o.area == d.area) {
            out.push(d);
        }
    };
    for (i, instance) in graph.instances.iter().enumerate() {
        let call = graph.call_of(i);
        // A call's own arguments, read in its caller, when the module's code leaves them open.
        let argument = |names: &[&str]| {
            let (caller, call) = call?;
            names.iter().find_map(|n| {
                call.argument(n)
                    .and_then(|a| graph.value(caller, a.expr, a.src).as_str().map(str::to_owned))
            })
        };
        for file in &graph.tree.modules[instance.module].files {
            let src = file.source.as_str();
            for block in blocks(&file.body, "resource").filter(|b| label(b, 0) == "aws_ecs_service") {
                let attr = |name: &str| block.body.get_attribute(name).map(|a| graph.value(i, &a.value, src));
                let service = attr("name")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .or_else(|| argument(&["name", "service_name"]));
                let service = match (service, call) {
                    (Some(s), _) => s,
                    (None, Some((_, c))) => c.name.clone(),
                    // A module linted on its own: its callers name the service.
                    (None, None) => continue,
                };
                let alias = block
                    .body
                    .get_attribute("provider")
                    .and_then(|a| provider_alias(&a.value))
                    .unwrap_or(None);
                let area = attr("tags")
                    .and_then(|t| area_of(&t))
                    .or_else(|| graph.default_tags(i, &alias).and_then(|t| area_of(&t)))
                    .or_else(|| argument(&[AREA]));
                let source = match instance.chain.first() {
                    Some(outer) => format!("{}:{}", outer.file.display(), outer.line),
                    None => format!(
                        "{}:{}",
                        file.path.display(),
                        line_of(src, block.span().map_or(0, |r| r.start))
                    ),
                };
                push(Declared { service, area, source });
            }
        }
    }
    // Calls that lead nowhere local: the call's own arguments are all there is.
    for unfollowed in &graph.unfollowed {
        let caller = unfollowed.caller;
        let call = &graph.scopes[graph.instances[caller].module].calls[unfollowed.call];
        let argument = |name: &str| {
            call.argument(name)
                .and_then(|a| graph.value(caller, a.expr, a.src).as_str().map(str::to_owned))
        };
        let is_ecs = call.source.as_deref().is_some_and(|s| s.contains("ecs"));
        if call.argument(AREA).is_none() && !is_ecs {
            continue;
        }
        let service = argument("name")
            .or_else(|| argument("service_name"))
            .unwrap_or_else(|| call.name.clone());
        let source = match unfollowed.chain.first() {
            Some(outer) => format!("{}:{}", outer.file.display(), outer.line),
            None => format!("{}:{}", call.file.display(), call.line),
        };
        push(Declared {
            service,
            area: argument(AREA),
            source,
        });
    }
    out
}

fn area_of(tags: &Value) -> Option<String> {
    tags.get(AREA).as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}
