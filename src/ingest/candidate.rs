//! A file found by a sync's scan, before it is loaded, and the helpers both
//! detection and loading use to name and read it.

use std::path::{Path, PathBuf};

use super::ExportKind;
use super::container::Container;
use super::diagnose::MAX_LINE_BYTES;
use crate::db::quote;

/// A billing file found by the scan, before loading.
pub(super) struct Candidate {
    pub(super) path: PathBuf,
    pub(super) size_bytes: i64,
    pub(super) mtime_ns: i64,
    pub(super) container: Container,
    pub(super) format: ExportKind,
    pub(super) content_hash: String,
    /// Set when the file is already in the database (same content).
    pub(super) existing: Option<i64>,
    /// The file is recorded under this very path, size and mtime: nothing to update.
    pub(super) in_place: bool,
    /// Set when another file of this sync has the same content.
    pub(super) duplicate_of: Option<PathBuf>,
}

/// The DuckDB reader of a billing file; `skip` lines come before its header.
pub(super) fn reader_sql(path: &Path, container: Container, skip: usize) -> String {
    let p = quote::literal(&path_text(path));
    match container {
        // A CUR 2.0 path holds `BILLING_PERIOD=YYYY-MM`: not a column of the file.
        Container::Parquet => format!("read_parquet({p}, hive_partitioning = false)"),
        _ => format!(
            "read_csv({p}, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', \
             nullstr = ['', 'NULL'], strict_mode = true, null_padding = false, skip = {skip}, hive_partitioning = false, \
             max_line_size = {MAX_LINE_BYTES}, compression = '{}')",
            if container == Container::Gzip { "gzip" } else { "none" }
        ),
    }
}

pub(super) fn first_line_of(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text)
}

pub(super) fn path_text(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
