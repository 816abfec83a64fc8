//! The explorer page: a stack of drill-down views (AWS product → product
//! area → resource or service, or area first), the selected row's daily cost
//! in the month and its 12-month trend.

use super::super::app::{Action, App, Loadable, Mode, Movement, Popup, Request, Selection};
use crate::db::{CostMeasure, ExploreRow, Level};
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Cost,
    Name,
    Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    /// AWS product → product area → resource or service.
    ProductFirst,
    /// Product area → AWS product → resource or service.
    AreaFirst,
}

impl Hierarchy {
    pub fn levels(self) -> [Level; 3] {
        match self {
            Hierarchy::ProductFirst => [Level::Product, Level::Area, Level::Leaf],
            Hierarchy::AreaFirst => [Level::Area, Level::Product, Level::Leaf],
        }
    }
}

/// One level of the drill-down stack.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub path: Vec<(Level, String)>,
    pub rows: Loadable<Vec<ExploreRow>>,
    pub list: Selection,
    pub filter: String,
}

impl View {
    fn at(path: Vec<(Level, String)>) -> View {
        View {
            path,
            rows: Loadable::Idle,
            list: Selection::default(),
            filter: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExplorerState {
    pub hierarchy: Hierarchy,
    pub stack: Vec<View>,
    pub sort: SortKey,
    pub descending: bool,
    /// The selected row's cost per day of the month.
    pub daily: Loadable<Vec<f64>>,
    /// The selected row's cost in each of the last 12 months.
    pub trend: Loadable<Vec<(String, Money)>>,
}

impl Default for ExplorerState {
    fn default() -> ExplorerState {
        ExplorerState {
            hierarchy: Hierarchy::ProductFirst,
            stack: vec![View::at(Vec::new())],
            sort: SortKey::Cost,
            descending: true,
            daily: Loadable::Idle,
            trend: Loadable::Idle,
        }
    }
}

impl ExplorerState {
    pub fn view(&self) -> &View {
        self.stack.last().expect("the stack always has the top view")
    }

    pub(in crate::tui) fn view_mut(&mut self) -> &mut View {
        self.stack.last_mut().expect("the stack always has the top view")
    }

    pub fn level(&self) -> Level {
        self.hierarchy.levels()[self.stack.len() - 1]
    }

    /// Forget every level's rows (the month, measure or rules changed); the
    /// top view is asked again, deeper ones as the user drills back.
    pub fn clear(&mut self) {
        for view in &mut self.stack {
            view.rows = Loadable::Idle;
        }
    }

    /// Rows as shown: filtered by `filter` and sorted by the sort key.
    pub fn visible_rows_with(&self, filter: &str) -> Vec<&ExploreRow> {
        let needle = filter.to_lowercase();
        let mut rows: Vec<&ExploreRow> = self
            .view()
            .rows
            .ready()
            .map(|rows| {
                rows.iter()
                    .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle))
                    .collect()
            })
            .unwrap_or_default();
        match self.sort {
            SortKey::Cost => rows.sort_by(|a, b| a.cost.cmp(&b.cost).then_with(|| b.name.cmp(&a.name))),
            SortKey::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            SortKey::Change => rows.sort_by_key(|r| r.cost - r.previous),
        }
        if self.descending {
            rows.reverse();
        }
        rows
    }

    /// The total of the current view (its parent's cost).
    pub fn total(&self) -> Money {
        self.view()
            .rows
            .ready()
            .map(|rows| rows.iter().map(|r| r.cost).sum())
            .unwrap_or_default()
    }
}

impl App {
    /// The filter in effect: the one being typed, else the view's.
    pub fn filter(&self) -> &str {
        match &self.mode {
            Mode::Filter(text) => text,
            _ => &self.explorer.view().filter,
        }
    }

    pub fn visible_rows(&self) -> Vec<&ExploreRow> {
        self.explorer.visible_rows_with(self.filter())
    }

    pub fn selected_row(&self) -> Option<&ExploreRow> {
        self.visible_rows().get(self.explorer.view().list.selected()).copied()
    }

    /// Ask for the current view's rows.
    pub(in crate::tui) fn reload_explorer(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else {
            return Vec::new();
        };
        let ticket = self.ticket();
        let previous = self.previous_month().map(str::to_owned);
        let (path, level) = (self.explorer.view().path.clone(), self.explorer.level());
        self.explorer.view_mut().rows = Loadable::Loading(ticket);
        vec![Request::Rows {
            ticket,
            month,
            previous,
            measure: self.measure,
            path,
            level,
        }]
    }

    /// Ask for the selected row's daily cost and 12-month trend.
    pub(in crate::tui) fn selection_requests(&mut self) -> Vec<Request> {
        let (Some(month), Some(row)) = (
            self.month().map(str::to_owned),
            self.selected_row().map(|r| r.name.clone()),
        ) else {
            self.explorer.daily = Loadable::Idle;
            self.explorer.trend = Loadable::Idle;
            return Vec::new();
        };
        let mut path = self.explorer.view().path.clone();
        path.push((self.explorer.level(), row));
        let months = self.months[self.month.saturating_sub(11)..=self.month].to_vec();
        let (daily, trend) = (self.ticket(), self.ticket());
        self.explorer.daily = Loadable::Loading(daily);
        self.explorer.trend = Loadable::Loading(trend);
        vec![
            Request::Daily {
                ticket: daily,
                month,
                measure: self.measure,
                path: path.clone(),
            },
            Request::Trend {
                ticket: trend,
                months,
                measure: self.measure,
                path,
            },
        ]
    }

    pub(in crate::tui) fn receive_rows(
        &mut self,
        ticket: u64,
        answer: Result<Vec<ExploreRow>, String>,
    ) -> Vec<Request> {
        let view = self.explorer.view_mut();
        if !view.rows.accept(ticket, answer) {
            return Vec::new();
        }
        let count = view.rows.ready().map_or(0, Vec::len);
        view.list.clamp(count);
        self.selection_requests()
    }

    /// Move the selected row among the visible ones; the new row's days and trend are asked for.
    fn move_selection(&mut self, movement: Movement) -> Vec<Request> {
        let count = self.visible_rows().len();
        if self.explorer.view_mut().list.apply(movement, count) {
            self.selection_requests()
        } else {
            Vec::new()
        }
    }

    /// Open the explorer at `path` (from a spike, or a tour step).
    pub(in crate::tui) fn open_explorer_at(
        &mut self,
        hierarchy: Hierarchy,
        path: Vec<(Level, String)>,
    ) -> Vec<Request> {
        self.page = super::super::app::Page::Explorer;
        self.explorer.hierarchy = hierarchy;
        self.explorer.stack = (0..=path.len()).map(|n| View::at(path[..n].to_vec())).collect();
        self.reload_explorer()
    }

    /// Select the row named `name` once rows are in (a tour step); nothing if it is absent.
    pub(in crate::tui) fn select_named(&mut self, name: &str) -> Vec<Request> {
        let position = self.visible_rows().iter().position(|r| r.name == name);
        match position {
            Some(i) => {
                self.explorer.view_mut().list.select(i);
                self.selection_requests()
            }
            None => Vec::new(),
        }
    }

    pub(in crate::tui) fn update_explorer(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Move(movement) => self.move_selection(movement),
            Action::Drill => {
                if self.explorer.stack.len() >= 3 {
                    self.status = "deepest level: press x to explain this row".to_owned();
                    return Vec::new();
                }
                let Some(row) = self.selected_row().map(|r| r.name.clone()) else {
                    return Vec::new();
                };
                let mut path = self.explorer.view().path.clone();
                path.push((self.explorer.level(), row));
                self.explorer.stack.push(View::at(path));
                self.reload_explorer()
            }
            Action::Back => {
                if self.explorer.stack.len() == 1 {
                    return Vec::new();
                }
                self.explorer.stack.pop();
                // A month or measure change cleared the parents; ask again.
                if self.explorer.view().rows.ready().is_none() {
                    self.reload_explorer()
                } else {
                    self.selection_requests()
                }
            }
            Action::ToggleMeasure => {
                self.measure = match self.measure {
                    CostMeasure::Unblended => CostMeasure::Amortized,
                    _ => CostMeasure::Unblended,
                };
                self.explorer.clear();
                self.reload_explorer()
            }
            Action::ToggleHierarchy => {
                self.explorer.hierarchy = match self.explorer.hierarchy {
                    Hierarchy::ProductFirst => Hierarchy::AreaFirst,
                    Hierarchy::AreaFirst => Hierarchy::ProductFirst,
                };
                self.explorer.stack = vec![View::at(Vec::new())];
                self.reload_explorer()
            }
            Action::Sort(key) => {
                let e = &mut self.explorer;
                if e.sort == key {
                    e.descending = !e.descending;
                } else {
                    e.sort = key;
                    e.descending = key != SortKey::Name;
                }
                e.view_mut().list.select(0);
                self.selection_requests()
            }
            Action::StartFilter => {
                self.mode = Mode::Filter(self.explorer.view().filter.clone());
                Vec::new()
            }
            Action::Explain => {
                let (Some(month), Some(row)) = (self.month(), self.selected_row()) else {
                    return Vec::new();
                };
                if self.explorer.level() != Level::Leaf || row.is_service {
                    self.status = "explain works on a resource: drill down to one".to_owned();
                    return Vec::new();
                }
                vec![Request::Explain {
                    month: month.to_owned(),
                    resource: row.name.clone(),
                }]
            }
            Action::Export => self.export_view(),
            _ => Vec::new(),
        }
    }

    pub(in crate::tui) fn update_filter(&mut self, action: Action) -> Vec<Request> {
        let Mode::Filter(text) = &mut self.mode else {
            return Vec::new();
        };
        match action {
            Action::Char(c) => text.push(c),
            Action::Backspace => {
                text.pop();
            }
            Action::Done => {
                let Mode::Filter(text) = std::mem::replace(&mut self.mode, Mode::Normal) else {
                    return Vec::new();
                };
                self.explorer.view_mut().filter = text;
            }
            Action::Cancel => {
                self.mode = Mode::Normal;
                self.explorer.view_mut().filter.clear();
            }
            _ => return Vec::new(),
        }
        self.explorer.view_mut().list.select(0);
        self.selection_requests()
    }

    fn export_view(&mut self) -> Vec<Request> {
        let Some(month) = self.month() else { return Vec::new() };
        let crumbs: Vec<String> = self.explorer.view().path.iter().map(|(_, v)| v.clone()).collect();
        let slug: String = std::iter::once(month.to_owned())
            .chain(crumbs)
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .take(80)
            .collect();
        let header = vec![
            self.explorer.level().label().to_owned(),
            "cost".to_owned(),
            "previous_month".to_owned(),
        ];
        let rows = self
            .visible_rows()
            .iter()
            .map(|r| vec![r.name.clone(), r.cost.decimal(), r.previous.decimal()])
            .collect();
        vec![Request::Export {
            path: self.export_dir.join(format!("apportion-{slug}.csv")),
            header,
            rows,
        }]
    }

    /// Whether the explain popup is open (for tests and the tour).
    pub fn explaining(&self) -> bool {
        matches!(self.popup, Some(Popup::Explain(_)))
    }
}
