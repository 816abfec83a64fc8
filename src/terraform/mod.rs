//! Terraform, read with a real HCL parser (hcl-edit, which keeps source
//! spans): the tag lint for CI and the service → product area map, both
//! judging each module instance from its call site.

mod eval;
pub mod instance;
pub mod lint;
mod scope;
pub mod services;
pub mod tree;

use std::path::{Component, Path, PathBuf};

use hcl_edit::structure::Body;

pub use instance::Graph;
pub use tree::{Tree, load};

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
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: no .tf files found")]
    Empty { path: PathBuf },
    #[error("{path}: not a Terraform module manifest: {message}")]
    Manifest { path: PathBuf, message: String },
}

/// Parse one HCL file (`.tf` or `.tfvars`).
fn parse_file(path: &Path) -> Result<TfFile, TfError> {
    let source = std::fs::read_to_string(path).map_err(|e| TfError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let body = hcl_edit::parser::parse_body(&source).map_err(|e| {
        let location = e.location();
        TfError::Parse {
            path: path.to_path_buf(),
            line: location.line(),
            message: format!("HCL parse error at column {}: {}", location.column(), e.message()),
        }
    })?;
    Ok(TfFile {
        path: path.to_path_buf(),
        source,
        body,
    })
}

/// `a/./b/../c` → `a/c`, without touching the file system (paths stay as
/// the user wrote them, relative where they were relative).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if matches!(out.last(), Some(Component::RootDir | Component::Prefix(_))) => {}
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// `# apportion:ignore <reason>` on a block's first line or the line above.
pub fn ignore_reason(src: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = src.lines().collect();
    [line.checked_sub(1), line.checked_sub(2)]
        .into_iter()
        .flatten()
        .filter_map(|i| lines.get(i))
        .find_map(|l| {
            l.split_once("apportion:ignore")
                .map(|(_, reason)| reason.trim().to_owned())
        })
        .map(|r| if r.is_empty() { "no reason given".to_owned() } else { r })
}

/// 1-based line of a byte offset.
pub fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("./main.tf")), PathBuf::from("main.tf"));
        assert_eq!(
            normalize(Path::new("envs/prod/../../modules/x")),
            PathBuf::from("modules/x")
        );
        assert_eq!(normalize(Path::new("../shared/./x")), PathBuf::from("../shared/x"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }
}
