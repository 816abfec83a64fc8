//! `demo`: generate three months of sample exports (bills, ECS and EBS events,
//! a service map, rules), sync them into the demo database (never the real
//! one), attribute, and print where the money went.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::DemoArgs;
use crate::attribute::RulesChoice;
use crate::db::{CostMeasure, Dimension, Scope};
use crate::demo::{FleetEvents, demo_months, metrics_csv, service_map_csv};
use crate::ingest::sync_paths;
use crate::report::{OutputFormat, cost_report, write_report};

const DEMO_RULES: &str = include_str!("../../assets/demo-rules.toml");

/// Lines per demo month: enough to feel real, small enough to build in a second.
const DEMO_LINES_PER_MONTH: usize = 20_000;

pub fn run(opener: &super::Opener, args: &DemoArgs) -> Result<ExitCode> {
    let db_path = opener.path.clone().unwrap_or_else(crate::config::default_demo_db_path);
    let scratch = tempfile::tempdir().context("creating a temp dir for the demo exports")?;
    let dir = args.out.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let create = |name: &str| -> Result<BufWriter<File>> {
        let path = dir.join(name);
        Ok(BufWriter::new(File::create(&path).with_context(|| format!("writing {}", path.display()))?))
    };
    let fleet = FleetEvents {
        ecs_instances: 6,
        concurrency: 2,
        seed: 11,
    };
    let months = demo_months(DEMO_LINES_PER_MONTH);
    std::fs::write(dir.join("business-metrics.csv"), metrics_csv(&months))?;
    for month in months {
        let mut bill = create(&month.file_name())?;
        month.write(&mut bill)?;
        bill.flush()?;
        let stem = format!("{}-{:02}", month.year, month.month);
        let (mut ecs, mut trail) = (create(&format!("ecs-events-{stem}.jsonl"))?, create(&format!("cloudtrail-{stem}.json"))?);
        month.write_events(&fleet, &mut ecs, &mut trail)?;
        ecs.flush()?;
        trail.flush()?;
    }
    std::fs::write(dir.join("services.csv"), service_map_csv())?;
    std::fs::write(dir.join("rules.toml"), DEMO_RULES)?;
    let db = opener.open_at(&db_path)?;
    sync_paths(&db, std::slice::from_ref(&dir), &mut ()).context("syncing the demo exports")?;
    // The demo's rules live beside its database, which remembers them, so the
    // tagging view and later commands without --rules add to and use them.
    let rules_path = db_path.with_file_name("demo-rules.toml");
    std::fs::write(&rules_path, DEMO_RULES).with_context(|| format!("writing {}", rules_path.display()))?;
    let rules = RulesChoice {
        given: Some(rules_path),
        default: crate::config::default_rules_path(),
    };
    let plan = crate::attribute::plan(&db, &rules, &Default::default())?;
    crate::attribute::run(&db, &plan, &Scope::All, &mut ())?;
    if !args.no_tui {
        let options = crate::tui::Options { tour: args.tour };
        return super::explore(&db, RulesChoice { given: None, ..rules }, &options);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let report = cost_report(&db, None, &[Dimension::Area, Dimension::Product], CostMeasure::Unblended)?;
    write_report(&report, OutputFormat::Table, &mut out)?;
    writeln!(out, "\ndemo database: {}", db_path.display())?;
    if let Some(out_dir) = &args.out {
        writeln!(
            out,
            "demo exports:  {dir} (try `apportion --rules {dir}/rules.toml sync {dir}`)",
            dir = out_dir.display()
        )?;
    }
    writeln!(
        out,
        "next: apportion --db {} report --by area,service --format csv",
        db_path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
