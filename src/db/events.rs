//! Event exports into the event tables: ECS task and container-instance state
//! changes (EventBridge envelopes) and EBS `AttachVolume`/`DetachVolume`
//! CloudTrail records, as JSON lines, objects back to back (Firehose), a JSON
//! array, a `{"Records": [...]}` file (CloudTrail's own delivery), or gzip of
//! those, read by DuckDB's JSON reader (sql/event_rows.sql).

use duckdb::params;

use super::sql::{fill, statements};
use super::{Db, Result, SyncTransaction, quote};

const EVENT_ROWS_SQL: &str = include_str!("sql/event_rows.sql");
const EVENT_KIND_COUNTS_SQL: &str = include_str!("sql/event_kind_counts.sql");
const EVENT_INSERTS_SQL: &str = include_str!("sql/event_inserts.sql");
const EVENT_ROWS_PER_FILE_SQL: &str = include_str!("sql/event_rows_per_file.sql");

/// The events of `paths` (all gzip or all plain) staged as temp table
/// `event_rows`; `limit` reads only the first objects.
fn stage_event_rows(db: &Db, paths: &[String], gzip: bool, limit: Option<usize>) -> Result<()> {
    let files: Vec<String> = paths.iter().map(|p| quote::file(p)).collect();
    let limit = limit.map(|n| format!("LIMIT {n}")).unwrap_or_default();
    let rows = fill(
        EVENT_ROWS_SQL,
        &[
            ("files", &files.join(", ")),
            ("compression", if gzip { "gzip" } else { "none" }),
            ("limit", &limit),
        ],
    );
    db.conn.execute_batch(&fill(
        "CREATE OR REPLACE TEMP TABLE event_rows AS {rows}",
        &[("rows", &rows)],
    ))?;
    Ok(())
}

impl Db {
    /// How many ECS task, container instance and EBS attach/detach events the
    /// first `limit` objects of the event file at `path` hold, and how many
    /// CloudTrail log files it is (0 or 1).
    pub fn event_kind_counts(&self, path: &str, gzip: bool, limit: usize) -> Result<[i64; 4]> {
        stage_event_rows(self, &[path.to_owned()], gzip, Some(limit))?;
        let counts = self.conn.query_row(EVENT_KIND_COUNTS_SQL, [], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
        })?;
        self.conn.execute_batch("DROP TABLE IF EXISTS event_rows")?;
        Ok(counts)
    }
}

impl SyncTransaction<'_> {
    /// Load a batch of event files (all gzip or all plain), each `(path, file
    /// id)`; returns (file id, rows inserted) per file.
    pub fn insert_events(&self, files: &[(String, i64)], gzip: bool) -> Result<Vec<(i64, usize)>> {
        let conn = &self.db.conn;
        conn.execute_batch("CREATE OR REPLACE TEMP TABLE event_files (path VARCHAR, file_id BIGINT)")?;
        let mut appender = conn.appender("event_files")?;
        for (path, file_id) in files {
            appender.append_row(params![path, file_id])?;
        }
        appender.flush()?;
        drop(appender);
        let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
        stage_event_rows(self.db, &paths, gzip, None)?;
        for statement in statements(EVENT_INSERTS_SQL) {
            conn.execute(&statement, [])?;
        }
        conn.execute_batch("DROP TABLE IF EXISTS event_rows")?;
        let mut stmt = conn.prepare(EVENT_ROWS_PER_FILE_SQL)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
