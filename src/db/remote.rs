//! A month attributed by another engine (Spark, through `spark::SparkEngine`):
//! the database writes the month's inputs as Parquet under the engine's
//! warehouse, the engine runs the same statements (spelled for it) and writes
//! the month's results beside them, committed by a marker written last, and
//! the database loads exactly those results in the month's transaction. A
//! month whose marker is missing is never loaded, so a failed job or a lost
//! connection leaves the database as it was.

use std::path::{Path, PathBuf};

use super::dialect::Step;
use super::quote::literal;
use super::{Db, DbError, Result};

/// Another engine that attributes a month.
pub trait MonthEngine: Send {
    /// The engine's name for the run record and messages (`spark`).
    fn name(&self) -> &str;
    /// The directory this machine stages its inputs into and loads its
    /// results from.
    fn warehouse(&self) -> &Path;
    /// The warehouse as the run record shows it (a directory, or the URI
    /// of one in object storage).
    fn warehouse_name(&self) -> String {
        self.warehouse().to_string_lossy().into_owned()
    }
    /// Remove what the engine's side keeps of `dir` (a directory under
    /// `warehouse()`: a run's staging, a sync's grouped rows) beyond this
    /// machine's copy, which the caller removes.
    fn discard(&self, _dir: &Path) -> anyhow::Result<()> {
        Ok(())
    }
    /// Run `job`'s steps on its inputs; write each of its result tables to
    /// `job.results/TABLE/` as Parquet, then the marker `job.results/_COMMITTED`.
    fn attribute_month(&self, job: &MonthJob) -> anyhow::Result<()>;
    /// Its reader of exports where they lie, when it has one.
    fn exports(&self) -> Option<&dyn ExportReader> {
        None
    }
}

/// A file as another engine lists it, by the path it names it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    pub path: String,
    pub size: i64,
    /// Modification time in milliseconds since the epoch.
    pub modified_ms: i64,
}

/// The view an [`ExportReader`] names the export it reads: every column as
/// text, nested ones (maps, structs, lists) as JSON text.
pub const EXPORT_VIEW: &str = "ap_export";

/// Another engine reading billing exports where they lie (`sync` of a path
/// the cluster names): it lists them, reads small files whole, and runs the
/// first stage of a load ([`super::ExportRows::grouped`], spelled for it)
/// into Parquet this machine loads, so the export's lines never come here.
pub trait ExportReader {
    /// The dialect its statements are written in.
    fn dialect(&self) -> super::dialect::Dialect;
    /// Every file under `uri` (a directory or a file, as the cluster names it).
    fn list(&self, uri: &str) -> anyhow::Result<Vec<ListedFile>>;
    /// A small file whole, as text (a manifest).
    fn text(&self, path: &str) -> anyhow::Result<String>;
    /// A file's first lines, as text (a CSV's header; gzip decompressed by
    /// the file's name, as the cluster reads it).
    fn head(&self, path: &str, lines: usize) -> anyhow::Result<Vec<String>>;
    /// A Parquet export's columns as [`EXPORT_VIEW`] gives them: (name,
    /// `VARCHAR`, or `JSON` for a nested column).
    fn columns(&self, path: &str) -> anyhow::Result<Vec<(String, String)>>;
    /// Name the export at `path` [`EXPORT_VIEW`] for the queries after it;
    /// its columns, as `columns` gives them. A CSV's values are read as
    /// DuckDB's CSV reader of a load reads them: text, an empty value and
    /// `NULL` as NULL, a line of another width an error.
    fn open(&self, path: &str, layout: ExportLayout<'_>) -> anyhow::Result<Vec<(String, String)>>;
    /// The first row of the CSV at `path` (read as `open` reads it) that
    /// has another width than its header or a value of `checks` that does
    /// not parse, if any: what a failed load of it is told by.
    fn first_bad_row(
        &self,
        path: &str,
        columns: &[String],
        checks: &[(String, Parses)],
    ) -> anyhow::Result<Option<BadRow>>;
    /// The rows of `select` (over the export last opened) written as
    /// Parquet files into the directory `out`.
    fn write_rows(&self, select: &str, out: &Path) -> anyhow::Result<()>;
}

/// How an export another engine reads is written.
#[derive(Debug, Clone, Copy)]
pub enum ExportLayout<'a> {
    /// Parquet: its own columns.
    Parquet,
    /// CSV (gzip when its name says so) under a header line, its columns
    /// named `columns` (as DuckDB names the header's).
    Csv { columns: &'a [String] },
}

/// What a column's values must parse as, in a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parses {
    Number,
    Money,
    Time,
}

/// A CSV row that would not load: its number (the header is row 1, so a
/// row is the line of that number unless a quoted value before it spans
/// lines) and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub row: u64,
    pub fault: RowFault,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RowFault {
    /// Another width than the header: the row's own text.
    Width { text: String },
    /// A value of a checked column that does not parse.
    Value {
        column: String,
        value: String,
        parses: Parses,
    },
}

/// One month's work for a [`MonthEngine`].
pub struct MonthJob {
    pub month: String,
    pub run_id: i64,
    /// (table, Parquet file) the steps read, by the table's name.
    pub inputs: Vec<(String, PathBuf)>,
    /// The attribution's statements, as steps on named tables.
    pub steps: Vec<Step>,
    /// The tables whose final versions are the month's results.
    pub results: Vec<&'static str>,
    /// Where they go (a directory the engine writes and this machine reads).
    pub out: PathBuf,
    /// How many billing lines the month has (an engine may work differently on large months).
    pub lines: usize,
    /// Where the engine may keep the month's intermediate tables (removed with the run's staging).
    pub scratch: PathBuf,
}

/// The marker a month's results are committed by; the engine writes it last.
pub const COMMITTED: &str = "_COMMITTED";

/// Inputs every month reads whole: tasks, attachments and the service map.
const SHARED_INPUTS: [(&str, &str); 4] = [
    ("ecs_tasks", "SELECT * FROM ecs_tasks"),
    ("ecs_task_spans", "SELECT * FROM ecs_task_spans"),
    ("ebs_attachments", "SELECT * FROM ebs_attachments"),
    ("service_map", "SELECT * FROM service_map"),
];

/// The tables a month's statements replace the month's rows of; an engine
/// starts each empty (a month's statements delete and insert only its rows).
const MONTH_TABLES: [&str; 7] = [
    "allocations",
    "explore_cells",
    "explore_days",
    "ecs_check",
    "direct_base",
    "direct_open",
    "direct_followers",
];

/// Whether an engine starts `table` empty for each month (its statements
/// then have no rows of the month to delete).
pub(super) fn starts_empty(table: &str) -> bool {
    MONTH_TABLES.contains(&table) || ROLLUPS.contains(&table)
}

/// The tables every run appends to.
const ROLLUPS: [&str; 3] = ["rollup_product_area", "rollup_area_service", "rollup_area_account"];

/// The staged settings and rules (db/attribution.rs's `stage_inputs`).
const STAGED: [&str; 7] = [
    "attr_month",
    "attr_settings",
    "attr_rules",
    "attr_rule_tags",
    "attr_splits",
    "attr_split_targets",
    "attr_split_tags",
];

/// The table of notes of splits that found no target (split_step.sql).
const SPLIT_NOTES: &str = "a_split_notes";

impl Db {
    /// This database's part of a warehouse, `db=ID`: databases sharing a
    /// warehouse share run ids (each counts its own), never directories.
    pub fn warehouse_part(&self, warehouse: &Path) -> Result<PathBuf> {
        let id: String = self
            .conn
            .query_row("SELECT id FROM database_identity", [], |r| r.get(0))?;
        Ok(warehouse.join(format!("db={id}")))
    }

    /// The engine's reader of exports where they lie, when it has one, with
    /// a directory of this database's part of its warehouse for one sync's
    /// grouped rows (the caller removes it when the sync ends).
    pub fn export_reader(&self) -> Result<Option<(&dyn ExportReader, PathBuf)>> {
        let Some(engine) = self.engine.as_deref() else {
            return Ok(None);
        };
        let Some(reader) = engine.exports() else {
            return Ok(None);
        };
        let nonce = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let dir = self
            .warehouse_part(engine.warehouse())?
            .join("_synced")
            .join(format!("sync={nonce}"));
        Ok(Some((reader, dir)))
    }

    /// Remove `dir`, a directory of the engine's warehouse (a run's staging,
    /// a sync's grouped rows), here and on the engine's side.
    pub fn discard_engine_dir(&self, dir: &Path) -> Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| DbError::Invalid(format!("cannot remove {}: {e}", dir.display())))?;
        }
        if let Some(engine) = self.engine.as_deref() {
            engine.discard(dir).map_err(|e| DbError::Invalid(format!("{e:#}")))?;
        }
        Ok(())
    }

    /// Where a run keeps what it gives the engine (removed when the run ends).
    pub(super) fn staging_dir(&self, engine: &dyn MonthEngine, run_id: i64) -> Result<PathBuf> {
        Ok(self
            .warehouse_part(engine.warehouse())?
            .join("_staged")
            .join(format!("run={run_id}")))
    }

    /// Where a month's results of a run go.
    pub(super) fn results_dir(&self, engine: &dyn MonthEngine, run_id: i64, month: &str) -> Result<PathBuf> {
        Ok(self
            .warehouse_part(engine.warehouse())?
            .join(format!("month={month}"))
            .join(format!("run={run_id}")))
    }

    /// Write the inputs every month shares, once per run.
    pub(super) fn stage_shared(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let mut files = Vec::new();
        for (table, select) in SHARED_INPUTS {
            files.push(self.stage_table(dir, table, select)?);
        }
        for table in MONTH_TABLES.iter().chain(&ROLLUPS) {
            files.push(self.stage_table(dir, table, &format!("SELECT * FROM {table} LIMIT 0"))?);
        }
        Ok(files)
    }

    /// Write one month's lines, split rows and staged settings (the temp
    /// tables `stage_inputs` made), beside the shared inputs.
    pub(super) fn stage_month(&self, dir: &Path, month: &str) -> Result<(Vec<(String, PathBuf)>, usize)> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let period = format!("strptime({}, '%Y-%m')::DATE", literal(month));
        let lines_file = dir.join("billing_lines.parquet");
        let lines = self.copy_out(
            &format!("SELECT rowid AS line_id, * FROM billing_lines WHERE billing_period = {period}"),
            &lines_file,
        )?;
        let mut files = vec![
            ("billing_lines".to_string(), lines_file),
            self.stage_table(
                dir,
                "scad_splits",
                &format!("SELECT * FROM scad_splits WHERE billing_period = {period}"),
            )?,
        ];
        for table in STAGED {
            files.push(self.stage_table(dir, table, &format!("SELECT * FROM {table}"))?);
        }
        Ok((files, lines))
    }

    /// `select`'s rows as the table's Parquet file in `dir`.
    fn stage_table(&self, dir: &Path, table: &str, select: &str) -> Result<(String, PathBuf)> {
        let file = dir.join(format!("{table}.parquet"));
        self.copy_out(select, &file)?;
        Ok((table.to_string(), file))
    }

    /// Write a query's rows to a Parquet file; how many.
    fn copy_out(&self, select: &str, file: &Path) -> Result<usize> {
        Ok(self.conn.execute(
            &format!(
                "COPY ({select}) TO {} (FORMAT parquet)",
                literal(&file.to_string_lossy())
            ),
            [],
        )?)
    }

    /// The tables whose final versions an engine writes back.
    pub(super) fn result_tables() -> Vec<&'static str> {
        MONTH_TABLES
            .iter()
            .chain(&ROLLUPS)
            .copied()
            .chain([SPLIT_NOTES])
            .collect()
    }

    /// Load a month's committed results (in the month's transaction): its
    /// rows replace the month's, the rollups gain the run's, and the split
    /// notes become the temp table the summary reads.
    pub(super) fn load_month(&self, month: &str, out: &Path) -> Result<()> {
        if !out.join(COMMITTED).exists() {
            return Err(DbError::Engine {
                month: month.to_string(),
                message: format!(
                    "its results at {} have no {COMMITTED} marker: the job did not finish, so nothing was loaded",
                    out.display()
                ),
            });
        }
        let period = format!("strptime({}, '%Y-%m')::DATE", literal(month));
        for table in MONTH_TABLES {
            self.conn
                .execute_batch(&format!("DELETE FROM {table} WHERE billing_period = {period}"))?;
        }
        for table in MONTH_TABLES.iter().chain(&ROLLUPS) {
            if let Some(files) = parquet_files(&out.join(table))? {
                self.conn.execute_batch(&format!(
                    "INSERT INTO {table} BY NAME SELECT * FROM read_parquet({files}, hive_partitioning = false)"
                ))?;
            }
        }
        self.conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE {SPLIT_NOTES} (n BIGINT, from_area VARCHAR, u DECIMAL(38, 10))"
        ))?;
        if let Some(files) = parquet_files(&out.join(SPLIT_NOTES))? {
            self.conn.execute_batch(&format!(
                "INSERT INTO {SPLIT_NOTES} BY NAME SELECT * FROM read_parquet({files}, hive_partitioning = false)"
            ))?;
        }
        Ok(())
    }
}

/// The rows another engine wrote into `dir` as Parquet, as a FROM item;
/// None when it wrote no file (an empty result may have none).
pub fn engine_rows(dir: &Path) -> Result<Option<String>> {
    Ok(parquet_files(dir)?.map(|files| format!("read_parquet({files}, hive_partitioning = false)")))
}

/// The Parquet files an engine wrote for a table, as a DuckDB list
/// literal; None when it wrote none (an empty result may have no file).
fn parquet_files(dir: &Path) -> Result<Option<String>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DbError::Invalid(format!("cannot read the engine's results at {}: {e}", dir.display())))?;
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".parquet") && !name.starts_with(['.', '_'])
        })
        .map(|p| super::quote::file(&p.to_string_lossy()))
        .collect();
    files.sort();
    Ok((!files.is_empty()).then(|| format!("[{}]", files.join(", "))))
}

fn io_error(path: &Path, e: std::io::Error) -> DbError {
    DbError::Invalid(format!("cannot write the engine's inputs at {}: {e}", path.display()))
}
