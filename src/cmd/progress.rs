//! Progress bars on a terminal: bytes and files while downloading from S3,
//! one per file while syncing (fed by DuckDB's own estimate of the running
//! statement), one of months while attributing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::db::{Db, MonthProgress};
use crate::ingest::SyncProgress;
use crate::s3::FetchProgress;
use crate::safe_text::for_terminal;

/// A bar that follows the running DuckDB statement.
pub struct Bar {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    pub fn start(db: &Db) -> Result<Bar> {
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos:>3}% {wide_msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let probe = db.progress_probe()?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(p) = probe.percent() {
                        bar.set_position(p.clamp(0.0, 100.0) as u64);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Ok(Bar {
            bar,
            stop,
            ticker: Some(ticker),
        })
    }

    pub fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}

impl SyncProgress for Bar {
    fn file_started(&mut self, path: &Path, index: usize, count: usize) {
        self.bar.set_position(0);
        self.bar.set_prefix(format!("{}/{}", index + 1, count));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.bar.set_message(for_terminal(&name).into_owned());
    }

    fn file_finished(&mut self) {
        self.bar.set_position(100);
    }
}

/// A bar of months attributed, one step per month.
pub struct MonthBar(ProgressBar);

impl MonthBar {
    pub fn start() -> MonthBar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("attributing {msg} [{bar:30}] {pos}/{len} months, {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        MonthBar(bar)
    }
}

impl Drop for MonthBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl MonthProgress for MonthBar {
    fn months(&mut self, months: &[String]) {
        self.0.set_length(months.len() as u64);
    }

    fn month_started(&mut self, month: &str, index: usize) {
        self.0.set_position(index as u64);
        self.0.set_message(month.to_owned());
    }

    fn month_finished(&mut self) {
        self.0.inc(1);
    }
}

/// Bytes and files downloaded from S3.
pub struct DownloadBar {
    bar: ProgressBar,
    files: AtomicUsize,
    done: AtomicUsize,
}

impl DownloadBar {
    pub fn start() -> DownloadBar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("downloading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        DownloadBar {
            bar,
            files: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show_files(&self) {
        let (done, files) = (self.done.load(Ordering::Relaxed), self.files.load(Ordering::Relaxed));
        self.bar.set_message(format!("{done}/{files} files"));
    }
}

impl FetchProgress for DownloadBar {
    fn listing(&self, location: &str) {
        self.bar.set_message(format!("listing {}", for_terminal(location)));
    }

    fn downloading(&self, files: usize, bytes: u64) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bar.inc_length(bytes);
        self.show_files();
    }

    fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    fn discard(&self, n: u64) {
        self.bar.dec(n);
    }

    fn file_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.show_files();
    }
}
