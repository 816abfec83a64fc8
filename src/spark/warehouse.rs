//! Where the Spark engine keeps a month's inputs and results
//! (`--spark-warehouse`): a directory this machine and the cluster reach by
//! one path (a local server, or a shared mount), or a prefix in S3 that the
//! cluster names as it does (`s3a://bucket/w`, `s3://bucket/w` on EMR) and
//! this machine reaches with its own S3 client and credentials.
//!
//! With S3 the database works in a local copy of its part of the warehouse,
//! as it does with a directory: the inputs it stages are put to the bucket
//! before a month's job, the results the job committed are brought back into
//! the copy (the marker last) before they are loaded, and what a run or a
//! sync gave the cluster is removed from the bucket when it ends. A month
//! whose marker is not in the bucket brings nothing back, so it is never
//! loaded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use crate::db::COMMITTED;
use crate::s3::{Location, Options, Store};

/// `--spark-warehouse` as given, or as the database remembers it.
pub enum Warehouse {
    /// A directory this machine and the cluster reach by one path.
    Shared(PathBuf),
    /// A prefix in S3.
    Bucket(Box<Bucket>),
}

/// A warehouse in S3, with this machine's copy of what it works on.
pub struct Bucket {
    /// As the cluster names it, without a trailing slash.
    uri: String,
    /// Where it lies, for this machine's client (the prefix without a trailing slash).
    at: Location,
    /// This machine's S3 client, started when first needed.
    store: std::sync::OnceLock<Store>,
    /// This machine's copy, removed when the engine is dropped.
    copy: tempfile::TempDir,
    /// The staged files already put (the inputs every month of a run shares
    /// are put once).
    put: Mutex<HashSet<PathBuf>>,
}

/// The schemes an S3 warehouse may be named by, as clusters name S3.
const S3_SCHEMES: [&str; 3] = ["s3a", "s3", "s3n"];

impl Warehouse {
    /// `text` as a warehouse: an S3 URI, or a directory (a path or a
    /// `file:` URI, made absolute). Other object stores are refused with
    /// what to give instead.
    pub fn parse(text: &str) -> Result<Warehouse> {
        let path = text
            .strip_prefix("file://")
            .or_else(|| text.strip_prefix("file:"))
            .unwrap_or(text);
        let Some((scheme, rest)) = path.split_once("://") else {
            let path = Path::new(path);
            return Ok(Warehouse::Shared(if path.is_absolute() {
                path.to_path_buf()
            } else {
                std::env::current_dir()?.join(path)
            }));
        };
        if !S3_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            bail!(
                "--spark-warehouse {text}: a {scheme}:// warehouse is not supported yet; give an S3 prefix \
                 (s3a://bucket/prefix, as the cluster names it) or a directory this machine and the cluster \
                 both reach by the same path (a local directory for a local server, or a shared mount such as \
                 /dbfs or an NFS/EFS mount): docs/spark.md"
            );
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("--spark-warehouse {text}: no bucket name after {scheme}://");
        }
        let prefix = prefix.trim_end_matches('/');
        let copy = tempfile::Builder::new()
            .prefix("apportion-warehouse-")
            .tempdir()
            .context("making this machine's copy of the warehouse")?;
        Ok(Warehouse::Bucket(Box::new(Bucket {
            uri: format!("{scheme}://{bucket}{}", if prefix.is_empty() { "" } else { "/" }) + prefix,
            at: Location {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            },
            store: std::sync::OnceLock::new(),
            copy,
            put: Mutex::new(HashSet::new()),
        })))
    }

    /// The directory the database stages into and loads from.
    pub fn here(&self) -> &Path {
        match self {
            Warehouse::Shared(dir) => dir,
            Warehouse::Bucket(b) => b.copy.path(),
        }
    }

    /// The warehouse as a user gives it (what the run record keeps).
    pub fn name(&self) -> String {
        match self {
            Warehouse::Shared(dir) => dir.to_string_lossy().into_owned(),
            Warehouse::Bucket(b) => b.uri.clone(),
        }
    }

    /// How the cluster names `local`, a path under `here()`.
    pub fn on_cluster(&self, local: &Path) -> PathBuf {
        match self {
            Warehouse::Shared(_) => local.to_path_buf(),
            Warehouse::Bucket(b) => PathBuf::from(b.uri_of(local)),
        }
    }

    /// Put each of `files` (under `here()`) where the cluster reads it,
    /// once per engine.
    pub fn put(&self, files: &[&Path]) -> Result<()> {
        let Warehouse::Bucket(b) = self else {
            return Ok(());
        };
        for file in files {
            let done = b.put.lock().map(|p| p.contains(*file)).unwrap_or(false);
            if done {
                continue;
            }
            b.store()?
                .put(&b.at.bucket, &b.key(file), file)
                .with_context(|| format!("putting {} into the warehouse", b.uri_of(file)))?;
            if let Ok(mut put) = b.put.lock() {
                put.insert(file.to_path_buf());
            }
        }
        Ok(())
    }

    /// Bring what the cluster wrote under `local`'s name into `local`; with
    /// `committed`, only when its marker is there, and the marker last.
    pub fn bring_back(&self, local: &Path, committed: bool) -> Result<()> {
        let Warehouse::Bucket(b) = self else {
            return Ok(());
        };
        let folder = b.key(local);
        let objects = b
            .store()?
            .list(&Location {
                bucket: b.at.bucket.clone(),
                prefix: format!("{folder}/"),
            })
            .with_context(|| format!("listing {}", b.uri_of(local)))?;
        let marker = format!("{folder}/{COMMITTED}");
        let inside_marker = format!("{marker}/");
        let is_marker = |key: &str| key == marker || key.starts_with(&inside_marker);
        if committed && !objects.iter().any(|o| is_marker(&o.key)) {
            bail!(
                "its results at {} have no {COMMITTED} marker: the job did not finish, so nothing was loaded",
                b.uri_of(local)
            );
        }
        std::fs::create_dir_all(local).with_context(|| format!("creating {}", local.display()))?;
        let (markers, rows): (Vec<_>, Vec<_>) = objects.iter().partition(|o| is_marker(&o.key));
        for object in rows.into_iter().chain(markers) {
            let Some(rest) = object.key.strip_prefix(&format!("{folder}/")) else {
                continue;
            };
            let file = rest.split('/').fold(local.to_path_buf(), |p, part| p.join(part));
            b.store()?
                .get(object, &file)
                .with_context(|| format!("bringing back {}", object.uri()))?;
        }
        Ok(())
    }

    /// Remove from the bucket what the cluster was given or wrote under
    /// `local`'s name (a run's staging, a sync's grouped rows).
    pub fn discard(&self, local: &Path) -> Result<()> {
        let Warehouse::Bucket(b) = self else {
            return Ok(());
        };
        if let Ok(mut put) = b.put.lock() {
            put.retain(|file| !file.starts_with(local));
        }
        b.store()?
            .delete(&Location {
                bucket: b.at.bucket.clone(),
                prefix: format!("{}/", b.key(local)),
            })
            .with_context(|| format!("removing {}", b.uri_of(local)))?;
        Ok(())
    }
}

impl Bucket {
    /// The S3 client, credentials, region and endpoint found as for a sync
    /// from S3 (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …).
    fn store(&self) -> Result<&Store> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let store = Store::connect(&Options::default())
            .with_context(|| format!("starting the S3 client for the warehouse {}", self.uri))?;
        Ok(self.store.get_or_init(|| store))
    }

    /// `local`'s path below the copy, `/`-separated.
    fn relative(&self, local: &Path) -> String {
        let rest = local.strip_prefix(self.copy.path()).unwrap_or(local);
        rest.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// `local`'s key in the bucket.
    fn key(&self, local: &Path) -> String {
        match self.at.prefix.as_str() {
            "" => self.relative(local),
            prefix => format!("{prefix}/{}", self.relative(local)),
        }
    }

    /// `local`'s name on the cluster.
    fn uri_of(&self, local: &Path) -> String {
        format!("{}/{}", self.uri, self.relative(local))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warehouse_is_a_directory_by_path_or_file_uri() {
        let dir = |text: &str| match Warehouse::parse(text).unwrap() {
            Warehouse::Shared(d) => d,
            Warehouse::Bucket(_) => panic!("{text} is a directory"),
        };
        assert_eq!(dir("/w"), PathBuf::from("/w"));
        assert_eq!(dir("file:///w"), PathBuf::from("/w"));
        assert_eq!(dir("file:/w"), PathBuf::from("/w"));
        assert!(dir("rel").is_absolute());
        let e = Warehouse::parse("abfss://c@a.dfs.core.windows.net/w")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("abfss:// warehouse is not supported yet"), "{e}");
        let e = Warehouse::parse("s3a:///w").err().unwrap().to_string();
        assert!(e.contains("no bucket name"), "{e}");
    }

    #[test]
    fn an_s3_warehouse_is_named_as_the_cluster_names_it() {
        let Warehouse::Bucket(b) = Warehouse::parse("s3a://bucket/team/w/").unwrap() else {
            panic!("an S3 warehouse");
        };
        assert_eq!(b.uri, "s3a://bucket/team/w");
        assert_eq!(b.at.prefix, "team/w");
        let local = b.copy.path().join("db=x").join("month=2026-07").join("run=3");
        assert_eq!(b.key(&local), "team/w/db=x/month=2026-07/run=3");
        let w = Warehouse::Bucket(b);
        assert_eq!(
            w.on_cluster(&local),
            PathBuf::from("s3a://bucket/team/w/db=x/month=2026-07/run=3")
        );
        assert_eq!(w.name(), "s3a://bucket/team/w");
    }
}
