//! Sync straight from S3: list each `s3://bucket/prefix`, choose the objects
//! a sync needs (manifests name the latest delivery), download what changed
//! into a mirror beside the database, and hand the local files to
//! `ingest::sync_paths`, which skips unchanged files without reading them.
//!
//! `client` finds credentials and explains errors, `listing` lists,
//! `selection` chooses by key and manifest, `mirror` downloads and remembers.

mod client;
mod listing;
mod mirror;
mod selection;
mod store;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use client::{Options, Requests, S3Error};
pub use listing::{Location, Object};
use mirror::Mirror;
use selection::Choice;
pub use selection::is_aws_helper;
pub use store::Store;

use crate::ingest::manifest;

/// Hooks for a download display; the default does nothing. Called from
/// several download threads at once.
pub trait FetchProgress: Sync {
    fn listing(&self, _location: &str) {}
    /// `files` more objects, `bytes` in all, are to be downloaded.
    fn downloading(&self, _files: usize, _bytes: u64) {}
    fn bytes(&self, _n: u64) {}
    /// Bytes of a try that broke off, before the object is fetched again.
    fn discard(&self, _n: u64) {}
    fn file_done(&self) {}
}

impl FetchProgress for () {}

/// What became of the objects under one location.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationSummary {
    pub location: String,
    pub objects: usize,
    pub downloaded: usize,
    pub downloaded_bytes: u64,
    /// Needed, and the mirror's copy is current: not downloaded.
    pub unchanged: usize,
    /// Files and manifests of older deliveries: not downloaded.
    pub older: usize,
    /// Reports whose month a fuller report covers: not downloaded.
    pub redundant: usize,
    /// AWS's helper files for Redshift and Athena: not downloaded.
    pub not_exports: usize,
}

/// An object not downloaded, named one by one in the summary.
#[derive(Debug, Clone)]
pub struct SkippedObject {
    pub uri: String,
    pub reason: String,
}

/// The local files a sync from S3 loads, and what it took to get them.
pub struct Fetched {
    /// The manifests read and the objects needed, in the mirror.
    pub files: Vec<PathBuf>,
    pub locations: Vec<LocationSummary>,
    pub skipped: Vec<SkippedObject>,
    pub requests: Requests,
    mirror: Mirror,
    scopes: Vec<Location>,
    keep: HashSet<(String, String)>,
    names: HashMap<PathBuf, String>,
}

impl Fetched {
    /// The `s3://` URI a mirror file stands for.
    pub fn name_of(&self, path: &Path) -> Option<&str> {
        self.names.get(path).map(String::as_str)
    }

    /// `text` with mirror paths written as `s3://` URIs (for errors of the sync).
    pub fn redact(&self, text: &str) -> String {
        self.mirror.redact(text)
    }

    /// Once the sync has committed: delete the mirror's copies under the
    /// synced prefixes that it no longer needs (older deliveries, objects
    /// gone from the bucket). Returns how many.
    pub fn finish(mut self) -> Result<usize, S3Error> {
        self.mirror.prune(&self.scopes, &self.keep)
    }
}

/// Where the mirror of the database at `db` lives: `<db>.s3/` beside it.
pub fn mirror_beside(db: &Path) -> PathBuf {
    let name = db
        .file_name()
        .map_or_else(|| "apportion.duckdb".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!("{name}.s3"))
}

/// List `locations`, choose, and download what the mirror at `mirror_root`
/// lacks. Nothing touches the database; a failure leaves the mirror with
/// whole files only, each recorded, so the next sync resumes. Call it with
/// the mirror's database open: its lock keeps one sync per mirror.
pub fn fetch(
    locations: &[Location],
    mirror_root: &Path,
    options: &Options,
    progress: &dyn FetchProgress,
) -> Result<Fetched, S3Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(S3Error::Runtime)?;
    let mut mirror = Mirror::open(mirror_root)?;
    let conn = runtime.block_on(client::connect(options));

    let mut objects: Vec<Object> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    let mut seen = HashSet::new();
    let mut summaries = Vec::with_capacity(locations.len());
    for (at, location) in locations.iter().enumerate() {
        progress.listing(&location.to_string());
        let listed = runtime.block_on(listing::list(&conn, location))?;
        summaries.push(LocationSummary {
            location: location.to_string(),
            objects: listed.len(),
            ..LocationSummary::default()
        });
        for object in listed {
            if seen.insert((object.bucket.clone(), object.key.clone())) {
                owner.push(at);
                objects.push(object);
            }
        }
    }
    let local: Vec<PathBuf> = objects.iter().map(|o| mirror.local_path(&o.bucket, &o.key)).collect();
    let fresh: Vec<bool> = objects.iter().map(|o| !mirror.is_current(o)).collect();

    let read = selection::manifests_to_read(&objects);
    let to_read: Vec<&Object> = pick(&objects, |i| read[i] && fresh[i]);
    mirror.download(&runtime, &conn, &to_read, progress)?;
    let mut manifests = Vec::new();
    for (i, object) in objects.iter().enumerate().filter(|(i, _)| read[*i]) {
        let bytes = std::fs::read(&local[i]).map_err(|source| S3Error::Mirror {
            path: local[i].clone(),
            source,
        })?;
        match manifest::parse(&local[i], &bytes) {
            Ok(Some(m)) => manifests.push(m),
            Ok(None) => {}
            Err(message) => {
                return Err(S3Error::Manifest {
                    uri: object.uri(),
                    message,
                });
            }
        }
    }
    let verdicts = manifest::decide(&manifests).map_err(|message| S3Error::Manifest {
        uri: summaries
            .iter()
            .map(|s| s.location.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        message: mirror.redact(&message),
    })?;
    let choices = selection::choose(&objects, &local, &read, &manifests, &verdicts);
    if let Some((m, key)) = selection::missing_key(&manifests, &verdicts, &local, &choices) {
        return Err(S3Error::Manifest {
            uri: mirror.redact(&m.path.display().to_string()),
            message: format!(
                "lists {} {key:?}, which is not among the objects under the synced prefixes; \
                 sync a prefix that holds the whole export",
                if m.is_data_export() { "data file" } else { "report file" }
            ),
        });
    }
    let needed: Vec<&Object> = pick(&objects, |i| choices[i] == Choice::Fetch && fresh[i]);
    mirror.download(&runtime, &conn, &needed, progress)?;

    let mut fetched = Fetched {
        files: Vec::new(),
        locations: summaries,
        skipped: Vec::new(),
        requests: conn.requests(),
        mirror,
        scopes: locations.to_vec(),
        keep: HashSet::new(),
        names: HashMap::new(),
    };
    for (i, (object, choice)) in objects.iter().zip(&choices).enumerate() {
        let summary = &mut fetched.locations[owner[i]];
        match choice {
            Choice::Manifest | Choice::Fetch => {
                if fresh[i] {
                    summary.downloaded += 1;
                    summary.downloaded_bytes += object.size;
                } else {
                    summary.unchanged += 1;
                }
                fetched.files.push(local[i].clone());
                fetched.keep.insert((object.bucket.clone(), object.key.clone()));
            }
            Choice::Older => summary.older += 1,
            Choice::NotExport => summary.not_exports += 1,
            Choice::Redundant { instead } => {
                summary.redundant += 1;
                fetched.skipped.push(SkippedObject {
                    uri: object.uri(),
                    reason: format!("not downloaded: {instead} is a fuller report of the same payer and month"),
                });
            }
        }
        fetched.names.insert(local[i].clone(), object.uri());
    }
    Ok(fetched)
}

fn pick(objects: &[Object], keep: impl Fn(usize) -> bool) -> Vec<&Object> {
    objects
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, o)| o)
        .collect()
}
