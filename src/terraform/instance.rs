//! Module instances: every entry module, and every module call under it
//! followed to its folder, with the chain of calls that leads there, where its
//! variables come from, and the aws providers it receives.

use std::collections::HashMap;
use std::path::PathBuf;

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::Block;
use serde::Serialize;

use super::eval::{MAX_DEPTH, Resolve, Value, eval, text};
use super::ignore_reason;
use super::scope::{Call, Scope, is_local_source};
use super::tree::{Role, Tree};

/// One module call on the way from an entry module to an instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// `module.NAME`
    pub call: String,
    pub file: PathBuf,
    pub line: usize,
}

/// Where an instance's `var.X` come from.
enum Inputs {
    /// A root: tfvars values of this entry, then defaults.
    Root(usize),
    Uncalled,
    /// The arguments of call `call` in instance `caller`, then defaults.
    Called {
        caller: usize,
        call: usize,
    },
}

/// An aws provider block: which instance declares it, and which of its blocks.
#[derive(Debug, Clone, Copy)]
struct ProviderRef {
    instance: usize,
    index: usize,
}

enum Child {
    Instance(usize),
    Unfollowed(String),
}

pub struct Instance {
    pub module: usize,
    /// The calls from the entry module, outermost first (empty for an entry).
    pub chain: Vec<Step>,
    /// Set when a call on the chain carries `# apportion:ignore`.
    pub ignored: Option<String>,
    /// The first call on the chain that leads into downloaded code (modules.json):
    /// nothing below it can be edited in this tree.
    pub downloaded_from: Option<usize>,
    inputs: Inputs,
    providers: HashMap<Option<String>, ProviderRef>,
    children: HashMap<String, Child>,
}

/// A module call that could not be followed to a folder of `.tf` files.
pub struct Unfollowed {
    /// The calls down to and including this one.
    pub chain: Vec<Step>,
    pub reason: String,
    pub ignored: Option<String>,
    /// The instance that makes the call, and the call's index in its module.
    pub caller: usize,
    pub call: usize,
}

pub struct Graph<'a> {
    pub tree: &'a Tree,
    pub scopes: Vec<Scope<'a>>,
    pub instances: Vec<Instance>,
    pub unfollowed: Vec<Unfollowed>,
}

/// Calls deeper than this are not followed (a tree that calls itself through symlinks).
const MAX_CHAIN: usize = 32;

impl<'a> Graph<'a> {
    pub fn build(tree: &'a Tree) -> Graph<'a> {
        let scopes = tree.modules.iter().map(Scope::of).collect();
        let mut graph = Graph {
            tree,
            scopes,
            instances: Vec::new(),
            unfollowed: Vec::new(),
        };
        for (e, entry) in tree.entries.iter().enumerate() {
            let inputs = match entry.role {
                Role::Root(_) => Inputs::Root(e),
                Role::Uncalled => Inputs::Uncalled,
            };
            graph.add(entry.module, inputs, HashMap::new(), Position::entry(entry.module));
        }
        // Directories that only call each other have no entry; lint them on their own.
        for &m in &tree.walked {
            if !graph.instances.iter().any(|i| i.module == m) {
                graph.add(m, Inputs::Uncalled, HashMap::new(), Position::entry(m));
            }
        }
        graph
    }

    fn add(
        &mut self,
        module: usize,
        inputs: Inputs,
        mut providers: HashMap<Option<String>, ProviderRef>,
        at: Position,
    ) -> usize {
        let index = self.instances.len();
        for (p, provider) in self.scopes[module].providers.iter().enumerate() {
            providers.insert(
                provider.alias.clone(),
                ProviderRef {
                    instance: index,
                    index: p,
                },
            );
        }
        self.instances.push(Instance {
            module,
            chain: at.chain.clone(),
            ignored: at.ignored.clone(),
            downloaded_from: at.downloaded_from,
            inputs,
            providers,
            children: HashMap::new(),
        });
        let mut modules = at.modules.clone();
        modules.push(module);
        for c in 0..self.scopes[module].calls.len() {
            let call = &self.scopes[module].calls[c];
            let (name, block, is_local): (String, &'a Block, bool) = (call.name.clone(), call.block, call.is_local());
            let mut chain = at.chain.clone();
            chain.push(Step {
                call: format!("module.{name}"),
                file: call.file.to_path_buf(),
                line: call.line,
            });
            let ignored = at.ignored.clone().or_else(|| ignore_reason(call.src, call.line));
            let mut keys = at.keys.clone();
            keys.push(name.clone());
            let target = self.target(call, module, at.root, &keys.join("."));
            let child = match target {
                Ok(t) if modules.contains(&t) => Err("the module calls itself".to_owned()),
                Ok(_) if chain.len() > MAX_CHAIN => Err(format!("calls nest deeper than {MAX_CHAIN}")),
                other => other,
            };
            let child = match child {
                Ok(t) => {
                    let passed = self.passed_providers(index, block);
                    let downloaded_from = at
                        .downloaded_from
                        .or(if is_local { None } else { Some(chain.len() - 1) });
                    let sub = Position {
                        root: at.root,
                        keys,
                        modules: modules.clone(),
                        chain,
                        ignored,
                        downloaded_from,
                    };
                    Child::Instance(self.add(t, Inputs::Called { caller: index, call: c }, passed, sub))
                }
                Err(reason) => {
                    self.unfollowed.push(Unfollowed {
                        chain,
                        reason: reason.clone(),
                        ignored,
                        caller: index,
                        call: c,
                    });
                    Child::Unfollowed(reason)
                }
            };
            self.instances[index].children.insert(name, child);
        }
        index
    }

    /// The module a call leads to, or why it cannot be followed.
    fn target(&self, call: &Call<'_>, caller: usize, root: usize, key: &str) -> Result<usize, String> {
        let Some(source) = call.source.as_deref() else {
            return Err("its source is not a plain string".to_owned());
        };
        if is_local_source(source) {
            let dir = self.tree.modules[caller].dir.join(source);
            return self
                .tree
                .module_at(&dir)
                .ok_or_else(|| format!("{source:?} holds no .tf files"));
        }
        match self.tree.manifest(root, key) {
            Some(Some(m)) => Ok(m),
            Some(None) => Err(format!(
                "{source:?}: the folder .terraform/modules/modules.json names for it holds no .tf files"
            )),
            None if self.tree.has_manifest(root) => Err(format!(
                "{source:?} is not in .terraform/modules/modules.json (run terraform init again)"
            )),
            None => Err(format!(
                "{source:?} is not a local path and there is no .terraform/modules/modules.json (run terraform init)"
            )),
        }
    }

    /// What a call passes: its `providers = { … }` map, else the caller's default aws provider.
    fn passed_providers(&self, caller: usize, block: &Block) -> HashMap<Option<String>, ProviderRef> {
        let parent = &self.instances[caller].providers;
        let Some(attr) = block.body.get_attribute("providers") else {
            return parent.get(&None).map(|p| (None, *p)).into_iter().collect();
        };
        let Expression::Object(map) = &attr.value else {
            return HashMap::new();
        };
        map.iter()
            .filter_map(|(key, value)| {
                let inner = match key {
                    ObjectKey::Ident(i) if i.as_str() == "aws" => None,
                    ObjectKey::Ident(_) => return None,
                    ObjectKey::Expression(e) => provider_alias(e)?,
                };
                let outer = provider_alias(value.expr())?;
                parent.get(&outer).map(|p| (inner, *p))
            })
            .collect()
    }

    /// The value of `expr` (written in `src`) in instance `instance`.
    pub fn value(&self, instance: usize, expr: &Expression, src: &str) -> Value {
        eval(&At { graph: self, instance }, expr, src, 0)
    }

    /// The `default_tags` of the aws provider `alias` as the instance receives it;
    /// None when the instance has no such provider.
    pub fn default_tags(&self, instance: usize, alias: &Option<String>) -> Option<Value> {
        let p = self.instances[instance].providers.get(alias)?;
        let provider = &self.scopes[self.instances[p.instance].module].providers[p.index];
        Some(match provider.default_tags {
            Some(def) => eval(
                &At {
                    graph: self,
                    instance: p.instance,
                },
                def.expr,
                def.src,
                0,
            ),
            None => Value::Null,
        })
    }

    /// The call that made `instance`, and the instance that made it.
    pub fn call_of(&self, instance: usize) -> Option<(usize, &Call<'a>)> {
        match self.instances[instance].inputs {
            Inputs::Called { caller, call } => Some((caller, &self.scopes[self.instances[caller].module].calls[call])),
            _ => None,
        }
    }

    /// Which call on the instance's chain decides the keys of `expr`: the
    /// outermost call that leaves a variable bringing keys unset (so its
    /// default applies) or sets it to a value of its own. None when the
    /// module's own code decides (no such variable), or the entry does.
    pub fn decided_at(&self, instance: usize, expr: &Expression, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Inputs::Called { caller, call } = self.instances[instance].inputs else {
            return None;
        };
        let level = self.instances[instance].chain.len().checked_sub(1)?;
        let call = &self.scopes[self.instances[caller].module].calls[call];
        let mut sources = Vec::new();
        self.key_sources(instance, expr, depth, &mut sources);
        sources
            .iter()
            .map(|name| match call.argument(name) {
                Some(arg) => self.decided_at(caller, arg.expr, depth + 1).unwrap_or(level),
                None => level,
            })
            .min()
    }

    /// The `var.X` whose value can bring tag keys into `expr`: the expression
    /// itself, `merge` arguments, either branch of a condition, through locals
    /// (a variable inside a tag's value or a name cannot add a key).
    fn key_sources(&self, instance: usize, expr: &Expression, depth: usize, out: &mut Vec<String>) {
        if depth > MAX_DEPTH {
            return;
        }
        match expr {
            Expression::Parenthesis(p) => self.key_sources(instance, p.inner(), depth + 1, out),
            Expression::Conditional(c) => {
                self.key_sources(instance, &c.true_expr, depth + 1, out);
                self.key_sources(instance, &c.false_expr, depth + 1, out);
            }
            Expression::FuncCall(call) if call.name.namespace.is_empty() && call.name.name.as_str() == "merge" => {
                for arg in call.args.iter() {
                    self.key_sources(instance, arg, depth + 1, out);
                }
            }
            Expression::Traversal(t) => {
                let (Expression::Variable(root), Some(TraversalOperator::GetAttr(name))) =
                    (&t.expr, t.operators.first().map(|o| o.value()))
                else {
                    return;
                };
                match root.as_str() {
                    "var" => out.push(name.as_str().to_owned()),
                    "local" => {
                        if let Some(def) = self.scopes[self.instances[instance].module].locals.get(name.as_str()) {
                            self.key_sources(instance, def.expr, depth + 1, out);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn var(&self, instance: usize, name: &str, depth: usize) -> Value {
        let inst = &self.instances[instance];
        let Some(default) = self.scopes[inst.module].variables.get(name) else {
            return Value::Unknown(format!(
                "var.{name} is not declared in {}",
                self.tree.modules[inst.module].dir.display()
            ));
        };
        let default = |why: String| match default {
            Some(def) => eval(&At { graph: self, instance }, def.expr, def.src, depth + 1),
            None => Value::Unknown(why),
        };
        match inst.inputs {
            Inputs::Called { caller, call } => {
                let call = &self.scopes[self.instances[caller].module].calls[call];
                match call.argument(name) {
                    Some(arg) => eval(
                        &At {
                            graph: self,
                            instance: caller,
                        },
                        arg.expr,
                        arg.src,
                        depth + 1,
                    ),
                    None => default(format!(
                        "module.{} does not set {name}, and var.{name} has no default",
                        call.name
                    )),
                }
            }
            Inputs::Root(entry) => match &self.tree.entries[entry].role {
                Role::Root(values) if values.contains_key(name) => values.get(name).cloned().unwrap_or(Value::Null),
                _ => default(format!(
                    "var.{name} has no value: no default, and none in terraform.tfvars, *.auto.tfvars or --var-file"
                )),
            },
            Inputs::Uncalled => Value::Unknown(format!(
                "var.{name} comes from the module's callers, and none is in the linted tree"
            )),
        }
    }

    fn module_output(
        &self,
        instance: usize,
        name: &str,
        ops: &[TraversalOperator],
        whole: &str,
        depth: usize,
    ) -> Value {
        let child = match self.instances[instance].children.get(name) {
            Some(Child::Instance(c)) => *c,
            Some(Child::Unfollowed(why)) => return Value::Unknown(format!("module.{name} is not followed: {why}")),
            None => return Value::Unknown(format!("module.{name} is not declared in this module")),
        };
        // `module.x[0].out`, `module.x["k"].out`: every instance of a count/for_each call is alike.
        let rest: Vec<&TraversalOperator> = ops
            .iter()
            .skip_while(|op| {
                matches!(
                    op,
                    TraversalOperator::Index(_)
                        | TraversalOperator::LegacyIndex(_)
                        | TraversalOperator::FullSplat(_)
                        | TraversalOperator::AttrSplat(_)
                )
            })
            .collect();
        let Some((TraversalOperator::GetAttr(output), rest)) = rest.split_first().map(|(o, r)| (*o, r)) else {
            return Value::Unknown(format!("{whole} is the whole module, not one of its outputs"));
        };
        let module = self.instances[child].module;
        let Some(def) = self.scopes[module].outputs.get(output.as_str()) else {
            return Value::Unknown(format!("module.{name} has no output {:?}", output.as_str()));
        };
        let value = eval(
            &At {
                graph: self,
                instance: child,
            },
            def.expr,
            def.src,
            depth + 1,
        );
        apply(value, rest.iter().copied(), whole)
    }
}

/// Where an instance being built hangs: the entry module (for modules.json),
/// the call names (its key there), the modules on the way (cycles), the calls
/// themselves, an ignore comment met on the way, and where downloaded code starts.
struct Position {
    root: usize,
    keys: Vec<String>,
    modules: Vec<usize>,
    chain: Vec<Step>,
    ignored: Option<String>,
    downloaded_from: Option<usize>,
}

impl Position {
    fn entry(module: usize) -> Position {
        Position {
            root: module,
            keys: Vec::new(),
            modules: Vec::new(),
            chain: Vec::new(),
            ignored: None,
            downloaded_from: None,
        }
    }
}

/// `aws` → Some(None), `aws.x` → Some(Some("x")), anything else None.
pub fn provider_alias(expr: &Expression) -> Option<Option<String>> {
    match expr {
        Expression::Variable(v) if v.as_str() == "aws" => Some(None),
        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
            (Expression::Variable(root), [op]) if root.as_str() == "aws" => match op.value() {
                TraversalOperator::GetAttr(alias) => Some(Some(alias.as_str().to_owned())),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// References resolved inside one instance.
struct At<'g, 'a> {
    graph: &'g Graph<'a>,
    instance: usize,
}

impl Resolve for At<'_, '_> {
    fn reference(&self, traversal: &Traversal, src: &str, depth: usize) -> Value {
        let whole = text(&Expression::Traversal(Box::new(traversal.clone())), src);
        let ops: Vec<&TraversalOperator> = traversal.operators.iter().map(|o| o.value()).collect();
        let (Expression::Variable(root), Some((TraversalOperator::GetAttr(first), rest))) =
            (&traversal.expr, ops.split_first().map(|(o, r)| (*o, r)))
        else {
            return Value::Unknown(format!("{whole} cannot be resolved statically"));
        };
        let (graph, name) = (self.graph, first.as_str());
        let value = match root.as_str() {
            "local" => match graph.scopes[graph.instances[self.instance].module].locals.get(name) {
                Some(def) => eval(self, def.expr, def.src, depth + 1),
                None => Value::Unknown(format!("local.{name} is not defined in this module")),
            },
            "var" => graph.var(self.instance, name, depth),
            "module" => {
                let rest: Vec<TraversalOperator> = rest.iter().map(|o| (*o).clone()).collect();
                return graph.module_output(self.instance, name, &rest, &whole, depth);
            }
            _ => return Value::Unknown(format!("{whole} is known only at apply time")),
        };
        apply(value, rest.iter().copied(), &whole)
    }
}

/// `.key` and `["key"]` after a reference.
fn apply<'o>(mut value: Value, ops: impl IntoIterator<Item = &'o TraversalOperator>, whole: &str) -> Value {
    for op in ops {
        value = match op {
            TraversalOperator::GetAttr(key) => value.get(key.as_str()),
            TraversalOperator::Index(Expression::String(key)) => value.get(key.value()),
            _ => return Value::Unknown(format!("{whole} cannot be resolved statically")),
        };
    }
    value
}
