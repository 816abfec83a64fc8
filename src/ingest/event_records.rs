//! When DuckDB rejects an event file it names a byte, or a value, but not the
//! record. This walks the file record by record (JSON lines, objects back to
//! back as Firehose writes them, a JSON array, or CloudTrail's `Records`) and
//! names the line where the broken record starts and what is wrong with it.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::container::{Container, open_text};
use super::diagnose::{Finding, is_timestamp};

#[derive(Deserialize)]
struct Trail<'a> {
    #[serde(borrow, rename = "Records")]
    records: Vec<&'a RawValue>,
}

/// The first broken or ill-typed record of an event file, if any.
pub fn find_bad_record(path: &Path, container: Container) -> Option<Finding> {
    let mut bytes = Vec::new();
    if let Err(e) = open_text(path, container).and_then(|mut r| r.read_to_end(&mut bytes)) {
        return Some(Finding {
            line: 0,
            message: format!("file is truncated or damaged: {e}"),
        });
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let line_at = |offset: usize| text[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let first = text.iter().position(|b| !b.is_ascii_whitespace())?;
    if text[first] == b'[' {
        return match serde_json::from_slice::<Vec<&RawValue>>(text) {
            Ok(records) => records
                .iter()
                .find_map(|r| check(r).map(|m| finding(line_at(offset_in(text, r)), m))),
            Err(e) => Some(finding(e.line() as u64, format!("malformed JSON: {e}"))),
        };
    }
    // JSON lines, or records back to back with no separator (Firehose without
    // a newline delimiter writes a whole object of them on one line): where a
    // record shares its line with earlier ones, its place in the file is named too.
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<&RawValue>();
    let mut index = 0;
    loop {
        let start = stream.byte_offset();
        index += 1;
        let place = |at: usize, message: String| {
            let line_start = text[..at].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let first_on_line = text[line_start..at].iter().all(u8::is_ascii_whitespace);
            let message = if first_on_line {
                message
            } else {
                format!("record {index}: {message}")
            };
            finding(line_at(at), message)
        };
        match stream.next()? {
            Ok(raw) => {
                let at = offset_in(text, raw);
                if let Ok(trail) = serde_json::from_str::<Trail<'_>>(raw.get()) {
                    for (i, r) in trail.records.iter().enumerate() {
                        if let Some(m) = check(r) {
                            return Some(finding(
                                line_at(offset_in(text, r)),
                                format!("record {} of Records: {m}", i + 1),
                            ));
                        }
                    }
                } else if let Some(m) = check(raw) {
                    return Some(place(at, m));
                }
            }
            Err(e) => {
                // The broken record starts at the first byte after the last good one.
                let begins = start + text[start..].iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
                let what = if e.is_eof() {
                    "record cut off at the end of the file".to_owned()
                } else {
                    format!("malformed JSON record: {e}")
                };
                return Some(place(begins, what));
            }
        }
    }
}

fn finding(line: u64, message: String) -> Finding {
    Finding { line, message }
}

fn offset_in(text: &[u8], raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// What the loader would fail to convert in one event: versions are integers,
/// event times are dates and times written as text.
fn check(raw: &RawValue) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    let detail = event.get("detail").unwrap_or(&serde_json::Value::Null);
    let trail = if detail.get("eventName").is_some() {
        detail
    } else {
        &event
    };
    match event.get("detail-type").and_then(|t| t.as_str()) {
        Some("ECS Task State Change") => integer(detail, "version")
            .or_else(|| timestamp(detail, "startedAt"))
            .or_else(|| timestamp(detail, "stoppedAt")),
        Some("ECS Container Instance State Change") => integer(detail, "version").or_else(|| {
            detail
                .get("registeredResources")?
                .as_array()?
                .iter()
                .find_map(|r| integer(r, "integerValue"))
        }),
        _ if matches!(
            trail.get("eventName").and_then(|n| n.as_str()),
            Some("AttachVolume" | "DetachVolume")
        ) =>
        {
            timestamp(trail, "eventTime")
        }
        _ => None,
    }
}

fn integer(object: &serde_json::Value, field: &str) -> Option<String> {
    let value = object.get(field)?;
    let ok = match value {
        serde_json::Value::Null => true,
        serde_json::Value::Number(n) => n.is_i64() || n.is_u64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().is_ok(),
        _ => false,
    };
    (!ok).then(|| format!("\"{field}\": {value} is not a whole number"))
}

fn timestamp(object: &serde_json::Value, field: &str) -> Option<String> {
    let value = object.get(field)?;
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if is_timestamp(s) => None,
        serde_json::Value::String(_) => Some(format!("\"{field}\": {value} is not a date and time")),
        _ => Some(format!("\"{field}\": {value} is not a date and time written as text")),
    }
}
