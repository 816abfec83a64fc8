//! The small hand-made CSV inputs (service map, business metrics): read with
//! the csv crate row by row, header names normalized, errors named by line.

use std::fs::File;
use std::path::Path;

use super::IngestError;
use super::columns::key;
use super::container::Container;
use super::diagnose::Lines;

pub struct SmallCsv {
    pub reader: csv::Reader<File>,
    /// Normalized header names (see [`key`]).
    pub header: Vec<String>,
    /// Where each record's line is, as an editor numbers them.
    pub lines: Lines,
}

pub fn line_error(path: &Path, line: u64, message: String) -> IngestError {
    IngestError::Line {
        path: path.to_path_buf(),
        line,
        message,
    }
}

pub fn open(path: &Path) -> Result<SmallCsv, IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| line_error(path, 1, e.to_string()))?;
    let header = reader
        .headers()
        .map_err(|e| line_error(path, 1, e.to_string()))?
        .iter()
        .map(|h| key(h.trim_start_matches('\u{feff}')))
        .collect();
    let lines = Lines::open(path, Container::Plain, 0).map_err(|e| line_error(path, 1, e.to_string()))?;
    Ok(SmallCsv { reader, header, lines })
}

/// The line of a record or an error at `position` (0 when it has none).
pub fn line_of(lines: &mut Lines, position: Option<&csv::Position>) -> u64 {
    position.map_or(0, |p| lines.of_record_at(p.byte()))
}

impl SmallCsv {
    /// Index of the first header among `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| names.contains(&h.as_str()))
    }
}
