//! When DuckDB rejects a file it says what but not where. This re-reads the
//! file sequentially to name the line and column, the way a user can fix it.

use std::io::BufRead;
use std::path::Path;

use chrono::NaiveDateTime;

use super::container::{Container, open_text};
use crate::db::MAX_LINE_BYTES;
use crate::db::Parses;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 1-based line in the decoded text (the header is line 1).
    pub line: u64,
    pub message: String,
}

/// Money is DECIMAL(38, 10): at most 28 digits before the point.
const MONEY_LIMIT: f64 = 1e28;

/// Source columns whose values must parse, by what they must parse as.
#[derive(Debug, Clone, Default)]
pub struct ValueChecks {
    pub numeric: Vec<String>,
    pub money: Vec<String>,
    pub temporal: Vec<String>,
}

/// The first line whose shape or values would not load, if any.
/// `skip` lines come before the header (a banner) and are not CSV.
pub fn find_bad_line(path: &Path, container: Container, skip: usize, checks: &ValueChecks) -> Option<Finding> {
    let unreadable = |e: std::io::Error| Finding {
        line: 0,
        message: e.to_string(),
    };
    let reader = open_past_banner(path, container, skip).map_err(unreadable);
    let lines = Lines::open(path, container, skip).map_err(unreadable);
    let (reader, mut lines) = match (reader, lines) {
        (Ok(reader), Ok(lines)) => (reader, lines),
        (Err(f), _) | (_, Err(f)) => return Some(f),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut numeric_at = Vec::new();
    let mut money_at = Vec::new();
    let mut temporal_at = Vec::new();
    let mut header_read = false;
    let mut last_line = lines.line;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => return Some(describe_csv_error(&e, &mut lines, last_line)),
        }
        let line = match record.position() {
            Some(p) => lines.of_record_at(p.byte()),
            None => last_line,
        };
        last_line = line;
        if record.as_slice().len() > MAX_LINE_BYTES {
            return Some(Finding {
                line,
                message: format!("line longer than {MAX_LINE_BYTES} bytes"),
            });
        }
        if !header_read {
            header_read = true;
            let names: Vec<String> = record
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let f = if i == 0 {
                        f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
                    } else {
                        f
                    };
                    String::from_utf8_lossy(f).trim().to_owned()
                })
                .collect();
            let index_of = |n: &String| names.iter().position(|h| h == n).map(|i| (i, n.clone()));
            numeric_at = checks.numeric.iter().filter_map(index_of).collect();
            money_at = checks.money.iter().filter_map(index_of).collect();
            temporal_at = checks.temporal.iter().filter_map(index_of).collect();
            continue;
        }
        for (i, name) in &money_at {
            let value = field(&record, *i);
            if !value.is_empty() && (!is_number(&value) || too_large(&value)) {
                return Some(Finding {
                    line,
                    message: unparsed(name, &value, Parses::Money),
                });
            }
        }
        for (i, name) in &numeric_at {
            let value = field(&record, *i);
            if !value.is_empty() && !is_number(&value) {
                return Some(Finding {
                    line,
                    message: unparsed(name, &value, Parses::Number),
                });
            }
        }
        for (i, name) in &temporal_at {
            let value = field(&record, *i);
            if !value.is_empty() && !is_timestamp(&value) {
                return Some(Finding {
                    line,
                    message: unparsed(name, &value, Parses::Time),
                });
            }
        }
    }
}

/// Why `value` of `column`, which did not parse as `parses`, would not
/// load: what a load says of it, here or on a cluster.
pub fn unparsed(column: &str, value: &str, parses: Parses) -> String {
    match parses {
        Parses::Money if is_number(value) && too_large(value) => format!(
            "column {column:?}: {value:?} is too large for an amount of money (at most 28 digits before the point)"
        ),
        Parses::Money | Parses::Number => format!("column {column:?}: {value:?} is not a number"),
        Parses::Time => format!("column {column:?}: {value:?} is not a date and time"),
    }
}

/// What a load says of a row of `fields` fields under a header of `header`.
pub fn wrong_width(fields: usize, header: usize) -> String {
    format!("{fields} fields, the header has {header}")
}

/// A number beyond DECIMAL(38, 10).
fn too_large(value: &str) -> bool {
    value.trim().parse::<f64>().is_ok_and(|v| v.abs() >= MONEY_LIMIT)
}

fn field(record: &csv::ByteRecord, i: usize) -> String {
    let text = String::from_utf8_lossy(record.get(i).unwrap_or_default());
    let text = text.trim();
    if text == "NULL" { String::new() } else { text.to_owned() }
}

fn describe_csv_error(e: &csv::Error, lines: &mut Lines, last_line: u64) -> Finding {
    let mut line_of = |pos: Option<&csv::Position>| pos.map_or(last_line + 1, |p| lines.of_record_at(p.byte()));
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => Finding {
            line: line_of(pos.as_ref()),
            message: wrong_width(*len as usize, *expected_len as usize),
        },
        csv::ErrorKind::Io(io) => Finding {
            line: last_line + 1,
            message: format!("file is truncated or damaged: {io}"),
        },
        _ => Finding {
            line: line_of(e.position()),
            message: e.to_string(),
        },
    }
}

/// The decoded text of a CSV past the `skip` banner lines above its header.
fn open_past_banner(path: &Path, container: Container, skip: usize) -> std::io::Result<Box<dyn BufRead>> {
    let mut reader = open_text(path, container)?;
    for _ in 0..skip {
        reader.read_until(b'\n', &mut Vec::new())?;
    }
    Ok(reader)
}

/// Lines as an editor numbers them (the header is line 1): `\n`, `\r\n` and a
/// lone `\r` each end one, inside quoted fields too. The csv crate counts `\n`
/// bytes before the byte where it starts reading a record, and in a file saved
/// with CRLF it stops reading a record at the `\r`, so it names the line before.
/// This reads the same text a second time, alongside, and counts for itself.
pub struct Lines {
    text: Box<dyn BufRead>,
    /// Bytes of the text (past the banner) counted so far.
    offset: u64,
    /// The line of the byte at `offset`.
    line: u64,
    after_cr: bool,
}

impl Lines {
    /// `skip` banner lines come before the header, which is line `skip + 1`.
    pub fn open(path: &Path, container: Container, skip: usize) -> std::io::Result<Lines> {
        Ok(Lines {
            text: open_past_banner(path, container, skip)?,
            offset: 0,
            line: 1 + skip as u64,
            after_cr: false,
        })
    }

    /// The line of a record the csv crate started reading at byte `start`
    /// (its position): where its first byte other than a line break is.
    /// Records are asked for in order.
    pub fn of_record_at(&mut self, start: u64) -> u64 {
        // Up to the record's start, then past the line breaks that end the line before.
        while self.offset < start {
            let Ok(buf) = self.text.fill_buf() else { break };
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min((start - self.offset) as usize);
            let (line, after_cr) = count_breaks(&buf[..n], self.line, self.after_cr);
            (self.line, self.after_cr) = (line, after_cr);
            self.text.consume(n);
            self.offset += n as u64;
        }
        while let Ok(buf) = self.text.fill_buf() {
            let n = buf.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            if n == 0 {
                break;
            }
            let (line, after_cr) = count_breaks(&buf[..n], self.line, self.after_cr);
            (self.line, self.after_cr) = (line, after_cr);
            self.text.consume(n);
            self.offset += n as u64;
        }
        self.line
    }
}

/// `line` after `bytes`, with whether they end in a `\r` (whose `\n` would not start another line).
fn count_breaks(bytes: &[u8], mut line: u64, mut after_cr: bool) -> (u64, bool) {
    for &b in bytes {
        match b {
            b'\n' if after_cr => after_cr = false,
            b'\n' => line += 1,
            b'\r' => {
                line += 1;
                after_cr = true;
            }
            _ => after_cr = false,
        }
    }
    (line, after_cr)
}

/// What `ap_money`/`ap_number` accept: a finite decimal, optionally in scientific notation.
pub fn is_number(text: &str) -> bool {
    let t = text.trim();
    t.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// What `ap_time` accepts: ISO-like date and time, `T` or space, optional
/// fraction and `Z`, dashes or slashes, or a bare date.
pub fn is_timestamp(text: &str) -> bool {
    let t = text.trim().replace('/', "-").replace('Z', "");
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    FORMATS.iter().any(|f| NaiveDateTime::parse_from_str(&t, f).is_ok())
        || chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").is_ok()
}
