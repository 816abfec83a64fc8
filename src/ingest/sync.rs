//! One `sync`: find export files, skip the unchanged, load the rest in a single
//! transaction, and let each re-delivered billing period replace the old one.

use std::path::{Path, PathBuf};

use super::columns::{Columns, SelectBuilder};
use super::container::{Container, extract_zip};
use super::diagnose::find_bad_line;
use super::manifest::{self, Manifest};
use super::{BillingFormat, ExportKind, IngestError, UNDATED, detect, events, metrics, service_map};
use crate::db::{Db, LoadedFile, SyncTransaction, quote};

/// What happened to one file of a sync.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub path: PathBuf,
    pub status: FileStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileStatus {
    Loaded {
        format: BillingFormat,
        periods: Vec<String>,
        lines: i64,
        unblended_total: String,
        currencies: Vec<String>,
    },
    /// Events or a service map: rows loaded, no money.
    LoadedRecords {
        kind: ExportKind,
        rows: usize,
    },
    Unchanged {
        format: String,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub files: Vec<FileOutcome>,
    /// Lines of earlier deliveries removed because a newer one replaced their period.
    pub replaced_lines: usize,
}

/// Hooks for a progress display; the default does nothing.
pub trait SyncProgress {
    fn file_started(&mut self, _path: &Path, _index: usize, _count: usize) {}
    fn file_finished(&mut self) {}
}

impl SyncProgress for () {}

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
    /// Set when another file of this sync has the same content.
    pub(super) duplicate_of: Option<PathBuf>,
}

pub fn sync_paths(db: &Db, paths: &[PathBuf], progress: &mut dyn SyncProgress) -> Result<SyncReport, IngestError> {
    let files = collect_files(paths)?;
    let mut report = SyncReport::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut manifests: Vec<Manifest> = Vec::new();
    for path in files {
        match detect::scan(db, &path)? {
            detect::Scanned::Export(c) => candidates.push(c),
            detect::Scanned::Manifest(m) => manifests.push(m),
            detect::Scanned::Skipped(reason) => report.files.push(FileOutcome {
                path,
                status: FileStatus::Skipped { reason },
            }),
        }
    }
    apply_manifests(&manifests, &mut candidates, &mut report)?;
    mark_duplicates(&mut candidates);

    let tx = db.begin_sync()?;
    let (outcomes, kept) = load_all(db, &tx, &candidates, progress)?;
    let loaded: Vec<i64> = outcomes.iter().flatten().map(|(id, _)| *id).collect();
    if let Some(c) = tx.double_deliveries(&loaded, &kept)?.first() {
        return Err(IngestError::Sync {
            message: format!(
                "payer account {:?} month {} arrives twice in this sync ({}); \
                 sync one delivery per account and month so no dollar is counted twice",
                c.payer_account,
                c.period,
                crate::safe_text::for_terminal(&c.formats)
            ),
        });
    }
    report.replaced_lines = tx.replace_redelivered(&loaded, &kept)?;
    let summaries = tx.summaries(&loaded)?;
    for (candidate, outcome) in candidates.iter().zip(&outcomes) {
        let status = if let Some(other) = &candidate.duplicate_of {
            FileStatus::Skipped {
                reason: format!("same content as {}", other.display()),
            }
        } else if let Some(existing) = candidate.existing {
            tx.touch_file(existing, &path_text(&candidate.path), candidate.size_bytes, candidate.mtime_ns)?;
            FileStatus::Unchanged {
                format: candidate.format.label().to_owned(),
            }
        } else {
            let (file_id, rows) = outcome.expect("a file neither kept nor skipped was loaded");
            match candidate.format {
                ExportKind::Billing(format) => {
                    let s = summaries
                        .iter()
                        .find(|s| s.file_id == file_id)
                        .expect("every loaded file has a summary row");
                    FileStatus::Loaded {
                        format,
                        periods: s.periods.clone(),
                        lines: s.lines,
                        unblended_total: s.unblended_total.clone(),
                        currencies: s.currencies.clone(),
                    }
                }
                kind => FileStatus::LoadedRecords { kind, rows },
            }
        };
        report.files.push(FileOutcome {
            path: candidate.path.clone(),
            status,
        });
    }
    tx.commit(loaded.len(), kept.len())?;
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(report)
}

/// (file id, rows) per candidate (None when kept or skipped), and the ids of
/// unchanged files that stay.
type LoadOutcome = (Vec<Option<(i64, usize)>>, Vec<i64>);

/// Load every new file.
fn load_all(
    db: &Db,
    tx: &SyncTransaction<'_>,
    candidates: &[Candidate],
    progress: &mut dyn SyncProgress,
) -> Result<LoadOutcome, IngestError> {
    let kept: Vec<i64> = candidates.iter().filter_map(|c| c.existing).collect();
    let count = candidates
        .iter()
        .filter(|c| c.existing.is_none() && c.duplicate_of.is_none())
        .count();
    let mut outcomes = Vec::with_capacity(candidates.len());
    let mut index = 0;
    for candidate in candidates {
        if candidate.existing.is_some() || candidate.duplicate_of.is_some() {
            outcomes.push(None);
            continue;
        }
        progress.file_started(&candidate.path, index, count);
        index += 1;
        let file_id = tx.allocate_file_id();
        let rows = match candidate.format {
            ExportKind::Billing(format) => load_file(db, tx, candidate, format, file_id)?,
            ExportKind::Events => load_events(tx, candidate, file_id)?,
            ExportKind::ServiceMap => service_map::load(tx, &candidate.path, &path_text(&candidate.path), file_id)?,
            ExportKind::Metrics => metrics::load(tx, &candidate.path, file_id)?,
        };
        tx.record_file(
            &LoadedFile {
                file_id,
                path: &path_text(&candidate.path),
                size_bytes: candidate.size_bytes,
                mtime_ns: candidate.mtime_ns,
                content_hash: &candidate.content_hash,
                format: candidate.format.label(),
            },
            rows as i64,
        )?;
        outcomes.push(Some((file_id, rows)));
        progress.file_finished();
    }
    Ok((outcomes, kept))
}

fn load_events(tx: &SyncTransaction<'_>, c: &Candidate, file_id: i64) -> Result<usize, IngestError> {
    let objects = events::objects_sql(&path_text(&c.path), c.container == Container::Gzip);
    let failed = |e: crate::db::DbError| {
        let message = first_line_of(&e.to_string()).to_owned();
        // DuckDB quotes the value it could not convert; its line is where to look.
        let quoted = message.split('"').nth(1).filter(|v| !v.is_empty()).map(|v| format!("\"{v}\""));
        match quoted.and_then(|q| super::diagnose::find_line_containing(&c.path, c.container, &q)) {
            Some(line) => IngestError::Line {
                path: c.path.clone(),
                line,
                message,
            },
            None => IngestError::File {
                path: c.path.clone(),
                message: format!("could not be loaded: {message}"),
            },
        }
    };
    tx.stage_event_objects(&objects).map_err(failed)?;
    let mut rows = 0;
    for sql in events::insert_sql(file_id) {
        rows += tx.insert_lines(&sql).map_err(failed)?;
    }
    Ok(rows)
}

fn load_file(
    db: &Db,
    tx: &SyncTransaction<'_>,
    c: &Candidate,
    format: BillingFormat,
    file_id: i64,
) -> Result<usize, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: c.path.clone(),
        message,
    };
    // A zip is unpacked to a temp file that lives until the load is done.
    let unzipped = match c.container {
        Container::Zip => Some(extract_zip(&c.path).map_err(file_error)?),
        _ => None,
    };
    let (read_path, container) = match &unzipped {
        Some(t) => (t.path().to_path_buf(), Container::Plain),
        None => (c.path.clone(), c.container),
    };
    let reader = reader_sql(&read_path, container);
    let columns = db
        .describe_columns(&reader)
        .map_err(|e| explain_failure(&c.path, &read_path, container, &[], &[], &e.to_string()))?;
    let columns = Columns::new(columns);
    let mut builder = SelectBuilder::new(&columns);
    let normalization = format.normalize(&mut builder);
    if !builder.missing().is_empty() {
        return Err(file_error(format!(
            "{} export is missing required column {}",
            format.label(),
            builder.missing().join(", ")
        )));
    }
    let targets: Vec<&str> = normalization.columns.iter().map(|(t, _)| *t).collect();
    let exprs: Vec<String> = normalization.columns.iter().map(|(t, e)| format!("{e} AS {t}")).collect();
    let sql = format!(
        "INSERT INTO billing_lines BY NAME SELECT {file_id} AS file_id, {exprs} FROM {reader}{filter}",
        exprs = exprs.join(",\n  "),
        filter = normalization
            .filter
            .as_ref()
            .map(|f| format!(" WHERE {f}"))
            .unwrap_or_default(),
    );
    debug_assert!(targets.contains(&"billing_period"));
    let lines = tx.insert_lines(&sql).map_err(|e| {
        explain_failure(
            &c.path,
            &read_path,
            container,
            &builder.numeric,
            &builder.temporal,
            &e.to_string(),
        )
    })?;
    let fallback = period_in_name(&c.path);
    if !tx.settle_undated_lines(file_id, UNDATED, fallback.as_deref())? {
        return Err(file_error(
            "no line carries a usage date, so the billing period is unknown".to_owned(),
        ));
    }
    Ok(lines)
}

pub(super) fn reader_sql(path: &Path, container: Container) -> String {
    let p = quote::literal(&path_text(path));
    match container {
        Container::Parquet => format!("read_parquet({p})"),
        _ => format!(
            "read_csv({p}, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', \
             nullstr = ['', 'NULL'], strict_mode = true, null_padding = false, compression = '{}')",
            if container == Container::Gzip { "gzip" } else { "none" }
        ),
    }
}

/// Turn a DuckDB failure into an error that names the line when one can be found.
fn explain_failure(
    shown: &Path,
    read_path: &Path,
    container: Container,
    numeric: &[String],
    temporal: &[String],
    duck_message: &str,
) -> IngestError {
    if container != Container::Parquet
        && let Some(f) = find_bad_line(read_path, container, numeric, temporal)
    {
        return IngestError::Line {
            path: shown.to_path_buf(),
            line: f.line,
            message: f.message,
        };
    }
    IngestError::File {
        path: shown.to_path_buf(),
        message: format!("could not be loaded: {}", first_line_of(duck_message)),
    }
}

pub(super) fn first_line_of(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text)
}

/// Manifests decide which CUR files of their period folder are current.
fn apply_manifests(
    manifests: &[Manifest],
    candidates: &mut Vec<Candidate>,
    report: &mut SyncReport,
) -> Result<(), IngestError> {
    let governing = manifest::governing(manifests);
    for m in &governing {
        for key in &m.report_keys {
            if !candidates.iter().any(|c| manifest::key_matches(key, &c.path)) {
                return Err(IngestError::File {
                    path: m.path.clone(),
                    message: format!("lists report file {key:?}, which is not among the synced files"),
                });
            }
        }
    }
    let mut kept = Vec::with_capacity(candidates.len());
    for c in candidates.drain(..) {
        let cur = matches!(c.format, ExportKind::Billing(BillingFormat::Cur | BillingFormat::Cur2));
        match governing.iter().find(|m| m.governs(&c.path)) {
            Some(m) if cur && !m.lists(&c.path) => report.files.push(FileOutcome {
                path: c.path,
                status: FileStatus::Skipped {
                    reason: format!("not in the latest assembly listed by {}", m.path.display()),
                },
            }),
            _ => kept.push(c),
        }
    }
    *candidates = kept;
    for m in manifests {
        let note = if governing.iter().any(|g| g.path == m.path) {
            format!("CUR manifest for {} ({} report files)", m.period, m.report_keys.len())
        } else if m.report_keys.is_empty() {
            "CUR manifest that lists no report files".to_owned()
        } else {
            "CUR manifest of an older assembly".to_owned()
        };
        report.files.push(FileOutcome {
            path: m.path.clone(),
            status: FileStatus::Skipped { reason: note },
        });
    }
    Ok(())
}

fn mark_duplicates(candidates: &mut [Candidate]) {
    for i in 0..candidates.len() {
        if candidates[i].existing.is_some() {
            continue;
        }
        let earlier = candidates[..i]
            .iter()
            .find(|c| c.content_hash == candidates[i].content_hash && c.duplicate_of.is_none())
            .map(|c| c.path.clone());
        candidates[i].duplicate_of = earlier;
    }
}

fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(IngestError::File {
                path: path.clone(),
                message: "no such file or directory".to_owned(),
            });
        }
        for entry in walkdir::WalkDir::new(path).follow_links(true).sort_by_file_name() {
            let entry = entry.map_err(|e| IngestError::File {
                path: e.path().map_or_else(|| path.clone(), Path::to_path_buf),
                message: e.to_string(),
            })?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

pub(super) fn path_text(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// `YYYY-MM` in a file name such as `…-aws-billing-detailed-line-items-with-resources-and-tags-2017-06.csv.zip`.
fn period_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(6)).rev().find_map(|i| {
        let w = &b[i..i + 7];
        let ok = w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-' && w[5..7].iter().all(u8::is_ascii_digit);
        ok.then(|| format!("{}-{}-01", &name[i..i + 4], &name[i + 5..i + 7]))
    })
}
