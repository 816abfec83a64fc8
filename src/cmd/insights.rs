//! `coverage`, `spikes`, `unit-cost`, `forecast`.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::{CoverageArgs, ForecastArgs, SpikesArgs, UnitCostArgs};
use crate::db::{CostMeasure, Db};
use crate::report::{month_or_latest, write_coverage, write_forecast, write_spikes, write_unit_costs};

pub fn coverage(db: &Db, args: &CoverageArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.target) {
        bail!("--target is a share between 0 and 1, like 0.9");
    }
    let month = month_or_latest(db, args.month.as_deref())?;
    let c = db.coverage(&month, CostMeasure::Unblended, args.target)?;
    write_coverage(&c, &month, args.target, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn spikes(db: &Db, args: &SpikesArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    let s = db.spikes(&month, CostMeasure::Unblended, args.min_delta)?;
    write_spikes(&s, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn unit_cost(db: &Db, args: &UnitCostArgs) -> Result<ExitCode> {
    let rows = db.unit_costs(args.metric.as_deref(), CostMeasure::Unblended)?;
    write_unit_costs(&rows, args.month.as_deref(), &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn forecast(db: &Db, args: &ForecastArgs) -> Result<ExitCode> {
    if !(0.0..1.0).contains(&args.margin) {
        bail!("--margin is a share below 1, like 0.3");
    }
    let rows = db.unit_costs(Some(&args.metric), CostMeasure::Unblended)?;
    write_forecast(
        &rows,
        &args.metric,
        args.amount,
        args.margin,
        &mut std::io::stdout().lock(),
    )?;
    Ok(ExitCode::SUCCESS)
}
