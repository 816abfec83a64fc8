//! Static values of HCL expressions: strings, objects whose keys are known,
//! and "unknown, because …". References are resolved by the caller
//! ([`Resolve`]); everything else here is plain HCL.

use std::collections::{BTreeMap, BTreeSet};

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, Traversal};
use hcl_edit::template::Element;

/// How deep references may chain before we give up (a local that names itself).
pub const MAX_DEPTH: usize = 40;

/// What an expression is known to be before `terraform plan`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Object(Object),
    /// Known, but neither a string nor an object (a number, a list…).
    Other,
    Unknown(String),
}

/// A map or object: its known entries, and why more keys may exist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    pub entries: BTreeMap<String, Value>,
    pub open: Option<String>,
}

/// The tag keys a `tags` value certainly has with a non-empty value.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub known: BTreeSet<String>,
    /// Keys present with an empty or null value: such a tag attributes nothing.
    pub blank: BTreeSet<String>,
    pub open: Option<String>,
}

impl Keys {
    pub fn of(value: &Value) -> Keys {
        match value {
            Value::Null => Keys::default(),
            Value::Object(object) => {
                let mut keys = Keys {
                    open: object.open.clone(),
                    ..Keys::default()
                };
                for (key, value) in &object.entries {
                    match value {
                        Value::Null => keys.blank.insert(key.clone()),
                        Value::Str(s) if s.is_empty() => keys.blank.insert(key.clone()),
                        _ => keys.known.insert(key.clone()),
                    };
                }
                keys
            }
            Value::Unknown(why) => Keys {
                open: Some(why.clone()),
                ..Keys::default()
            },
            Value::Str(_) | Value::Other => Keys {
                open: Some("the tags value is not a map".to_owned()),
                ..Keys::default()
            },
        }
    }

    pub fn union(mut self, other: Keys) -> Keys {
        self.known.extend(other.known);
        self.blank.extend(other.blank);
        self.open = self.open.or(other.open);
        self
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `value.key` / `value["key"]`.
    pub fn get(&self, key: &str) -> Value {
        match self {
            Value::Object(object) => match (object.entries.get(key), &object.open) {
                (Some(v), _) => v.clone(),
                (None, Some(why)) => Value::Unknown(why.clone()),
                (None, None) => Value::Null,
            },
            Value::Unknown(why) => Value::Unknown(why.clone()),
            Value::Null => Value::Unknown(format!("reads {key:?} of null")),
            Value::Str(_) | Value::Other => Value::Unknown(format!("reads {key:?} of a value that is not an object")),
        }
    }

    /// Terraform's `merge`: later keys win; nothing can remove a key.
    fn merge(values: impl IntoIterator<Item = Value>) -> Value {
        let mut out = Object::default();
        for value in values {
            match value {
                Value::Null => {}
                Value::Object(o) => {
                    out.entries.extend(o.entries);
                    out.open = out.open.or(o.open);
                }
                Value::Unknown(why) => out.open = out.open.or(Some(why)),
                Value::Str(_) | Value::Other => {
                    out.open = out.open.or(Some("merge of a value that is not a map".to_owned()))
                }
            }
        }
        Value::Object(out)
    }

    /// Either of two values, as far as both agree.
    fn either(a: Value, b: Value, why: String) -> Value {
        match (a, b) {
            (a, b) if a == b => a,
            (Value::Object(a), Value::Object(b)) => {
                let differ = a.entries.len() != b.entries.len() || a.entries.keys().any(|k| !b.entries.contains_key(k));
                let entries = a
                    .entries
                    .into_iter()
                    .filter_map(|(k, va)| {
                        let vb = b.entries.get(&k)?.clone();
                        Some((k, if va == vb { va } else { Value::Unknown(why.clone()) }))
                    })
                    .collect();
                let open = a.open.or(b.open).or(if differ { Some(why) } else { None });
                Value::Object(Object { entries, open })
            }
            _ => Value::Unknown(why),
        }
    }
}

/// Where references (`var.x`, `local.y`, `module.z.out`) get their values.
pub trait Resolve {
    fn reference(&self, traversal: &Traversal, src: &str, depth: usize) -> Value;
}

/// No references at all: values in `.tfvars` files.
pub struct Literal;

impl Resolve for Literal {
    fn reference(&self, traversal: &Traversal, src: &str, _: usize) -> Value {
        let whole = Expression::Traversal(Box::new(traversal.clone()));
        Value::Unknown(format!("{} is not a literal value", text(&whole, src)))
    }
}

/// The static value of `expr`, written in a file whose text is `src`.
pub fn eval(r: &impl Resolve, expr: &Expression, src: &str, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Unknown("references nest too deeply".to_owned());
    }
    match expr {
        Expression::Null(_) => Value::Null,
        Expression::String(s) => Value::Str(s.value().to_string()),
        Expression::Bool(_) | Expression::Number(_) | Expression::Array(_) => Value::Other,
        Expression::Parenthesis(p) => eval(r, p.inner(), src, depth + 1),
        Expression::Object(object) => {
            let mut out = Object::default();
            for (key, value) in object.iter() {
                let name = match key {
                    ObjectKey::Ident(ident) => Some(ident.as_str().to_owned()),
                    ObjectKey::Expression(e) => match eval(r, e, src, depth + 1) {
                        Value::Str(s) => Some(s),
                        _ => {
                            out.open = out.open.or(Some(format!("a computed tag key {}", text(e, src))));
                            None
                        }
                    },
                };
                if let Some(name) = name {
                    out.entries.insert(name, eval(r, value.expr(), src, depth + 1));
                }
            }
            Value::Object(out)
        }
        Expression::StringTemplate(template) => {
            let mut s = String::new();
            for element in template.iter() {
                match element {
                    Element::Literal(l) => s.push_str(l.as_str()),
                    Element::Interpolation(i) => match eval(r, &i.expr, src, depth + 1) {
                        Value::Str(part) => s.push_str(&part),
                        _ => return Value::Unknown(format!("{} cannot be resolved statically", text(expr, src))),
                    },
                    Element::Directive(_) => {
                        return Value::Unknown(format!("{} cannot be resolved statically", text(expr, src)));
                    }
                }
            }
            Value::Str(s)
        }
        Expression::FuncCall(call) if call.name.namespace.is_empty() => match call.name.name.as_str() {
            "merge" => Value::merge(call.args.iter().map(|a| eval(r, a, src, depth + 1)).collect::<Vec<_>>()),
            "tomap" | "toset" | "tostring" if call.args.len() == 1 => call
                .args
                .iter()
                .next()
                .map_or(Value::Null, |a| eval(r, a, src, depth + 1)),
            _ => Value::Unknown(format!("{} cannot be resolved statically", text(expr, src))),
        },
        Expression::Conditional(c) => {
            let why = format!("{} decides", text(&c.cond_expr, src));
            Value::either(
                eval(r, &c.true_expr, src, depth + 1),
                eval(r, &c.false_expr, src, depth + 1),
                why,
            )
        }
        Expression::Traversal(t) => r.reference(t, src, depth + 1),
        Expression::Variable(v) => Value::Unknown(format!("{} is known only at apply time", v.as_str())),
        other => Value::Unknown(format!("{} cannot be resolved statically", text(other, src))),
    }
}

/// A JSON value (from `.tfvars.json` or `modules.json`) as a static value.
pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Object(map) => Value::Object(Object {
            entries: map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
            open: None,
        }),
        _ => Value::Other,
    }
}

/// A plain string literal (no interpolation).
pub fn literal(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

/// The expression as written, for messages.
pub fn text(expr: &Expression, src: &str) -> String {
    let written = expr
        .span()
        .and_then(|r| src.get(r))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "an expression".to_owned());
    if written.chars().count() > 60 {
        format!("{}…", written.chars().take(60).collect::<String>())
    } else {
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(hcl: &str) -> Keys {
        let body = hcl_edit::parser::parse_body(hcl).unwrap();
        let attr = body.get_attribute("tags").unwrap();
        Keys::of(&eval(&Literal, &attr.value, hcl, 0))
    }

    #[test]
    fn merge_keeps_every_key_and_an_unknown_part_leaves_it_open() {
        let k = keys("tags = merge({ a = \"1\" }, { b = \"2\" }, null)");
        assert_eq!(k.known.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(k.open.is_none());
        let k = keys("tags = merge({ product_area = \"x\" }, var.more)");
        assert!(k.known.contains("product_area"));
        assert!(k.open.is_some(), "var.more may add keys");
    }

    #[test]
    fn a_condition_knows_the_keys_both_branches_have() {
        let k = keys("tags = var.prod ? { product_area = \"a\", env = \"prod\" } : { product_area = \"b\" }");
        assert_eq!(k.known.iter().collect::<Vec<_>>(), ["product_area"]);
        assert!(k.open.as_deref().is_some_and(|w| w.contains("var.prod")), "{k:?}");
    }

    #[test]
    fn empty_and_null_tags_are_blank_not_known() {
        let k = keys("tags = { product_area = \"\", team = null, env = \"prod\" }");
        assert_eq!(k.known.iter().collect::<Vec<_>>(), ["env"]);
        assert_eq!(k.blank.iter().collect::<Vec<_>>(), ["product_area", "team"]);
    }

    #[test]
    fn string_keys_templates_and_computed_keys() {
        let k = keys("tags = { \"product_area\" = \"x-${\"y\"}\", (var.k) = \"v\" }");
        assert!(k.known.contains("product_area"));
        assert!(
            k.open.as_deref().is_some_and(|w| w.contains("computed tag key")),
            "{k:?}"
        );
        let body = hcl_edit::parser::parse_body("name = \"a-${\"b\"}\"").unwrap();
        let value = eval(&Literal, &body.get_attribute("name").unwrap().value, "", 0);
        assert_eq!(value, Value::Str("a-b".to_owned()));
    }
}
