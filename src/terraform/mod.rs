//! Terraform, read with a real HCL parser (hcl-edit, which keeps source
//! spans): the tag lint for CI and the service → product area map.

pub mod lint;
mod scope;
pub mod services;

use std::path::{Path, PathBuf};

use hcl_edit::structure::Body;

/// One parsed `.tf` file with its text, for line numbers and comments.
pub struct TfFile {
    pub path: PathBuf,
    pub source: String,
    pub body: Body,
}

/// The `.tf` files of one directory: a Terraform module.
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<TfFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum TfError {
    #[error("{path}:{line}: {message}")]
    Parse { path: PathBuf, line: usize, message: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: no .tf files found")]
    Empty { path: PathBuf },
}

/// Every module under `root` (skipping `.terraform/`), files sorted by path.
pub fn load(root: &Path) -> Result<Vec<Module>, TfError> {
    let io = |path: &Path, source: std::io::Error| TfError::Io { path: path.to_path_buf(), source };
    if !root.exists() {
        return Err(io(root, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory")));
    }
    let mut modules: Vec<Module> = Vec::new();
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
        if !entry.file_type().is_file() || path.extension().and_then(|e| e.to_str()) != Some("tf") {
            continue;
        }
        let source = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        let body = hcl_edit::parser::parse_body(&source).map_err(|e| {
            let location = e.location();
            TfError::Parse {
                path: path.to_path_buf(),
                line: location.line(),
                message: format!("HCL parse error at column {}: {}", location.column(), e.message()),
            }
        })?;
        let dir = path.parent().unwrap_or(root).to_path_buf();
        let file = TfFile { path: path.to_path_buf(), source, body };
        match modules.iter_mut().find(|m| m.dir == dir) {
            Some(m) => m.files.push(file),
            None => modules.push(Module { dir, files: vec![file] }),
        }
    }
    if modules.is_empty() {
        return Err(TfError::Empty { path: root.to_path_buf() });
    }
    Ok(modules)
}

/// 1-based line of a byte offset.
pub fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())].iter().filter(|b| **b == b'\n').count() + 1
}
