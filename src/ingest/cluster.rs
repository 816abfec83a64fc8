//! Exports read where they lie, by the engine's cluster (`sync` of a path
//! the cluster names, with `--engine spark`): the cluster lists them, reads
//! their manifests whole, and runs the first stage of each load (reading and
//! grouping, where a load spends its time) into Parquet in this database's
//! part of the warehouse; this machine runs the second stage (parsing the
//! grouped rows into billing lines) as it does for a file of its own. The
//! same builder writes both stages, so a line read there is the line read
//! here. Parquet exports only (CUR 2.0, FOCUS, CUR in Parquet): their types
//! are in the file, where a CSV's header and damaged lines need this
//! machine's reading.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::xxh3_128;

use super::candidate::Candidate;
use super::columns::{Columns, SelectBuilder};
use super::container::Container;
use super::detect::{InPlace, Scanned};
use super::manifest;
use super::{BillingFormat, ExportKind, IngestError, PeriodSource, UNDATED, billing};
use crate::db::{Db, EXPORT_VIEW, ExportReader, FileStamp, ListedFile, SyncTransaction, engine_rows};

/// Whether a path is a URI a cluster names (`s3a://…`, `abfss://…`,
/// `file:/…`, `dbfs:/…`), not one of this machine's paths. `s3://` is too,
/// but `sync` downloads it here unless told otherwise (`--on-cluster`). A
/// one-letter scheme is a Windows drive.
pub fn is_cluster_path(path: &str) -> bool {
    path.split_once(':').is_some_and(|(scheme, rest)| {
        scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric())
            && rest.starts_with('/')
    })
}

/// An error saying what to give when the engine cannot read `first` (a
/// cluster path) where it lies: before any download.
pub fn check_cluster_reader(db: &Db, first: &str) -> Result<(), IngestError> {
    reader_for(db, first).map(|_| ())
}

/// The engine's reader of exports where they lie, with the folder of this
/// sync's grouped rows (the folders a killed sync left removed); an error
/// saying what to give when the engine has none.
pub fn cluster_reader<'a>(db: &'a Db, first: &str) -> Result<(&'a dyn ExportReader, PathBuf), IngestError> {
    let (reader, scratch) = reader_for(db, first)?;
    // One sync holds the database at a time: what is there is a killed sync's.
    if let Some(synced) = scratch.parent() {
        db.discard_engine_dir(synced).map_err(|e| IngestError::Sync {
            message: format!("cannot clear the grouped rows of an earlier sync: {e}"),
        })?;
    }
    Ok((reader, scratch))
}

fn reader_for<'a>(db: &'a Db, first: &str) -> Result<(&'a dyn ExportReader, PathBuf), IngestError> {
    db.export_reader()?.ok_or_else(|| IngestError::Sync {
        message: format!(
            "{} is read where it lies by a Spark cluster: give --engine spark with --spark-remote \
             (docs/spark.md); a path of this machine needs no scheme",
            crate::safe_text::for_terminal(first)
        ),
    })
}

/// The files under each of `uris` as the cluster lists them, each scanned:
/// a Parquet billing export, a manifest, or skipped. A file that looks like
/// an export the cluster does not read for us (CSV, zip, JSON events) fails
/// the sync rather than be left out.
pub(super) fn scan(
    db: &Db,
    reader: &dyn ExportReader,
    known: &InPlace,
    uris: &[String],
) -> Result<Vec<(PathBuf, Scanned)>, IngestError> {
    let mut scanned = Vec::new();
    for uri in uris {
        let mut files = reader.list(uri).map_err(|e| IngestError::File {
            path: PathBuf::from(uri),
            message: format!("{e:#}"),
        })?;
        if files.is_empty() {
            return Err(IngestError::File {
                path: PathBuf::from(uri),
                message: "the cluster lists no file there".to_owned(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        for file in files {
            let path = PathBuf::from(&file.path);
            let found = scan_one(db, reader, known, &file, &path)?;
            scanned.push((path, found));
        }
    }
    Ok(scanned)
}

fn scan_one(
    db: &Db,
    reader: &dyn ExportReader,
    known: &InPlace,
    file: &ListedFile,
    path: &Path,
) -> Result<Scanned, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: path.to_path_buf(),
        message,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let export_like = [".csv", ".gz", ".zip", ".json", ".parquet"]
        .iter()
        .any(|e| name.ends_with(e));
    if crate::s3::is_aws_helper(&file.path) {
        return Ok(Scanned::Skipped(super::detect::AWS_HELPER.to_owned()));
    }
    if file.size == 0 {
        return match export_like {
            true => Err(file_error("file is empty (an interrupted delivery?)".to_owned())),
            false => Ok(Scanned::Skipped("empty file".to_owned())),
        };
    }
    if manifest::is_manifest_name(path) {
        let text = reader
            .text(&file.path)
            .map_err(|e| file_error(format!("could not be read on the cluster: {e:#}")))?;
        return match manifest::parse(path, text.as_bytes()).map_err(file_error)? {
            Some(mut m) => {
                m.written = Some(SystemTime::UNIX_EPOCH + Duration::from_millis(file.modified_ms.max(0) as u64));
                Ok(Scanned::Manifest(m))
            }
            None => Err(not_read_there(path)),
        };
    }
    if !name.ends_with(".parquet") {
        return match export_like {
            true => Err(not_read_there(path)),
            false => Ok(Scanned::Skipped("not an export (by its name)".to_owned())),
        };
    }
    let stamp = FileStamp {
        size_bytes: file.size,
        mtime_ns: file.modified_ms.saturating_mul(1_000_000),
        ctime_ns: None,
        inode: None,
    };
    // An object store has no inode: path, size and time are its identity,
    // as they are for the S3 mirror.
    let identity = format!("{}\u{0}{}\u{0}{}", file.path, file.size, file.modified_ms);
    let content_hash = format!("cluster:{:032x}", xxh3_128(identity.as_bytes()));
    if let Some(record) = known.get(&(file.path.clone(), stamp.size_bytes, stamp.mtime_ns))
        && let Some(format) = ExportKind::from_label(&record.format)
        && record.content_hash == content_hash
    {
        return Ok(Scanned::Export(candidate(
            path,
            stamp,
            format,
            content_hash,
            Some(record.file_id),
            true,
        )));
    }
    let columns = reader
        .columns(&file.path)
        .map_err(|e| file_error(format!("could not be read on the cluster: {e:#}")))?;
    let names: Vec<String> = columns.into_iter().map(|(n, _)| n).collect();
    let Some(format) = BillingFormat::from_columns(&names) else {
        return Ok(Scanned::Skipped(
            "Parquet that is not a billing export apportion knows (CUR, CUR 2.0, FOCUS)".to_owned(),
        ));
    };
    let existing = db.find_file_by_hash(&content_hash)?.map(|r| r.file_id);
    Ok(Scanned::Export(candidate(
        path,
        stamp,
        ExportKind::Billing(format),
        content_hash,
        existing,
        false,
    )))
}

fn candidate(
    path: &Path,
    stamp: FileStamp,
    format: ExportKind,
    content_hash: String,
    existing: Option<i64>,
    in_place: bool,
) -> Candidate {
    Candidate {
        path: path.to_path_buf(),
        stamp,
        container: Container::Parquet,
        format,
        content_hash,
        existing,
        in_place,
        duplicate_of: None,
        on_cluster: true,
    }
}

fn not_read_there(path: &Path) -> IngestError {
    IngestError::File {
        path: path.to_path_buf(),
        message: "the cluster reads Parquet billing exports and their manifests for apportion; sync CSV exports \
                  and event files from this machine (a local copy, or s3:// without --on-cluster, downloaded \
                  here)"
            .to_owned(),
    }
}

/// Load one Parquet billing export the cluster reads: stage one there into
/// `scratch`, stage two here; returns the billing lines loaded.
pub(super) fn load(
    tx: &SyncTransaction<'_>,
    reader: &dyn ExportReader,
    scratch: &Path,
    c: &Candidate,
    format: BillingFormat,
    file_id: i64,
) -> Result<usize, IngestError> {
    let path = c.path.to_string_lossy().into_owned();
    let file_error = |message: String| IngestError::File {
        path: c.path.clone(),
        message,
    };
    let on_cluster = |what: &str, e: anyhow::Error| file_error(format!("could not be {what} on the cluster: {e:#}"));
    let here = |e: crate::db::DbError| file_error(format!("the cluster's grouped rows could not be loaded: {e}"));
    let columns = reader.open(&path).map_err(|e| on_cluster("read", e))?;
    let columns = Columns::read_by(reader.dialect(), columns);
    let mut builder = SelectBuilder::new(&columns);
    let (normalization, named_period) = billing::normalize(&c.path, format, &mut builder)?;
    let dir = scratch.join(format!("file={file_id}"));
    // Stage one there: the grouped rows of a query, as Parquet in `dir/part`.
    let grouped = |part: &str, select: &str| -> Result<Option<String>, IngestError> {
        let out = dir.join(part);
        reader.write_rows(select, &out).map_err(|e| on_cluster("grouped", e))?;
        engine_rows(&out).map_err(here)
    };
    let filter = normalization.filter.as_deref();
    if let Some(rows) = grouped("lines", &builder.rows(EXPORT_VIEW, filter).grouped())? {
        tx.insert_lines(file_id, &rows, &normalization.columns).map_err(here)?;
    }
    billing::settle_periods(tx, file_id, &c.path, &normalization, named_period.as_deref())?;
    if let Some(totals) = &normalization.totals
        && let Some(rows) = grouped("totals", &builder.rows(EXPORT_VIEW, Some(totals)).grouped())?
    {
        let whole_file = normalization.period == PeriodSource::File;
        tx.insert_statement_totals(file_id, &rows, &normalization.columns, whole_file, UNDATED)
            .map_err(here)?;
    }
    if let Some(split) = format.split_rows(&columns) {
        if let Some(rows) = grouped(
            "splits",
            &split.builder.rows(EXPORT_VIEW, Some(&split.filter)).grouped(),
        )? {
            tx.insert_splits(file_id, &rows, &split.columns).map_err(here)?;
        }
        tx.settle_split_periods(file_id, UNDATED, normalization.period == PeriodSource::File)?;
    }
    let key = normalization
        .line_key
        .as_deref()
        .unwrap_or(reader.dialect().whole_row_key());
    // The smallest keys, not the first lines: a cluster reads a file's parts
    // in any order, and two copies must give the same sample.
    if let Some(rows) = grouped("keys", &crate::db::line_key_sample(EXPORT_VIEW, filter, key, true))? {
        tx.insert_line_keys(file_id, &rows).map_err(here)?;
    }
    Ok(tx.lines_of_file(file_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_paths_are_told_from_this_machines() {
        for p in [
            "s3a://b/cur/",
            "abfss://c@a.dfs.core.windows.net/x",
            "file:/data/cur",
            "s3://b/x",
            "dbfs:/x",
        ] {
            assert!(is_cluster_path(p), "{p}");
        }
        for p in ["/data/cur", "exports/2026-04", "C:\\exports", "./a://b"] {
            assert!(!is_cluster_path(p), "{p}");
        }
    }
}
