//! Loading one billing export: unpack, read its columns, have db load what the
//! format says each column of `billing_lines` holds, and give every line the
//! billing period of its delivery (never a month taken from its usage dates).

use std::path::Path;

use super::candidate::{Candidate, first_line_of, reader_sql};
use super::columns::{Columns, SelectBuilder};
use super::container::{Container, extract_zip, header};
use super::diagnose::{ValueChecks, find_bad_line};
use super::{BillingFormat, IngestError, Normalization, PeriodSource, UNDATED};
use crate::db::{Db, LineColumn, SyncTransaction};

pub(super) fn load(
    db: &Db,
    tx: &SyncTransaction<'_>,
    c: &Candidate,
    format: BillingFormat,
    file_id: i64,
) -> Result<usize, IngestError> {
    let file_error = |message: String| IngestError::File {
        path: c.path.clone(),
        message,
    };
    // A zip is unpacked to a temp file that lives until the load is done.
    let unzipped = match c.container {
        Container::Zip => Some(extract_zip(&c.path).map_err(file_error)?),
        _ => None,
    };
    let (read_path, container) = match &unzipped {
        Some(t) => (t.path().to_path_buf(), Container::Plain),
        None => (c.path.clone(), c.container),
    };
    let skip = match container {
        Container::Parquet => 0,
        _ => {
            header(&read_path, container)
                .map_err(|e| file_error(format!("cannot read: {e}")))?
                .skip
        }
    };
    let fail = |checks: &ValueChecks, duck_message: &str| {
        explain_failure(&c.path, &read_path, container, skip, checks, duck_message)
    };
    let reader = reader_sql(&read_path, container, skip);
    let columns = db
        .describe_columns(&reader)
        .map_err(|e| fail(&ValueChecks::default(), &e.to_string()))?;
    if container != Container::Parquet {
        check_header_width(&c.path, &read_path, container, columns.len())?;
    }
    let columns = Columns::new(columns);
    let mut builder = SelectBuilder::new(&columns);
    let (normalization, named_period) = normalize(&c.path, format, &mut builder)?;
    let filter = normalization.filter.as_deref();
    tx.insert_lines(file_id, &builder.rows(&reader, filter).here(), &normalization.columns)
        .map_err(|e| fail(&builder.checks, &e.to_string()))?;
    settle_periods(tx, file_id, &c.path, &normalization, named_period.as_deref())?;
    if let Some(totals) = &normalization.totals {
        let whole_file = normalization.period == PeriodSource::File;
        let rows = builder.rows(&reader, Some(totals));
        tx.insert_statement_totals(file_id, &rows.here(), &normalization.columns, whole_file, UNDATED)
            .map_err(|e| fail(&builder.checks, &e.to_string()))?;
    }
    // Split cost allocation rows: weights for their parent instance, kept
    // apart from the money under the same file (and billing period).
    if let Some(split) = format.split_rows(&columns) {
        tx.insert_splits(
            file_id,
            &split.builder.rows(&reader, Some(&split.filter)).here(),
            &split.columns,
        )
        .map_err(|e| fail(&split.builder.checks, &e.to_string()))?;
        tx.settle_split_periods(file_id, UNDATED, normalization.period == PeriodSource::File)?;
    }
    // The first lines' identities, read row by row (a line's own id where the
    // export has one, else the whole line).
    let key = normalization
        .line_key
        .as_deref()
        .unwrap_or(crate::db::dialect::Dialect::DuckDb.whole_row_key());
    tx.sample_line_keys(file_id, &reader, filter, key)
        .map_err(|e| fail(&builder.checks, &e.to_string()))?;
    Ok(tx.lines_of_file(file_id)?)
}

/// What `format` says each column of the file at `path` holds, its required
/// columns checked; with a DBR's statement month, which its name carries
/// and every line belongs to.
pub(super) fn normalize(
    path: &Path,
    format: BillingFormat,
    builder: &mut SelectBuilder<'_>,
) -> Result<(Normalization, Option<String>), IngestError> {
    let mut normalization = format.normalize(builder);
    if !builder.missing().is_empty() {
        return Err(IngestError::File {
            path: path.to_path_buf(),
            message: format!(
                "{} export is missing required column {}",
                format.label(),
                builder.missing().join(", ")
            ),
        });
    }
    let named_period = period_in_name(path).filter(|_| normalization.period == PeriodSource::File);
    if let Some(period) = &named_period {
        normalization.set(LineColumn::BillingPeriod, format!("DATE '{period}'"));
    }
    Ok((normalization, named_period))
}

/// Give the loaded lines of a file their billing period (see `PeriodSource`);
/// a file none of whose lines says its month fails.
pub(super) fn settle_periods(
    tx: &SyncTransaction<'_>,
    file_id: i64,
    path: &Path,
    normalization: &Normalization,
    named_period: Option<&str>,
) -> Result<(), IngestError> {
    let settled = match normalization.period {
        PeriodSource::File => tx.settle_file_period(file_id, named_period, UNDATED)?,
        PeriodSource::Column => tx.settle_undated_lines(file_id, UNDATED)?,
    };
    match settled {
        true => Ok(()),
        false => Err(IngestError::File {
            path: path.to_path_buf(),
            message: "no line carries a billing period or a usage date, so its month is unknown".to_owned(),
        }),
    }
}

/// DuckDB reads a CSV whose rows are wider than its header as some other
/// table (so a DBR with a trailing comma looked like one missing its cost
/// column). A header narrower than the columns DuckDB found is the file's fault.
fn check_header_width(shown: &Path, read_path: &Path, container: Container, found: usize) -> Result<(), IngestError> {
    let head = header(read_path, container).map_err(|e| IngestError::File {
        path: shown.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    let width = super::detect::parse_header(&head.line).len();
    if width == found {
        return Ok(());
    }
    let header = width;
    Err(
        match find_bad_line(read_path, container, head.skip, &ValueChecks::default()) {
            Some(f) => IngestError::Line {
                path: shown.to_path_buf(),
                line: f.line,
                message: f.message,
            },
            None => IngestError::File {
                path: shown.to_path_buf(),
                message: format!("the header has {header} fields but the rows have {found}"),
            },
        },
    )
}

/// Turn a DuckDB failure into an error that names the line when one can be found.
fn explain_failure(
    shown: &Path,
    read_path: &Path,
    container: Container,
    skip: usize,
    checks: &ValueChecks,
    duck_message: &str,
) -> IngestError {
    if container != Container::Parquet
        && let Some(f) = find_bad_line(read_path, container, skip, checks)
    {
        return IngestError::Line {
            path: shown.to_path_buf(),
            line: f.line,
            message: f.message,
        };
    }
    IngestError::File {
        path: shown.to_path_buf(),
        message: format!("could not be loaded: {}", first_line_of(duck_message)),
    }
}

/// `YYYY-MM-01` from a name such as
/// `…-aws-billing-detailed-line-items-with-resources-and-tags-2017-06.csv.zip`.
pub(super) fn period_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(6)).rev().find_map(|i| {
        let w = &b[i..i + 7];
        let ok = w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[5..7].iter().all(u8::is_ascii_digit)
            && matches!((w[5] - b'0') * 10 + (w[6] - b'0'), 1..=12)
            // Not part of a longer number or date (`2017-06-01`, `12017-06`).
            && !(i > 0 && b[i - 1].is_ascii_digit())
            && b.get(i + 7).is_none_or(|c| !c.is_ascii_digit() && *c != b'-');
        ok.then(|| format!("{}-{}-01", &name[i..i + 4], &name[i + 5..i + 7]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_month_is_read_from_a_dbr_name_only() {
        let p = |n: &str| period_in_name(Path::new(n));
        assert_eq!(
            p("123-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip").as_deref(),
            Some("2016-09-01")
        );
        assert_eq!(p("2022-07-01-alt-columns.csv"), None);
        assert_eq!(p("report-2026-13.csv"), None);
        assert_eq!(p("dbr-6000000.csv"), None);
    }
}
