//! How an export file is wrapped (plain, gzip, zip, parquet), read by its first
//! bytes rather than its name, and the decoded text stream of a CSV inside it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Plain,
    Gzip,
    Zip,
    Parquet,
}

impl Container {
    pub fn sniff(path: &Path) -> io::Result<Container> {
        let mut magic = [0u8; 4];
        let mut file = File::open(path)?;
        let n = read_up_to(&mut file, &mut magic)?;
        Ok(match &magic[..n] {
            [0x1f, 0x8b, ..] => Container::Gzip,
            b"PK\x03\x04" => Container::Zip,
            b"PAR1" => Container::Parquet,
            _ => Container::Plain,
        })
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The decoded bytes of a plain or gzip file (a zip is extracted first, see [`extract_zip`]).
pub fn open_text(path: &Path, container: Container) -> io::Result<Box<dyn BufRead>> {
    let file = File::open(path)?;
    Ok(match container {
        Container::Gzip => Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(file))),
        _ => Box::new(BufReader::with_capacity(1 << 16, file)),
    })
}

/// The first line of decoded text (at most 4 MiB), without a UTF-8 BOM.
pub fn first_line(path: &Path, container: Container) -> io::Result<Vec<u8>> {
    let reader = open_text(path, container)?;
    let mut line = Vec::new();
    reader.take(4 << 20).read_until(b'\n', &mut line)?;
    if line.starts_with(b"\xEF\xBB\xBF") {
        line.drain(..3);
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(line)
}

/// Extract the single file inside a zip archive (how AWS delivers DBR) to a temp file.
pub fn extract_zip(path: &Path) -> Result<tempfile::NamedTempFile, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("not a readable zip archive: {e}"))?;
    let members: Vec<usize> = (0..archive.len())
        .filter(|&i| archive.by_index(i).map(|m| m.is_file()).unwrap_or(false))
        .collect();
    let [only] = members[..] else {
        return Err(format!("zip archive holds {} files; expected exactly one export", members.len()));
    };
    let mut member = archive.by_index(only).map_err(|e| e.to_string())?;
    let mut out = tempfile::Builder::new()
        .prefix("apportion-unzip-")
        .suffix(".csv")
        .tempfile()
        .map_err(|e| format!("cannot create a temp file to unzip into: {e}"))?;
    io::copy(&mut member, &mut out).map_err(|e| format!("zip archive is damaged or truncated: {e}"))?;
    Ok(out)
}
