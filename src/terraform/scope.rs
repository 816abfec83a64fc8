//! What one module declares, borrowed from its parsed files: locals,
//! variables, outputs, aws providers and module calls.

use std::collections::HashMap;
use std::path::Path;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::eval::literal;
use super::{Module, line_of};

/// An expression and the text of the file it is written in.
#[derive(Clone, Copy)]
pub struct Def<'a> {
    pub expr: &'a Expression,
    pub src: &'a str,
}

/// A `provider "aws"` block.
pub struct Provider<'a> {
    pub alias: Option<String>,
    pub default_tags: Option<Def<'a>>,
}

/// A `module "NAME" { … }` block.
pub struct Call<'a> {
    pub name: String,
    pub block: &'a Block,
    pub src: &'a str,
    pub file: &'a Path,
    pub line: usize,
    /// The `source` argument when it is a plain string.
    pub source: Option<String>,
}

/// Arguments of a module block that are not the module's variables.
const META_ARGUMENTS: [&str; 6] = ["source", "version", "count", "for_each", "providers", "depends_on"];

impl<'a> Call<'a> {
    /// The value the call gives variable `name`, if it sets it.
    pub fn argument(&self, name: &str) -> Option<Def<'a>> {
        if META_ARGUMENTS.contains(&name) {
            return None;
        }
        self.block.body.get_attribute(name).map(|a| Def {
            expr: &a.value,
            src: self.src,
        })
    }

    pub fn is_local(&self) -> bool {
        self.source.as_deref().is_some_and(is_local_source)
    }
}

/// Terraform's rule: a local path starts with `./` or `../`.
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

pub struct Scope<'a> {
    pub locals: HashMap<String, Def<'a>>,
    /// Declared variables and their defaults.
    pub variables: HashMap<String, Option<Def<'a>>>,
    pub outputs: HashMap<String, Def<'a>>,
    pub providers: Vec<Provider<'a>>,
    pub calls: Vec<Call<'a>>,
}

pub fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.ident.as_str() == ident)
}

pub fn label(block: &Block, index: usize) -> String {
    block
        .labels
        .get(index)
        .map(|l| l.as_str().to_owned())
        .unwrap_or_default()
}

impl<'a> Scope<'a> {
    pub fn of(module: &'a Module) -> Scope<'a> {
        let mut scope = Scope {
            locals: HashMap::new(),
            variables: HashMap::new(),
            outputs: HashMap::new(),
            providers: Vec::new(),
            calls: Vec::new(),
        };
        for file in &module.files {
            let src = file.source.as_str();
            let def = |expr: &'a Expression| Def { expr, src };
            for locals in blocks(&file.body, "locals") {
                for attr in locals.body.attributes() {
                    scope.locals.insert(attr.key.as_str().to_owned(), def(&attr.value));
                }
            }
            for var in blocks(&file.body, "variable") {
                let default = var.body.get_attribute("default").map(|a| def(&a.value));
                scope.variables.insert(label(var, 0), default);
            }
            for output in blocks(&file.body, "output") {
                if let Some(value) = output.body.get_attribute("value") {
                    scope.outputs.insert(label(output, 0), def(&value.value));
                }
            }
            for provider in blocks(&file.body, "provider").filter(|p| label(p, 0) == "aws") {
                let alias = provider.body.get_attribute("alias").and_then(|a| literal(&a.value));
                let default_tags = blocks(&provider.body, "default_tags")
                    .next()
                    .and_then(|d| d.body.get_attribute("tags"))
                    .map(|a| def(&a.value));
                scope.providers.push(Provider { alias, default_tags });
            }
            for call in blocks(&file.body, "module") {
                scope.calls.push(Call {
                    name: label(call, 0),
                    block: call,
                    src,
                    file: &file.path,
                    line: line_of(src, call.span().map_or(0, |r| r.start)),
                    source: call.body.get_attribute("source").and_then(|a| literal(&a.value)),
                });
            }
        }
        scope
    }
}
