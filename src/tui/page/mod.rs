//! One module per page: its state, and how actions change it.

pub mod explorer;
pub mod spikes;
pub mod tagging;
pub mod unit_costs;
