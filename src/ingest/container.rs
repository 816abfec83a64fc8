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
            // An archive with no entries is only its end record.
            b"PK\x03\x04" | b"PK\x05\x06" => Container::Zip,
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

/// The header line of a CSV and how many lines come before it: AWS's cost
/// allocation report puts a banner line above its header.
pub struct Header {
    pub line: Vec<u8>,
    pub skip: usize,
}

/// The first line of a cost allocation report, above its header.
pub const BANNER: &[u8] = b"Don't see your tags in the report?";

pub fn header(path: &Path, container: Container) -> io::Result<Header> {
    let mut reader = open_text(path, container)?;
    let mut read_line = || -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        (&mut reader).take(4 << 20).read_until(b'\n', &mut line)?;
        if line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        Ok(line)
    };
    let first = read_line()?;
    let unquoted = first.strip_prefix(b"\"").unwrap_or(&first);
    if unquoted.starts_with(BANNER) {
        return Ok(Header {
            line: read_line()?,
            skip: 1,
        });
    }
    Ok(Header { line: first, skip: 0 })
}

/// Extract the single file inside a zip archive (how AWS delivers DBR) to a temp file.
pub fn extract_zip(path: &Path) -> Result<tempfile::NamedTempFile, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("not a readable zip archive: {e}"))?;
    let members: Vec<usize> = (0..archive.len())
        .filter(|&i| archive.by_index(i).map(|m| m.is_file()).unwrap_or(false))
        .collect();
    let only = match members[..] {
        [only] => only,
        [] => return Err("zip archive is empty (an interrupted download?)".to_owned()),
        _ => {
            return Err(format!(
                "zip archive holds {} files; expected exactly one export",
                members.len()
            ));
        }
    };
    let mut member = archive.by_index(only).map_err(|e| e.to_string())?;
    let temp_dir = std::env::temp_dir();
    let mut out = tempfile::Builder::new()
        .prefix("apportion-unzip-")
        .suffix(".csv")
        .tempfile_in(&temp_dir)
        .map_err(|e| format!("cannot create a temp file in {} to unzip into: {e}", temp_dir.display()))?;
    copy_member(&mut member, &mut out, &temp_dir)?;
    Ok(out)
}

/// Copy an archive member out, telling a damaged archive (a read fails) from a
/// temp directory that cannot take it (a write fails, usually because it is full).
pub fn copy_member(member: &mut impl Read, out: &mut impl io::Write, temp_dir: &Path) -> Result<(), String> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match member.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("zip archive is damaged or truncated: {e}")),
        };
        out.write_all(&buf[..n]).map_err(|e| {
            if e.kind() == io::ErrorKind::StorageFull {
                format!(
                    "the temp directory {} is full; free space there or point TMPDIR at a larger disk",
                    temp_dir.display()
                )
            } else {
                format!(
                    "cannot write the unzipped export to the temp directory {}: {e}",
                    temp_dir.display()
                )
            }
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FullDisk;

    impl io::Write for FullDisk {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_temp_directory_is_named_as_full_not_as_a_damaged_archive() {
        let message = copy_member(&mut &b"some,csv\n"[..], &mut FullDisk, Path::new("/tmp/x")).unwrap_err();
        assert!(message.contains("temp directory /tmp/x is full"), "{message}");
        assert!(!message.contains("damaged"), "{message}");
    }
}
