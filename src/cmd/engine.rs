//! `--engine`: where the commands that attribute (sync, attribute, tag)
//! attribute their months. DuckDB here by default; Spark on a Spark Connect
//! server with `--engine spark` (a build with `--features spark`), after
//! which the database remembers it, with its warehouse, as it remembers its
//! rules: a later run without `--engine` goes to Spark again.

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
            (Some(given), _) => given.clone(),
            (None, Some(kept)) => kept.to_owned(),
            (None, None) => {
                let path = opener.db_path();
                let name = path
                    .file_name()
                    .map_or_else(|| "apportion".into(), |n| n.to_string_lossy());
                path.with_file_name(format!("{name}.warehouse"))
                    .to_string_lossy()
                    .into_owned()
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
            let warehouse = crate::spark::Warehouse::parse(&warehouse)?;
            if let crate::spark::Warehouse::Shared(dir) = &warehouse {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the Spark warehouse {}", dir.display()))?;
            }
            let remote = crate::spark::Remote::resolve(self.spark_remote.as_deref())
                .with_context(|| format!("choosing the Spark Connect server{remembered_note}"))?;
            let spark = crate::spark::Spark::connect(remote)
                .with_context(|| format!("connecting to Spark{remembered_note}"))?;
            db.set_engine(Box::new(
                crate::spark::SparkEngine::in_warehouse(spark, warehouse).keeping(keeping),
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
