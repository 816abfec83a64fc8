//! Numbered, append-only schema migrations, applied in one transaction and
//! recorded in `schema_migrations`. A database is never migrated past a gap.

use std::path::Path;

use duckdb::Connection;

use super::{DbError, Result};

/// (version, name, SQL). Append only: never edit a released migration.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "billing", include_str!("migrations/0001_billing.sql")),
    (2, "events", include_str!("migrations/0002_events.sql")),
    (3, "attribution", include_str!("migrations/0003_attribution.sql")),
    (4, "metrics", include_str!("migrations/0004_metrics.sql")),
    (
        5,
        "newest event wins",
        include_str!("migrations/0005_newest_event_wins.sql"),
    ),
    (6, "months", include_str!("migrations/0006_months.sql")),
    (
        7,
        "split cost allocation data",
        include_str!("migrations/0007_scad.sql"),
    ),
    (8, "file identity", include_str!("migrations/0008_file_identity.sql")),
    (9, "closed methods", include_str!("migrations/0009_closed_methods.sql")),
    (10, "whole invoice", include_str!("migrations/0010_whole_invoice.sql")),
    (
        11,
        "statement totals",
        include_str!("migrations/0011_statement_totals.sql"),
    ),
    (12, "direct state", include_str!("migrations/0012_direct_state.sql")),
    (13, "month inputs", include_str!("migrations/0013_month_inputs.sql")),
    (14, "tag aliases", include_str!("migrations/0014_tag_aliases.sql")),
    (15, "line details", include_str!("migrations/0015_line_details.sql")),
    (16, "eks", include_str!("migrations/0016_eks.sql")),
    (
        17,
        "engine functions",
        include_str!("migrations/0017_engine_functions.sql"),
    ),
    (
        18,
        "engine functions from one source",
        include_str!("migrations/0018_engine_functions_one_source.sql"),
    ),
    (
        19,
        "service map functions",
        include_str!("migrations/0019_service_map_functions.sql"),
    ),
    (20, "container area", include_str!("migrations/0020_container_area.sql")),
    (21, "engine", include_str!("migrations/0021_engine.sql")),
    (
        22,
        "database identity",
        include_str!("migrations/0022_database_identity.sql"),
    ),
];

pub(super) fn applied(conn: &Connection) -> duckdb::Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    rows.collect()
}

pub(super) fn run(conn: &Connection, path: &Path) -> Result<()> {
    conn.execute_batch(include_str!("sql/schema_migrations.sql"))?;
    let done = applied(conn)?;
    for (position, &version) in done.iter().enumerate() {
        let expected = position as i64 + 1;
        if version != expected {
            return Err(DbError::MigrationGap {
                path: path.to_path_buf(),
                found: version,
                expected,
            });
        }
    }
    let known = MIGRATIONS.len() as i64;
    if let Some(&latest) = done.last()
        && latest > known
    {
        return Err(DbError::TooNew {
            path: path.to_path_buf(),
            found: latest,
            known,
        });
    }
    let pending: Vec<_> = MIGRATIONS.iter().filter(|(v, _, _)| !done.contains(v)).collect();
    if pending.is_empty() {
        return Ok(());
    }
    conn.execute_batch("BEGIN TRANSACTION")?;
    let outcome = pending.iter().try_for_each(|(version, name, sql)| {
        conn.execute_batch(sql)?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            duckdb::params![version, name],
        )?;
        Ok::<_, duckdb::Error>(())
    });
    match outcome {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    Ok(())
}
