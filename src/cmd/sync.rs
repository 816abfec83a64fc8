//! `sync`: fetch s3:// prefixes into the mirror beside the database, load
//! everything with a progress bar on a terminal, then a summary per file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::HumanBytes;

use super::progress::{Bar, DownloadBar};
use crate::attribute::RulesChoice;
use crate::cli::SyncArgs;
use crate::db::{Db, Scope};
use crate::ingest::{FileStatus, SyncReport, is_cluster_path, sync_sources};
use crate::s3::{self, Fetched, Location, LocationSummary};
use crate::safe_text::for_terminal;

const UNCHANGED: &str = "sync failed; the database is unchanged";

pub fn run(db: &Db, rules: &RulesChoice, args: &SyncArgs) -> Result<ExitCode> {
    let Sources {
        local: mut paths,
        s3: locations,
        cluster,
    } = sources(&args.paths, args.on_cluster)?;
    // Before any download: a cluster path needs an engine that reads it.
    if let [first, ..] = cluster.as_slice() {
        crate::ingest::check_cluster_reader(db, first).context(UNCHANGED)?;
    }
    let fetched = match locations.as_slice() {
        [] => None,
        _ => Some(fetch(db, &locations, args).context(UNCHANGED)?),
    };
    if let Some(f) = &fetched {
        paths.extend(f.files.iter().cloned());
    }
    let result = if std::io::stdout().is_terminal() {
        let mut bar = Bar::start(db)?;
        let result = sync_sources(db, &paths, &cluster, &mut bar);
        bar.finish();
        result
    } else {
        sync_sources(db, &paths, &cluster, &mut ())
    };
    let report = match (result, &fetched) {
        (Ok(report), _) => report,
        // The files are the mirror's; the user knows them by their S3 URIs.
        (Err(e), Some(f)) => return Err(anyhow::anyhow!(f.redact(&e.to_string())).context(UNCHANGED)),
        (Err(e), None) => return Err(e).context(UNCHANGED),
    };
    let stdout = std::io::stdout();
    if let Some(f) = &fetched {
        print_fetched(f, &mut stdout.lock())?;
    }
    print_summary(&report, fetched.as_ref(), &mut stdout.lock())?;
    if let Some(f) = fetched
        && let Err(e) = f.finish()
    {
        eprintln!(
            "warning: the sync is saved, but cleaning the S3 mirror failed: {}",
            for_terminal(&e.to_string())
        );
    }
    let after = "the sync is saved, but attributing it failed; fix the rules and run `apportion attribute`";
    let plan = crate::attribute::plan(db, rules, &Default::default()).context(after)?;
    let summary = super::attribute::attribute_with_progress(db, &plan, &Scope::Changed).context(after)?;
    super::attribute::print_run(&plan, &summary, &mut stdout.lock())?;
    Ok(ExitCode::SUCCESS)
}

/// What a sync reads, in the order given.
struct Sources {
    /// This machine's files and directories.
    local: Vec<PathBuf>,
    /// `s3://` prefixes this machine downloads.
    s3: Vec<Location>,
    /// Paths the engine's cluster reads where they lie.
    cluster: Vec<String>,
}

fn sources(paths: &[PathBuf], on_cluster: bool) -> Result<Sources> {
    let mut sources = Sources {
        local: Vec::new(),
        s3: Vec::new(),
        cluster: Vec::new(),
    };
    for path in paths {
        let text = path.to_str();
        match text.and_then(Location::parse) {
            Some(_) if on_cluster => sources.cluster.push(path.to_string_lossy().into_owned()),
            Some(location) => sources.s3.push(location?),
            None if text.is_some_and(is_cluster_path) => sources.cluster.push(path.to_string_lossy().into_owned()),
            None => sources.local.push(path.clone()),
        }
    }
    Ok(sources)
}

/// Download what the database's S3 mirror lacks, with a bar on a terminal.
fn fetch(db: &Db, locations: &[Location], args: &SyncArgs) -> Result<Fetched> {
    let options = s3::Options {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
    };
    let root = s3::mirror_beside(db.path());
    let fetched = if std::io::stdout().is_terminal() {
        let bar = DownloadBar::start();
        let fetched = s3::fetch(locations, &root, &options, &bar);
        bar.finish();
        fetched
    } else {
        s3::fetch(locations, &root, &options, &())
    };
    Ok(fetched?)
}

/// One line per S3 location, the objects left out by name, and the requests made.
fn print_fetched(fetched: &Fetched, out: &mut dyn Write) -> std::io::Result<()> {
    for summary in &fetched.locations {
        writeln!(out, "{}", describe(summary))?;
    }
    for skipped in &fetched.skipped {
        writeln!(
            out,
            "skipped    {}: {}",
            for_terminal(&skipped.uri),
            for_terminal(&skipped.reason)
        )?;
    }
    let bytes: u64 = fetched.locations.iter().map(|s| s.downloaded_bytes).sum();
    writeln!(
        out,
        "S3: {}, {} ({})",
        counted(fetched.requests.list, "list request"),
        counted(fetched.requests.get, "download"),
        HumanBytes(bytes)
    )
}

fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn describe(s: &LocationSummary) -> String {
    let mut text = format!(
        "{}: {}; {} downloaded ({}), {} unchanged",
        for_terminal(&s.location),
        counted(s.objects, "object"),
        s.downloaded,
        HumanBytes(s.downloaded_bytes),
        s.unchanged
    );
    let left: Vec<String> = [
        (s.older, "of older deliveries"),
        (s.redundant, "covered by a fuller report"),
        (s.not_exports, "AWS helper files (Redshift, Athena)"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !left.is_empty() {
        text.push_str(&format!("; not downloaded: {}", left.join(", ")));
    }
    text
}

/// One line per file; the files of the S3 mirror by their S3 URIs.
pub fn print_summary(report: &SyncReport, fetched: Option<&Fetched>, out: &mut dyn Write) -> std::io::Result<()> {
    let name = |path: &Path| match fetched.and_then(|f| f.name_of(path)) {
        Some(uri) => uri.to_owned(),
        None => path.display().to_string(),
    };
    let redact = |text: &str| fetched.map_or_else(|| text.to_owned(), |f| f.redact(text));
    let (mut loaded, mut unchanged, mut skipped) = (0, 0, 0);
    for file in &report.files {
        let path = for_terminal(&name(&file.path)).into_owned();
        match &file.status {
            FileStatus::Loaded {
                format,
                periods,
                lines,
                unblended_total,
                currencies,
                outside_period,
                split_rows,
            } => {
                loaded += 1;
                let money = match currencies.as_slice() {
                    [] => unblended_total.dollars(),
                    [usd] if usd == "USD" => crate::report::usd(*unblended_total),
                    list => format!("{} {}", unblended_total.dollars(), for_terminal(&list.join("+"))),
                };
                let outside = match outside_period {
                    0 => String::new(),
                    n => format!(", {n} lines dated outside the period"),
                };
                let splits = match split_rows {
                    0 => String::new(),
                    n => format!(
                        "; {n} split cost allocation rows of ECS tasks (how AWS divides their instances, not money)"
                    ),
                };
                writeln!(
                    out,
                    "loaded     {path}\n           {}, {}, {lines} lines, {money}{outside}{splits}",
                    format.label(),
                    if periods.is_empty() {
                        "no billing period".to_owned()
                    } else {
                        periods.join(" ")
                    },
                )?;
            }
            FileStatus::LoadedRecords { kind, rows } => {
                loaded += 1;
                writeln!(out, "loaded     {path}\n           {}, {rows} rows", kind.label())?;
            }
            FileStatus::Unchanged { format } => {
                unchanged += 1;
                writeln!(out, "unchanged  {path} ({format})")?;
            }
            FileStatus::Skipped { reason } => {
                skipped += 1;
                writeln!(out, "skipped    {path}: {}", for_terminal(&redact(reason)))?;
            }
        }
    }
    write!(out, "{loaded} loaded, {unchanged} unchanged, {skipped} skipped")?;
    if report.replaced_lines > 0 {
        write!(out, "; {} lines of earlier deliveries replaced", report.replaced_lines)?;
    }
    writeln!(out)
}
