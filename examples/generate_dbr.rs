//! Write a realistic DBR-RT month for benchmarks:
//! `cargo run --release --example generate_dbr -- [ROWS] [FILE]`
//! (default 6,000,000 lines to `dbr-month.csv`). Prints the line count and total.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use apportion::demo::{bench_month, format_units};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|r| r.replace('_', "").parse().expect("ROWS must be a number"))
        .unwrap_or(6_000_000);
    let path = args.next().unwrap_or_else(|| "dbr-month.csv".to_owned());
    let started = Instant::now();
    let written = write_month(rows, &path)?;
    println!(
        "wrote {path}: {} money lines, total ${} in {:.1}s",
        written.money_lines,
        format_units(written.total),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_month(rows: usize, path: &str) -> std::io::Result<apportion::demo::Written> {
    let month = bench_month(rows);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let written = month.write(&mut out)?;
    out.flush()?;
    Ok(written)
}
