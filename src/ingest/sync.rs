//! One `sync`: find export files, skip the unchanged, load the rest in a single
//! transaction, and let each re-delivered billing period replace the old one.

use std::path::{Path, PathBuf};

use super::candidate::{Candidate, first_line_of, path_text};
use super::container::Container;
use super::manifest::{self, Manifest, Standing, Verdict};
use super::{BillingFormat, ExportKind, IngestError, billing, cluster, detect, event_records, metrics, service_map};
use crate::db::{Db, LoadedFile, SyncTransaction};

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
        unblended_total: crate::money::Money,
        currencies: Vec<String>,
        /// Lines used outside the billing period they are billed in (kept in it).
        outside_period: i64,
        /// Split cost allocation rows of ECS tasks: weights for their parent
        /// instance, not money (not among `lines`).
        split_rows: i64,
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

pub fn sync_paths(db: &Db, paths: &[PathBuf], progress: &mut dyn SyncProgress) -> Result<SyncReport, IngestError> {
    sync_sources(db, paths, &[], progress)
}

/// A sync of this machine's `paths` and of `cluster` URIs, which the
/// engine's cluster reads where they lie (see `cluster`).
pub fn sync_sources(
    db: &Db,
    paths: &[PathBuf],
    cluster: &[String],
    progress: &mut dyn SyncProgress,
) -> Result<SyncReport, IngestError> {
    let remote = match cluster {
        [] => None,
        [first, ..] => Some(cluster::cluster_reader(db, first)?),
    };
    let synced = sync_all(
        db,
        paths,
        cluster,
        remote.as_ref().map(|(r, dir)| (*r, dir.as_path())),
        progress,
    );
    if let Some((_, scratch)) = &remote {
        // The grouped rows are loaded (or the sync failed): they are not kept.
        if let Err(e) = db.discard_engine_dir(scratch) {
            eprintln!("warning: could not remove the sync's grouped rows: {e}");
        }
    }
    synced
}

type Remote<'a> = Option<(&'a dyn crate::db::ExportReader, &'a Path)>;

fn sync_all(
    db: &Db,
    paths: &[PathBuf],
    cluster: &[String],
    remote: Remote<'_>,
    progress: &mut dyn SyncProgress,
) -> Result<SyncReport, IngestError> {
    let files = match paths {
        [] => Vec::new(),
        _ => collect_files(paths, db.path())?,
    };
    let mut report = SyncReport::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut manifests: Vec<Manifest> = Vec::new();
    let known = db.files_in_place()?;
    let mut scanned = Vec::new();
    for path in files {
        let found = detect::scan(db, &known, &path)?;
        scanned.push((path, found));
    }
    if let Some((reader, _)) = remote {
        scanned.extend(cluster::scan(db, reader, &known, cluster)?);
    }
    for (path, found) in scanned {
        match found {
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
    let (outcomes, kept) = load_all(db, &tx, &candidates, remote, progress)?;
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
    if let Some(c) = tx.repeated_lines()? {
        return Err(IngestError::Sync {
            message: format!(
                "the same line items of payer account {:?} month {} arrive in two files of this sync ({}); \
                 sync one of them so no dollar is counted twice",
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
            if !candidate.in_place {
                tx.touch_file(existing, &path_text(&candidate.path), &candidate.stamp)?;
            }
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
                        unblended_total: s.unblended_total,
                        currencies: s.currencies.clone(),
                        outside_period: s.outside_period,
                        split_rows: s.split_rows,
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

/// Event files loaded in one statement: DuckDB reads them in parallel, and a
/// month of CloudTrail's hourly log files is hundreds of them. A batch also
/// stops at EVENT_BATCH_BYTES of files (as stored, often gzip), so a year of
/// monthly event files is not staged at once under the memory limit.
const EVENT_BATCH: usize = 64;
const EVENT_BATCH_BYTES: i64 = 64 << 20;

/// Consecutive runs of `files` of at most EVENT_BATCH files and, unless one
/// file is larger on its own, EVENT_BATCH_BYTES.
fn event_batches(files: &[(usize, i64)], size_of: impl Fn(usize) -> i64) -> Vec<&[(usize, i64)]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, (i, _)) in files.iter().enumerate() {
        let size = size_of(*i);
        if at > start && (at - start == EVENT_BATCH || bytes + size > EVENT_BATCH_BYTES) {
            batches.push(&files[start..at]);
            (start, bytes) = (at, 0);
        }
        bytes += size;
    }
    if start < files.len() {
        batches.push(&files[start..]);
    }
    batches
}

/// Load every new file: billing exports, service maps and metrics one by
/// one, event files in batches.
fn load_all(
    db: &Db,
    tx: &SyncTransaction<'_>,
    candidates: &[Candidate],
    remote: Remote<'_>,
    progress: &mut dyn SyncProgress,
) -> Result<LoadOutcome, IngestError> {
    let kept: Vec<i64> = candidates.iter().filter_map(|c| c.existing).collect();
    let count = candidates
        .iter()
        .filter(|c| c.existing.is_none() && c.duplicate_of.is_none())
        .count();
    let mut outcomes: Vec<Option<(i64, usize)>> = vec![None; candidates.len()];
    let mut event_files: Vec<(usize, i64)> = Vec::new();
    let mut index = 0;
    for (i, candidate) in candidates.iter().enumerate() {
        if candidate.existing.is_some() || candidate.duplicate_of.is_some() {
            continue;
        }
        let file_id = tx.allocate_file_id();
        let rows = match candidate.format {
            ExportKind::Events => {
                event_files.push((i, file_id));
                continue;
            }
            ExportKind::Billing(format) => {
                progress.file_started(&candidate.path, index, count);
                match remote.filter(|_| candidate.on_cluster) {
                    Some((reader, scratch)) => cluster::load(db, tx, reader, scratch, candidate, format, file_id)?,
                    None => billing::load(db, tx, candidate, format, file_id)?,
                }
            }
            ExportKind::ServiceMap => {
                progress.file_started(&candidate.path, index, count);
                service_map::load(tx, &candidate.path, &path_text(&candidate.path), file_id)?
            }
            ExportKind::Metrics => {
                progress.file_started(&candidate.path, index, count);
                metrics::load(tx, &candidate.path, file_id)?
            }
        };
        index += 1;
        record(tx, candidate, file_id, rows)?;
        outcomes[i] = Some((file_id, rows));
        progress.file_finished();
    }
    // Gzip and plain files are read by different readers.
    for gzip in [true, false] {
        let group: Vec<(usize, i64)> = event_files
            .iter()
            .copied()
            .filter(|(i, _)| (candidates[*i].container == Container::Gzip) == gzip)
            .collect();
        for batch in event_batches(&group, |i| candidates[i].stamp.size_bytes) {
            progress.file_started(&candidates[batch[0].0].path, index, count);
            let files: Vec<&Candidate> = batch.iter().map(|(i, _)| &candidates[*i]).collect();
            let ids: Vec<i64> = batch.iter().map(|(_, id)| *id).collect();
            let rows = load_events(tx, &files, &ids, gzip)?;
            for ((i, file_id), candidate) in batch.iter().zip(&files) {
                let n = rows.iter().find(|(id, _)| id == file_id).map_or(0, |(_, n)| *n);
                record(tx, candidate, *file_id, n)?;
                outcomes[*i] = Some((*file_id, n));
            }
            index += batch.len();
            progress.file_finished();
        }
    }
    Ok((outcomes, kept))
}

fn record(tx: &SyncTransaction<'_>, candidate: &Candidate, file_id: i64, rows: usize) -> Result<(), IngestError> {
    tx.record_file(
        &LoadedFile {
            file_id,
            path: &path_text(&candidate.path),
            stamp: &candidate.stamp,
            content_hash: &candidate.content_hash,
            format: candidate.format.label(),
        },
        rows as i64,
    )?;
    Ok(())
}

/// Load a batch of event files; (file id, rows) per file.
fn load_events(
    tx: &SyncTransaction<'_>,
    files: &[&Candidate],
    ids: &[i64],
    gzip: bool,
) -> Result<Vec<(i64, usize)>, IngestError> {
    let paths: Vec<String> = files.iter().map(|c| path_text(&c.path)).collect();
    let named: Vec<(String, i64)> = paths.iter().cloned().zip(ids.iter().copied()).collect();
    // DuckDB names a byte or a value (and sometimes the file); the record (and
    // its line) is found by walking the batch's files in turn.
    tx.insert_events(&named, gzip).map_err(|e| {
        let message = e.to_string();
        for c in files {
            if let Some(f) = event_records::find_bad_record(&c.path, c.container) {
                return IngestError::Line {
                    path: c.path.clone(),
                    line: f.line,
                    message: f.message,
                };
            }
        }
        let culprit = files
            .iter()
            .find(|c| message.contains(&path_text(&c.path)))
            .unwrap_or(&files[0]);
        IngestError::File {
            path: culprit.path.clone(),
            message: format!("could not be loaded: {}", first_line_of(&message)),
        }
    })
}

/// Manifests decide which CUR files of their period are current; without
/// one, two assembly folders of one period are refused, never summed.
fn apply_manifests(
    manifests: &[Manifest],
    candidates: &mut Vec<Candidate>,
    report: &mut SyncReport,
) -> Result<(), IngestError> {
    let verdicts = manifest::decide(manifests).map_err(|message| IngestError::Sync { message })?;
    let governing: Vec<&Manifest> = manifests
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| matches!(v, Verdict::Governs))
        .map(|(m, _)| m)
        .collect();
    for m in &governing {
        for key in &m.keys {
            if !candidates.iter().any(|c| m.key_matches(key, &c.path)) {
                return Err(IngestError::File {
                    path: m.path.clone(),
                    message: format!(
                        "lists {} {key:?}, which is not among the synced files",
                        if m.is_data_export() { "data file" } else { "report file" }
                    ),
                });
            }
        }
    }
    let mut kept = Vec::with_capacity(candidates.len());
    for c in candidates.drain(..) {
        let cur = matches!(c.format, ExportKind::Billing(BillingFormat::Cur | BillingFormat::Cur2));
        match (cur, manifest::standing(manifests, &verdicts, &c.path)) {
            (true, Standing::Stale { by }) => report.files.push(FileOutcome {
                path: c.path,
                status: FileStatus::Skipped {
                    reason: format!(
                        "not in the latest {} listed by {}",
                        if by.is_data_export() { "execution" } else { "assembly" },
                        by.path.display()
                    ),
                },
            }),
            _ => kept.push(c),
        }
    }
    *candidates = kept;
    refuse_unmanifested_assemblies(candidates, &governing)?;
    for (m, verdict) in manifests.iter().zip(&verdicts) {
        let what = if m.is_data_export() {
            "CUR 2.0 manifest"
        } else {
            "CUR manifest"
        };
        let note = match verdict {
            Verdict::Governs => format!("{what} for {} ({} files)", m.period, m.keys.len()),
            Verdict::Empty => format!("{what} that lists no report files"),
            Verdict::Superseded { by } => format!("{what} of an older delivery (superseded by {})", by.path.display()),
        };
        report.files.push(FileOutcome {
            path: m.path.clone(),
            status: FileStatus::Skipped { reason: note },
        });
    }
    Ok(())
}

/// Legacy CUR lays a delivery out as `<period YYYYMMDD-YYYYMMDD>/<assembly id>/<files>`.
/// Files of two assemblies of one period with no manifest to choose are two
/// deliveries of the same bill.
fn refuse_unmanifested_assemblies(candidates: &[Candidate], governing: &[&Manifest]) -> Result<(), IngestError> {
    let mut seen: std::collections::BTreeMap<PathBuf, (PathBuf, &Path)> = std::collections::BTreeMap::new();
    for c in candidates {
        if !matches!(c.format, ExportKind::Billing(BillingFormat::Cur)) || governing.iter().any(|m| m.governs(&c.path))
        {
            continue;
        }
        let Some(assembly) = c.path.parent() else { continue };
        let Some(period) = assembly.parent() else { continue };
        if !period
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(manifest::is_period_folder)
        {
            continue;
        }
        match seen.get(period) {
            Some((other, other_file)) if other != assembly => {
                return Err(IngestError::Sync {
                    message: format!(
                        "{} and {} are two assemblies (deliveries) of the same CUR period {} and no manifest says which is current; \
                         sync the period folder with its manifest, or one assembly, so no dollar is counted twice",
                        crate::safe_text::for_terminal(&other_file.display().to_string()),
                        crate::safe_text::for_terminal(&c.path.display().to_string()),
                        crate::safe_text::for_terminal(&period.display().to_string())
                    ),
                });
            }
            Some(_) => {}
            None => {
                seen.insert(period.to_path_buf(), (assembly.to_path_buf(), &c.path));
            }
        }
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

/// Every file under `paths`, but the database's own (its file, WAL and spill
/// folder): a database kept inside the folder it syncs is not an export,
/// and an empty one just created would read as a broken download.
fn collect_files(paths: &[PathBuf], database: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let own = |p: &Path| {
        let Some(db) = std::path::absolute(database).ok() else {
            return false;
        };
        let Some(p) = std::path::absolute(p).ok() else {
            return false;
        };
        let mut wal = db.clone().into_os_string();
        wal.push(".wal");
        let mut spill = db.clone().into_os_string();
        spill.push(".tmp");
        p == db || p.as_os_str() == wal || p.starts_with(Path::new(&spill))
    };
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
            if entry.file_type().is_file() && !own(entry.path()) {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::{EVENT_BATCH, EVENT_BATCH_BYTES, event_batches};

    #[test]
    fn event_batches_stop_at_a_count_or_a_size() {
        let mb = 1 << 20;
        // Thirty-megabyte monthly files: two to a batch.
        let months: Vec<(usize, i64)> = (0..5).map(|i| (i, i as i64)).collect();
        let lens: Vec<usize> = event_batches(&months, |_| 30 * mb).iter().map(|b| b.len()).collect();
        assert_eq!(lens, vec![2, 2, 1]);
        // Small hourly files: EVENT_BATCH to a batch.
        let hours: Vec<(usize, i64)> = (0..150).map(|i| (i, i as i64)).collect();
        let lens: Vec<usize> = event_batches(&hours, |_| 1000).iter().map(|b| b.len()).collect();
        assert_eq!(lens, vec![EVENT_BATCH, EVENT_BATCH, 150 - 2 * EVENT_BATCH]);
        // A file larger than the limit goes alone; none is lost.
        let lens: Vec<usize> = event_batches(&months, |i| if i == 1 { EVENT_BATCH_BYTES * 2 } else { mb })
            .iter()
            .map(|b| b.len())
            .collect();
        assert_eq!(lens, vec![1, 1, 3]);
        assert!(event_batches(&[], |_| 0).is_empty());
    }
}
