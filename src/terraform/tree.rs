//! Loading a Terraform tree: the walked directories, the module directories
//! their calls lead to (local paths, `.terraform/modules/modules.json`), which
//! directories are roots, and the roots' variable values (tfvars).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::eval::{Literal, Value, eval, from_json};
use super::scope::{blocks, is_local_source};
use super::{Module, TfError, normalize, parse_file};

/// How an entry module (one no module block points at) gets its variables.
pub enum Role {
    /// A root configuration: tfvars values, else defaults.
    Root(HashMap<String, Value>),
    /// A module whose callers are not in the tree: its inputs are unknown.
    Uncalled,
}

pub struct Entry {
    pub module: usize,
    pub role: Role,
}

pub struct Tree {
    pub modules: Vec<Module>,
    /// The directories found by walking the named directories.
    pub walked: Vec<usize>,
    pub entries: Vec<Entry>,
    by_dir: HashMap<PathBuf, usize>,
    /// Per directory that ran `terraform init`: module key (`a.b`) → its folder's module.
    manifests: HashMap<usize, HashMap<String, Option<usize>>>,
}

impl Tree {
    pub fn module_at(&self, dir: &Path) -> Option<usize> {
        self.by_dir.get(&normalize(dir)).copied()
    }

    /// What `.terraform/modules/modules.json` of `root` says about the call `key`:
    /// None without a manifest or entry, Some(None) when its folder holds no `.tf` files.
    pub fn manifest(&self, root: usize, key: &str) -> Option<Option<usize>> {
        self.manifests.get(&root)?.get(key).copied()
    }

    pub fn has_manifest(&self, root: usize) -> bool {
        self.manifests.contains_key(&root)
    }

    /// The module in `dir`, parsed on first use; None when it holds no `.tf` file.
    fn load_dir(&mut self, dir: &Path) -> Result<Option<usize>, TfError> {
        let dir = normalize(dir);
        if let Some(&i) = self.by_dir.get(&dir) {
            return Ok(Some(i));
        }
        let Ok(listing) = std::fs::read_dir(&dir) else {
            return Ok(None);
        };
        let mut paths: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "tf"))
            .collect();
        paths.sort();
        self.push(dir, &paths).map(Some).or_else(|e| match e {
            TfError::Empty { .. } => Ok(None),
            other => Err(other),
        })
    }

    fn push(&mut self, dir: PathBuf, paths: &[PathBuf]) -> Result<usize, TfError> {
        if paths.is_empty() {
            return Err(TfError::Empty { path: dir });
        }
        let files = paths
            .iter()
            .map(|p| parse_file(&normalize(p)))
            .collect::<Result<Vec<_>, _>>()?;
        self.modules.push(Module {
            dir: dir.clone(),
            files,
        });
        self.by_dir.insert(dir, self.modules.len() - 1);
        Ok(self.modules.len() - 1)
    }
}

/// Modules.json as `terraform init` writes it.
#[derive(serde::Deserialize)]
struct ManifestFile {
    #[serde(rename = "Modules")]
    modules: Vec<ManifestEntry>,
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Dir")]
    dir: String,
}

/// Every module under `dirs` (skipping `.terraform/`), the modules their calls
/// lead to, and the roots with their variable values (`var_files` last).
pub fn load(dirs: &[PathBuf], var_files: &[PathBuf]) -> Result<Tree, TfError> {
    let mut tree = Tree {
        modules: Vec::new(),
        walked: Vec::new(),
        entries: Vec::new(),
        by_dir: HashMap::new(),
        manifests: HashMap::new(),
    };
    let mut named = HashSet::new();
    for root in dirs {
        walk(&mut tree, root)?;
        named.insert(normalize(root));
    }

    let mut pointed = HashSet::new();
    for m in tree.walked.clone() {
        let path = tree.modules[m].dir.join(".terraform/modules/modules.json");
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| TfError::Io {
            path: path.clone(),
            source: e,
        })?;
        let file: ManifestFile = serde_json::from_str(&text).map_err(|e| TfError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut keys = HashMap::new();
        for entry in file.modules.iter().filter(|e| !e.key.is_empty()) {
            let dir = tree.modules[m].dir.join(&entry.dir);
            let target = tree.load_dir(&dir)?;
            pointed.extend(target);
            keys.insert(entry.key.clone(), target);
        }
        tree.manifests.insert(m, keys);
    }

    // Local sources, followed until no new directory turns up.
    let mut next = 0;
    while next < tree.modules.len() {
        let dir = tree.modules[next].dir.clone();
        let sources: Vec<String> = tree.modules[next]
            .files
            .iter()
            .flat_map(|f| blocks(&f.body, "module"))
            .filter_map(|b| {
                b.body
                    .get_attribute("source")
                    .and_then(|a| super::eval::literal(&a.value))
            })
            .filter(|s| is_local_source(s))
            .collect();
        for source in sources {
            pointed.extend(tree.load_dir(&dir.join(source))?);
        }
        next += 1;
    }

    let shared = read_var_files(var_files)?;
    for m in tree.walked.clone() {
        if pointed.contains(&m) {
            continue;
        }
        let module = &tree.modules[m];
        let tfvars = tfvars_files(&module.dir);
        let is_named = named.contains(&module.dir);
        let role = if looks_like_root(module) || !tfvars.is_empty() || (is_named && !var_files.is_empty()) {
            let mut values = read_var_files(&tfvars)?;
            values.extend(shared.clone());
            Role::Root(values)
        } else {
            Role::Uncalled
        };
        tree.entries.push(Entry { module: m, role });
    }
    Ok(tree)
}

fn walk(tree: &mut Tree, root: &Path) -> Result<(), TfError> {
    let io = |path: &Path, source: std::io::Error| TfError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !root.exists() {
        return Err(io(
            root,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
        ));
    }
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".terraform");
    for entry in walker {
        let entry = entry.map_err(|e| TfError::Io {
            path: e.path().map_or_else(|| root.to_path_buf(), Path::to_path_buf),
            source: e.into(),
        })?;
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "tf") {
            let dir = normalize(path.parent().unwrap_or(root));
            by_dir.entry(dir).or_default().push(path.to_path_buf());
        }
    }
    if by_dir.is_empty() {
        return Err(TfError::Empty {
            path: root.to_path_buf(),
        });
    }
    for (dir, paths) in by_dir {
        let m = match tree.by_dir.get(&dir) {
            Some(&m) => m,
            None => tree.push(dir, &paths)?,
        };
        if !tree.walked.contains(&m) {
            tree.walked.push(m);
        }
    }
    Ok(())
}

/// A provider block, or a `terraform { backend … }` / `cloud` block.
fn looks_like_root(module: &Module) -> bool {
    module.files.iter().any(|f| {
        blocks(&f.body, "provider").next().is_some()
            || blocks(&f.body, "terraform")
                .any(|t| t.body.blocks().any(|b| matches!(b.ident.as_str(), "backend" | "cloud")))
    })
}

/// `terraform.tfvars[.json]`, then `*.auto.tfvars[.json]` by name, as Terraform reads them.
fn tfvars_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|listing| {
            listing
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    out.extend(auto);
    out
}

/// Variable values from tfvars files, later files winning.
fn read_var_files(paths: &[PathBuf]) -> Result<HashMap<String, Value>, TfError> {
    let mut values = HashMap::new();
    for path in paths {
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(path).map_err(|e| TfError::Io {
                path: path.clone(),
                source: e,
            })?;
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| TfError::Parse {
                path: path.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
            let serde_json::Value::Object(map) = json else {
                return Err(TfError::Parse {
                    path: path.clone(),
                    line: 1,
                    message: "expected a JSON object of variable values".to_owned(),
                });
            };
            values.extend(map.iter().map(|(k, v)| (k.clone(), from_json(v))));
        } else {
            let file = parse_file(path)?;
            for attr in file.body.attributes() {
                values.insert(
                    attr.key.as_str().to_owned(),
                    eval(&Literal, &attr.value, &file.source, 0),
                );
            }
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_tfvars_count_and_later_files_win() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "variable \"tags\" {}\nvariable \"name\" {}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("terraform.tfvars"),
            "tags = { a = \"1\" }\nname = \"first\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.auto.tfvars.json"),
            r#"{"name": "second", "tags": {"product_area": "x"}}"#,
        )
        .unwrap();
        let tree = load(&[dir.path().to_path_buf()], &[]).unwrap();
        let Role::Root(values) = &tree.entries[0].role else {
            panic!("tfvars make a root")
        };
        assert_eq!(values["name"], Value::Str("second".to_owned()));
        assert_eq!(values["tags"].get("product_area"), Value::Str("x".to_owned()));
    }

    #[test]
    fn a_broken_modules_json_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), "provider \"aws\" {}\n").unwrap();
        std::fs::create_dir_all(dir.path().join(".terraform/modules")).unwrap();
        std::fs::write(dir.path().join(".terraform/modules/modules.json"), "{\"Modules\": 3}").unwrap();
        let err = load(&[dir.path().to_path_buf()], &[]).err().unwrap();
        assert!(matches!(err, TfError::Manifest { .. }), "{err}");
        assert!(err.to_string().contains("modules.json"), "{err}");
    }
}
