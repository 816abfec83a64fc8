//! What a module's expressions resolve to statically: locals, variable
//! defaults, provider default_tags. Anything else is "unknown", never "missing".

use std::collections::{BTreeSet, HashMap};

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};

use super::Module;

/// The tag keys an expression certainly has, and why more may exist.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub known: BTreeSet<String>,
    pub open: Option<String>,
}

impl Keys {
    fn unknown(why: String) -> Keys {
        Keys { known: BTreeSet::new(), open: Some(why) }
    }

    pub fn union(mut self, other: Keys) -> Keys {
        self.known.extend(other.known);
        self.open = self.open.or(other.open);
        self
    }
}

/// Names a module defines, borrowed from its parsed files.
pub struct Scope<'a> {
    locals: HashMap<String, (&'a Expression, &'a str)>,
    variables: HashMap<String, Option<(&'a Expression, &'a str)>>,
    /// (alias, default_tags `tags` expression, its file's source)
    pub providers: Vec<(Option<String>, Option<(&'a Expression, &'a str)>)>,
}

fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.ident.as_str() == ident)
}

impl<'a> Scope<'a> {
    pub fn of(module: &'a Module) -> Scope<'a> {
        let mut scope = Scope { locals: HashMap::new(), variables: HashMap::new(), providers: Vec::new() };
        for file in &module.files {
            let src = file.source.as_str();
            for locals in blocks(&file.body, "locals") {
                for attr in locals.body.attributes() {
                    scope.locals.insert(attr.key.as_str().to_owned(), (&attr.value, src));
                }
            }
            for var in blocks(&file.body, "variable") {
                if let Some(name) = var.labels.first() {
                    let default = var.body.get_attribute("default").map(|a| (&a.value, src));
                    scope.variables.insert(name.as_str().to_owned(), default);
                }
            }
            for provider in blocks(&file.body, "provider") {
                if provider.labels.first().map(|l| l.as_str()) != Some("aws") {
                    continue;
                }
                let alias = provider.body.get_attribute("alias").and_then(|a| literal(&a.value));
                let tags = blocks(&provider.body, "default_tags")
                    .next()
                    .and_then(|d| d.body.get_attribute("tags"))
                    .map(|a| (&a.value, src));
                scope.providers.push((alias, tags));
            }
        }
        scope
    }

    /// Tag keys of `expr` (from a file whose text is `src`).
    pub fn keys(&self, expr: &Expression, src: &str, depth: usize) -> Keys {
        if depth > 16 {
            return Keys::unknown("references nest too deeply".to_owned());
        }
        match expr {
            Expression::Object(object) => {
                let mut keys = Keys::default();
                for (key, _) in object.iter() {
                    match key {
                        ObjectKey::Ident(ident) => {
                            keys.known.insert(ident.as_str().to_owned());
                        }
                        ObjectKey::Expression(Expression::String(s)) => {
                            keys.known.insert(s.value().to_string());
                        }
                        ObjectKey::Expression(e) => {
                            keys.open = keys.open.or(Some(format!("a computed tag key {}", text(e, src))));
                        }
                    }
                }
                keys
            }
            Expression::Null(_) => Keys::default(),
            Expression::Parenthesis(p) => self.keys(p.inner(), src, depth + 1),
            Expression::FuncCall(call) if call.name.name.as_str() == "merge" && call.name.namespace.is_empty() => call
                .args
                .iter()
                .map(|arg| self.keys(arg, src, depth + 1))
                .fold(Keys::default(), Keys::union),
            Expression::Traversal(t) => match (&t.expr, t.operators.first().map(|o| o.value())) {
                (Expression::Variable(root), Some(TraversalOperator::GetAttr(name))) if t.operators.len() == 1 => {
                    match root.as_str() {
                        "local" => match self.locals.get(name.as_str()) {
                            Some((value, file)) => self.keys(value, file, depth + 1),
                            None => Keys::unknown(format!("local.{} is not defined in this module", name.as_str())),
                        },
                        "var" => match self.variables.get(name.as_str()) {
                            Some(Some((value, file))) => self.keys(value, file, depth + 1),
                            Some(None) => Keys::unknown(format!("var.{} has no default", name.as_str())),
                            None => Keys::unknown(format!("var.{} is not declared in this module", name.as_str())),
                        },
                        _ => Keys::unknown(format!("{} is known only at apply time", text(expr, src))),
                    }
                }
                _ => Keys::unknown(format!("{} is known only at apply time", text(expr, src))),
            },
            other => Keys::unknown(format!("{} cannot be resolved statically", text(other, src))),
        }
    }

    /// A string value, through locals and variable defaults.
    pub fn string(&self, expr: &Expression, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        if let Some(s) = literal(expr) {
            return Some(s);
        }
        let Expression::Traversal(t) = expr else { return None };
        let (Expression::Variable(root), [op]) = (&t.expr, t.operators.as_slice()) else { return None };
        let TraversalOperator::GetAttr(name) = op.value() else { return None };
        match root.as_str() {
            "local" => self.locals.get(name.as_str()).and_then(|(v, _)| self.string(v, depth + 1)),
            "var" => self.variables.get(name.as_str())?.and_then(|(v, _)| self.string(v, depth + 1)),
            _ => None,
        }
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
