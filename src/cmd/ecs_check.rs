//! `ecs-check`: the ECS split by task events against AWS's split cost
//! allocation data, per service, and the instance-hours only one covers.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::EcsCheckArgs;
use crate::db::Db;
use crate::report::{month_or_latest, write_ecs_check};

pub fn run(db: &Db, args: &EcsCheckArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    let check = db.ecs_check(&month)?;
    write_ecs_check(&check, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
