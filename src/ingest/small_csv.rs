//! The small hand-made CSV inputs (service map, business metrics): read with
//! the csv crate row by row, header names normalized, errors named by line.

use std::fs::File;
use std::path::Path;

use super::IngestError;
use super::columns::key;

pub struct SmallCsv {
    pub reader: csv::Reader<File>,
    /// Normalized header names (see [`key`]).
    pub header: Vec<String>,
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
    Ok(SmallCsv { reader, header })
}

impl SmallCsv {
    /// Index of the first header among `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| names.contains(&h.as_str()))
    }
}
