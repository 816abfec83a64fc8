//! Running the real `apportion` binary from a benchmark and measuring it:
//! wall time, its peak RSS (VmHWM, polled), and the peak size of the
//! spill directory DuckDB writes beside the database (`<db>.tmp`).
#![allow(dead_code)] // shared by the year, limit and spark_month benchmarks, each using part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary took.
pub struct Step {
    pub wall: Duration,
    pub peak_kib: u64,
    /// The largest the database's spill directory got, bytes.
    pub spill_bytes: u64,
    /// Why it did not finish, if it did not: its error, or the time limit.
    pub failure: Option<String>,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1}s, peak RSS {:.2} GiB",
            self.wall.as_secs_f64(),
            gib(self.peak_kib)
        )?;
        if self.spill_bytes > 0 {
            write!(f, ", spill {:.2} GiB", self.spill_bytes as f64 / (1u64 << 30) as f64)?;
        }
        Ok(())
    }
}

/// Run the binary on `db`, stopping it after `limit`; a failure is reported
/// in the step, not raised.
pub fn run_apportion_within(db: &Path, args: &[&std::ffi::OsStr], limit: Option<Duration>) -> Step {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_apportion"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("APPORTION_DB")
        .env_remove("APPORTION_RULES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start apportion");
    let status_file = format!("/proc/{}/status", child.id());
    let spill = spill_dir(db);
    let (mut peak_kib, mut spill_bytes) = (0, 0);
    let mut polls = 0u64;
    let mut timed_out = false;
    loop {
        if let Some(kib) = high_water_kib(&status_file) {
            peak_kib = peak_kib.max(kib);
        }
        // The spill directory every 0.5 s: walking it is not free.
        if polls.is_multiple_of(25) {
            spill_bytes = spill_bytes.max(dir_bytes(&spill));
        }
        polls += 1;
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if limit.is_some_and(|l| t.elapsed() > l) {
            let _ = child.kill();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    let failure = if timed_out {
        Some(format!("stopped after {:.0} s", t.elapsed().as_secs_f64()))
    } else if out.status.success() {
        None
    } else {
        Some(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    };
    Step {
        wall: t.elapsed(),
        peak_kib,
        spill_bytes,
        failure,
    }
}

/// The high-water mark (VmHWM, KiB) in a `/proc/…/status` file, while the
/// process is there to read.
pub fn high_water_kib(status_file: &str) -> Option<u64> {
    std::fs::read_to_string(status_file).ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    })
}

/// Where DuckDB spills for the database at `db` (its default temp directory).
pub fn spill_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.metadata() {
                Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                Ok(m) => m.len(),
                Err(_) => 0,
            })
            .sum()
    })
}

/// A database path under `work` with no file, WAL or spill directory left.
pub fn fresh_db(work: &Path, name: &str) -> PathBuf {
    let path = work.join(name);
    for p in [path.clone(), path.with_extension("duckdb.wal")] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_dir_all(spill_dir(&path));
    path
}

pub fn gib(kib: u64) -> f64 {
    kib as f64 / (1 << 20) as f64
}

pub fn file_gib(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / (1u64 << 30) as f64)
}

pub fn machine_memory_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0.0, gib)
}
