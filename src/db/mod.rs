//! The only module that talks to DuckDB: opening the database file, schema
//! migrations, and the queries every other layer asks for by name.

mod attribution;
pub mod dialect;
mod ecs_check;
mod events;
mod explain;
mod explain_area;
mod explore;
mod export;
mod insights;
mod lines;
mod method;
mod migrations;
pub mod quote;
mod reconcile;
mod remote;
mod reports;
mod runs;
mod sql;
mod store;
mod tag_keys;

use std::path::{Path, PathBuf};

use duckdb::Connection;

pub use attribution::{AttributionInput, ConservationError, MonthProgress, RunSummary, Scope};
pub use ecs_check::{EcsCheck, ServiceSplit, SplitGap, WorkloadSplit};
pub use explain::{Explanation, Part};
pub use explain_area::{AreaExplanation, AreaFlow};
pub use explore::{ExploreRow, Level, ROW_LIMIT};
pub use export::{ExportFormat, ExportSummary, FocusVersion};
pub use insights::{Chase, ChaseGroup, CostBasis, Coverage, GROUPS_FROM, GroupKind, Spike, Spikes, UnitCost};
pub use lines::{ExportFile, ExportRows, LineColumn, MAX_LINE_BYTES, SplitColumn, line_key_sample};
pub use method::Method;
pub use reconcile::{ChargeArea, ChargeRow, Reconciliation, StatedTotal};
pub use remote::{
    BadRow, COMMITTED, EXPORT_VIEW, ExportLayout, ExportReader, ListedFile, MonthEngine, MonthJob, Parses, RowFault,
    engine_rows,
};
pub use reports::{CostMeasure, Dimension, ReportRow};
pub use runs::{LastRun, RunInfo, ServiceEntry};
pub use store::{FileRecord, FileStamp, FileSummary, LoadedFile, ServiceEntryRow, SyncTransaction};
pub use tag_keys::{KeyReading, TagKeyUse};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "database {path} is in use by another process; wait for it to finish (a sync or the explorer) and try again"
    )]
    InUse { path: PathBuf },
    #[error(
        "database {path} was written by a newer apportion (schema version {found}, this build knows {known}); upgrade apportion"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("database {path} has schema migrations out of order: version {found} where {expected} was expected")]
    MigrationGap { path: PathBuf, found: i64, expected: i64 },
    #[error("cannot create the directory for the database at {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is not an apportion database (DuckDB would open it as a read-only view of the file and every write would be lost); name a new file or an existing .duckdb with --db"
    )]
    NotADatabase { path: PathBuf },
    #[error("cannot use {setting}: {message}")]
    Setting { setting: String, message: String },
    #[error(transparent)]
    Conservation(#[from] ConservationError),
    #[error(transparent)]
    Duck(#[from] duckdb::Error),
    /// A request the data cannot answer, said for the user.
    #[error("{0}")]
    Invalid(String),
    /// Another engine failed on a month, or left it uncommitted.
    #[error("attributing {month} on another engine failed; the database keeps that month as it was: {message}")]
    Engine { month: String, message: String },
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// An open apportion database with its schema up to date.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// Where months are attributed, when not here (`--engine spark`).
    engine: Option<Box<dyn MonthEngine>>,
}

impl Db {
    /// Open (creating if needed) the database at `path` and run pending
    /// migrations, with the default memory limit.
    pub fn open(path: &Path) -> Result<Db> {
        Db::open_with(path, None)
    }

    /// Open with DuckDB's memory limited to `memory_limit` (e.g. `2GB`;
    /// None: [`default_memory_limit`]); past it, work spills to a temp
    /// directory beside the database.
    pub fn open_with(path: &Path, memory_limit: Option<&str>) -> Result<Db> {
        refuse_other_files(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|e| classify_open_error(path, e))?;
        // Line order carries no meaning here, and bulk loads are faster without it.
        conn.execute_batch("SET preserve_insertion_order = false")?;
        let limit = memory_limit.map_or_else(default_memory_limit, str::to_owned);
        let spill = path.with_file_name(format!(
            "{}.tmp",
            path.file_name()
                .map_or_else(|| "apportion.duckdb".into(), |n| n.to_string_lossy())
        ));
        // Settings take no bound parameters: their values are quoted.
        conn.execute_batch(&sql::fill(
            "SET memory_limit = {limit}; SET temp_directory = {spill};",
            &[
                ("limit", &quote::literal(&limit)),
                ("spill", &quote::literal(&spill.to_string_lossy())),
            ],
        ))
        .map_err(|e| DbError::Setting {
            setting: format!("memory limit {limit:?}"),
            message: e.to_string(),
        })?;
        let db = Db {
            conn,
            path: path.to_path_buf(),
            engine: None,
        };
        migrations::run(&db.conn, &db.path)?;
        Ok(db)
    }

    /// A private in-memory database, for tests and previews.
    pub fn open_in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory()?;
        let db = Db {
            conn,
            path: PathBuf::from(":memory:"),
            engine: None,
        };
        migrations::run(&db.conn, &db.path)?;
        Ok(db)
    }

    /// Run `work` in one transaction: committed if it succeeds, rolled back if not.
    fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        match work() {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// A second connection to the same database, for another thread.
    pub fn try_clone(&self) -> Result<Db> {
        Ok(Db {
            conn: self.conn.try_clone()?,
            path: self.path.clone(),
            engine: None,
        })
    }

    /// Attribute months on `engine` from now on (the database keeps
    /// everything else: staging, the run record, the conservation check).
    pub fn set_engine(&mut self, engine: Box<dyn MonthEngine>) {
        self.engine = Some(engine);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema as `table.column type` lines, for migration tests.
    pub fn schema_description(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(include_str!("sql/schema_description.sql"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn applied_migrations(&self) -> Result<Vec<i64>> {
        migrations::applied(&self.conn).map_err(Into::into)
    }
}

/// 3 GiB or a quarter of the machine's memory, whichever is smaller, and at
/// least 1 GiB: a laptop keeps room for everything else it runs.
pub fn default_memory_limit() -> String {
    const GIB: u64 = 1 << 30;
    let quarter = machine_memory().map_or(3 * GIB, |m| m / 4);
    format!("{}MiB", quarter.clamp(GIB, 3 * GIB) >> 20)
}

/// Total memory from `/proc/meminfo` (Linux); None elsewhere.
fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// DuckDB opens an existing CSV, JSON or Parquet file as an in-memory
/// database with a view over it, so a mistyped `--db bill.csv` would accept
/// every write and keep none. Only a new path or a DuckDB file is opened.
fn refuse_other_files(path: &Path) -> Result<()> {
    use std::io::Read;
    let not_a_database = || DbError::NotADatabase {
        path: path.to_path_buf(),
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Err(not_a_database());
    }
    if meta.len() == 0 {
        return Ok(());
    }
    // A DuckDB file starts with a checksum (8 bytes), then the magic "DUCK".
    let mut head = [0u8; 12];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    match read {
        Ok(()) if &head[8..12] == b"DUCK" => Ok(()),
        _ => Err(not_a_database()),
    }
}

/// An exact decimal from DuckDB (DECIMAL, or its text) as [`Money`]; a
/// floating-point value is refused, it would not be exact.
impl duckdb::types::FromSql for crate::money::Money {
    fn column_result(value: duckdb::types::ValueRef<'_>) -> duckdb::types::FromSqlResult<Self> {
        use duckdb::types::{FromSqlError, ValueRef};
        let parse = |text: &str| crate::money::Money::parse(text).map_err(|e| FromSqlError::Other(Box::new(e)));
        match value {
            ValueRef::Decimal(d) => parse(&d.to_string()),
            ValueRef::Text(t) => parse(std::str::from_utf8(t).map_err(|e| FromSqlError::Other(Box::new(e)))?),
            ValueRef::HugeInt(i) => Ok(crate::money::Money::from_units(i * 10_i128.pow(10))),
            ValueRef::BigInt(i) => Ok(crate::money::Money::from_units(i128::from(i) * 10_i128.pow(10))),
            ValueRef::Int(i) => Ok(crate::money::Money::from_units(i128::from(i) * 10_i128.pow(10))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

fn classify_open_error(path: &Path, e: duckdb::Error) -> DbError {
    let text = e.to_string();
    if text.contains("Could not set lock") || text.contains("Conflicting lock") {
        DbError::InUse {
            path: path.to_path_buf(),
        }
    } else {
        DbError::Duck(e)
    }
}
