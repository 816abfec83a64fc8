//! Report output: an aligned table for people, CSV and JSON for scripts.
//! Every string from a bill is made terminal-safe first.

use std::io::{self, Write};

use super::Report;
use crate::money::{Money, percent};
use crate::safe_text::for_terminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Csv,
    Json,
}

pub fn write_report(report: &Report, format: OutputFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Table => write_table(report, out),
        OutputFormat::Csv => write_csv(report, out),
        OutputFormat::Json => write_json(report, out),
    }
}

fn write_csv(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = report.dims.iter().map(|d| d.name()).collect();
    header.push("cost");
    w.write_record(&header).map_err(csv_io_error)?;
    for row in &report.rows {
        let mut record: Vec<String> = row.keys.iter().map(|k| for_terminal(k).into_owned()).collect();
        record.push(row.cost.decimal());
        w.write_record(&record).map_err(csv_io_error)?;
    }
    w.flush()
}

/// The writer's own I/O error (a closed pipe stays a closed pipe), else the CSV error.
pub fn csv_io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One object per row: its dimensions by name, then `cost`, a number with
/// the digits CSV prints.
struct JsonRow<'a> {
    dims: &'a [crate::db::Dimension],
    row: &'a crate::db::ReportRow,
}

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.dims.len() + 1))?;
        for (d, k) in self.dims.iter().zip(&self.row.keys) {
            map.serialize_entry(d.name(), k)?;
        }
        map.serialize_entry("cost", &self.row.cost)?;
        map.end()
    }
}

fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<JsonRow> = report
        .rows
        .iter()
        .map(|row| JsonRow {
            dims: &report.dims,
            row,
        })
        .collect();
    let text = serde_json::to_string_pretty(&rows)?;
    writeln!(out, "{}", crate::safe_text::for_terminal_json(&text))
}

fn write_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let total: Money = report.rows.iter().map(|r| r.cost).sum();
    let mut header: Vec<String> = report.dims.iter().map(|d| d.name().to_owned()).collect();
    header.push("cost".to_owned());
    header.push("share".to_owned());
    let mut body: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<String> = row.keys.iter().map(|k| shown(k)).collect();
            cells.push(row.cost.dollars());
            cells.push(percent(row.cost.as_f64(), total.as_f64()));
            cells
        })
        .collect();
    let mut footer: Vec<String> = vec![String::new(); report.dims.len()];
    if let Some(first) = footer.first_mut() {
        *first = "total".to_owned();
    }
    footer.push(total.dollars());
    footer.push(String::new());
    body.push(footer);
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            body.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let currency = match report.currencies.as_slice() {
        [] => "USD".to_owned(),
        [one] => for_terminal(one).into_owned(),
        many => format!("mixed currencies {}, summed as is", for_terminal(&many.join(", "))),
    };
    writeln!(
        out,
        "{} {} — {} cost in {currency}, {} groups",
        report.month,
        if report.dims.is_empty() {
            "total".to_owned()
        } else {
            format!("by {}", header[..report.dims.len()].join(", "))
        },
        report.measure.label(),
        report.rows.len()
    )?;
    let numeric = |i: usize| i >= report.dims.len();
    let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if numeric(i) {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        writeln!(out, "{}", text.join("  ").trim_end())
    };
    line(&header, out)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule, out)?;
    let (footer, rows) = body.split_last().expect("footer present");
    for row in rows {
        line(row, out)?;
    }
    line(&rule, out)?;
    line(footer, out)
}

fn shown(key: &str) -> String {
    if key.is_empty() {
        "(none)".to_owned()
    } else {
        for_terminal(key).into_owned()
    }
}

/// Dollars with cents and a `$`: `$1,234.57`, `-$0.50`.
pub fn usd(value: Money) -> String {
    let text = value.dollars();
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${text}"),
    }
}
