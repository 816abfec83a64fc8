//! Manifests say which files make up the current delivery of a billing
//! period: a legacy CUR `*-Manifest.json` lists the report keys of the latest
//! assembly, a CUR 2.0 (Data Exports) manifest the data files of one
//! execution. Files of older assemblies or executions are not loaded.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLegacy {
    #[serde(default)]
    assembly_id: Option<String>,
    #[serde(default)]
    report_name: Option<String>,
    #[serde(default)]
    account: Option<String>,
    billing_period: Option<RawPeriod>,
    report_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawPeriod {
    start: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDataExport {
    execution_id: String,
    #[serde(default)]
    export_arn: Option<String>,
    data_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestKind {
    /// Legacy CUR: `reportKeys` of one assembly.
    Legacy { assembly_id: String },
    /// CUR 2.0 Data Exports: `dataFiles` of one execution.
    DataExport { execution_id: String, export: String },
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub kind: ManifestKind,
    /// Report name (legacy) or export name (CUR 2.0).
    pub report_name: String,
    /// The payer account of a legacy report ('' when not given).
    pub account: String,
    /// `YYYY-MM` of the billing period.
    pub period: String,
    /// The files of the delivery as S3 keys (legacy) or `s3://` URIs (CUR 2.0).
    pub keys: Vec<String>,
    /// When the manifest was written (its file's modification time, which
    /// `aws s3 sync` sets to the object's LastModified).
    pub written: Option<SystemTime>,
}

/// Whether a file's name says it is a manifest, so it must parse as one.
pub fn is_manifest_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with("manifest.json"))
}

/// Parse `bytes` as a legacy CUR or CUR 2.0 manifest. `Ok(None)`: some other
/// JSON (events). A file named `*-Manifest.json` that is neither is an error:
/// skipping it would let the sync load every assembly of the month.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Option<Manifest>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let named = is_manifest_name(path);
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) if named => return Err(format!("is not valid JSON, so not a readable manifest: {e}")),
        Err(_) => return Ok(None),
    };
    let written = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let object = value.as_object();
    let has = |k: &str| object.is_some_and(|o| o.contains_key(k));
    if has("dataFiles") || has("executionId") {
        let raw: RawDataExport = serde_json::from_value(value)
            .map_err(|e| format!("is not a readable CUR 2.0 (Data Exports) manifest: {e}"))?;
        return data_export(path, raw, written).map(Some);
    }
    if has("reportKeys") || has("assemblyId") {
        let raw: RawLegacy =
            serde_json::from_value(value).map_err(|e| format!("is not a readable CUR manifest: {e}"))?;
        return Ok(Some(legacy(path, raw, written)));
    }
    if named {
        return Err(
            "names neither report keys (CUR) nor data files (CUR 2.0), so it is not a manifest apportion can read"
                .to_owned(),
        );
    }
    Ok(None)
}

fn legacy(path: &Path, raw: RawLegacy, written: Option<SystemTime>) -> Manifest {
    let start = raw.billing_period.map(|p| p.start).unwrap_or_default();
    let period = if start.len() >= 6 && start.is_char_boundary(6) {
        format!("{}-{}", &start[..4], &start[4..6])
    } else {
        String::new()
    };
    Manifest {
        path: path.to_path_buf(),
        kind: ManifestKind::Legacy {
            assembly_id: raw.assembly_id.unwrap_or_default(),
        },
        report_name: raw.report_name.unwrap_or_default(),
        account: raw.account.unwrap_or_default(),
        period,
        keys: raw.report_keys,
        written,
    }
}

fn data_export(path: &Path, raw: RawDataExport, written: Option<SystemTime>) -> Result<Manifest, String> {
    let periods: Vec<&str> = raw.data_files.iter().filter_map(|k| billing_period_of(k)).collect();
    let period = match periods.first() {
        Some(p) if periods.iter().all(|q| q == p) => (*p).to_owned(),
        Some(_) => return Err("lists data files of more than one BILLING_PERIOD".to_owned()),
        None if raw.data_files.is_empty() => String::new(),
        None => return Err("lists data files without a BILLING_PERIOD=YYYY-MM folder".to_owned()),
    };
    let export = raw
        .export_arn
        .as_deref()
        .and_then(|arn| arn.rsplit_once("export/"))
        .map(|(_, name)| name.to_owned())
        .unwrap_or_default();
    Ok(Manifest {
        path: path.to_path_buf(),
        kind: ManifestKind::DataExport {
            execution_id: raw.execution_id,
            export: export.clone(),
        },
        report_name: export,
        account: String::new(),
        period,
        keys: raw.data_files,
        written,
    })
}

/// `20170401-20170501`: a legacy CUR period folder, which holds the period's
/// own manifest and one folder per assembly (delivery).
pub fn is_period_folder(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 17 && b[8] == b'-' && b[..8].iter().chain(&b[9..]).all(u8::is_ascii_digit)
}

/// `YYYY-MM` of a `…/BILLING_PERIOD=YYYY-MM/…` key.
fn billing_period_of(key: &str) -> Option<&str> {
    let at = key.find("BILLING_PERIOD=")? + "BILLING_PERIOD=".len();
    let period = key.get(at..at + 7)?;
    let b = period.as_bytes();
    (b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5..].iter().all(u8::is_ascii_digit)).then_some(period)
}

/// The parts of a key or path, without empty ones.
fn parts_of(text: &str) -> Vec<&str> {
    text.split('/').filter(|p| !p.is_empty()).collect()
}

fn path_parts(file: &Path) -> Vec<String> {
    file.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect()
}

impl Manifest {
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    pub fn is_data_export(&self) -> bool {
        matches!(self.kind, ManifestKind::DataExport { .. })
    }

    /// Where the manifest's data files live: a legacy manifest governs its
    /// folder; a CUR 2.0 manifest at `<export>/metadata/BILLING_PERIOD=P/`
    /// governs `<export>/data/BILLING_PERIOD=P/`, and one stored beside its
    /// data (a flat copy) its own folder.
    fn data_dir(&self) -> PathBuf {
        let dir = self.dir();
        if self.is_data_export() {
            // `<export>/metadata/BILLING_PERIOD=P[/<execution>]/` → `<export>/data/BILLING_PERIOD=P/`.
            let mut partition = None;
            for ancestor in dir.ancestors() {
                let name = ancestor
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name == "metadata"
                    && let (Some(root), Some(p)) = (ancestor.parent(), &partition)
                {
                    return root.join("data").join(p);
                }
                if name.starts_with("BILLING_PERIOD=") {
                    partition = Some(name);
                }
            }
        }
        dir.to_path_buf()
    }

    pub fn governs(&self, file: &Path) -> bool {
        !self.keys.is_empty() && file.starts_with(self.data_dir())
    }

    /// Whether `file` is one of this manifest's files.
    pub fn lists(&self, file: &Path) -> bool {
        self.keys.iter().any(|key| self.key_matches(key, file))
    }

    /// A legacy key matches by its last two parts (assembly folder and file
    /// name). A CUR 2.0 key matches by file name (also when the file was stored
    /// gunzipped without `.gz`) and, where the file sits in an execution folder,
    /// by that folder too.
    pub fn key_matches(&self, key: &str, file: &Path) -> bool {
        let key_parts = parts_of(key);
        let file_parts = path_parts(file);
        if !self.is_data_export() {
            let tail = &key_parts[key_parts.len().saturating_sub(2)..];
            return !tail.is_empty()
                && file_parts.len() >= tail.len()
                && file_parts[file_parts.len() - tail.len()..] == *tail;
        }
        let (Some(key_name), Some(file_name)) = (key_parts.last(), file_parts.last()) else {
            return false;
        };
        let same_name = file_name == key_name || key_name.strip_suffix(".gz") == Some(file_name.as_str());
        if !same_name {
            return false;
        }
        let key_folder = key_parts.len().checked_sub(2).map(|i| key_parts[i]);
        let file_folder = file_parts.len().checked_sub(2).map(|i| file_parts[i].as_str());
        match (key_folder, file_folder) {
            // The file in the partition folder itself, or beside its manifest.
            (_, Some(f)) if f.starts_with("BILLING_PERIOD=") => true,
            _ if file.parent() == Some(self.dir()) => true,
            (Some(k), Some(f)) => k == f,
            _ => false,
        }
    }

    /// The execution folder (`<timestamp>-<execution id>`) the data files sit in,
    /// which orders executions of one period: its name starts with the time.
    fn execution_folder(&self) -> Option<&str> {
        self.keys.iter().find_map(|k| {
            let parts = parts_of(k);
            let folder = parts.len().checked_sub(2).map(|i| parts[i])?;
            (!folder.starts_with("BILLING_PERIOD=")).then_some(folder)
        })
    }
}

/// What to do about one manifest once all are known.
#[derive(Debug, Clone)]
pub enum Verdict<'a> {
    /// It names the current delivery of its period.
    Governs,
    /// A newer manifest of the same report and period does.
    Superseded { by: &'a Manifest },
    /// It lists no files (AWS writes such manifests for empty periods).
    Empty,
}

/// Decide, among all manifests of a sync, which one governs each report and
/// period. A legacy period-folder manifest (AWS rewrites it on every delivery)
/// wins over the assembly manifests beneath it; otherwise the newest manifest
/// wins: by execution time for CUR 2.0, by when the file was written for
/// legacy assemblies (legacy manifests carry no time of their own). Two that
/// cannot be told apart are an error.
pub fn decide(manifests: &[Manifest]) -> Result<Vec<Verdict<'_>>, String> {
    let mut verdicts = Vec::with_capacity(manifests.len());
    for m in manifests {
        if m.keys.is_empty() {
            verdicts.push(Verdict::Empty);
            continue;
        }
        let rivals: Vec<&Manifest> = manifests
            .iter()
            .filter(|o| {
                o.path != m.path
                    && !o.keys.is_empty()
                    && o.is_data_export() == m.is_data_export()
                    && o.report_name == m.report_name
                    && o.account == m.account
                    && o.period == m.period
            })
            .collect();
        let mut by = None;
        for o in rivals {
            match newer(o, m) {
                Some(true) => by = Some(o),
                Some(false) => {}
                None => {
                    return Err(format!(
                        "{} and {} both describe {} {} and nothing tells which is newer; sync the folder with the period's own manifest, or one of them",
                        m.path.display(),
                        o.path.display(),
                        m.report_name,
                        m.period
                    ));
                }
            }
        }
        verdicts.push(match by {
            Some(by) => Verdict::Superseded { by },
            None => Verdict::Governs,
        });
    }
    Ok(verdicts)
}

/// Where a file stands among the manifests of a sync, once [`decide`] has
/// spoken: `ingest` skips stale files, and `s3` never downloads them.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    /// Listed by the manifest that governs its folder: the current delivery.
    Current,
    /// In a folder a manifest governs, but not in the current delivery (an
    /// older assembly or execution); `by` lists the current one.
    Stale { by: &'a Manifest },
    /// No manifest speaks for it.
    Free,
}

pub fn standing<'a>(manifests: &'a [Manifest], verdicts: &[Verdict<'a>], file: &Path) -> Standing<'a> {
    let governing = || {
        manifests
            .iter()
            .zip(verdicts)
            .filter(|(_, v)| matches!(v, Verdict::Governs))
            .map(|(m, _)| m)
    };
    if governing().any(|m| m.governs(file) && m.lists(file)) {
        return Standing::Current;
    }
    if let Some(by) = governing().find(|m| m.governs(file)) {
        return Standing::Stale { by };
    }
    manifests
        .iter()
        .zip(verdicts)
        .find_map(|(m, v)| match v {
            Verdict::Superseded { by } if m.governs(file) => Some(Standing::Stale { by }),
            _ => None,
        })
        .unwrap_or(Standing::Free)
}

/// Whether `a` is newer than `b`; None when they cannot be told apart.
fn newer(a: &Manifest, b: &Manifest) -> Option<bool> {
    if !a.is_data_export() {
        // The period folder's manifest is the one AWS keeps current.
        if a.dir() != b.dir() {
            if b.dir().starts_with(a.dir()) {
                return Some(true);
            }
            if a.dir().starts_with(b.dir()) {
                return Some(false);
            }
        }
    } else if let (Some(x), Some(y)) = (a.execution_folder(), b.execution_folder())
        && x != y
    {
        return Some(x > y);
    }
    match (a.written, b.written) {
        (Some(x), Some(y)) if x != y => Some(x > y),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export_manifest(dir: &str, folder: &str) -> Manifest {
        Manifest {
            path: PathBuf::from(format!("{dir}/x-Manifest.json")),
            kind: ManifestKind::DataExport {
                execution_id: folder.to_owned(),
                export: "x".to_owned(),
            },
            report_name: "x".to_owned(),
            account: String::new(),
            period: "2026-04".to_owned(),
            keys: vec![format!(
                "s3://b/p/x/data/BILLING_PERIOD=2026-04/{folder}/x-00001.csv.gz"
            )],
            written: None,
        }
    }

    #[test]
    fn the_latest_execution_of_a_period_governs() {
        let old = export_manifest("/e/x/metadata/BILLING_PERIOD=2026-04", "2026-04-02T01:00:00.000Z-aaaa");
        let new = export_manifest("/e/x/metadata/BILLING_PERIOD=2026-04", "2026-04-03T01:00:00.000Z-bbbb");
        let mut new = new;
        new.path = PathBuf::from("/e/x/metadata/BILLING_PERIOD=2026-04/y-Manifest.json");
        let all = [old, new];
        let verdicts = decide(&all).unwrap();
        assert!(matches!(verdicts[0], Verdict::Superseded { .. }));
        assert!(matches!(verdicts[1], Verdict::Governs));
        let data = Path::new("/e/x/data/BILLING_PERIOD=2026-04/2026-04-03T01:00:00.000Z-bbbb/x-00001.csv.gz");
        assert!(all[1].governs(data) && all[1].lists(data));
        let stale = Path::new("/e/x/data/BILLING_PERIOD=2026-04/2026-04-02T01:00:00.000Z-aaaa/x-00001.csv.gz");
        assert!(all[1].governs(stale) && !all[1].lists(stale));
    }

    #[test]
    fn a_data_file_stored_gunzipped_beside_its_manifest_matches() {
        let m = export_manifest("/flat", "2026-04-16T15:24:15.653Z-04e9");
        assert!(m.lists(Path::new("/flat/x-00001.csv")));
        assert!(!m.lists(Path::new("/flat/x-00002.csv")));
    }

    #[test]
    fn billing_period_comes_from_the_partition_folder() {
        assert_eq!(
            billing_period_of("s3://b/x/data/BILLING_PERIOD=2026-04/f.csv.gz"),
            Some("2026-04")
        );
        assert_eq!(billing_period_of("s3://b/x/data/BILLING_PERIOD=20/f"), None);
    }
}
