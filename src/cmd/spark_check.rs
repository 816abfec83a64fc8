//! `spark-check [--spark-remote URL] [PATH...]`: what a data engineer checks
//! before giving a cluster work: that the Spark Connect server answers, takes
//! the token, runs Spark 3.5 or newer, and can list the exports where they
//! are. Exit 1 when a path cannot be listed.

use std::process::ExitCode;

use anyhow::Result;
use indicatif::HumanBytes;

use crate::cli::SparkCheckArgs;
use crate::safe_text::for_terminal;
use crate::spark::{Remote, SETTINGS, Spark};

pub fn run(args: &SparkCheckArgs, spark_remote: Option<&str>) -> Result<ExitCode> {
    let remote = Remote::resolve(spark_remote)?;
    let token = if remote.has_token() {
        " (with the token from the environment)"
    } else {
        ""
    };
    let spark = Spark::connect(remote)?;
    println!(
        "{}{token}: Spark {} answers",
        for_terminal(&spark.remote.shown()),
        for_terminal(&spark.version)
    );
    let settings: Vec<String> = SETTINGS.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("  session set up with {}", settings.join(", "));
    let mut unreadable = 0;
    for path in &args.paths {
        match spark.files_at(path) {
            Ok((files, bytes)) => println!(
                "  {}: {files} files, {} listed by the cluster",
                for_terminal(path),
                HumanBytes(u64::try_from(bytes).unwrap_or(0))
            ),
            Err(e) => {
                unreadable += 1;
                eprintln!("  {}", for_terminal(&format!("{e:#}")));
            }
        }
    }
    Ok(if unreadable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
