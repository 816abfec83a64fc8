//! Write the year benchmark's data without running the benchmark:
//! `cargo run --release --example generate_year -- DIR [MONTHS] [LINES_PER_MONTH]`
//! (defaults: 12 months of 6,000,000 lines). Prints what each month holds.

#[path = "../benches/year/generate.rs"]
mod generate;

use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "year-data".to_owned()));
    let months: u32 = args.next().map_or(12, |m| m.parse().expect("MONTHS must be a number"));
    let lines: usize = args.next().map_or(6_000_000, |l| {
        l.replace('_', "").parse().expect("LINES must be a number")
    });
    let mut year = generate::Year::new(&dir, lines);
    for m in 0..months {
        let t = Instant::now();
        let f = year.write_month(m)?;
        println!(
            "{} ({}): {} lines, ${:.2}, {} tasks started ({} task events) in {:.1}s",
            f.month,
            f.billing.display(),
            f.lines,
            f.total_units as f64 / 1e8,
            f.tasks_started,
            f.task_events,
            t.elapsed().as_secs_f64()
        );
    }
    std::fs::write(dir.join("services.csv"), generate::service_map_csv())?;
    Ok(())
}
