//! Which objects of a listing a sync needs, from their keys and the
//! manifests (read with `ingest::manifest`, as a local sync reads them): the
//! manifests that can name a period's latest delivery, the files they list,
//! one classic billing report per month, and every other object as it is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::listing::Object;
use crate::ingest::manifest::{self, Manifest, Standing, Verdict};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Choice {
    /// A manifest to read; downloaded before anything else.
    Manifest,
    /// Needed: downloaded unless the mirror holds this version already.
    Fetch,
    /// Part of an older delivery than the one a manifest (or the newest
    /// execution folder) names.
    Older,
    /// A classic billing report of a month that a fuller report of the same
    /// payer, `instead`, covers.
    Redundant { instead: String },
    /// Written by AWS for other tools (Redshift, Athena) or to test the bucket.
    NotExport,
}

/// Which manifests to read. Legacy CUR: the period folder's own manifest
/// (AWS rewrites it on every delivery), and only where it has none, every
/// assembly's. CUR 2.0 and FOCUS: each period's manifest, or those in its
/// newest execution folder (the folder's name starts with its time).
/// A period folder of an export: (bucket, key up to the folder).
type PeriodFolder<'a> = (&'a str, String);

pub(super) fn manifests_to_read(objects: &[Object]) -> Vec<bool> {
    let mut read = vec![false; objects.len()];
    // (bucket, key up to the period folder) → (object, folder below it, if any)
    let mut exports: HashMap<PeriodFolder, Vec<(usize, Option<&str>)>> = HashMap::new();
    let mut legacy: HashMap<PeriodFolder, Vec<(usize, bool)>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        if !is_delivery_manifest(o) {
            continue;
        }
        let parts: Vec<&str> = o.key.split('/').collect();
        if let Some(p) = parts.iter().position(|s| s.starts_with("BILLING_PERIOD=")) {
            let below = (parts.len() > p + 2).then(|| parts[p + 1]);
            exports
                .entry((o.bucket.as_str(), parts[..=p].join("/")))
                .or_default()
                .push((i, below));
        } else if let Some(p) = parts.iter().rposition(|s| manifest::is_period_folder(s)) {
            let own = parts.len() == p + 2;
            legacy
                .entry((o.bucket.as_str(), parts[..=p].join("/")))
                .or_default()
                .push((i, own));
        } else {
            read[i] = true;
        }
    }
    for group in exports.values() {
        let newest = group.iter().filter_map(|(_, below)| *below).max();
        for (i, below) in group {
            read[*i] = below.is_none() || *below == newest;
        }
    }
    for group in legacy.values() {
        let has_own = group.iter().any(|(_, own)| *own);
        for (i, own) in group {
            read[*i] = *own || !has_own;
        }
    }
    read
}

/// The choice for every object, once the manifests read have been decided on.
/// `local` is where each object is (or would be) in the mirror: manifests
/// govern folders, and the mirror keeps the bucket's.
pub(super) fn choose(
    objects: &[Object],
    local: &[PathBuf],
    read: &[bool],
    manifests: &[Manifest],
    verdicts: &[Verdict<'_>],
) -> Vec<Choice> {
    let mut free = vec![false; objects.len()];
    let mut choices: Vec<Choice> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if is_not_export(o) {
                Choice::NotExport
            } else if is_delivery_manifest(o) {
                if read[i] { Choice::Manifest } else { Choice::Older }
            } else {
                match manifest::standing(manifests, verdicts, &local[i]) {
                    Standing::Current => Choice::Fetch,
                    Standing::Stale { .. } => Choice::Older,
                    Standing::Free => {
                        free[i] = true;
                        Choice::Fetch
                    }
                }
            }
        })
        .collect();
    newest_executions_only(objects, &free, &mut choices);
    one_report_per_month(objects, &mut choices);
    choices
}

/// A key that a governing manifest lists but no object to fetch matches:
/// loading the rest would lose part of a month.
pub(super) fn missing_key<'a>(
    manifests: &'a [Manifest],
    verdicts: &[Verdict<'_>],
    local: &[PathBuf],
    choices: &[Choice],
) -> Option<(&'a Manifest, &'a str)> {
    for (m, verdict) in manifests.iter().zip(verdicts) {
        if !matches!(verdict, Verdict::Governs) {
            continue;
        }
        let governed: Vec<&Path> = local
            .iter()
            .zip(choices)
            .filter(|(path, choice)| **choice == Choice::Fetch && m.governs(path))
            .map(|(path, _)| path.as_path())
            .collect();
        if let Some(key) = m
            .keys
            .iter()
            .find(|key| !governed.iter().any(|path| m.key_matches(key, path)))
        {
            return Some((m, key));
        }
    }
    None
}

/// Data export files no manifest read speaks for (the metadata folder is
/// outside the synced prefix): in each `BILLING_PERIOD=` folder, only the
/// newest execution folder.
fn newest_executions_only(objects: &[Object], free: &[bool], choices: &mut [Choice]) {
    let execution = |o: &Object| -> Option<((String, String), String)> {
        let parts: Vec<&str> = o.key.split('/').collect();
        let p = parts.iter().position(|s| s.starts_with("BILLING_PERIOD="))?;
        let folder = *parts.get(p + 1).filter(|_| parts.len() > p + 2)?;
        let b = folder.as_bytes();
        let timed = b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
        timed.then(|| ((o.bucket.clone(), parts[..=p].join("/")), folder.to_owned()))
    };
    let mut newest: HashMap<(String, String), String> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        if free[i]
            && choices[i] == Choice::Fetch
            && let Some((period, folder)) = execution(o)
        {
            let best = newest.entry(period).or_default();
            if folder > *best {
                *best = folder;
            }
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if free[i]
            && choices[i] == Choice::Fetch
            && let Some((period, folder)) = execution(o)
            && newest.get(&period).is_some_and(|best| *best != folder)
        {
            choices[i] = Choice::Older;
        }
    }
}

/// The classic billing bucket holds several reports of each month: per payer
/// and month only the fullest is needed (with resources and tags, then the
/// detailed report, then the cost allocation report, then the monthly CSV).
fn one_report_per_month(objects: &[Object], choices: &mut [Choice]) {
    let mut best: HashMap<(&str, &str, &str), (u8, &str)> = HashMap::new();
    for (o, choice) in objects.iter().zip(choices.iter()) {
        if *choice == Choice::Fetch
            && let Some((payer, rank, month)) = classic_report(o.name())
        {
            let entry = best
                .entry((o.bucket.as_str(), payer, month))
                .or_insert((rank, o.key.as_str()));
            if rank < entry.0 {
                *entry = (rank, o.key.as_str());
            }
        }
    }
    for (o, choice) in objects.iter().zip(choices.iter_mut()) {
        if *choice == Choice::Fetch
            && let Some((payer, rank, month)) = classic_report(o.name())
            && let Some((best_rank, key)) = best.get(&(o.bucket.as_str(), payer, month))
            && rank > *best_rank
        {
            *choice = Choice::Redundant {
                instead: format!("s3://{}/{key}", o.bucket),
            };
        }
    }
}

/// The reports AWS wrote to a billing bucket before CUR, fullest first.
const CLASSIC_REPORTS: [&str; 4] = [
    "billing-detailed-line-items-with-resources-and-tags",
    "billing-detailed-line-items",
    "cost-allocation",
    "billing-csv",
];

/// `<payer>-aws-<report>-YYYY-MM.<ext>` → (payer, rank of the report, month).
fn classic_report(name: &str) -> Option<(&str, u8, &str)> {
    let stem = name.split('.').next()?;
    let (payer, rest) = stem.split_once("-aws-")?;
    if payer.is_empty() || !payer.bytes().all(|b| b.is_ascii_digit()) || rest.len() < 9 {
        return None;
    }
    let at = rest.len() - 8;
    let (report, month) = (rest.get(..at)?, rest.get(at + 1..)?);
    let m = month.as_bytes();
    if rest.as_bytes()[at] != b'-'
        || m.len() != 7
        || m[4] != b'-'
        || !m[..4].iter().chain(&m[5..]).all(u8::is_ascii_digit)
    {
        return None;
    }
    let rank = CLASSIC_REPORTS.iter().position(|r| *r == report)?;
    Some((payer, rank as u8, month))
}

fn is_delivery_manifest(o: &Object) -> bool {
    manifest::is_manifest_name(Path::new(o.name())) && !is_not_export(o)
}

fn is_not_export(o: &Object) -> bool {
    is_aws_helper(&o.key)
}

/// Files AWS writes beside the exports for Redshift, Athena and QuickSight,
/// and the object it writes to test a new billing bucket, by key or path.
pub fn is_aws_helper(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    ["-redshiftmanifest.json", "-redshiftcommands.sql", "-create-table.sql"]
        .iter()
        .any(|end| name.ends_with(end))
        || name == "crawler-cfn.yml"
        || name == "aws-programmatic-access-test-object"
        || key.split('/').any(|part| part == "cost_and_usage_data_status")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str) -> Object {
        Object {
            bucket: "b".into(),
            key: key.into(),
            etag: "\"e\"".into(),
            size: 1,
            last_modified: None,
        }
    }

    fn read_keys(keys: &[&str]) -> Vec<String> {
        let objects: Vec<Object> = keys.iter().map(|k| object(k)).collect();
        let read = manifests_to_read(&objects);
        objects
            .iter()
            .zip(read)
            .filter(|(_, r)| *r)
            .map(|(o, _)| o.key.clone())
            .collect()
    }

    #[test]
    fn a_legacy_period_reads_its_own_manifest_not_the_assemblies() {
        let keys = [
            "cur/r/20260401-20260501/r-Manifest.json",
            "cur/r/20260401-20260501/aaaa/r-Manifest.json",
            "cur/r/20260401-20260501/aaaa/r-RedshiftManifest.json",
            "cur/r/20260401-20260501/bbbb/r-Manifest.json",
            "cur/r/20260301-20260401/cccc/r-Manifest.json",
            "cur/r/20260301-20260401/dddd/r-Manifest.json",
        ];
        assert_eq!(
            read_keys(&keys),
            [
                "cur/r/20260401-20260501/r-Manifest.json",
                "cur/r/20260301-20260401/cccc/r-Manifest.json",
                "cur/r/20260301-20260401/dddd/r-Manifest.json"
            ]
        );
    }

    #[test]
    fn a_data_export_period_reads_its_newest_execution() {
        let keys = [
            "x/metadata/BILLING_PERIOD=2026-04/2026-04-02T01:00:00.000Z-aaaa/x-Manifest.json",
            "x/metadata/BILLING_PERIOD=2026-04/2026-04-03T01:00:00.000Z-bbbb/x-Manifest.json",
            "x/metadata/BILLING_PERIOD=2026-05/x-Manifest.json",
        ];
        assert_eq!(read_keys(&keys), [keys[1], keys[2]]);
    }

    #[test]
    fn classic_reports_are_told_by_name() {
        assert_eq!(
            classic_report("123456789012-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip"),
            Some(("123456789012", 0, "2016-09"))
        );
        assert_eq!(
            classic_report("123-aws-cost-allocation-2016-09.csv"),
            Some(("123", 2, "2016-09"))
        );
        assert_eq!(
            classic_report("123-aws-billing-csv-2016-09.csv"),
            Some(("123", 3, "2016-09"))
        );
        assert_eq!(classic_report("123-aws-something-else-2016-09.csv"), None);
        assert_eq!(classic_report("report-2016-09.csv"), None);
        assert_eq!(classic_report("123-aws-é-2016-09.csv"), None);
    }

    #[test]
    fn one_report_per_payer_month_and_the_newest_unmanifested_execution() {
        let objects: Vec<Object> = [
            "123-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip",
            "123-aws-billing-detailed-line-items-2016-09.csv.zip",
            "123-aws-cost-allocation-2016-09.csv",
            "123-aws-cost-allocation-2016-08.csv",
            "x/data/BILLING_PERIOD=2026-04/2026-04-02T01:00:00.000Z-aaaa/x-00001.csv.gz",
            "x/data/BILLING_PERIOD=2026-04/2026-04-03T01:00:00.000Z-bbbb/x-00001.csv.gz",
            "events/2026/04/01/part-1.gz",
            "cur/r/20260401-20260501/aaaa/r-RedshiftCommands.sql",
        ]
        .iter()
        .map(|k| object(k))
        .collect();
        let local: Vec<PathBuf> = objects.iter().map(|o| PathBuf::from("/m/b").join(&o.key)).collect();
        let read = manifests_to_read(&objects);
        let choices = choose(&objects, &local, &read, &[], &[]);
        let instead = "s3://b/123-aws-billing-detailed-line-items-with-resources-and-tags-2016-09.csv.zip".to_owned();
        assert_eq!(
            choices,
            [
                Choice::Fetch,
                Choice::Redundant {
                    instead: instead.clone()
                },
                Choice::Redundant { instead },
                Choice::Fetch,
                Choice::Older,
                Choice::Fetch,
                Choice::Fetch,
                Choice::NotExport,
            ]
        );
    }
}
