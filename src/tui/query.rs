//! What the explorer asks its worker thread, and what comes back.

use crate::db::{Coverage, CostMeasure, ExploreRow, Level, Spikes, UnitCost};

/// What the typed area will be assigned to: a rule field and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub field: &'static str,
    pub value: String,
    pub area: String,
}

/// A query for the worker thread; `generation` ties the answer to the state that asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Rows {
        generation: u64,
        month: String,
        previous: Option<String>,
        measure: CostMeasure,
        path: Vec<(Level, String)>,
        level: Level,
    },
    Daily {
        generation: u64,
        month: String,
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
        month: String,
        target: f64,
    },
    Spikes {
        month: String,
    },
    UnitCosts,
    /// Append a rule to the database's rules file and re-attribute.
    AssignRule { assignment: Assignment },
    /// Remove the last rule of that file and re-attribute.
    UndoRule,
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Rows { generation: u64, rows: Vec<ExploreRow> },
    Daily { generation: u64, values: Vec<f64> },
    Explained { text: String },
    Exported { path: std::path::PathBuf },
    Coverage(Coverage),
    Spikes(Spikes),
    UnitCosts(Vec<UnitCost>),
    /// The rules changed and attribution ran again.
    RulesChanged { message: String, added: bool },
    Failed { message: String },
}
