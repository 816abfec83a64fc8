//! The tagging page: coverage of the month (a gauge, and the months before
//! as a chart) and the untagged resources to chase, largest first, down to
//! the target. Assigning an area to a row writes a rule and attributes again.

use super::super::app::{Action, App, Assignment, Loadable, Mode, Page, Request, Selection, Ticket};
use crate::db::Coverage;

/// Coverage the tagging page chases up to.
pub const TAGGING_TARGET: f64 = 0.9;

#[derive(Debug, Clone, PartialEq)]
pub struct TaggingState {
    pub coverage: Loadable<Coverage>,
    pub list: Selection,
}

impl Default for TaggingState {
    fn default() -> TaggingState {
        TaggingState {
            coverage: Loadable::Idle,
            list: Selection::default(),
        }
    }
}

impl TaggingState {
    pub(in crate::tui) fn accept(&mut self, ticket: Ticket, answer: Result<Coverage, String>) {
        if self.coverage.accept(ticket, answer) {
            let rows = self.coverage.ready().map_or(0, |c| c.chase.len());
            self.list.clamp(rows);
        }
    }

    /// The share of the month's cost with a product area.
    pub fn covered(&self) -> Option<f64> {
        let c = self.coverage.ready()?;
        let covered: crate::money::Money = c.by_product.iter().map(|(_, v, _)| *v).sum();
        Some(if c.total.is_zero() {
            1.0
        } else {
            covered.as_f64() / c.total.as_f64()
        })
    }
}

impl App {
    pub(in crate::tui) fn load_tagging(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else {
            return Vec::new();
        };
        let ticket = self.ticket();
        let Page::Tagging(t) = &mut self.page else {
            return Vec::new();
        };
        t.coverage = Loadable::Loading(ticket);
        vec![Request::Coverage {
            ticket,
            month,
            target: TAGGING_TARGET,
        }]
    }

    pub(in crate::tui) fn update_tagging(&mut self, action: Action) -> Vec<Request> {
        let Page::Tagging(t) = &mut self.page else {
            return Vec::new();
        };
        match action {
            Action::Move(movement) => {
                let len = t.coverage.ready().map_or(0, |c| c.chase.len());
                t.list.apply(movement, len);
            }
            Action::Drill | Action::AssignProduct | Action::AssignUsageType => {
                let Some(row) = t.coverage.ready().and_then(|c| c.chase.get(t.list.selected())).cloned() else {
                    return Vec::new();
                };
                let (field, value) = match action {
                    Action::AssignUsageType if !row.usage_type.is_empty() => ("usage_type", row.usage_type),
                    Action::AssignProduct | Action::AssignUsageType => ("product", row.product),
                    _ if row.resource.is_empty() => ("product", row.product),
                    _ => ("resource", row.resource),
                };
                self.mode = Mode::Typing(Assignment {
                    field,
                    value,
                    area: String::new(),
                });
            }
            Action::Undo => {
                if self.session_rules == 0 {
                    self.status = "nothing to undo in this session".to_owned();
                } else {
                    return vec![Request::UndoRule];
                }
            }
            Action::Export => return self.export_chase(),
            _ => {}
        }
        Vec::new()
    }

    fn export_chase(&self) -> Vec<Request> {
        let Page::Tagging(t) = &self.page else {
            return Vec::new();
        };
        let (Some(month), Some(c)) = (self.month(), t.coverage.ready()) else {
            return Vec::new();
        };
        let rows = c
            .chase
            .iter()
            .map(|ch| {
                vec![
                    ch.resource.clone(),
                    ch.product.clone(),
                    ch.usage_type.clone(),
                    ch.cost.decimal(),
                    format!("{:.4}", ch.coverage_after),
                ]
            })
            .collect();
        vec![Request::Export {
            path: self.export_dir.join(format!("apportion-{month}-untagged.csv")),
            header: ["resource", "product", "usage_type", "cost", "coverage_after"]
                .map(str::to_owned)
                .to_vec(),
            rows,
        }]
    }
}
