//! Telling what a file is by its content: magic bytes, then the CSV header,
//! the parquet schema, or the JSON objects; unchanged files are recognized
//! by path, size, mtime, ctime and inode, or by content hash.

use std::io::Read;
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use super::candidate::{Candidate, first_line_of, path_text, reader_sql, stamp_of};
use super::container::{Container, extract_zip, header};
use super::manifest::{self, Manifest};
use super::{BillingFormat, ExportKind, IngestError, event_records, metrics, service_map};
use crate::db::Db;

pub(super) enum Scanned {
    Export(Candidate),
    Manifest(Manifest),
    Skipped(String),
}

const EXPORT_EXTENSIONS: [&str; 5] = ["csv", "gz", "zip", "parquet", "json"];

/// Recorded files by (path, size, mtime), see `Db::files_in_place`.
pub(super) type InPlace = std::collections::HashMap<(String, i64, i64), crate::db::FileRecord>;

/// Why a file AWS writes beside the exports for other tools is skipped.
pub(super) const AWS_HELPER: &str = "written by AWS for Redshift or Athena, not an export";

pub(super) fn scan(db: &Db, known: &InPlace, path: &Path) -> Result<Scanned, IngestError> {
    let io_error = |e: std::io::Error| IngestError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if crate::s3::is_aws_helper(&path_text(path)) {
        return Ok(Scanned::Skipped(AWS_HELPER.to_owned()));
    }
    let meta = std::fs::metadata(path).map_err(io_error)?;
    let stamp = stamp_of(&meta);
    let looks_like_export = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXPORT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if stamp.size_bytes == 0 {
        return if looks_like_export {
            Err(IngestError::File {
                path: path.to_path_buf(),
                message: "file is empty (an interrupted download?)".to_owned(),
            })
        } else {
            Ok(Scanned::Skipped("empty file".to_owned()))
        };
    }
    // Same path, size and mtime: the recorded file, unless its inode or ctime
    // says it was rewritten since (a copy that kept the times), then its bytes decide.
    let mut hashed = None;
    if let Some(record) = known.get(&(path_text(path), stamp.size_bytes, stamp.mtime_ns))
        && let Some(format) = ExportKind::from_label(&record.format)
    {
        let in_place = stamp.unchanged_since(&record.stamp);
        let content_hash = if in_place {
            record.content_hash.clone()
        } else {
            hash_file(path).map_err(io_error)?
        };
        if content_hash == record.content_hash {
            let container = Container::sniff(path).map_err(io_error)?;
            return Ok(Scanned::Export(Candidate {
                path: path.to_path_buf(),
                stamp,
                container,
                format,
                content_hash,
                existing: Some(record.file_id),
                in_place,
                duplicate_of: None,
                on_cluster: false,
            }));
        }
        hashed = Some(content_hash);
    }
    let container = Container::sniff(path).map_err(io_error)?;
    let format = match detect(db, path, container)? {
        Detected::Export(k) => k,
        Detected::Manifest(m) => return Ok(Scanned::Manifest(m)),
        Detected::Other(reason) => return Ok(Scanned::Skipped(reason)),
    };
    let content_hash = match hashed {
        Some(h) => h,
        None => hash_file(path).map_err(io_error)?,
    };
    let existing = db.find_file_by_hash(&content_hash)?.map(|r| r.file_id);
    Ok(Scanned::Export(Candidate {
        path: path.to_path_buf(),
        stamp,
        container,
        format,
        content_hash,
        existing,
        in_place: false,
        duplicate_of: None,
        on_cluster: false,
    }))
}

enum Detected {
    Export(ExportKind),
    Manifest(Manifest),
    Other(String),
}

fn detect(db: &Db, path: &Path, container: Container) -> Result<Detected, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: path.to_path_buf(),
        message,
    };
    let names = match container {
        Container::Parquet => db
            .describe_columns(&reader_sql(path, container, 0))
            .map_err(|e| file_error(format!("unreadable parquet file: {}", first_line_of(&e.to_string()))))?
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
        Container::Zip => {
            let unzipped = extract_zip(path).map_err(file_error)?;
            header_names(unzipped.path(), Container::Plain).map_err(file_error)?
        }
        Container::Plain | Container::Gzip => {
            let head = header(path, container)
                .map_err(|e| file_error(format!("cannot read: {e}")))?
                .line;
            let trimmed = head.iter().position(|b| !b.is_ascii_whitespace()).map(|i| head[i]);
            if matches!(trimmed, Some(b'{') | Some(b'[')) {
                return detect_json(db, path, container);
            }
            if head.is_empty() {
                return Err(file_error("file is empty (an interrupted download?)".to_owned()));
            }
            parse_header(&head)
        }
    };
    if service_map::is_header(&names) {
        return Ok(Detected::Export(ExportKind::ServiceMap));
    }
    if metrics::is_header(&names) {
        return Ok(Detected::Export(ExportKind::Metrics));
    }
    Ok(match BillingFormat::from_columns(&names) {
        Some(f) => Detected::Export(ExportKind::Billing(f)),
        None => Detected::Other(describe_unknown(&names)),
    })
}

fn detect_json(db: &Db, path: &Path, container: Container) -> Result<Detected, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: path.to_path_buf(),
        message,
    };
    // CloudTrail's own delivery says what it is in its first bytes; its log
    // files are large and read once, when they are loaded.
    if is_trail_log(path, container) {
        return Ok(Detected::Export(ExportKind::Events));
    }
    // Manifests are small; a large JSON file is events, not worth parsing whole here.
    let named = manifest::is_manifest_name(path);
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MANIFEST_MAX_BYTES);
    if named || small {
        let mut bytes = Vec::new();
        super::container::open_text(path, container)
            .and_then(|r| r.take(MANIFEST_MAX_BYTES).read_to_end(&mut bytes))
            .map_err(|e| file_error(format!("cannot read: {e}")))?;
        if let Some(m) = manifest::parse(path, &bytes).map_err(file_error)? {
            return Ok(Detected::Manifest(m));
        }
    }
    let counts = match db.event_kind_counts(&path_text(path), container == Container::Gzip, EVENTS_LOOKED_AT) {
        Ok(counts) => counts,
        // Unreadable as events: a broken event file is an error that names the
        // record; any other JSON is simply not events.
        Err(e) => match event_records::find_bad_record(path, container) {
            Some(f) => {
                return Err(IngestError::Line {
                    path: path.to_path_buf(),
                    line: f.line,
                    message: f.message,
                });
            }
            None if serde_json_is_valid(path, container) => [0; 4],
            None => {
                return Err(file_error(format!(
                    "unreadable JSON: {}",
                    first_line_of(&e.to_string())
                )));
            }
        },
    };
    Ok(if counts.iter().any(|&n| n > 0) {
        Detected::Export(ExportKind::Events)
    } else {
        Detected::Other(
            "JSON without ECS task, container instance or EBS attach/detach events, and not a CloudTrail log file"
                .to_owned(),
        )
    })
}

/// Whether the file opens as a CloudTrail log file does: `{"Records":[`.
fn is_trail_log(path: &Path, container: Container) -> bool {
    let mut head = Vec::with_capacity(64);
    let read = super::container::open_text(path, container).and_then(|r| r.take(64).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let compact: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    compact.starts_with(b"{\"Records\":[")
}

/// Objects read to tell an event file from other JSON.
const EVENTS_LOOKED_AT: usize = 10_000;

/// Whether the file parses as JSON values at all (so it is JSON of another kind, not broken).
fn serde_json_is_valid(path: &Path, container: Container) -> bool {
    let Ok(reader) = super::container::open_text(path, container) else {
        return false;
    };
    serde_json::Deserializer::from_reader(reader)
        .into_iter::<serde::de::IgnoredAny>()
        .all(|v| v.is_ok())
}

/// The largest JSON file looked at as a possible manifest (a manifest of a
/// few thousand report files is well under this).
const MANIFEST_MAX_BYTES: u64 = 16 << 20;

fn header_names(path: &Path, container: Container) -> Result<Vec<String>, String> {
    let head = header(path, container).map_err(|e| format!("cannot read: {e}"))?.line;
    if head.is_empty() {
        return Err("file is empty (an interrupted download?)".to_owned());
    }
    Ok(parse_header(&head))
}

pub(super) fn parse_header(line: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn describe_unknown(names: &[String]) -> String {
    if names.len() <= 1 {
        return "not a recognized billing export".to_owned();
    }
    let shown: Vec<String> = names
        .iter()
        .take(4)
        .map(|n| crate::safe_text::for_terminal(n).into_owned())
        .collect();
    format!(
        "CSV with columns {}… is not a recognized billing export",
        shown.join(", ")
    )
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => hasher.update(&buf[..n]),
        }
    }
    Ok(format!("{:032x}", hasher.digest128()))
}
