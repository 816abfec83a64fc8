//! Writes of a sync: one transaction that inserts normalized lines, replaces
//! re-delivered billing periods, and records which files the lines came from.

use duckdb::{OptionalExt, params};

use super::sql::fill;
use super::{Db, Result};
use crate::money::Money;

/// What a sync knows of a file without reading it. Size and mtime can be set
/// back by a copy (`cp -p`, rsync); the inode and ctime (the last change of
/// its status, which nothing sets back) cannot, where the system has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    pub size_bytes: i64,
    pub mtime_ns: i64,
    pub ctime_ns: Option<i64>,
    pub inode: Option<u64>,
}

impl FileStamp {
    /// Whether this is the very file `recorded` stamped, bytes untouched since:
    /// same size, mtime and inode, and a status that has not changed. Without a
    /// ctime and an inode (another system, or recorded before they were kept)
    /// nobody can tell, and the file is hashed.
    pub fn unchanged_since(&self, recorded: &FileStamp) -> bool {
        self.size_bytes == recorded.size_bytes
            && self.mtime_ns == recorded.mtime_ns
            && self.ctime_ns.is_some()
            && self.ctime_ns == recorded.ctime_ns
            && self.inode.is_some()
            && self.inode == recorded.inode
    }
}

/// An export file already loaded, as recorded in `source_files`.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub file_id: i64,
    pub path: String,
    pub stamp: FileStamp,
    pub content_hash: String,
    pub format: String,
}

/// The columns of `source_files` a FileRecord is read from, in its order.
const FILE_RECORD: &str = "file_id, path, size_bytes, mtime_ns, ctime_ns, inode, content_hash, format";

impl FileRecord {
    fn from_row(r: &duckdb::Row<'_>) -> duckdb::Result<FileRecord> {
        Ok(FileRecord {
            file_id: r.get(0)?,
            path: r.get(1)?,
            stamp: FileStamp {
                size_bytes: r.get(2)?,
                mtime_ns: r.get(3)?,
                ctime_ns: r.get(4)?,
                inode: r.get(5)?,
            },
            content_hash: r.get(6)?,
            format: r.get(7)?,
        })
    }
}

/// One row of a service map file: an ECS service (optionally of one
/// cluster) or an EKS workload (optionally of one cluster and namespace;
/// `*` for every workload of the namespace), and its area.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEntryRow {
    pub service: String,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub area: String,
}

/// What one file contributed to the database, for the sync summary.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub file_id: i64,
    pub periods: Vec<String>,
    pub lines: i64,
    pub unblended_total: Money,
    /// Currencies of the file's lines (usually just `USD`).
    pub currencies: Vec<String>,
    /// Lines used outside the billing period they are billed in.
    pub outside_period: i64,
    /// Split cost allocation rows of ECS tasks (weights, not money).
    pub split_rows: i64,
}

/// A file to record after its lines were inserted.
pub struct LoadedFile<'a> {
    pub file_id: i64,
    pub path: &'a str,
    pub stamp: &'a FileStamp,
    pub content_hash: &'a str,
    pub format: &'a str,
}

/// A period (payer account × month) that one sync would count twice.
#[derive(Debug, Clone)]
pub struct FormatConflict {
    pub payer_account: String,
    pub period: String,
    /// The files involved, each as `FORMAT path`.
    pub formats: String,
}

const TASK_SPANS_SQL: &str = include_str!("sql/task_spans.sql");
const SETTLE_SPLIT_PERIODS_SQL: &str = include_str!("sql/settle_split_periods.sql");
const REPEATED_LINES_SQL: &str = include_str!("sql/repeated_lines.sql");
const DOUBLE_DELIVERIES_SQL: &str = include_str!("sql/double_deliveries.sql");
const REDELIVERED_PERIODS_SQL: &str = include_str!("sql/redelivered_periods.sql");
const REPLACED_FILES_SQL: &str = include_str!("sql/replaced_files.sql");
const UNUSED_FILES_SQL: &str = include_str!("sql/unused_files.sql");
const FILE_SUMMARIES_SQL: &str = include_str!("sql/file_summaries.sql");

/// Lines (`b`) of another delivery of a period a file of this sync brings
/// (temp tables sync_held and sync_keys, see redelivered_periods.sql).
const STALE: &str = "b.file_id NOT IN (SELECT file_id FROM sync_held)
      AND EXISTS (SELECT 1 FROM sync_keys k WHERE k.payer_account = b.payer_account AND k.billing_period = b.billing_period)";

/// The temp tables of file ids a sync fills; their names go into statements.
#[derive(Debug, Clone, Copy)]
enum IdTable {
    Loaded,
    Held,
    Summary,
}

impl IdTable {
    fn name(self) -> &'static str {
        match self {
            IdTable::Loaded => "sync_loaded",
            IdTable::Held => "sync_held",
            IdTable::Summary => "sync_summary",
        }
    }
}

/// An open write transaction; dropped without `commit` it rolls back.
pub struct SyncTransaction<'db> {
    pub(super) db: &'db Db,
    sync_id: i64,
    next_file_id: std::cell::Cell<i64>,
    open: bool,
}

/// A handle another thread can poll for the progress of the running statement.
pub struct ProgressProbe(duckdb::progress::ProgressHandle);

impl ProgressProbe {
    pub fn percent(&self) -> Option<f64> {
        self.0.query_progress().percentage()
    }
}

impl Db {
    /// Every recorded file by (path, size, mtime), the earliest where two share
    /// them: read once per sync, so a folder of thousands of unchanged files
    /// is recognized without a query per file.
    pub fn files_in_place(&self) -> Result<std::collections::HashMap<(String, i64, i64), FileRecord>> {
        let sql = fill(
            "SELECT {record} FROM source_files ORDER BY file_id DESC",
            &[("record", FILE_RECORD)],
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], FileRecord::from_row)?;
        let mut files = std::collections::HashMap::new();
        for record in rows {
            let record = record?;
            files.insert(
                (record.path.clone(), record.stamp.size_bytes, record.stamp.mtime_ns),
                record,
            );
        }
        Ok(files)
    }

    pub fn find_file_by_hash(&self, content_hash: &str) -> Result<Option<FileRecord>> {
        let sql = fill(
            "SELECT {record} FROM source_files WHERE content_hash = ? ORDER BY file_id LIMIT 1",
            &[("record", FILE_RECORD)],
        );
        Ok(self
            .conn
            .query_row(&sql, params![content_hash], FileRecord::from_row)
            .optional()?)
    }

    /// Column names and DuckDB types of what `reader_sql` (a table function call) yields.
    pub fn describe_columns(&self, reader_sql: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(&fill("DESCRIBE SELECT * FROM {reader}", &[("reader", reader_sql)]))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn progress_probe(&self) -> Result<ProgressProbe> {
        self.conn.set_query_progress_tracking(true)?;
        Ok(ProgressProbe(self.conn.progress_handle()))
    }

    pub fn begin_sync(&self) -> Result<SyncTransaction<'_>> {
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        let mut tx = SyncTransaction {
            db: self,
            sync_id: 0,
            next_file_id: std::cell::Cell::new(0),
            open: true,
        };
        let (sync_id, next_file_id): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT COALESCE(max(sync_id), 0) + 1 FROM syncs),
                    (SELECT COALESCE(max(file_id), 0) + 1 FROM source_files)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.sync_id = sync_id;
        tx.next_file_id.set(next_file_id);
        self.conn.execute(
            "INSERT INTO syncs (sync_id, started_at, files_loaded, files_kept)
             VALUES (?, current_timestamp::TIMESTAMP, 0, 0)",
            params![sync_id],
        )?;
        self.conn
            .execute_batch("CREATE OR REPLACE TEMP TABLE sync_line_keys (file_id BIGINT, k VARCHAR)")?;
        // What months depend on is about to change: attribution reads it again.
        self.conn.execute_batch("DELETE FROM month_inputs")?;
        Ok(tx)
    }
}

impl SyncTransaction<'_> {
    pub fn allocate_file_id(&self) -> i64 {
        let id = self.next_file_id.get();
        self.next_file_id.set(id + 1);
        id
    }

    /// Split rows belong to the billing period of the file's lines: all of it
    /// when the file is one statement (`whole_file`), else where their own
    /// period was missing (`placeholder`).
    pub fn settle_split_periods(&self, file_id: i64, placeholder: &str, whole_file: bool) -> Result<()> {
        self.db
            .conn
            .execute(SETTLE_SPLIT_PERIODS_SQL, params![file_id, whole_file, placeholder])?;
        Ok(())
    }

    /// Lines of `file_id` that carry no billing period of their own (DBR
    /// rounding, a CUR line without its period) were inserted with
    /// `placeholder`; give them the file's month, the one most of its lines
    /// belong to. Returns false when no line tells the month.
    pub fn settle_undated_lines(&self, file_id: i64, placeholder: &str) -> Result<bool> {
        let undated: i64 = self.db.conn.query_row(
            "SELECT count(*) FROM billing_lines WHERE file_id = ? AND billing_period = ?::DATE",
            params![file_id, placeholder],
            |r| r.get(0),
        )?;
        if undated == 0 {
            return Ok(true);
        }
        let Some(period) = self.dominant_period(file_id, placeholder)? else {
            return Ok(false);
        };
        self.db.conn.execute(
            "UPDATE billing_lines SET billing_period = ?::DATE WHERE file_id = ? AND billing_period = ?::DATE",
            params![period, file_id, placeholder],
        )?;
        Ok(true)
    }

    /// A file that is one statement (a DBR): every line belongs to one month,
    /// `named` (from the file name) or else the month most of its lines were
    /// used in. Returns false when no line tells the month.
    pub fn settle_file_period(&self, file_id: i64, named: Option<&str>, placeholder: &str) -> Result<bool> {
        if named.is_some() {
            return Ok(true);
        }
        let Some(period) = self.dominant_period(file_id, placeholder)? else {
            return Ok(false);
        };
        self.db.conn.execute(
            "UPDATE billing_lines SET billing_period = ?::DATE WHERE file_id = ? AND billing_period <> ?::DATE",
            params![period, file_id, period],
        )?;
        Ok(true)
    }

    /// The month most lines of the file carry (the earlier one on a tie).
    fn dominant_period(&self, file_id: i64, placeholder: &str) -> Result<Option<String>> {
        Ok(self.db.conn.query_row(
            "SELECT strftime(arg_max(billing_period, {'lines': n, 'earlier': -epoch(billing_period)}), '%Y-%m-%d')
             FROM (SELECT billing_period, sum(line_count) AS n FROM billing_lines
                   WHERE file_id = ? AND billing_period <> ?::DATE GROUP BY 1)",
            params![file_id, placeholder],
            |r| r.get(0),
        )?)
    }

    /// How many export lines the file's rows stand for.
    pub fn lines_of_file(&self, file_id: i64) -> Result<usize> {
        let n: i64 = self.db.conn.query_row(
            "SELECT CAST(COALESCE(sum(line_count), 0) AS BIGINT) FROM billing_lines WHERE file_id = ?",
            params![file_id],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Two files of this sync that carry the same line items for one payer
    /// and period: (payer, period, file, other file).
    pub fn repeated_lines(&self) -> Result<Option<FormatConflict>> {
        Ok(self
            .db
            .conn
            .query_row(REPEATED_LINES_SQL, [], |r| {
                Ok(FormatConflict {
                    payer_account: r.get(0)?,
                    period: r.get(1)?,
                    formats: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Service map entries from one file; they replace earlier entries for
    /// the same services.
    pub fn insert_service_map(&self, file_id: i64, source: &str, entries: &[ServiceEntryRow]) -> Result<()> {
        let conn = &self.db.conn;
        let mut stmt = conn.prepare(
            "INSERT INTO service_map (file_id, service, cluster, namespace, product_area, source) VALUES (?, ?, ?, ?, ?, ?)",
        )?;
        for e in entries {
            stmt.execute(params![file_id, e.service, e.cluster, e.namespace, e.area, source])?;
        }
        conn.execute(
            "DELETE FROM service_map WHERE file_id NOT IN (?, 0) AND service IN (SELECT service FROM service_map WHERE file_id = ?)",
            params![file_id, file_id],
        )?;
        Ok(())
    }

    /// Business metrics (month `YYYY-MM-01`, metric, area, value) from one file.
    pub fn insert_metrics(&self, file_id: i64, rows: &[(String, String, Option<String>, f64)]) -> Result<()> {
        let mut stmt = self
            .db
            .conn
            .prepare("INSERT INTO business_metrics VALUES (?, strptime(?, '%Y-%m-%d')::DATE, ?, ?, ?)")?;
        for (month, metric, area, value) in rows {
            stmt.execute(params![file_id, month, metric, area, value])?;
        }
        Ok(())
    }

    pub fn record_file(&self, file: &LoadedFile<'_>, line_count: i64) -> Result<()> {
        self.db.conn.execute(
            "INSERT INTO source_files (file_id, path, size_bytes, mtime_ns, ctime_ns, inode, content_hash, format,
                                       line_count, sync_id, synced_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
            params![
                file.file_id,
                file.path,
                file.stamp.size_bytes,
                file.stamp.mtime_ns,
                file.stamp.ctime_ns,
                file.stamp.inode,
                file.content_hash,
                file.format,
                line_count,
                self.sync_id
            ],
        )?;
        Ok(())
    }

    /// Remember where an unchanged file now lives and how it is stamped, so the
    /// next sync skips it without hashing.
    pub fn touch_file(&self, file_id: i64, path: &str, stamp: &FileStamp) -> Result<()> {
        self.db.conn.execute(
            "UPDATE source_files SET path = ?, size_bytes = ?, mtime_ns = ?, ctime_ns = ?, inode = ? WHERE file_id = ?",
            params![
                path,
                stamp.size_bytes,
                stamp.mtime_ns,
                stamp.ctime_ns,
                stamp.inode,
                file_id
            ],
        )?;
        Ok(())
    }

    /// Periods (payer × month) that this sync would count twice: lines from
    /// more than one format, or from more than one DBR file (AWS delivers a
    /// month of DBR as one file, so two are two deliveries of the same bill).
    pub fn double_deliveries(&self, loaded: &[i64], kept: &[i64]) -> Result<Vec<FormatConflict>> {
        let mut held: Vec<i64> = loaded.to_vec();
        held.extend_from_slice(kept);
        self.with_id_table(IdTable::Held, &held)?;
        let mut stmt = self.db.conn.prepare(DOUBLE_DELIVERIES_SQL)?;
        let rows = stmt.query_map([], |r| {
            Ok(FormatConflict {
                payer_account: r.get(0)?,
                period: r.get(1)?,
                formats: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A re-delivered period replaces what the database held for it: lines of
    /// every (payer account, month) that `loaded` files touched are deleted unless
    /// they come from a file of this sync (`loaded` or `kept` unchanged).
    /// Returns how many old lines were replaced.
    pub fn replace_redelivered(&self, loaded: &[i64], kept: &[i64]) -> Result<usize> {
        self.with_id_table(IdTable::Loaded, loaded)?;
        let mut held: Vec<i64> = loaded.to_vec();
        held.extend_from_slice(kept);
        self.with_id_table(IdTable::Held, &held)?;
        let conn = &self.db.conn;
        conn.execute_batch(REDELIVERED_PERIODS_SQL)?;
        let stale = |template: &str| fill(template, &[("stale", STALE)]);
        let replaced: i64 = conn.query_row(
            &stale("SELECT CAST(COALESCE(sum(line_count), 0) AS BIGINT) FROM billing_lines b WHERE {stale}"),
            [],
            |r| r.get(0),
        )?;
        conn.execute(&stale("DELETE FROM billing_lines b WHERE {stale}"), [])?;
        // A period's split cost allocation rows and stated totals go with its lines.
        conn.execute(&stale("DELETE FROM scad_splits b WHERE {stale}"), [])?;
        conn.execute(&stale("DELETE FROM statement_totals b WHERE {stale}"), [])?;
        conn.execute_batch(REPLACED_FILES_SQL)?;
        // Tasks whose events changed get their spans again.
        let changed_tasks: i64 = conn.query_row("SELECT count(*) FROM sync_tasks", [], |r| r.get(0))?;
        if changed_tasks > 0 {
            conn.execute_batch(TASK_SPANS_SQL)?;
        }
        conn.execute_batch(UNUSED_FILES_SQL)?;
        Ok(replaced as usize)
    }

    fn with_id_table(&self, table: IdTable, ids: &[i64]) -> Result<()> {
        let conn = &self.db.conn;
        conn.execute_batch(&fill(
            "CREATE OR REPLACE TEMP TABLE {table} (file_id BIGINT)",
            &[("table", table.name())],
        ))?;
        let mut appender = conn.appender(table.name())?;
        for id in ids {
            appender.append_row(params![id])?;
        }
        appender.flush()?;
        Ok(())
    }

    pub fn summaries(&self, file_ids: &[i64]) -> Result<Vec<FileSummary>> {
        self.with_id_table(IdTable::Summary, file_ids)?;
        let mut stmt = self.db.conn.prepare(FILE_SUMMARIES_SQL)?;
        let rows = stmt.query_map([], |r| {
            let periods: duckdb::types::Value = r.get(1)?;
            Ok(FileSummary {
                file_id: r.get(0)?,
                periods: list_of_text(periods),
                lines: r.get(2)?,
                unblended_total: r.get(3)?,
                currencies: list_of_text(r.get(4)?),
                outside_period: r.get(5)?,
                split_rows: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn commit(mut self, files_loaded: usize, files_kept: usize) -> Result<()> {
        self.db.conn.execute(
            "UPDATE syncs SET finished_at = current_timestamp::TIMESTAMP, files_loaded = ?, files_kept = ?
             WHERE sync_id = ?",
            params![files_loaded as i64, files_kept as i64, self.sync_id],
        )?;
        self.db.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SyncTransaction<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.db.conn.execute_batch("ROLLBACK");
        }
    }
}

pub(super) fn list_of_text(value: duckdb::types::Value) -> Vec<String> {
    match value {
        duckdb::types::Value::List(items) => items
            .into_iter()
            .filter_map(|v| match v {
                duckdb::types::Value::Text(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
