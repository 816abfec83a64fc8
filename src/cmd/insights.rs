//! `coverage`, `spikes`, `unit-cost`, `forecast`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::{CoverageArgs, ForecastArgs, SpikesArgs, UnitCostArgs};
use crate::db::{CostBasis, CostMeasure, Db};
use crate::report::{month_or_latest, write_coverage, write_forecast, write_spikes, write_tag_keys, write_unit_costs};

pub fn coverage(db: &Db, args: &CoverageArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.target) {
        bail!("--target is a share between 0 and 1, like 0.9");
    }
    let month = month_or_latest(db, args.month.as_deref())?;
    if args.tag_keys {
        let (key, keys) = db.tag_keys_like_area(&month)?;
        write_tag_keys(&key, &keys, &month, &mut std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
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
    let basis = basis(args.direct);
    let rows = db.unit_costs_of(
        args.metric.as_deref(),
        args.area.as_deref(),
        CostMeasure::Unblended,
        basis,
    )?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "costs: {}", basis.label())?;
    write_unit_costs(&rows, args.month.as_deref(), &mut out)?;
    Ok(ExitCode::SUCCESS)
}

fn basis(direct: bool) -> CostBasis {
    if direct {
        CostBasis::Direct
    } else {
        CostBasis::FullyLoaded
    }
}

pub fn forecast(db: &Db, args: &ForecastArgs) -> Result<ExitCode> {
    if !(0.0..1.0).contains(&args.margin) {
        bail!("--margin is a share below 1, like 0.3");
    }
    let basis = basis(args.direct);
    let rows = db.unit_costs_of(Some(&args.metric), args.area.as_deref(), CostMeasure::Unblended, basis)?;
    let mut out = std::io::stdout().lock();
    match &args.area {
        Some(area) => writeln!(
            out,
            "costs: {} of {}",
            basis.label(),
            crate::safe_text::for_terminal(area)
        )?,
        None => writeln!(out, "costs: {}", basis.label())?,
    }
    write_forecast(&rows, &args.metric, args.amount, args.margin, &mut out)?;
    Ok(ExitCode::SUCCESS)
}
