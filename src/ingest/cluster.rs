//! Exports read where they lie, by the engine's cluster (`sync` of a path
//! the cluster names, with `--engine spark`): the cluster lists them, reads
//! their manifests whole and their CSV headers, and runs the first stage of
//! each load (reading and grouping, where a load spends its time) into
//! Parquet in this database's part of the warehouse; this machine runs the
//! second stage (parsing the grouped rows into billing lines) as it does for
//! a file of its own. The same builder writes both stages, so a line read
//! there is the line read here. Billing exports in Parquet (CUR 2.0, FOCUS,
//! CUR) and in CSV, plain or gzip (CUR, CUR 2.0, FOCUS, an unzipped DBR);
//! a CSV's columns are named by this machine's DuckDB from the header the
//! cluster reads, and a CSV whose load fails is searched there for its
//! first damaged row. Zip archives, event files and the small CSVs of a
//! service map or metrics are read from this machine.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::xxh3_128;

use super::candidate::{Candidate, reader_sql};
use super::columns::{Columns, SelectBuilder};
use super::container::{Container, header};
use super::detect::{InPlace, Scanned, describe_unknown, parse_header};
use super::diagnose::{ValueChecks, unparsed, wrong_width};
use super::{BillingFormat, ExportKind, IngestError, PeriodSource, UNDATED, billing, manifest, metrics, service_map};
use crate::db::{
    BadRow, Db, EXPORT_VIEW, ExportLayout, ExportReader, FileStamp, ListedFile, Parses, RowFault, SyncTransaction,
    engine_rows,
};

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
/// a billing export (Parquet or CSV), a manifest, or skipped. A file that
/// looks like an export the cluster does not read for us (zip, JSON events,
/// a service map) fails the sync rather than be left out.
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
    let as_named = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let name = as_named.to_ascii_lowercase();
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
    let Some(container) = container_by_name(&as_named) else {
        return match export_like {
            true => Err(not_read_there(path)),
            false => Ok(Scanned::Skipped("not an export (by its name)".to_owned())),
        };
    };
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
            container,
            format,
            content_hash,
            Some(record.file_id),
            true,
        )));
    }
    let format = match container {
        Container::Parquet => {
            let columns = reader
                .columns(&file.path)
                .map_err(|e| file_error(format!("could not be read on the cluster: {e:#}")))?;
            let names: Vec<String> = columns.into_iter().map(|(n, _)| n).collect();
            match BillingFormat::from_columns(&names) {
                Some(format) => format,
                None => {
                    return Ok(Scanned::Skipped(
                        "Parquet that is not a billing export apportion knows (CUR, CUR 2.0, FOCUS)".to_owned(),
                    ));
                }
            }
        }
        _ => {
            let names = parse_header(&csv_header(reader, path)?);
            if service_map::is_header(&names) || metrics::is_header(&names) {
                return Err(not_read_there(path));
            }
            match BillingFormat::from_columns(&names) {
                Some(format) => format,
                None => return Ok(Scanned::Skipped(describe_unknown(&names))),
            }
        }
    };
    let existing = db.find_file_by_hash(&content_hash)?.map(|r| r.file_id);
    Ok(Scanned::Export(candidate(
        path,
        stamp,
        container,
        ExportKind::Billing(format),
        content_hash,
        existing,
        false,
    )))
}

/// How the cluster reads a file, by its name (as Spark decompresses by
/// it, telling `.gz` from `.GZ`): Parquet, CSV, or gzip CSV; None for what
/// it does not read for us.
fn container_by_name(name: &str) -> Option<Container> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".parquet") {
        Some(Container::Parquet)
    } else if lower.ends_with(".csv") {
        Some(Container::Plain)
    } else if lower.ends_with(".csv.gz") && name.ends_with(".gz") {
        Some(Container::Gzip)
    } else {
        None
    }
}

/// A CSV's header line as the cluster reads it (without a byte order
/// mark); an error for a file this machine reads instead: JSON (events
/// named `.csv`?) or a cost allocation report, whose banner line comes first.
fn csv_header(reader: &dyn ExportReader, path: &Path) -> Result<Vec<u8>, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: path.to_path_buf(),
        message,
    };
    let lines = reader
        .head(&path.to_string_lossy(), 2)
        .map_err(|e| file_error(format!("could not be read on the cluster: {e:#}")))?;
    // The lines as the file holds them, read as this machine reads a header.
    let mut text = tempfile::NamedTempFile::new().map_err(|e| file_error(format!("cannot make a temp file: {e}")))?;
    std::io::Write::write_all(&mut text, lines.join("\n").as_bytes())
        .map_err(|e| file_error(format!("cannot write a temp file: {e}")))?;
    let head = header(text.path(), Container::Plain).map_err(|e| file_error(format!("cannot read: {e}")))?;
    let first = head.line.iter().find(|b| !b.is_ascii_whitespace());
    if head.skip > 0 || matches!(first, Some(b'{' | b'[')) {
        return Err(not_read_there(path));
    }
    if head.line.is_empty() {
        return Err(file_error("file is empty (an interrupted delivery?)".to_owned()));
    }
    Ok(head.line)
}

/// A CSV's columns as this machine's DuckDB names them (a repeated or empty
/// name made unique, as a load here does), from the header the cluster reads.
fn csv_columns(db: &Db, reader: &dyn ExportReader, path: &Path) -> Result<Vec<String>, IngestError> {
    let line = csv_header(reader, path)?;
    let file_error = |message: String| IngestError::File {
        path: path.to_path_buf(),
        message,
    };
    let mut text = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .map_err(|e| file_error(format!("cannot make a temp file: {e}")))?;
    std::io::Write::write_all(&mut text, &line).map_err(|e| file_error(format!("cannot write a temp file: {e}")))?;
    let columns = db
        .describe_columns(&reader_sql(text.path(), Container::Plain, 0))
        .map_err(|e| file_error(format!("its header could not be read: {e}")))?;
    Ok(columns.into_iter().map(|(n, _)| n).collect())
}

fn candidate(
    path: &Path,
    stamp: FileStamp,
    container: Container,
    format: ExportKind,
    content_hash: String,
    existing: Option<i64>,
    in_place: bool,
) -> Candidate {
    Candidate {
        path: path.to_path_buf(),
        stamp,
        container,
        format,
        content_hash,
        existing,
        in_place,
        duplicate_of: None,
        on_cluster: true,
    }
}

fn not_read_there(path: &Path) -> IngestError {
    let as_named = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let name = as_named.to_ascii_lowercase();
    let what = if name.ends_with(".gz") && !as_named.ends_with(".gz") {
        "Spark decompresses a file only when its name ends in .gz, in lower case: rename it, or sync it from this \
         machine"
    } else if name.ends_with(".zip") {
        "Spark reads no zip archive: put the export there unzipped (.csv or .csv.gz), or sync the zip from this \
         machine (a local copy, or s3:// without --on-cluster, downloaded here)"
    } else {
        "the cluster reads billing exports (Parquet, CSV, .csv.gz) and their manifests for apportion; sync event \
         files, service maps, metrics and cost allocation reports from this machine (a local copy, or s3:// \
         without --on-cluster, downloaded here)"
    };
    IngestError::File {
        path: path.to_path_buf(),
        message: what.to_owned(),
    }
}

/// Load one billing export the cluster reads: stage one there into
/// `scratch`, stage two here; returns the billing lines loaded.
pub(super) fn load(
    db: &Db,
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
    let csv_names = match c.container {
        Container::Parquet => None,
        _ => Some(csv_columns(db, reader, &c.path)?),
    };
    let layout = match &csv_names {
        None => ExportLayout::Parquet,
        Some(columns) => ExportLayout::Csv { columns },
    };
    let columns = reader.open(&path, layout).map_err(|e| on_cluster("read", e))?;
    let columns = Columns::read_by(reader.dialect(), columns);
    let mut builder = SelectBuilder::new(&columns);
    let (normalization, named_period) = billing::normalize(&c.path, format, &mut builder)?;
    // A CSV whose reading fails there is searched for the row to blame, by
    // the values the failed query parses (as a load here is).
    let failed = |e: anyhow::Error, checks: &ValueChecks| match &csv_names {
        None => on_cluster("grouped", e),
        Some(names) => match reader.first_bad_row(&path, names, &checked(checks)) {
            Ok(Some(bad)) => row_error(&c.path, bad, names.len()),
            Ok(None) => on_cluster("grouped", e),
            Err(search) => on_cluster("grouped", e.context(format!("(no damaged row found: {search:#})"))),
        },
    };
    let dir = scratch.join(format!("file={file_id}"));
    // Stage one there: the grouped rows of a query, as Parquet in `dir/part`.
    let grouped = |part: &str, select: &str, checks: &ValueChecks| -> Result<Option<String>, IngestError> {
        let out = dir.join(part);
        reader.write_rows(select, &out).map_err(|e| failed(e, checks))?;
        engine_rows(&out).map_err(here)
    };
    let filter = normalization.filter.as_deref();
    let lines = builder.rows(EXPORT_VIEW, filter).grouped();
    if let Some(rows) = grouped("lines", &lines, &builder.checks)? {
        tx.insert_lines(file_id, &rows, &normalization.columns).map_err(here)?;
    }
    billing::settle_periods(tx, file_id, &c.path, &normalization, named_period.as_deref())?;
    if let Some(totals) = &normalization.totals
        && let Some(rows) = grouped(
            "totals",
            &builder.rows(EXPORT_VIEW, Some(totals)).grouped(),
            &builder.checks,
        )?
    {
        let whole_file = normalization.period == PeriodSource::File;
        tx.insert_statement_totals(file_id, &rows, &normalization.columns, whole_file, UNDATED)
            .map_err(here)?;
    }
    if let Some(split) = format.split_rows(&columns) {
        if let Some(rows) = grouped(
            "splits",
            &split.builder.rows(EXPORT_VIEW, Some(&split.filter)).grouped(),
            &split.builder.checks,
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
    let keys = crate::db::line_key_sample(EXPORT_VIEW, filter, key, true);
    if let Some(rows) = grouped("keys", &keys, &builder.checks)? {
        tx.insert_line_keys(file_id, &rows).map_err(here)?;
    }
    Ok(tx.lines_of_file(file_id)?)
}

/// The columns whose values a query parses, by what they must parse as,
/// in the order a load here checks them.
fn checked(checks: &ValueChecks) -> Vec<(String, Parses)> {
    let money = checks.money.iter().map(|n| (n.clone(), Parses::Money));
    let numeric = checks.numeric.iter().map(|n| (n.clone(), Parses::Number));
    let temporal = checks.temporal.iter().map(|n| (n.clone(), Parses::Time));
    money.chain(numeric).chain(temporal).collect()
}

/// A damaged row the cluster found, said as a load here says a damaged line.
fn row_error(path: &Path, bad: BadRow, header_width: usize) -> IngestError {
    let message = match bad.fault {
        RowFault::Width { text } => wrong_width(parse_header(text.as_bytes()).len(), header_width),
        // Trimmed, as a load here says it; quoted as Rust quotes text, so no
        // control character reaches a terminal.
        RowFault::Value { column, value, parses } => unparsed(&column, value.trim(), parses),
    };
    IngestError::Row {
        path: path.to_path_buf(),
        row: bad.row,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_reads_parquet_and_csv_by_name_and_nothing_else() {
        assert_eq!(container_by_name("cur-00001.snappy.parquet"), Some(Container::Parquet));
        assert_eq!(container_by_name("cur-00001.csv.gz"), Some(Container::Gzip));
        assert_eq!(container_by_name("cur2-00001.csv"), Some(Container::Plain));
        assert_eq!(container_by_name("CUR-00001.CSV.gz"), Some(Container::Gzip));
        // Spark would read it as text, compressed.
        for other in [
            "dbr-2016-09.csv.zip",
            "events.json.gz",
            "events.json",
            "cur.gz",
            "manifest.json",
            "cur.csv.GZ",
        ] {
            assert_eq!(container_by_name(other), None, "{other}");
        }
    }

    #[test]
    fn a_row_the_cluster_found_is_said_as_a_line_here_is() {
        let path = Path::new("s3a://b/cur.csv");
        let said = |fault| row_error(path, BadRow { row: 7, fault }, 3).to_string();
        assert_eq!(
            said(RowFault::Width {
                text: "a,\"b,c\",d,e".to_owned()
            }),
            "s3a://b/cur.csv: row 7: 4 fields, the header has 3"
        );
        let value = |value: &str, parses| RowFault::Value {
            column: "lineItem/UnblendedCost".to_owned(),
            value: value.to_owned(),
            parses,
        };
        assert_eq!(
            said(value("12,5", Parses::Money)),
            "s3a://b/cur.csv: row 7: column \"lineItem/UnblendedCost\": \"12,5\" is not a number"
        );
        assert!(
            said(value("1e40", Parses::Money))
                .ends_with("is too large for an amount of money (at most 28 digits before the point)")
        );
        assert!(said(value("yesterday", Parses::Time)).ends_with("\"yesterday\" is not a date and time"));
        // A value from a bill is data: no escape sequence reaches the terminal.
        assert!(!said(value("\u{1b}[2J", Parses::Number)).contains('\u{1b}'));
    }

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
