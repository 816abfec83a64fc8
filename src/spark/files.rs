//! Spark reading billing exports where they lie (db::ExportReader), in a
//! session of its own: the cluster lists a path with its own credentials,
//! reads manifests whole, and runs the first stage of each load over the
//! export as [`EXPORT_VIEW`] (every column as text, nested ones as JSON
//! text: Spark cannot group by a map, and DuckDB's second stage then reads
//! the rows as it reads a CSV export's), writing the grouped rows into the
//! warehouse. A listed path is given back to Spark escaped, so that a name
//! holding a glob's characters reads that one file.

use std::path::Path;

use anyhow::{Context, Result};
use spark_connect::row::Value;

use super::{Spark, SparkEngine, explain, explain_path, literal_path};
use crate::db::dialect::Dialect;
use crate::db::{EXPORT_VIEW, ExportReader, ListedFile};

impl ExportReader for SparkEngine {
    fn dialect(&self) -> Dialect {
        Dialect::Spark
    }

    fn list(&self, uri: &str) -> Result<Vec<ListedFile>> {
        let spark = self.reading()?;
        let listing = spark
            .session
            .read()
            .format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(Some(uri))
            .select_expr(vec!["path", "length", "unix_millis(modificationTime)"]);
        let rows = listing.collect().map_err(|e| explain_path(&spark.remote, uri, e))?;
        rows.iter()
            .map(|row| {
                let path = match row.get(0) {
                    Some(Value::String(p)) => p.clone(),
                    other => anyhow::bail!("the cluster's listing of {uri} gave a path of {other:?}"),
                };
                // A file without a size or a time would be known by its path alone.
                let number = |i: usize, what: &str| {
                    row.get(i)
                        .and_then(Value::as_i64)
                        .with_context(|| format!("the cluster lists {path} without its {what}"))
                };
                Ok(ListedFile {
                    size: number(1, "size")?,
                    modified_ms: number(2, "modification time")?,
                    path,
                })
            })
            .collect()
    }

    fn text(&self, path: &str) -> Result<String> {
        let spark = self.reading()?;
        let rows = spark
            .session
            .read()
            .format("binaryFile")
            .load(Some(&literal_path(path)))
            .select_expr(vec!["CAST(content AS STRING)"])
            .collect()
            .map_err(|e| explain_path(&spark.remote, path, e))?;
        match rows.first().and_then(|r| r.get(0)) {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => anyhow::bail!("the cluster read no text from {path}"),
        }
    }

    fn columns(&self, path: &str) -> Result<Vec<(String, String)>> {
        Ok(self.export_columns(path)?.into_iter().map(as_read).collect())
    }

    fn open(&self, path: &str) -> Result<Vec<(String, String)>> {
        let columns = self.export_columns(path)?;
        let projection: Vec<String> = columns
            .iter()
            .map(|(name, ty)| {
                let c = Dialect::Spark.identifier(name);
                match ty.as_str() {
                    "string" => c,
                    t if is_nested(t) => format!("to_json({c}) AS {c}"),
                    // As DuckDB writes a TIMESTAMPTZ (a Parquet time adjusted to UTC) as text.
                    "timestamp" => format!("concat(CAST({c} AS STRING), '+00') AS {c}"),
                    _ => format!("CAST({c} AS STRING) AS {c}"),
                }
            })
            .collect();
        self.reading()?
            .run(&format!(
                "CREATE OR REPLACE TEMP VIEW {EXPORT_VIEW} AS SELECT {} FROM {}",
                projection.join(", "),
                source(path)
            ))
            .with_context(|| format!("reading {path} on the cluster"))?;
        Ok(columns.into_iter().map(as_read).collect())
    }

    fn write_rows(&self, select: &str, out: &Path) -> Result<()> {
        self.reading()?.write_parquet(select, &self.warehouse.on_cluster(out))?;
        self.warehouse.bring_back(out, false)
    }
}

/// A column as the export's view gives it: text, or JSON text when nested.
fn as_read((name, spark_type): (String, String)) -> (String, String) {
    let kind = if is_nested(&spark_type) { "JSON" } else { "VARCHAR" };
    (name, kind.to_string())
}

impl SparkEngine {
    /// The session that reads exports, opened on first use. Parquet times
    /// are read there as the file types them: adjusted to UTC (`timestamp`,
    /// DuckDB's TIMESTAMPTZ) or not (`timestamp_ntz`), so each is written
    /// as text as DuckDB writes it. (The attribution's sessions read their
    /// staged times as TIMESTAMP, `spark::SETTINGS`.)
    fn reading(&self) -> Result<&Spark> {
        if let Some(spark) = self.reading.get() {
            return Ok(spark);
        }
        let spark = self.spark.new_session()?;
        spark
            .session
            .conf()
            .set("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
            .map_err(|e| explain(&spark.remote, "setting up the session that reads exports", e))?;
        Ok(self.reading.get_or_init(|| spark))
    }

    /// An export's columns with their Spark types.
    fn export_columns(&self, path: &str) -> Result<Vec<(String, String)>> {
        self.reading()?.dtypes(&format!("SELECT * FROM {}", source(path)))
    }
}

/// A Parquet export as a FROM item: the one file at `path`.
fn source(path: &str) -> String {
    format!("parquet.`{}`", literal_path(path).replace('`', "``"))
}

/// Whether a Spark type holds more than one value (`map<…>`, `struct<…>`, `array<…>`).
fn is_nested(spark_type: &str) -> bool {
    ["map<", "struct<", "array<"].iter().any(|p| spark_type.starts_with(p))
}
