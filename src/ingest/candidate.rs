//! A file found by a sync's scan, before it is loaded, and the helpers both
//! detection and loading use to name and read it.

use std::path::{Path, PathBuf};

use super::ExportKind;
use super::container::Container;
use crate::db::{ExportFile, FileStamp};

/// A billing file found by the scan, before loading.
pub(super) struct Candidate {
    pub(super) path: PathBuf,
    pub(super) stamp: FileStamp,
    pub(super) container: Container,
    pub(super) format: ExportKind,
    pub(super) content_hash: String,
    /// Set when the file is already in the database (same content).
    pub(super) existing: Option<i64>,
    /// The file is recorded under this very path and stamp: nothing to update.
    pub(super) in_place: bool,
    /// Set when another file of this sync has the same content.
    pub(super) duplicate_of: Option<PathBuf>,
    /// Read by the engine's cluster where it lies (`path` is its URI).
    pub(super) on_cluster: bool,
}

/// The DuckDB reader of a billing file; `skip` lines come before its header.
pub(super) fn reader_sql(path: &Path, container: Container, skip: usize) -> String {
    let path = path_text(path);
    match container {
        Container::Parquet => ExportFile::Parquet { path: &path },
        _ => ExportFile::Csv {
            path: &path,
            gzip: container == Container::Gzip,
            skip,
        },
    }
    .reader()
}

pub(super) fn first_line_of(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text)
}

/// A file's path as recorded: absolute, or a cluster's URI as it is.
pub(super) fn path_text(path: &Path) -> String {
    if path.to_str().is_some_and(super::cluster::is_cluster_path) {
        return path.to_string_lossy().into_owned();
    }
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Size, mtime, and where the system has them, ctime and inode.
pub(super) fn stamp_of(meta: &std::fs::Metadata) -> FileStamp {
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    #[cfg(unix)]
    let (ctime_ns, inode) = {
        use std::os::unix::fs::MetadataExt;
        (
            Some(
                meta.ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.ctime_nsec()),
            ),
            Some(meta.ino()),
        )
    };
    #[cfg(not(unix))]
    let (ctime_ns, inode) = (None, None);
    FileStamp {
        size_bytes: meta.len() as i64,
        mtime_ns,
        ctime_ns,
        inode,
    }
}
