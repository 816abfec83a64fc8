//! What the explorer asks its worker thread, and what comes back. A request
//! that fills part of a page carries the ticket of the state that asked, so
//! an answer to a superseded question is dropped and an error lands where
//! it belongs.

use crate::db::{ChargeArea, CostMeasure, Coverage, ExploreRow, Level, Reconciliation, Spikes, UnitCost};
use crate::money::Money;
use crate::rules::NewRule;

/// Which question an answer belongs to.
pub type Ticket = u64;

/// What the worker found, or why it could not.
pub type Answer<T> = Result<T, String>;

/// What the typed area will be assigned to: a rule field and its value
/// (a glob when `glob`, else matched exactly).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub field: &'static str,
    pub value: String,
    pub glob: bool,
    pub area: String,
}

impl Assignment {
    /// The rule it appends.
    pub fn rule(&self) -> NewRule {
        let area = self.area.trim();
        if self.glob {
            NewRule::pattern(area, self.field, &self.value)
        } else {
            NewRule::exactly(area, self.field, &self.value)
        }
    }
}

/// A query for the worker thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// The children of `path` at `level` in `month`, with `previous` month's cost.
    Rows {
        ticket: Ticket,
        month: String,
        previous: Option<String>,
        measure: CostMeasure,
        path: Vec<(Level, String)>,
        level: Level,
    },
    /// Cost per day of `month` under `path`.
    Daily {
        ticket: Ticket,
        month: String,
        measure: CostMeasure,
        path: Vec<(Level, String)>,
    },
    /// Cost per month under `path`, for `months` (oldest first).
    Trend {
        ticket: Ticket,
        months: Vec<String>,
        measure: CostMeasure,
        path: Vec<(Level, String)>,
    },
    Explain {
        month: String,
        resource: String,
    },
    Export {
        path: std::path::PathBuf,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Coverage {
        ticket: Ticket,
        month: String,
        target: f64,
    },
    Spikes {
        ticket: Ticket,
        month: String,
    },
    /// The daily cost of one area × product in `month` and in `previous`.
    SpikeDaily {
        ticket: Ticket,
        month: String,
        previous: Option<String>,
        path: Vec<(Level, String)>,
    },
    UnitCosts {
        ticket: Ticket,
    },
    /// The month's bill by kind of charge.
    Bill {
        ticket: Ticket,
        month: String,
    },
    /// The areas one kind of charge went to.
    ChargeAreas {
        ticket: Ticket,
        month: String,
        charge: String,
    },
    /// Append a rule to the database's rules file, then bring the months up
    /// to date, `month` (the one on screen) first.
    AssignRule {
        rule: NewRule,
        month: Option<String>,
    },
    /// Remove the last rule of that file, then bring the months up to date.
    UndoRule {
        month: Option<String>,
    },
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Rows {
        ticket: Ticket,
        answer: Answer<Vec<ExploreRow>>,
    },
    Daily {
        ticket: Ticket,
        answer: Answer<Vec<f64>>,
    },
    Trend {
        ticket: Ticket,
        answer: Answer<Vec<(String, Money)>>,
    },
    Explained {
        text: String,
    },
    Exported {
        answer: Answer<std::path::PathBuf>,
    },
    Coverage {
        ticket: Ticket,
        answer: Answer<Coverage>,
    },
    Spikes {
        ticket: Ticket,
        answer: Answer<Spikes>,
    },
    SpikeDaily {
        ticket: Ticket,
        answer: Answer<(Vec<f64>, Vec<f64>)>,
    },
    UnitCosts {
        ticket: Ticket,
        answer: Answer<Vec<UnitCost>>,
    },
    Bill {
        ticket: Ticket,
        answer: Answer<Reconciliation>,
    },
    ChargeAreas {
        ticket: Ticket,
        answer: Answer<Vec<ChargeArea>>,
    },
    /// A rules change is being applied: `redone` was brought up to date (None
    /// when it starts), `pending` are the months still as they were.
    RulesProgress {
        redone: Option<String>,
        pending: Vec<String>,
    },
    /// The rules changed and every month is up to date: what was done, and
    /// whether a rule was added.
    RulesChanged {
        answer: Answer<(String, bool)>,
    },
}
