//! The columns of `billing_lines` and of staged split rows, each listed once,
//! and the statements that load an export into them from ingest's description
//! of its format: an expression over the export's grouped rows per column.

use duckdb::params;

use super::sql::fill;
use super::{Result, SyncTransaction, quote};

const EXPORT_GROUPS_SQL: &str = include_str!("sql/export_groups.sql");
const LINE_INSERTS_SQL: &str = include_str!("sql/line_inserts.sql");
const SPLIT_ROWS_SQL: &str = include_str!("sql/split_rows.sql");
const LINE_KEYS_SQL: &str = include_str!("sql/line_keys.sql");
const LINE_KEY_SAMPLE_SQL: &str = include_str!("sql/line_key_sample.sql");
const SCAD_INSERTS_SQL: &str = include_str!("sql/scad_inserts.sql");
const STATEMENT_TOTAL_INSERTS_SQL: &str = include_str!("sql/statement_total_inserts.sql");

/// The longest line DuckDB's CSV reader takes (its `max_line_size`).
pub const MAX_LINE_BYTES: usize = 2_097_152;

/// A CSV export read as text (every value a string, converted by the load);
/// `{skip}` lines (a banner) come before the header.
const CSV_READER: &str = "read_csv({path}, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', \
     nullstr = ['', 'NULL'], strict_mode = true, null_padding = false, skip = {skip}, hive_partitioning = false, \
     max_line_size = {max_line_size}, compression = '{compression}')";

/// A parquet export as typed. A CUR 2.0 path holds `BILLING_PERIOD=YYYY-MM`: not a column of the file.
const PARQUET_READER: &str = "read_parquet({path}, hive_partitioning = false)";

/// One export file as DuckDB reads it.
#[derive(Debug, Clone, Copy)]
pub enum ExportFile<'a> {
    /// `skip` lines come before the header.
    Csv {
        path: &'a str,
        gzip: bool,
        skip: usize,
    },
    Parquet {
        path: &'a str,
    },
}

impl ExportFile<'_> {
    /// The table function call that reads it (the path quoted: DuckDB cannot bind it).
    pub fn reader(self) -> String {
        match self {
            ExportFile::Csv { path, gzip, skip } => fill(
                CSV_READER,
                &[
                    ("path", &quote::file(path)),
                    ("skip", &skip.to_string()),
                    ("max_line_size", &MAX_LINE_BYTES.to_string()),
                    ("compression", if gzip { "gzip" } else { "none" }),
                ],
            ),
            ExportFile::Parquet { path } => fill(PARQUET_READER, &[("path", &quote::file(path))]),
        }
    }
}

/// A column of `billing_lines` that a format fills (the loader adds the file
/// id and the count of lines a row stands for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineColumn {
    SourceFormat,
    BillingPeriod,
    PayerAccount,
    UsageAccount,
    InvoiceId,
    IsEstimate,
    LineType,
    Provider,
    ProductName,
    ProductCode,
    UsageType,
    Operation,
    Region,
    AvailabilityZone,
    ResourceId,
    ResourceShort,
    UsageStart,
    UsageEnd,
    UsageAmount,
    Currency,
    UnblendedCost,
    BlendedCost,
    AmortizedCost,
    /// Amortized after discounts, from the export's net columns (else the amortized cost).
    NetAmortizedCost,
    Tags,
    /// A FOCUS line's other columns as a JSON object (NULL for other formats).
    Details,
}

impl LineColumn {
    pub const ALL: [LineColumn; 26] = {
        use LineColumn::*;
        [
            SourceFormat,
            BillingPeriod,
            PayerAccount,
            UsageAccount,
            InvoiceId,
            IsEstimate,
            LineType,
            Provider,
            ProductName,
            ProductCode,
            UsageType,
            Operation,
            Region,
            AvailabilityZone,
            ResourceId,
            ResourceShort,
            UsageStart,
            UsageEnd,
            UsageAmount,
            Currency,
            UnblendedCost,
            BlendedCost,
            AmortizedCost,
            NetAmortizedCost,
            Tags,
            Details,
        ]
    };

    /// Its name and type in `billing_lines` (migration 0001).
    fn definition(self) -> (&'static str, &'static str) {
        use LineColumn::*;
        match self {
            SourceFormat => ("source_format", "VARCHAR"),
            BillingPeriod => ("billing_period", "DATE"),
            PayerAccount => ("payer_account", "VARCHAR"),
            UsageAccount => ("usage_account", "VARCHAR"),
            InvoiceId => ("invoice_id", "VARCHAR"),
            IsEstimate => ("is_estimate", "BOOLEAN"),
            LineType => ("line_type", "VARCHAR"),
            Provider => ("provider", "VARCHAR"),
            ProductName => ("product_name", "VARCHAR"),
            ProductCode => ("product_code", "VARCHAR"),
            UsageType => ("usage_type", "VARCHAR"),
            Operation => ("operation", "VARCHAR"),
            Region => ("region", "VARCHAR"),
            AvailabilityZone => ("availability_zone", "VARCHAR"),
            ResourceId => ("resource_id", "VARCHAR"),
            ResourceShort => ("resource_short", "VARCHAR"),
            UsageStart => ("usage_start", "TIMESTAMP"),
            UsageEnd => ("usage_end", "TIMESTAMP"),
            UsageAmount => ("usage_amount", "DOUBLE"),
            Currency => ("currency", "VARCHAR"),
            UnblendedCost => ("unblended_cost", "DECIMAL(38, 10)"),
            BlendedCost => ("blended_cost", "DECIMAL(38, 10)"),
            AmortizedCost => ("amortized_cost", "DECIMAL(38, 10)"),
            NetAmortizedCost => ("net_amortized_cost", "DECIMAL(38, 10)"),
            Tags => ("tags", "JSON"),
            Details => ("details", "JSON"),
        }
    }
}

/// A column of the split cost allocation rows staged for `scad_splits`
/// (see sql/scad_inserts.sql, which reads them by these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitColumn {
    BillingPeriod,
    PayerAccount,
    UsageAccount,
    TaskArn,
    InstanceId,
    UsageType,
    UsageStart,
    UsageEnd,
    SplitCost,
    UnusedCost,
    SplitUsage,
    UsageRatio,
    Reserved,
    Actual,
    Tags,
}

impl SplitColumn {
    fn name(self) -> &'static str {
        use SplitColumn::*;
        match self {
            BillingPeriod => "billing_period",
            PayerAccount => "payer_account",
            UsageAccount => "usage_account",
            TaskArn => "task_arn",
            InstanceId => "instance_id",
            UsageType => "usage_type",
            UsageStart => "usage_start",
            UsageEnd => "usage_end",
            SplitCost => "split_cost",
            UnusedCost => "unused_cost",
            SplitUsage => "split_usage",
            UsageRatio => "usage_ratio",
            Reserved => "reserved",
            Actual => "actual",
            Tags => "tags",
        }
    }
}

/// An export's rows as ingest reads them: the reader (a table function
/// call), the lines kept, and the first stage of a load, which groups the
/// lines by the raw text of every column it uses (parsing is where a load
/// spends its time).
pub struct ExportRows<'a> {
    pub reader: &'a str,
    /// A condition over the export's columns; None keeps every line.
    pub filter: Option<&'a str>,
    /// Whether a line keeps its own hour (EC2 instances and EBS volumes), over the export's columns.
    pub timed: &'a str,
    /// (expression over the export's columns, alias): the group keys, then the sums.
    pub groups: Vec<(String, String)>,
}

impl ExportRows<'_> {
    /// Stage one of a load: the rows passing the filter, grouped by the
    /// group keys with their sums and a `line_count`. Written for the engine
    /// that reads the export (its columns, through `ingest::columns`, are
    /// spelled for it): DuckDB here, or Spark where the export lies.
    pub fn grouped(&self) -> String {
        let groups: Vec<String> = self.groups.iter().map(|(e, alias)| format!("{e} AS {alias}")).collect();
        fill(
            EXPORT_GROUPS_SQL,
            &[
                ("groups", &groups.join(",\n        ")),
                ("timed", self.timed),
                ("reader", self.reader),
                ("filter", self.filter.unwrap_or("true")),
            ],
        )
    }

    /// Stage one as a FROM item, for the statements that load its rows here.
    pub fn here(&self) -> String {
        format!("({})", self.grouped())
    }
}

impl SyncTransaction<'_> {
    /// Load an export's lines into `billing_lines` for `file_id`, each column
    /// the expression `columns` gives it over the grouped rows (`grouped`, a
    /// FROM item: [`ExportRows::here`], or the Parquet another engine grouped
    /// them into), cast to the column's type; returns the rows inserted.
    pub fn insert_lines(&self, file_id: i64, grouped: &str, columns: &[(LineColumn, String)]) -> Result<usize> {
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.definition().0).collect();
        let values: Vec<String> = columns
            .iter()
            .map(|(c, expr)| format!("CAST({expr} AS {})", c.definition().1))
            .collect();
        let sql = fill(
            LINE_INSERTS_SQL,
            &[
                ("columns", &names.join(", ")),
                ("values", &values.join(",\n       ")),
                ("grouped", grouped),
            ],
        );
        Ok(self.db.conn.execute(&sql, params![file_id])?)
    }

    /// Load an export's own total rows into `statement_totals` for
    /// `file_id`, with the format's expressions for its lines (`columns`).
    /// Totals take the billing period of the file's lines: all of them when
    /// `whole_file` (the file is one statement), else those dated
    /// `placeholder` (totals carry no usage dates). Returns the rows inserted.
    pub fn insert_statement_totals(
        &self,
        file_id: i64,
        grouped: &str,
        columns: &[(LineColumn, String)],
        whole_file: bool,
        placeholder: &str,
    ) -> Result<usize> {
        use LineColumn::*;
        let kept = [
            (BillingPeriod, "billing_period"),
            (PayerAccount, "payer_account"),
            (UsageAccount, "usage_account"),
            (InvoiceId, "invoice_id"),
            (LineType, "record_type"),
            (UnblendedCost, "unblended_cost"),
            (BlendedCost, "blended_cost"),
        ];
        let expr = |target: LineColumn| {
            columns
                .iter()
                .find(|(c, _)| *c == target)
                .map_or("NULL", |(_, e)| e.as_str())
        };
        let names: Vec<&str> = kept.iter().map(|(_, name)| *name).collect();
        let values: Vec<String> = kept
            .iter()
            .map(|(c, _)| format!("CAST({} AS {})", expr(*c), c.definition().1))
            .collect();
        let sql = fill(
            STATEMENT_TOTAL_INSERTS_SQL,
            &[
                ("columns", &names.join(", ")),
                ("values", &values.join(",\n       ")),
                ("grouped", grouped),
            ],
        );
        let conn = &self.db.conn;
        let inserted = conn.execute(&sql, params![file_id])?;
        conn.execute(
            "UPDATE statement_totals
             SET billing_period = COALESCE((SELECT min(billing_period) FROM billing_lines WHERE file_id = ?1), billing_period)
             WHERE file_id = ?1 AND (?2 OR billing_period = ?3::DATE)",
            params![file_id, whole_file, placeholder],
        )?;
        Ok(inserted)
    }

    /// Load an export's split cost allocation rows (grouped as lines are,
    /// `grouped`) into `scad_splits` for `file_id`.
    pub fn insert_splits(&self, file_id: i64, grouped: &str, columns: &[(SplitColumn, String)]) -> Result<usize> {
        let conn = &self.db.conn;
        let values: Vec<String> = columns.iter().map(|(c, e)| format!("{e} AS {}", c.name())).collect();
        conn.execute_batch(&fill(
            SPLIT_ROWS_SQL,
            &[("values", &values.join(",\n       ")), ("grouped", grouped)],
        ))?;
        let inserted = conn.execute(SCAD_INSERTS_SQL, params![file_id])?;
        conn.execute_batch("DROP TABLE IF EXISTS split_rows")?;
        Ok(inserted)
    }

    /// Keep the identities (`key`, over the export's columns) of a file's
    /// first lines, to find the same lines arriving in two files of one sync.
    pub fn sample_line_keys(&self, file_id: i64, reader: &str, filter: Option<&str>, key: &str) -> Result<()> {
        let conn = &self.db.conn;
        let sample = format!("({})", line_key_sample(reader, filter, key, false));
        // A LIMIT takes the file's first lines only while insertion order is kept;
        // otherwise any lines a reader thread finishes first.
        conn.execute_batch("SET preserve_insertion_order = true")?;
        let inserted = self.insert_line_keys(file_id, &sample);
        conn.execute_batch("SET preserve_insertion_order = false")?;
        inserted
    }

    /// Keep the line identities `sample` holds (a FROM item of rows of `k`:
    /// [`line_key_sample`] run here, or as another engine wrote it).
    pub fn insert_line_keys(&self, file_id: i64, sample: &str) -> Result<()> {
        let sql = fill(LINE_KEYS_SQL, &[("sample", sample)]);
        self.db.conn.execute(&sql, params![file_id])?;
        Ok(())
    }
}

/// The identities (`key`) of an export's first lines (`reader`, the lines
/// passing `filter`), or its smallest (`smallest`: where the engine reads a
/// file's parts in any order), as rows of `k`, for the engine that reads it.
pub fn line_key_sample(reader: &str, filter: Option<&str>, key: &str, smallest: bool) -> String {
    let order = if smallest { "ORDER BY k NULLS LAST" } else { "" };
    fill(
        LINE_KEY_SAMPLE_SQL,
        &[
            ("key", key),
            ("reader", reader),
            ("filter", filter.unwrap_or("true")),
            ("order", order),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_billing_lines_is_listed_once_with_its_type() {
        let db = super::super::Db::open_in_memory().unwrap();
        let schema = db.schema_description().unwrap();
        let mut listed: Vec<String> = LineColumn::ALL
            .iter()
            .map(|c| {
                let (name, ty) = c.definition();
                format!("billing_lines.{name} {}", ty.replace(", ", ","))
            })
            .collect();
        listed.extend([
            "billing_lines.file_id BIGINT".to_owned(),
            "billing_lines.line_count BIGINT".to_owned(),
        ]);
        let mut table: Vec<String> = schema.into_iter().filter(|l| l.starts_with("billing_lines.")).collect();
        listed.sort();
        table.sort();
        assert_eq!(listed, table);
    }
}
