//! A month attributed on Spark (db::MonthEngine), in a server session of its
//! own: the month's inputs as views over the Parquet the database staged;
//! each step of the attribution kept as computed rows and named as a new
//! view (`TABLE__N`), so every step's plan starts from them (a chain of
//! views makes Spark analyse every step before it again, minutes by the
//! thirtieth step) and its row ids are fixed once computed; the result
//! tables written as Parquet; the `_COMMITTED` marker written last; and the
//! session, with what it kept, released.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::warehouse::Warehouse;
use super::{Spark, in_backticks, in_quotes};
use crate::db::dialect::{Step, renamed};
use crate::db::{COMMITTED, MonthEngine, MonthJob};

/// Spark as the engine of `--engine spark`, with its warehouse: a directory
/// this machine and the cluster both reach by the same path, or a prefix in
/// S3 (`warehouse`).
pub struct SparkEngine {
    pub(super) spark: Spark,
    pub(super) warehouse: Warehouse,
    /// How steps are kept when told; else by the server and the month.
    keeping: Option<Keeping>,
    /// The session that reads exports where they lie (`spark::files`),
    /// opened when first needed, with settings of its own.
    pub(super) reading: std::sync::OnceLock<Spark>,
}

/// The most billing lines a month may have for its steps to be kept as
/// checkpoints, which the server holds in its executors' memory. Measured on
/// a 2 GiB `local[2]` server (docs/benchmarks.md): a generated month of
/// 900,023 billing lines ran it out of heap at its 24th step; at about
/// 100,000, checkpoints and files took the same time; below, checkpoints
/// save up to 60% (a small month's time is mostly its jobs' own).
pub const CHECKPOINT_LINES: usize = 100_000;

/// How a month's steps are kept for the steps after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keeping {
    /// Local checkpoints in the month's session (Spark Connect 4.0+): up to
    /// 2.5 times as fast as files on small months.
    Checkpoints,
    /// Parquet under the month's scratch directory, read back (what a 3.5
    /// server can do: its Spark Connect has no checkpoint).
    Files,
}

impl SparkEngine {
    /// The engine, keeping each month's steps as the server and the month's
    /// size allow (checkpoints on Spark 4.0+ up to CHECKPOINT_LINES lines).
    pub fn new(spark: Spark, warehouse: PathBuf) -> SparkEngine {
        SparkEngine::in_warehouse(spark, Warehouse::Shared(warehouse))
    }

    /// The same, with a warehouse of either kind.
    pub fn in_warehouse(spark: Spark, warehouse: Warehouse) -> SparkEngine {
        SparkEngine {
            spark,
            warehouse,
            keeping: None,
            reading: std::sync::OnceLock::new(),
        }
    }

    /// The same, keeping steps as told when told (both ways are tested on
    /// one server; `APPORTION_SPARK_STEPS` tells).
    pub fn keeping(self, keeping: Option<Keeping>) -> SparkEngine {
        SparkEngine { keeping, ..self }
    }

    fn keeping_for(&self, job: &MonthJob) -> Keeping {
        match self.keeping {
            Some(told) => told,
            None if self.spark.has_checkpoints() && job.lines <= CHECKPOINT_LINES => Keeping::Checkpoints,
            None => Keeping::Files,
        }
    }
}

impl MonthEngine for SparkEngine {
    fn name(&self) -> &str {
        "spark"
    }

    fn warehouse(&self) -> &Path {
        self.warehouse.here()
    }

    fn warehouse_name(&self) -> String {
        self.warehouse.name()
    }

    fn discard(&self, dir: &Path) -> anyhow::Result<()> {
        self.warehouse.discard(dir)
    }

    fn exports(&self) -> Option<&dyn crate::db::ExportReader> {
        Some(self)
    }

    fn attribute_month(&self, job: &MonthJob) -> Result<()> {
        // The staged inputs where the cluster reads them (an S3 warehouse's
        // are put there first).
        let inputs: Vec<&Path> = job.inputs.iter().map(|(_, file)| file.as_path()).collect();
        self.warehouse.put(&inputs)?;
        // A session of its own: the steps it keeps are released with it.
        let spark = self.spark.new_session()?;
        let on_cluster = |local: &Path| self.warehouse.on_cluster(local);
        let attributed = attribute(&spark, job, self.keeping_for(job), &on_cluster)
            // The committed results where this machine loads them.
            .and_then(|()| self.warehouse.bring_back(&job.out, true));
        // Best effort: the month is committed (or not) by then, and the
        // server ends an idle session by itself.
        let _ = spark.release();
        attributed
    }
}

/// `job` on Spark, each of its paths named as the cluster names it (`on_cluster`).
fn attribute(spark: &Spark, job: &MonthJob, keeping: Keeping, on_cluster: &dyn Fn(&Path) -> PathBuf) -> Result<()> {
    for (table, file) in &job.inputs {
        let file = on_cluster(file);
        spark
            .run(&format!(
                "CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM parquet.`{}`",
                in_backticks(&file)
            ))
            .with_context(|| {
                let whose = match crate::ingest::is_cluster_path(&file.to_string_lossy()) {
                    // Put there by this machine; read by the cluster, with its own file system and role.
                    true => {
                        "; the cluster reads the warehouse with its own credentials and file system (S3A for \
                             s3a://): its role needs s3:GetObject and s3:ListBucket there (docs/spark.md)"
                    }
                    false => "",
                };
                format!("reading the staged {table} ({}){whose}", file.display())
            })?;
    }
    // The functions that read the service map, now that it is a view.
    spark.define_table_functions()?;
    if trace() {
        eprintln!(
            "trace {} spark: {} lines, steps kept as {keeping:?}",
            job.month, job.lines
        );
    }
    let mut names: Vec<(String, String)> = Vec::new();
    for (number, step) in job.steps.iter().enumerate() {
        let table = step.name();
        let current = current_name(&names, table);
        let select = match step {
            Step::Keep { select, .. } => renamed(select, &names),
            Step::Empty { columns, .. } => {
                let nulls: Vec<String> = columns
                    .iter()
                    .map(|(column, ty)| format!("CAST(NULL AS {ty}) AS {column}"))
                    .collect();
                format!("SELECT {} WHERE false", nulls.join(", "))
            }
            Step::Delete { condition: None, .. } => format!("SELECT * FROM {current} WHERE false"),
            Step::Delete {
                condition: Some(condition),
                ..
            } => format!(
                "SELECT * FROM {current} WHERE NOT COALESCE({}, false)",
                renamed(condition, &names)
            ),
            Step::Insert { by_name, select, .. } => {
                let select = renamed(select, &names);
                let columns = spark.dtypes(&format!("SELECT * FROM {current}"))?;
                inserted(&current, &columns, &select, *by_name, spark)?
            }
        };
        let kept = format!("{table}__{number}");
        let started = std::time::Instant::now();
        if trace() {
            eprintln!("trace {} spark step {number}: {select}", job.month);
        }
        // Kept as computed rows: the next steps' plans start from them, not
        // from every step before them.
        match keeping {
            Keeping::Checkpoints => spark.checkpoint(&select, &kept),
            Keeping::Files => {
                let files = on_cluster(&job.scratch.join(&kept));
                spark
                    .run(&format!(
                        "INSERT OVERWRITE DIRECTORY '{}' USING parquet {select}",
                        in_quotes(&files)
                    ))
                    .and_then(|()| {
                        spark.run(&format!(
                            "CREATE OR REPLACE TEMP VIEW {kept} AS SELECT * FROM parquet.`{}`",
                            in_backticks(&files)
                        ))
                    })
            }
        }
        .with_context(|| format!("step {} of {} ({table})", number + 1, job.steps.len()))?;
        if trace() {
            eprintln!(
                "trace {} spark step {number} ({table}): {:.3}s",
                job.month,
                started.elapsed().as_secs_f64()
            );
        }
        names.retain(|(t, _)| t != table);
        names.push((table.to_string(), kept));
    }
    let out = on_cluster(&job.out);
    for table in &job.results {
        let current = current_name(&names, table);
        spark
            .write_parquet(&format!("SELECT * FROM {current}"), &out.join(table))
            .with_context(|| format!("writing {table} to {}", out.display()))?;
    }
    // The marker last: a month without it is never loaded.
    spark.run(&format!(
        "INSERT OVERWRITE DIRECTORY '{}' USING json SELECT {} AS run_id, '{}' AS month",
        in_quotes(&out.join(COMMITTED)),
        job.run_id,
        job.month
    ))?;
    Ok(())
}

/// Whether `APPORTION_TRACE` asks for each step's statement and time on stderr.
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("APPORTION_TRACE").is_some())
}

/// The name a table has now: its latest kept version, or its own (an input).
fn current_name(names: &[(String, String)], table: &str) -> String {
    names
        .iter()
        .find(|(t, _)| t == table)
        .map_or_else(|| table.to_string(), |(_, now)| now.clone())
}

/// `current` with `select`'s rows added, by column name (a column the select
/// lacks is NULL) or by position, each cast to the table's type as DuckDB's
/// INSERT casts.
fn inserted(current: &str, columns: &[(String, String)], select: &str, by_name: bool, spark: &Spark) -> Result<String> {
    let cast = |(c, ty): &(String, String)| format!("CAST(q.{c} AS {ty}) AS {c}");
    let (added, alias): (Vec<String>, String) = if by_name {
        let given = spark.dtypes(select)?;
        let added = columns
            .iter()
            .map(|col| match given.iter().any(|(g, _)| g.eq_ignore_ascii_case(&col.0)) {
                true => cast(col),
                false => format!("CAST(NULL AS {}) AS {}", col.1, col.0),
            })
            .collect();
        (added, String::new())
    } else {
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        (columns.iter().map(cast).collect(), format!("({})", names.join(", ")))
    };
    Ok(format!(
        "SELECT * FROM {current} UNION ALL SELECT {} FROM ({select}) AS q{alias}",
        added.join(", ")
    ))
}
