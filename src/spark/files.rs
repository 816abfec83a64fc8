//! Spark reading billing exports where they lie (db::ExportReader), in a
//! session of its own: the cluster lists a path with its own credentials,
//! reads manifests and CSV headers, and runs the first stage of each load
//! over the export as [`EXPORT_VIEW`] (every column as text, nested ones as
//! JSON text: Spark cannot group by a map, and DuckDB's second stage then
//! reads the rows as it reads a CSV export's), writing the grouped rows into
//! the warehouse. A CSV is read as DuckDB's reader of a load reads it, and
//! when its load fails, its first damaged row is looked for there. A listed
//! path is given back to Spark escaped, so that a name holding a glob's
//! characters reads that one file.

use std::path::Path;

use anyhow::{Context, Result};
use spark_connect::row::Value;

use super::{Spark, SparkEngine, explain, explain_path, literal_path, quoted};
use crate::db::dialect::Dialect;
use crate::db::{BadRow, EXPORT_VIEW, ExportLayout, ExportReader, ListedFile, Parses, RowFault};

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

    fn head(&self, path: &str, lines: usize) -> Result<Vec<String>> {
        let spark = self.reading()?;
        let rows = spark
            .session
            .sql(&format!("SELECT value FROM {} LIMIT {lines}", from_file("text", path)))
            .and_then(|df| df.collect())
            .map_err(|e| explain_path(&spark.remote, path, e))?;
        Ok(rows
            .iter()
            .filter_map(|row| match row.get(0) {
                Some(Value::String(line)) => Some(line.clone()),
                _ => None,
            })
            .collect())
    }

    fn columns(&self, path: &str) -> Result<Vec<(String, String)>> {
        Ok(self.export_columns(path)?.into_iter().map(as_read).collect())
    }

    fn open(&self, path: &str, layout: ExportLayout<'_>) -> Result<Vec<(String, String)>> {
        let spark = self.reading()?;
        let (projection, source, columns) = match layout {
            ExportLayout::Parquet => {
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
                let columns = columns.into_iter().map(as_read).collect();
                (projection, from_file("parquet", path), columns)
            }
            ExportLayout::Csv { columns } => {
                spark
                    .run(&csv_view(path, columns, CsvMode::Strict))
                    .with_context(|| format!("reading {path} on the cluster"))?;
                let projection = columns
                    .iter()
                    .enumerate()
                    .map(|(i, name)| format!("{} AS {}", csv_value(i), Dialect::Spark.identifier(name)))
                    .collect();
                let columns = columns.iter().map(|n| (n.clone(), "VARCHAR".to_owned())).collect();
                (projection, CSV_VIEW.to_owned(), columns)
            }
        };
        spark
            .run(&format!(
                "CREATE OR REPLACE TEMP VIEW {EXPORT_VIEW} AS SELECT {} FROM {source}",
                projection.join(", ")
            ))
            .with_context(|| format!("reading {path} on the cluster"))?;
        Ok(columns)
    }

    fn first_bad_row(&self, path: &str, columns: &[String], checks: &[(String, Parses)]) -> Result<Option<BadRow>> {
        let spark = self.reading()?;
        spark
            .run(&csv_view(path, columns, CsvMode::Lenient))
            .with_context(|| format!("reading {path} on the cluster"))?;
        // (column, its value, whether it fails) per check of a column the file has.
        let checked: Vec<(&str, Parses, String, String)> = checks
            .iter()
            .filter_map(|(name, parses)| {
                let i = columns.iter().position(|c| c == name)?;
                let value = csv_value(i);
                let as_type = match parses {
                    Parses::Number => "DOUBLE",
                    Parses::Money => "DECIMAL(38, 10)",
                    Parses::Time => "TIMESTAMP",
                };
                let fails = format!("({value} IS NOT NULL AND try_cast({value} AS {as_type}) IS NULL)");
                Some((name.as_str(), *parses, value, fails))
            })
            .collect();
        let mut outputs = vec!["ap_row".to_owned(), CORRUPT.to_owned()];
        outputs.extend(
            checked
                .iter()
                .map(|(_, _, value, fails)| format!("CASE WHEN {fails} THEN {value} END")),
        );
        let mut faults = vec![format!("{CORRUPT} IS NOT NULL")];
        faults.extend(checked.iter().map(|(_, _, _, fails)| fails.clone()));
        // One file is one partition (multiLine), read in order: the id of
        // a row is its place among the rows.
        let sql = format!(
            "SELECT {} FROM (SELECT monotonically_increasing_id() AS ap_row, * FROM {CSV_VIEW}) \
             WHERE {} ORDER BY ap_row LIMIT 1",
            outputs.join(", "),
            faults.join(" OR ")
        );
        let rows = spark
            .rows(&sql)
            .with_context(|| format!("looking for a damaged row of {path} on the cluster"))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let index: u64 = row[0]
            .as_deref()
            .and_then(|n| n.parse().ok())
            .context("a row without its number")?;
        // The header is row 1.
        let number = index + 2;
        if let Some(text) = &row[1] {
            return Ok(Some(BadRow {
                row: number,
                fault: RowFault::Width { text: text.clone() },
            }));
        }
        let fault = checked
            .iter()
            .zip(&row[2..])
            .find_map(|((column, parses, _, _), value)| {
                value.as_ref().map(|v| RowFault::Value {
                    column: (*column).to_owned(),
                    value: v.clone(),
                    parses: *parses,
                })
            });
        Ok(fault.map(|fault| BadRow { row: number, fault }))
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
    /// staged times as TIMESTAMP, `spark::SETTINGS`.) A CSV's rows are
    /// parsed whole, whatever columns a query reads, so a row of another
    /// width is a malformed row (`FAILFAST` fails on it) on every Spark
    /// this may run on: how column pruning finds malformed rows has changed
    /// between versions (SPARK-24244, SPARK-28058), and a short row padded
    /// with NULLs would read a missing cost as 0.
    fn reading(&self) -> Result<&Spark> {
        if let Some(spark) = self.reading.get() {
            return Ok(spark);
        }
        let spark = self.spark.new_session()?;
        for (key, value) in [
            ("spark.sql.parquet.inferTimestampNTZ.enabled", "true"),
            ("spark.sql.csv.parser.columnPruning.enabled", "false"),
        ] {
            spark
                .session
                .conf()
                .set(key, value)
                .map_err(|e| explain(&spark.remote, "setting up the session that reads exports", e))?;
        }
        Ok(self.reading.get_or_init(|| spark))
    }

    /// An export's columns with their Spark types.
    fn export_columns(&self, path: &str) -> Result<Vec<(String, String)>> {
        self.reading()?
            .dtypes(&format!("SELECT * FROM {}", from_file("parquet", path)))
    }
}

/// The one file at `path` as a FROM item, read by Spark's `reader`
/// (`parquet`, `text`).
fn from_file(reader: &str, path: &str) -> String {
    format!("{reader}.`{}`", literal_path(path).replace('`', "``"))
}

/// The view a CSV export is read through, its columns `_c0`, `_c1`, … (a
/// header's names need not suit Spark), before [`EXPORT_VIEW`] names them.
const CSV_VIEW: &str = "ap_export_csv";

/// The column of a lenient read that holds the text of a row of another width.
const CORRUPT: &str = "_ap_corrupt";

#[derive(Clone, Copy)]
enum CsvMode {
    /// A row of another width than the header fails the read.
    Strict,
    /// Such a row is kept, its text in [`CORRUPT`].
    Lenient,
}

/// [`CSV_VIEW`] over the CSV at `path`: RFC 4180 quoting (`""` inside
/// quotes; a quote inside an unquoted value is part of it, as DuckDB
/// reads it), quoted values spanning lines, every value text, the header line skipped
/// (the columns are named as DuckDB names them). One file is read by one
/// task, in order, as a gzip file is anyway.
fn csv_view(path: &str, columns: &[String], mode: CsvMode) -> String {
    let mut schema: Vec<String> = (0..columns.len()).map(|i| format!("_c{i} STRING")).collect();
    let mode = match mode {
        CsvMode::Strict => "FAILFAST",
        CsvMode::Lenient => {
            schema.push(format!("{CORRUPT} STRING"));
            "PERMISSIVE"
        }
    };
    format!(
        "CREATE OR REPLACE TEMP VIEW {CSV_VIEW} ({}) USING csv OPTIONS (path '{}', header 'true', \
         enforceSchema 'true', multiLine 'true', quote '\"', escape '\"', \
         encoding 'UTF-8', mode '{mode}', columnNameOfCorruptRecord '{CORRUPT}')",
        schema.join(", "),
        quoted(&literal_path(path))
    )
}

/// The `i`th column of [`CSV_VIEW`] as DuckDB's CSV reader of a load gives
/// it: an empty value (quoted or not) and `NULL` are NULL.
fn csv_value(i: usize) -> String {
    format!("NULLIF(NULLIF(_c{i}, ''), 'NULL')")
}

/// Whether a Spark type holds more than one value (`map<…>`, `struct<…>`, `array<…>`).
fn is_nested(spark_type: &str) -> bool {
    ["map<", "struct<", "array<"].iter().any(|p| spark_type.starts_with(p))
}
