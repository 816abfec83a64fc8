//! The unit-cost page: cost per unit of each business metric, month by
//! month, and what more volume would cost.

use super::super::app::{Action, App, Loadable, Page, Request, Selection};
use crate::db::UnitCost;

#[derive(Debug, Clone, PartialEq)]
pub struct UnitCostState {
    pub rows: Loadable<Vec<UnitCost>>,
    pub list: Selection,
}

impl Default for UnitCostState {
    fn default() -> UnitCostState {
        UnitCostState {
            rows: Loadable::Idle,
            list: Selection::default(),
        }
    }
}

impl UnitCostState {
    /// The months of the selected row's metric and scope, oldest first.
    pub fn series(&self) -> Vec<&UnitCost> {
        let Some(rows) = self.rows.ready() else {
            return Vec::new();
        };
        let Some(selected) = rows.get(self.list.selected()) else {
            return Vec::new();
        };
        rows.iter()
            .filter(|r| r.metric == selected.metric && r.area == selected.area)
            .collect()
    }
}

impl App {
    pub(in crate::tui) fn load_unit_costs(&mut self) -> Vec<Request> {
        let ticket = self.ticket();
        let Page::UnitCosts(u) = &mut self.page else {
            return Vec::new();
        };
        u.rows = Loadable::Loading(ticket);
        vec![Request::UnitCosts { ticket }]
    }

    pub(in crate::tui) fn update_unit_costs(&mut self, action: Action) -> Vec<Request> {
        let Page::UnitCosts(u) = &mut self.page else {
            return Vec::new();
        };
        if let Action::Move(movement) = action {
            let len = u.rows.ready().map_or(0, Vec::len);
            u.list.apply(movement, len);
        }
        Vec::new()
    }
}
