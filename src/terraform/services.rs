//! `services import-terraform`: ECS service modules (and `aws_ecs_service`
//! resources) that declare a `product_area` become service map entries.

use super::scope::{Scope, literal};
use super::{Module, line_of};
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};

/// A service found in Terraform: its name, area (None when undeclared), and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub service: String,
    pub area: Option<String>,
    pub source: String,
}

pub fn declared(modules: &[Module]) -> Vec<Declared> {
    let mut out = Vec::new();
    for module in modules {
        let scope = Scope::of(module);
        for file in &module.files {
            let src = file.source.as_str();
            let place = |span: Option<std::ops::Range<usize>>| format!("{}:{}", file.path.display(), line_of(src, span.map_or(0, |r| r.start)));
            for block in file.body.blocks() {
                let label = block.labels.first().map(|l| l.as_str().to_owned()).unwrap_or_default();
                let attr = |name: &str| block.body.get_attribute(name).and_then(|a| scope.string(&a.value, 0));
                match block.ident.as_str() {
                    "module" => {
                        let source = attr("source").unwrap_or_default();
                        let has_area = block.body.get_attribute("product_area").is_some();
                        if !has_area && !source.contains("ecs") {
                            continue;
                        }
                        let service = attr("name").or_else(|| attr("service_name")).unwrap_or(label);
                        out.push(Declared { service, area: attr("product_area"), source: place(block.span()) });
                    }
                    // A resource whose name is a module input is declared by the module's callers.
                    "resource" if label == "aws_ecs_service" => {
                        let Some(service) = attr("name") else { continue };
                        let area = block.body.get_attribute("tags").and_then(|t| tag_value(&t.value, "product_area"));
                        out.push(Declared { service, area, source: place(block.span()) });
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn tag_value(expr: &Expression, key: &str) -> Option<String> {
    let Expression::Object(object) = expr else { return None };
    object.iter().find_map(|(k, v)| {
        let matches = match k {
            ObjectKey::Ident(i) => i.as_str() == key,
            ObjectKey::Expression(e) => literal(e).as_deref() == Some(key),
        };
        if matches { literal(v.expr()) } else { None }
    })
}
