//! The mirror beside the database, `<db>.s3/<bucket>/<key>`: objects are
//! streamed to `.partial/` and renamed into place only when whole, and
//! `.objects.jsonl` remembers each one's ETag, size and local mtime, so an
//! unchanged object is neither downloaded again nor read by the sync.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::error::DisplayErrorContext;
use serde::{Deserialize, Serialize};

use super::client::Connection;
use super::listing::{Location, Object};
use super::{FetchProgress, S3Error};

/// Downloads running at once (`aws s3 sync` runs ten).
const DOWNLOADS_AT_ONCE: usize = 8;

/// Tries of one object whose body broke off mid-way (the SDK retries the
/// request itself, not a body cut short).
const BODY_ATTEMPTS: usize = 2;

const JOURNAL: &str = ".objects.jsonl";
const PARTIAL: &str = ".partial";

/// What the mirror knows of one object it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    bucket: String,
    key: String,
    etag: String,
    size: u64,
    /// The local file's mtime when it was written (S3's LastModified, as
    /// `aws s3 sync` sets it): a file changed by hand is downloaded again.
    mtime_ns: i64,
}

pub(super) struct Mirror {
    root: PathBuf,
    entries: HashMap<(String, String), Entry>,
    journal: Mutex<File>,
}

impl Mirror {
    /// Open the mirror at `root`, dropping what an interrupted sync left
    /// half-downloaded. Only one sync of a database runs at a time (the
    /// database is locked), so `.partial/` holds nothing of anyone else's.
    pub(super) fn open(root: &Path) -> Result<Mirror, S3Error> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| S3Error::Mirror { path, source }
        };
        let partial = root.join(PARTIAL);
        match std::fs::remove_dir_all(&partial) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(&partial)(e)),
            _ => {}
        }
        std::fs::create_dir_all(&partial).map_err(err(&partial))?;
        let journal_path = root.join(JOURNAL);
        let mut entries = HashMap::new();
        match File::open(&journal_path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line.map_err(err(&journal_path))?;
                    // A line cut short by a kill is skipped: its object is fetched again.
                    if let Ok(entry) = serde_json::from_str::<Entry>(&line) {
                        entries.insert((entry.bucket.clone(), entry.key.clone()), entry);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(&journal_path)(e)),
        }
        let journal = File::options()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(err(&journal_path))?;
        Ok(Mirror {
            root,
            entries,
            journal: Mutex::new(journal),
        })
    }

    /// Where an object lives locally: its key's folders as folders, so the
    /// layout (period, assembly and execution folders) is the bucket's.
    pub(super) fn local_path(&self, bucket: &str, key: &str) -> PathBuf {
        let mut path = self.root.join(segment(bucket));
        for part in key.split('/') {
            path.push(segment(part));
        }
        path
    }

    /// Whether the mirror holds exactly this version of the object.
    pub(super) fn is_current(&self, object: &Object) -> bool {
        let Some(entry) = self.entries.get(&(object.bucket.clone(), object.key.clone())) else {
            return false;
        };
        entry.etag == object.etag
            && entry.size == object.size
            && std::fs::metadata(self.local_path(&object.bucket, &object.key))
                .is_ok_and(|m| m.is_file() && m.len() == entry.size && mtime_ns(&m) == Some(entry.mtime_ns))
    }

    /// Mirror paths in `text` written as the `s3://` URIs they stand for.
    pub(super) fn redact(&self, text: &str) -> String {
        text.replace(&format!("{}/", self.root.display()), "s3://")
    }

    /// Download `objects`, several at once. Each finished object is recorded
    /// at once, so an interrupted sync keeps what it fetched; on the first
    /// failure the others stop and their partial files are removed.
    pub(super) fn download(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        conn: &Connection,
        objects: &[&Object],
        progress: &dyn FetchProgress,
    ) -> Result<(), S3Error> {
        if objects.is_empty() {
            return Ok(());
        }
        progress.downloading(objects.len(), objects.iter().map(|o| o.size).sum());
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let done = Mutex::new(Vec::new());
        let failure = Mutex::new(None);
        let this = &*self;
        std::thread::scope(|scope| {
            for _ in 0..DOWNLOADS_AT_ONCE.min(objects.len()) {
                scope.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let Some(object) = objects.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        let result = runtime
                            .handle()
                            .block_on(this.fetch(conn, object, progress, &stop))
                            .and_then(|entry| this.record(entry));
                        match result {
                            Ok(entry) => {
                                progress.file_done();
                                lock(&done).push(entry);
                            }
                            Err(e) => {
                                stop.store(true, Ordering::Relaxed);
                                lock(&failure).get_or_insert(e);
                            }
                        }
                    }
                });
            }
        });
        for entry in done.into_inner().unwrap_or_else(|p| p.into_inner()) {
            self.entries.insert((entry.bucket.clone(), entry.key.clone()), entry);
        }
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn fetch(
        &self,
        conn: &Connection,
        object: &Object,
        progress: &dyn FetchProgress,
        stop: &AtomicBool,
    ) -> Result<Entry, S3Error> {
        let mut attempt = 1;
        loop {
            match self.fetch_once(conn, object, progress, stop).await {
                Ok(entry) => return Ok(entry),
                Err(Attempt::BodyCut { written, .. }) if attempt < BODY_ATTEMPTS && !stop.load(Ordering::Relaxed) => {
                    progress.discard(written);
                    attempt += 1;
                }
                Err(Attempt::BodyCut { error, .. } | Attempt::Failed(error)) => return Err(error),
            }
        }
    }

    /// One GET, streamed to a temporary file that becomes the mirror's copy
    /// only once every byte is there.
    async fn fetch_once(
        &self,
        conn: &Connection,
        object: &Object,
        progress: &dyn FetchProgress,
        stop: &AtomicBool,
    ) -> Result<Entry, Attempt> {
        let uri = object.uri();
        let target = self.local_path(&object.bucket, &object.key);
        let mirror_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Attempt::Failed(S3Error::Mirror { path, source })
        };
        let response = conn.get_object(object).await.map_err(Attempt::Failed)?;
        let expected = response.content_length().map(|n| n.max(0) as u64);
        let etag = response.e_tag().map_or_else(|| object.etag.clone(), str::to_owned);
        let modified = response
            .last_modified()
            .and_then(|t| SystemTime::try_from(*t).ok())
            .or(object.last_modified);
        let partial = self.root.join(PARTIAL);
        let mut temp = tempfile::Builder::new()
            .prefix("download-")
            .tempfile_in(&partial)
            .map_err(mirror_error(&partial))?;
        let mut body = response.body;
        let mut written = 0u64;
        {
            let mut out = BufWriter::with_capacity(1 << 20, temp.as_file_mut());
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Err(Attempt::Failed(S3Error::Download {
                        uri,
                        written,
                        expected: expected.unwrap_or(object.size),
                        detail: "stopped because another download failed".to_owned(),
                    }));
                }
                match body.try_next().await {
                    Ok(Some(chunk)) => {
                        out.write_all(&chunk).map_err(mirror_error(&partial))?;
                        written += chunk.len() as u64;
                        progress.bytes(chunk.len() as u64);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(Attempt::BodyCut {
                            written,
                            error: S3Error::Download {
                                uri,
                                written,
                                expected: expected.unwrap_or(object.size),
                                detail: DisplayErrorContext(e).to_string(),
                            },
                        });
                    }
                }
            }
            out.flush().map_err(mirror_error(&partial))?;
        }
        if let Some(expected) = expected
            && written != expected
        {
            return Err(Attempt::BodyCut {
                written,
                error: S3Error::Download {
                    uri,
                    written,
                    expected,
                    detail: "the connection closed early".to_owned(),
                },
            });
        }
        let mtime = self.mtime_for(object, &etag, written, modified);
        temp.as_file().set_modified(mtime).map_err(mirror_error(&partial))?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(mirror_error(dir))?;
        }
        temp.persist(&target).map_err(|e| mirror_error(&target)(e.error))?;
        let meta = std::fs::metadata(&target).map_err(mirror_error(&target))?;
        Ok(Entry {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
            etag,
            size: written,
            mtime_ns: mtime_ns(&meta).unwrap_or(0),
        })
    }

    /// S3's LastModified (seconds), as `aws s3 sync` sets it. A new version
    /// of an object written within the same second as the copy it replaces,
    /// at the same size, gets a millisecond more: the sync recognizes files
    /// it has loaded by path, size and mtime, and must see this one as new.
    fn mtime_for(&self, object: &Object, etag: &str, size: u64, modified: Option<SystemTime>) -> SystemTime {
        let mtime = modified.unwrap_or_else(SystemTime::now);
        match self.entries.get(&(object.bucket.clone(), object.key.clone())) {
            Some(old) if old.etag != etag && old.size == size && system_time_ns(mtime) <= Some(old.mtime_ns) => {
                UNIX_EPOCH + Duration::from_nanos(old.mtime_ns.max(0) as u64) + Duration::from_millis(1)
            }
            _ => mtime,
        }
    }

    fn record(&self, entry: Entry) -> Result<Entry, S3Error> {
        let path = self.root.join(JOURNAL);
        let line = serde_json::to_string(&entry).map_err(|e| S3Error::Mirror {
            path: path.clone(),
            source: e.into(),
        })?;
        let mut journal = lock(&self.journal);
        journal
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|source| S3Error::Mirror { path, source })?;
        Ok(entry)
    }

    /// After a sync that committed: delete the copies under `scopes` that it
    /// no longer needs (older deliveries, deleted objects), and write the
    /// journal anew with what remains.
    pub(super) fn prune(&mut self, scopes: &[Location], keep: &HashSet<(String, String)>) -> Result<usize, S3Error> {
        let stale: Vec<(String, String)> = self
            .entries
            .keys()
            .filter(|(bucket, key)| {
                scopes.iter().any(|s| s.bucket == *bucket && s.contains(key))
                    && !keep.contains(&(bucket.clone(), key.clone()))
            })
            .cloned()
            .collect();
        for id in &stale {
            let path = self.local_path(&id.0, &id.1);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(S3Error::Mirror { path, source: e });
                }
                _ => {}
            }
            self.remove_empty_folders(&path);
            self.entries.remove(id);
        }
        self.rewrite_journal()?;
        Ok(stale.len())
    }

    fn remove_empty_folders(&self, file: &Path) {
        let mut dir = file.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }

    fn rewrite_journal(&mut self) -> Result<(), S3Error> {
        let path = self.root.join(JOURNAL);
        let fresh = self.root.join(format!("{JOURNAL}.new"));
        let io = |source| S3Error::Mirror {
            path: path.clone(),
            source,
        };
        {
            let mut out = BufWriter::new(File::create(&fresh).map_err(io)?);
            let mut entries: Vec<&Entry> = self.entries.values().collect();
            entries.sort_by(|a, b| (&a.bucket, &a.key).cmp(&(&b.bucket, &b.key)));
            for entry in entries {
                let line = serde_json::to_string(entry).map_err(|e| io(e.into()))?;
                writeln!(out, "{line}").map_err(io)?;
            }
            out.flush().map_err(io)?;
        }
        std::fs::rename(&fresh, &path).map_err(io)?;
        let journal = File::options().append(true).open(&path).map_err(io)?;
        *lock(&self.journal) = journal;
        Ok(())
    }
}

/// How one try of a download ended badly.
enum Attempt {
    /// The body broke off: worth one more try.
    BodyCut {
        written: u64,
        error: S3Error,
    },
    Failed(S3Error),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn mtime_ns(meta: &std::fs::Metadata) -> Option<i64> {
    meta.modified().ok().and_then(system_time_ns)
}

fn system_time_ns(t: SystemTime) -> Option<i64> {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// One part of a key as a file name: `%` and the names a file system gives
/// a meaning (``, `.`, `..`) are escaped, so distinct keys stay distinct
/// files and none leaves its bucket's folder.
fn segment(part: &str) -> String {
    const MAX_NAME: usize = 255;
    let escaped = match part {
        "" => "%".to_owned(),
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => part.replace('%', "%25").replace('\0', "%00"),
    };
    if escaped.len() <= MAX_NAME {
        return escaped;
    }
    // Too long for a file name: a prefix and a hash of the whole (`%L` never
    // comes out of the escaping above).
    let mut cut = 200;
    while !escaped.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}%L{:032x}",
        &escaped[..cut],
        xxhash_rust::xxh3::xxh3_128(part.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_paths_inside_their_bucket_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mirror = Mirror::open(dir.path()).unwrap();
        let root = std::path::absolute(dir.path()).unwrap();
        assert_eq!(mirror.local_path("b", "cur/r/x.csv.gz"), root.join("b/cur/r/x.csv.gz"));
        let sneaky = mirror.local_path("b", "../../etc/passwd");
        assert!(sneaky.starts_with(root.join("b")), "{}", sneaky.display());
        assert_eq!(mirror.local_path("b", "a//c"), root.join("b/a/%/c"));
        assert_ne!(mirror.local_path("b", "100%"), mirror.local_path("b", "100%25"));
        let long = "x".repeat(300);
        let name = segment(&long);
        assert!(name.len() <= 255 && name.contains("%L"));
    }

    #[test]
    fn a_torn_journal_line_is_forgotten_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(JOURNAL),
            "{\"bucket\":\"b\",\"key\":\"k\",\"etag\":\"\\\"e\\\"\",\"size\":3,\"mtime_ns\":1}\n{\"bucket\":\"b\",\"ke",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join(".partial")).unwrap();
        std::fs::write(dir.path().join(".partial/download-x"), "half").unwrap();
        let mirror = Mirror::open(dir.path()).unwrap();
        assert_eq!(mirror.entries.len(), 1);
        assert!(std::fs::read_dir(dir.path().join(".partial")).unwrap().next().is_none());
    }
}
