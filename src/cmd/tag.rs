//! `tag assign` and `tag undo`: the tagging page's assignment and undo from
//! the command line, with how long the first month and all months took (the
//! figures of a tagging session at a year's scale).

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::attribute::{RulesChoice, assign as assign_rule, undo_assign};
use crate::cli::{TagAssignArgs, TagByTagArgs, TagUndoArgs};
use crate::db::{Db, MonthProgress};
use crate::report::month_or_latest;
use crate::rules::{MATCHERS, NewRule};
use crate::safe_text::for_terminal;

pub fn assign(db: &Db, rules: &RulesChoice, args: &TagAssignArgs) -> Result<ExitCode> {
    if !MATCHERS.iter().any(|m| m.key == args.field) {
        let keys: Vec<&str> = MATCHERS.iter().map(|m| m.key).collect();
        bail!("cannot match on {:?}: use one of {}", args.field, keys.join(", "));
    }
    if args.area.trim().is_empty() {
        bail!("the area is empty");
    }
    let rule = if args.glob {
        NewRule::pattern(args.area.trim(), &args.field, &args.value)
    } else {
        NewRule::exactly(args.area.trim(), &args.field, &args.value)
    };
    append(db, rules, &rule, args.month.as_deref())
}

pub fn by_tag(db: &Db, rules: &RulesChoice, args: &TagByTagArgs) -> Result<ExitCode> {
    if args.key.trim().is_empty() {
        bail!("the tag key is empty");
    }
    append(db, rules, &NewRule::from_tag(args.key.trim()), args.month.as_deref())
}

fn append(db: &Db, rules: &RulesChoice, rule: &NewRule, month: Option<&str>) -> Result<ExitCode> {
    let first = month_or_latest(db, month)?;
    let mut timing = Timing::start();
    let message = assign_rule(db, rules, rule, Some(&first), &mut timing)?;
    timing.print(&message)?;
    Ok(ExitCode::SUCCESS)
}

pub fn undo(db: &Db, rules: &RulesChoice, args: &TagUndoArgs) -> Result<ExitCode> {
    let first = month_or_latest(db, args.month.as_deref())?;
    let mut timing = Timing::start();
    let message = undo_assign(db, rules, Some(&first), &mut timing)?;
    timing.print(&message)?;
    Ok(ExitCode::SUCCESS)
}

/// When the first month and the last were done.
struct Timing {
    started: Instant,
    order: Vec<String>,
    finished: Vec<Duration>,
}

impl Timing {
    fn start() -> Timing {
        Timing {
            started: Instant::now(),
            order: Vec::new(),
            finished: Vec::new(),
        }
    }

    fn print(&self, message: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", for_terminal(message))?;
        let all = self.started.elapsed();
        match (self.order.first(), self.finished.first()) {
            (Some(first), Some(took)) => writeln!(
                out,
                "{first} (first) up to date in {:.2} s; all {} month(s) in {:.2} s",
                took.as_secs_f64(),
                self.finished.len(),
                all.as_secs_f64()
            ),
            _ => writeln!(out, "every month was already up to date ({:.2} s)", all.as_secs_f64()),
        }
    }
}

impl MonthProgress for Timing {
    fn months(&mut self, months: &[String]) {
        self.order = months.to_vec();
    }

    fn month_finished(&mut self) {
        self.finished.push(self.started.elapsed());
    }
}
