//! `--engine`: where the commands that attribute (sync, attribute, tag)
//! attribute their months. DuckDB here by default; Spark on a Spark Connect
//! server with `--engine spark` (a build with `--features spark`), after
//! which the database remembers it, with its warehouse, as it remembers its
//! rules: a later run without `--engine` goes to Spark again.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::Opener;
use crate::cli::EngineArg;
use crate::db::Db;

/// The engine flags as given (or from the environment).
pub struct Flags {
    pub engine: Option<EngineArg>,
    pub spark_remote: Option<String>,
    pub spark_warehouse: Option<String>,
}

impl Flags {
    /// Open the database for a command that attributes, on the engine the
    /// flags name, else the one the database last attributed on.
    pub fn open(&self, opener: &Opener) -> Result<Db> {
        #[allow(unused_mut)] // set only with the spark feature
        let mut db = opener.open()?;
        let last = db.last_run()?;
        let remembered = last.as_ref().filter(|l| l.engine == "spark");
        let engine = match (self.engine, remembered) {
            (Some(engine), _) => engine,
            (None, Some(_)) => EngineArg::Spark,
            (None, None) => EngineArg::Duckdb,
        };
        if engine == EngineArg::Duckdb {
            return Ok(db);
        }
        let warehouse = match (&self.spark_warehouse, remembered.and_then(|l| l.warehouse.as_deref())) {
            (Some(given), _) => warehouse_dir(given)?,
            (None, Some(kept)) => PathBuf::from(kept),
            (None, None) => {
                let path = opener.db_path();
                let name = path
                    .file_name()
                    .map_or_else(|| "apportion".into(), |n| n.to_string_lossy());
                path.with_file_name(format!("{name}.warehouse"))
            }
        };
        let remembered_note = if self.engine.is_none() {
            " (this database was last attributed on Spark; --engine duckdb attributes here instead)"
        } else {
            ""
        };
        #[cfg(feature = "spark")]
        {
            use anyhow::Context as _;
            let keeping = steps_kept()?;
            std::fs::create_dir_all(&warehouse)
                .with_context(|| format!("creating the Spark warehouse {}", warehouse.display()))?;
            let remote = crate::spark::Remote::resolve(self.spark_remote.as_deref())
                .with_context(|| format!("choosing the Spark Connect server{remembered_note}"))?;
            let spark = crate::spark::Spark::connect(remote)
                .with_context(|| format!("connecting to Spark{remembered_note}"))?;
            db.set_engine(Box::new(
                crate::spark::SparkEngine::new(spark, warehouse).keeping(keeping),
            ));
            Ok(db)
        }
        #[cfg(not(feature = "spark"))]
        {
            let _ = (warehouse, &self.spark_remote);
            bail!(
                "this apportion was built without Spark{remembered_note}: build it with \
                 `cargo build --release --features spark` (docs/spark.md)"
            )
        }
    }
}

/// `APPORTION_SPARK_STEPS`: how Spark keeps each month's steps, when a
/// cluster needs it told (one that refuses local checkpoints: `files`);
/// else by the server's version and the month's size.
#[cfg(feature = "spark")]
fn steps_kept() -> Result<Option<crate::spark::Keeping>> {
    use crate::spark::Keeping;
    Ok(
        match std::env::var("APPORTION_SPARK_STEPS").unwrap_or_default().as_str() {
            "" => None,
            "files" => Some(Keeping::Files),
            "checkpoints" => Some(Keeping::Checkpoints),
            other => bail!(
                "APPORTION_SPARK_STEPS is {:?}: give `files` or `checkpoints`, or leave it unset",
                crate::safe_text::for_terminal(other)
            ),
        },
    )
}

/// `--spark-warehouse` as a directory: a path, or a `file:` URI. It must be
/// one this machine and the cluster reach by the same path (a local server,
/// or a shared mount): the results are loaded from it here.
fn warehouse_dir(given: &str) -> Result<PathBuf> {
    let path = given
        .strip_prefix("file://")
        .or_else(|| given.strip_prefix("file:"))
        .unwrap_or(given);
    if let Some((scheme, _)) = path.split_once("://") {
        bail!(
            "--spark-warehouse {given}: a {scheme}:// warehouse is not supported yet; give a directory this \
             machine and the cluster both reach by the same path (a local directory for a local server, or a \
             shared mount such as /dbfs or an NFS/EFS mount): docs/spark.md"
        );
    }
    let path = Path::new(path);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warehouse_is_a_directory_by_path_or_file_uri() {
        assert_eq!(warehouse_dir("/w").unwrap(), PathBuf::from("/w"));
        assert_eq!(warehouse_dir("file:///w").unwrap(), PathBuf::from("/w"));
        assert_eq!(warehouse_dir("file:/w").unwrap(), PathBuf::from("/w"));
        assert!(warehouse_dir("rel").unwrap().is_absolute());
        let e = warehouse_dir("s3://bucket/w").unwrap_err().to_string();
        assert!(e.contains("s3:// warehouse is not supported yet"), "{e}");
    }
}
