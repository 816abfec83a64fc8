//! `reconcile [--month M]`: the month's invoice by kind of charge, where each
//! kind's money went, allocated against billed, and the export's own totals.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ReconcileArgs;
use crate::db::{CostMeasure, Db};
use crate::report::{month_or_latest, write_reconciliation};

pub fn run(db: &Db, args: &ReconcileArgs) -> Result<ExitCode> {
    let month = month_or_latest(db, args.month.as_deref())?;
    let measure: CostMeasure = args.cost.into();
    let reconciliation = db.reconcile(&month, measure)?;
    write_reconciliation(&reconciliation, measure, &mut std::io::stdout().lock())?;
    // A month whose allocations do not add up to its bill, or whose lines do
    // not add up to the totals its export states, is a failure a script must see.
    Ok(if reconciliation.balances() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
