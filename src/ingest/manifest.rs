//! Legacy CUR `*-Manifest.json`: which report files make up the latest
//! assembly of a billing period. Files of older assemblies are not loaded.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    assembly_id: Option<String>,
    #[serde(default)]
    report_name: Option<String>,
    billing_period: Option<RawPeriod>,
    report_keys: Vec<String>,
    columns: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawPeriod {
    start: String,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub report_name: String,
    pub assembly_id: String,
    /// `YYYY-MM` of the billing period.
    pub period: String,
    pub report_keys: Vec<String>,
}

/// Parse `bytes` as a CUR manifest; `None` when it is some other JSON.
pub fn parse(path: &Path, bytes: &[u8]) -> Option<Manifest> {
    let raw: RawManifest = serde_json::from_slice(bytes).ok()?;
    let _ = raw.columns;
    let start = raw.billing_period.map(|p| p.start).unwrap_or_default();
    let period = if start.len() >= 6 && start.is_char_boundary(6) {
        format!("{}-{}", &start[..4], &start[4..6])
    } else {
        String::new()
    };
    Some(Manifest {
        path: path.to_path_buf(),
        report_name: raw.report_name.unwrap_or_default(),
        assembly_id: raw.assembly_id.unwrap_or_default(),
        period,
        report_keys: raw.report_keys,
    })
}

impl Manifest {
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// Whether `file` is one of this manifest's report keys: the key's last two
    /// components (assembly folder and file name) end the file's path.
    pub fn lists(&self, file: &Path) -> bool {
        self.report_keys.iter().any(|key| key_matches(key, file))
    }

    pub fn governs(&self, file: &Path) -> bool {
        !self.report_keys.is_empty() && file.starts_with(self.dir())
    }
}

pub fn key_matches(key: &str, file: &Path) -> bool {
    let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
    let tail = &parts[parts.len().saturating_sub(2)..];
    let file_parts: Vec<String> = file
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    !tail.is_empty() && file_parts.len() >= tail.len() && file_parts[file_parts.len() - tail.len()..] == *tail
}

/// Of several manifests for one report and period, the one nearest the root
/// (the period folder's, which AWS rewrites on every delivery) governs.
pub fn governing(manifests: &[Manifest]) -> Vec<&Manifest> {
    let mut out: Vec<&Manifest> = Vec::new();
    for m in manifests.iter().filter(|m| !m.report_keys.is_empty()) {
        let shadowed = manifests.iter().any(|other| {
            !other.report_keys.is_empty()
                && other.path != m.path
                && other.report_name == m.report_name
                && other.period == m.period
                && m.dir().starts_with(other.dir())
                && m.dir() != other.dir()
        });
        if !shadowed {
            out.push(m);
        }
    }
    out
}
