//! The spikes page: month-over-month changes per product area × AWS product,
//! largest first, what drove the selected one, and its cost day by day
//! against the month before.

use super::super::app::{Action, App, Hierarchy, Loadable, Page, Request, Selection, Ticket};
use crate::db::{Level, Spikes};

#[derive(Debug, Clone, PartialEq)]
pub struct SpikesState {
    pub spikes: Loadable<Spikes>,
    pub list: Selection,
    /// The selected change's cost per day: this month, and the month before.
    pub daily: Loadable<(Vec<f64>, Vec<f64>)>,
}

impl Default for SpikesState {
    fn default() -> SpikesState {
        SpikesState {
            spikes: Loadable::Idle,
            list: Selection::default(),
            daily: Loadable::Idle,
        }
    }
}

impl SpikesState {
    /// The first day of the month whose cost stood clearly above the month
    /// before (its daily mean and a tenth of the change spread over the
    /// month): where the selected change began.
    pub fn start_day(&self) -> Option<usize> {
        let (now, before) = self.daily.ready()?;
        if before.is_empty() {
            return None;
        }
        let mean = before.iter().sum::<f64>() / before.len() as f64;
        let change = (now.iter().sum::<f64>() - before.iter().sum::<f64>()) / now.len().max(1) as f64;
        let above = mean + (change.abs() / 2.0).max(mean.abs() * 0.1);
        (change > 0.0)
            .then(|| now.iter().position(|v| *v > above))
            .flatten()
            .map(|i| i + 1)
    }
}

impl App {
    pub(in crate::tui) fn load_spikes(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else {
            return Vec::new();
        };
        let ticket = self.ticket();
        let Page::Spikes(s) = &mut self.page else {
            return Vec::new();
        };
        s.spikes = Loadable::Loading(ticket);
        s.daily = Loadable::Idle;
        vec![Request::Spikes { ticket, month }]
    }

    pub(in crate::tui) fn receive_spikes(&mut self, ticket: Ticket, answer: Result<Spikes, String>) -> Vec<Request> {
        let Page::Spikes(s) = &mut self.page else {
            return Vec::new();
        };
        if !s.spikes.accept(ticket, answer) {
            return Vec::new();
        }
        let rows = s.spikes.ready().map_or(0, |x| x.spikes.len());
        s.list.clamp(rows);
        self.spike_daily()
    }

    /// Ask for the selected change's days.
    fn spike_daily(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else {
            return Vec::new();
        };
        let previous = self.previous_month().map(str::to_owned);
        let ticket = self.ticket();
        let Page::Spikes(s) = &mut self.page else {
            return Vec::new();
        };
        let Some(spike) = s.spikes.ready().and_then(|x| x.spikes.get(s.list.selected())) else {
            s.daily = Loadable::Idle;
            return Vec::new();
        };
        let path = vec![
            (Level::Area, spike.area.clone()),
            (Level::Product, spike.product.clone()),
        ];
        s.daily = Loadable::Loading(ticket);
        vec![Request::SpikeDaily {
            ticket,
            month,
            previous,
            path,
        }]
    }

    pub(in crate::tui) fn update_spikes(&mut self, action: Action) -> Vec<Request> {
        let Page::Spikes(s) = &mut self.page else {
            return Vec::new();
        };
        match action {
            Action::Move(movement) => {
                let len = s.spikes.ready().map_or(0, |x| x.spikes.len());
                if s.list.apply(movement, len) {
                    self.spike_daily()
                } else {
                    Vec::new()
                }
            }
            Action::Drill => {
                let Some(spike) = s.spikes.ready().and_then(|x| x.spikes.get(s.list.selected())).cloned() else {
                    return Vec::new();
                };
                // The explorer at that area × product, its resources and services.
                let path = vec![(Level::Area, spike.area), (Level::Product, spike.product)];
                self.open_explorer_at(Hierarchy::AreaFirst, path)
            }
            _ => Vec::new(),
        }
    }
}
