//! Explorer state and the closed set of actions that change it. `update`
//! never does I/O: it returns the queries the new state needs.

use crate::db::{Coverage, CostMeasure, ExploreRow, Level, Spikes, UnitCost};

pub use super::query::{Assignment, Request, Response};

/// Every key maps to one of these.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Drill,
    Back,
    PreviousMonth,
    NextMonth,
    ToggleMeasure,
    ToggleHierarchy,
    Sort(SortKey),
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    FilterDone,
    FilterCancel,
    Explain,
    Export,
    Help,
    ClosePopup,
    Quit,
    Show(Screen),
    /// Tagging view: type an area for the selected resource, or its whole AWS product.
    AssignResource,
    AssignProduct,
    AssignUsageType,
    Undo,
}

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

/// The views: the explorer and the three questions users bring after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Explorer,
    Tagging,
    Spikes,
    UnitCosts,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    Explain(String),
}

/// One level of the drill-down stack.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub path: Vec<(Level, String)>,
    pub rows: Vec<ExploreRow>,
    pub selected: usize,
    pub filter: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub months: Vec<String>,
    pub month: usize,
    pub measure: CostMeasure,
    pub hierarchy: Hierarchy,
    pub stack: Vec<View>,
    pub sort: SortKey,
    pub descending: bool,
    pub filtering: bool,
    pub popup: Option<Popup>,
    pub loading: bool,
    pub status: String,
    pub error: Option<String>,
    pub daily: Vec<f64>,
    pub generation: u64,
    pub quit: bool,
    /// Where `e` writes the CSV of the current table.
    pub export_dir: std::path::PathBuf,
    pub screen: Screen,
    pub coverage: Option<Coverage>,
    pub spikes: Option<Spikes>,
    pub unit_costs: Vec<UnitCost>,
    /// Selected row of the tagging, spikes and unit-cost views.
    pub picked: usize,
    /// The area being typed for an assignment.
    pub typing: Option<Assignment>,
    /// Rules added by this session, newest last, for undo.
    pub added_rules: usize,
}

/// Coverage the tagging view chases up to.
pub const TAGGING_TARGET: f64 = 0.9;

impl App {
    pub fn new(months: Vec<String>, export_dir: std::path::PathBuf) -> App {
        let month = months.len().saturating_sub(1);
        App {
            months,
            month,
            measure: CostMeasure::Unblended,
            hierarchy: Hierarchy::ProductFirst,
            stack: vec![View {
                path: Vec::new(),
                rows: Vec::new(),
                selected: 0,
                filter: String::new(),
            }],
            sort: SortKey::Cost,
            descending: true,
            filtering: false,
            popup: None,
            loading: false,
            status: String::new(),
            error: None,
            daily: Vec::new(),
            generation: 0,
            quit: false,
            export_dir,
            screen: Screen::Explorer,
            coverage: None,
            spikes: None,
            unit_costs: Vec::new(),
            picked: 0,
            typing: None,
            added_rules: 0,
        }
    }

    /// Rows of the current non-explorer view, for moving the selection.
    fn screen_len(&self) -> usize {
        match self.screen {
            Screen::Explorer => 0,
            Screen::Tagging => self.coverage.as_ref().map_or(0, |c| c.chase.len()),
            Screen::Spikes => self.spikes.as_ref().map_or(0, |s| s.spikes.len()),
            Screen::UnitCosts => self.unit_costs.len(),
        }
    }

    fn screen_request(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else { return Vec::new() };
        self.loading = true;
        match self.screen {
            Screen::Explorer => {
                self.loading = false;
                Vec::new()
            }
            Screen::Tagging => vec![Request::Coverage { month, target: TAGGING_TARGET }],
            Screen::Spikes => vec![Request::Spikes { month }],
            Screen::UnitCosts => vec![Request::UnitCosts],
        }
    }

    fn update_screen(&mut self, action: Action) -> Vec<Request> {
        let len = self.screen_len();
        match action {
            Action::Up => self.picked = self.picked.saturating_sub(1),
            Action::Down => self.picked = (self.picked + 1).min(len.saturating_sub(1)),
            Action::PageUp => self.picked = self.picked.saturating_sub(20),
            Action::PageDown => self.picked = (self.picked + 20).min(len.saturating_sub(1)),
            Action::Top => self.picked = 0,
            Action::Bottom => self.picked = len.saturating_sub(1),
            Action::PreviousMonth | Action::NextMonth if self.shift_month(action == Action::PreviousMonth) => {
                self.picked = 0;
                let mut requests = self.reload_stack();
                requests.extend(self.screen_request());
                return requests;
            }
            Action::Drill | Action::AssignResource | Action::AssignProduct | Action::AssignUsageType
                if self.screen == Screen::Tagging =>
            {
                let row = self.coverage.as_ref().and_then(|c| c.chase.get(self.picked)).cloned();
                if let Some(ch) = row {
                    let (field, value) = match action {
                        Action::AssignUsageType if !ch.usage_type.is_empty() => ("usage_type", ch.usage_type),
                        Action::AssignProduct | Action::AssignUsageType => ("product", ch.product),
                        _ if ch.resource.is_empty() => ("product", ch.product),
                        _ => ("resource", ch.resource),
                    };
                    self.typing = Some(Assignment { field, value, area: String::new() });
                }
            }
            Action::Undo if self.screen == Screen::Tagging => {
                if self.added_rules == 0 {
                    self.status = "nothing to undo in this session".to_owned();
                } else {
                    return vec![Request::UndoRule];
                }
            }
            Action::Drill if self.screen == Screen::Spikes => {
                let spike = self.spikes.as_ref().and_then(|s| s.spikes.get(self.picked)).cloned();
                if let Some(spike) = spike {
                    // Jump into the explorer at that area × product.
                    self.screen = Screen::Explorer;
                    self.hierarchy = Hierarchy::AreaFirst;
                    let area = (Level::Area, spike.area);
                    let product = (Level::Product, spike.product);
                    self.stack = vec![
                        View { path: Vec::new(), rows: Vec::new(), selected: 0, filter: String::new() },
                        View { path: vec![area.clone()], rows: Vec::new(), selected: 0, filter: String::new() },
                        View { path: vec![area, product], rows: Vec::new(), selected: 0, filter: String::new() },
                    ];
                    return self.reload();
                }
            }
            Action::Export if self.screen == Screen::Tagging => return self.export_chase(),
            _ => {}
        }
        Vec::new()
    }

    fn export_chase(&self) -> Vec<Request> {
        let (Some(month), Some(c)) = (self.month(), self.coverage.as_ref()) else { return Vec::new() };
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
            header: ["resource", "product", "usage_type", "cost", "coverage_after"].map(str::to_owned).to_vec(),
            rows,
        }]
    }

    /// Move to the previous or next month; false (with a hint) at either end.
    fn shift_month(&mut self, back: bool) -> bool {
        let next = if back {
            self.month.checked_sub(1)
        } else {
            Some(self.month + 1).filter(|m| *m < self.months.len())
        };
        match next {
            Some(m) => {
                self.month = m;
                true
            }
            None => {
                self.status = "no other month in that direction".to_owned();
                false
            }
        }
    }

    fn update_typing(&mut self, action: Action) -> Vec<Request> {
        let Some(assignment) = self.typing.as_mut() else { return Vec::new() };
        match action {
            Action::FilterChar(c) => assignment.area.push(c),
            Action::FilterBackspace => {
                assignment.area.pop();
            }
            Action::FilterCancel => self.typing = None,
            Action::FilterDone => {
                let assignment = self.typing.take().expect("typing");
                if assignment.area.trim().is_empty() {
                    self.status = "no area typed: nothing assigned".to_owned();
                    return Vec::new();
                }
                self.loading = true;
                return vec![Request::AssignRule { assignment }];
            }
            _ => {}
        }
        Vec::new()
    }

    pub fn is_empty(&self) -> bool {
        self.months.is_empty()
    }

    pub fn month(&self) -> Option<&str> {
        self.months.get(self.month).map(String::as_str)
    }

    pub fn view(&self) -> &View {
        self.stack.last().expect("the stack always has the top view")
    }

    fn view_mut(&mut self) -> &mut View {
        self.stack.last_mut().expect("the stack always has the top view")
    }

    pub fn level(&self) -> Level {
        self.hierarchy.levels()[self.stack.len() - 1]
    }

    /// Rows as shown: filtered by the `/` text and sorted by the sort key.
    pub fn visible_rows(&self) -> Vec<&ExploreRow> {
        let view = self.view();
        let needle = view.filter.to_lowercase();
        let mut rows: Vec<&ExploreRow> = view
            .rows
            .iter()
            .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle))
            .collect();
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

    pub fn selected_row(&self) -> Option<&ExploreRow> {
        self.visible_rows().get(self.view().selected).copied()
    }

    /// The total of the current view (its parent's cost).
    pub fn total(&self) -> crate::money::Money {
        self.view().rows.iter().map(|r| r.cost).sum()
    }

    /// Queries to (re)load the current view.
    pub fn start(&mut self) -> Vec<Request> {
        self.reload()
    }

    fn reload(&mut self) -> Vec<Request> {
        let Some(month) = self.month().map(str::to_owned) else { return Vec::new() };
        self.generation += 1;
        self.loading = true;
        let previous = self.month.checked_sub(1).and_then(|i| self.months.get(i)).cloned();
        vec![Request::Rows {
            generation: self.generation,
            month,
            previous,
            measure: self.measure,
            path: self.view().path.clone(),
            level: self.level(),
        }]
    }

    fn daily_request(&self) -> Vec<Request> {
        let (Some(month), Some(row)) = (self.month(), self.selected_row()) else { return Vec::new() };
        let mut path = self.view().path.clone();
        path.push((self.level(), row.name.clone()));
        vec![Request::Daily {
            generation: self.generation,
            month: month.to_owned(),
            measure: self.measure,
            path,
        }]
    }

    fn move_selection(&mut self, to: impl FnOnce(usize, usize) -> usize) -> Vec<Request> {
        let count = self.visible_rows().len();
        if count == 0 {
            return Vec::new();
        }
        let current = self.view().selected.min(count - 1);
        let next = to(current, count).min(count - 1);
        self.view_mut().selected = next;
        self.daily_request()
    }

    /// Whether keys are text right now (the `/` filter or an area being typed).
    pub fn taking_text(&self) -> bool {
        self.filtering || self.typing.is_some()
    }

    pub fn update(&mut self, action: Action) -> Vec<Request> {
        if self.typing.is_some() {
            return self.update_typing(action);
        }
        if self.filtering {
            return self.update_filter(action);
        }
        if self.popup.is_some() && !matches!(action, Action::Quit) {
            self.popup = None;
            return Vec::new();
        }
        if let Action::Show(screen) = action {
            self.screen = screen;
            self.picked = 0;
            return self.screen_request();
        }
        if self.screen != Screen::Explorer && !matches!(action, Action::Quit | Action::Help) {
            return self.update_screen(action);
        }
        match action {
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Up => self.move_selection(|i, _| i.saturating_sub(1)),
            Action::Down => self.move_selection(|i, _| i + 1),
            Action::PageUp => self.move_selection(|i, _| i.saturating_sub(20)),
            Action::PageDown => self.move_selection(|i, _| i + 20),
            Action::Top => self.move_selection(|_, _| 0),
            Action::Bottom => self.move_selection(|_, n| n - 1),
            Action::Drill => {
                if self.stack.len() >= 3 {
                    self.status = "deepest level: press x to explain this row".to_owned();
                    return Vec::new();
                }
                let Some(row) = self.selected_row().cloned() else { return Vec::new() };
                let mut path = self.view().path.clone();
                path.push((self.level(), row.name));
                self.stack.push(View {
                    path,
                    rows: Vec::new(),
                    selected: 0,
                    filter: String::new(),
                });
                self.reload()
            }
            Action::Back => {
                if self.stack.len() == 1 {
                    return Vec::new();
                }
                self.stack.pop();
                // A month or measure change cleared the parents; ask again.
                if self.view().rows.is_empty() { self.reload() } else { self.daily_request() }
            }
            Action::PreviousMonth | Action::NextMonth => {
                if self.shift_month(action == Action::PreviousMonth) {
                    self.reload_stack()
                } else {
                    Vec::new()
                }
            }
            Action::ToggleMeasure => {
                self.measure = match self.measure {
                    CostMeasure::Unblended => CostMeasure::Amortized,
                    _ => CostMeasure::Unblended,
                };
                self.reload_stack()
            }
            Action::ToggleHierarchy => {
                self.hierarchy = match self.hierarchy {
                    Hierarchy::ProductFirst => Hierarchy::AreaFirst,
                    Hierarchy::AreaFirst => Hierarchy::ProductFirst,
                };
                self.stack.truncate(1);
                self.view_mut().selected = 0;
                self.reload()
            }
            Action::Sort(key) => {
                if self.sort == key {
                    self.descending = !self.descending;
                } else {
                    self.sort = key;
                    self.descending = key != SortKey::Name;
                }
                self.view_mut().selected = 0;
                self.daily_request()
            }
            Action::StartFilter => {
                self.filtering = true;
                Vec::new()
            }
            Action::Explain => {
                let (Some(month), Some(row)) = (self.month(), self.selected_row()) else { return Vec::new() };
                if self.level() != Level::Leaf || row.is_service {
                    self.status = "explain works on a resource: drill down to one".to_owned();
                    return Vec::new();
                }
                vec![Request::Explain {
                    month: month.to_owned(),
                    resource: row.name.clone(),
                }]
            }
            Action::Export => self.export_request(),
            Action::Help => {
                self.popup = Some(Popup::Help);
                Vec::new()
            }
            Action::ClosePopup => Vec::new(),
            Action::FilterChar(_)
            | Action::FilterBackspace
            | Action::FilterDone
            | Action::FilterCancel
            | Action::Show(_)
            | Action::AssignResource
            | Action::AssignProduct
            | Action::AssignUsageType
            | Action::Undo => Vec::new(),
        }
    }

    fn update_filter(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::FilterChar(c) => self.view_mut().filter.push(c),
            Action::FilterBackspace => {
                self.view_mut().filter.pop();
            }
            Action::FilterDone => self.filtering = false,
            Action::FilterCancel => {
                self.filtering = false;
                self.view_mut().filter.clear();
            }
            _ => return Vec::new(),
        }
        self.view_mut().selected = 0;
        self.daily_request()
    }

    /// Reload every level of the stack (month or measure changed): the top
    /// view is asked again; deeper views are rebuilt as the user drills.
    fn reload_stack(&mut self) -> Vec<Request> {
        for view in &mut self.stack {
            view.rows.clear();
        }
        self.reload()
    }

    fn export_request(&mut self) -> Vec<Request> {
        let Some(month) = self.month() else { return Vec::new() };
        let crumbs: Vec<String> = self.view().path.iter().map(|(_, v)| v.clone()).collect();
        let slug: String = std::iter::once(month.to_owned())
            .chain(crumbs)
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .take(80)
            .collect();
        let header = vec![self.level().label().to_owned(), "cost".to_owned(), "previous_month".to_owned()];
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

    /// Apply a worker's answer; answers to superseded questions are dropped.
    pub fn receive(&mut self, response: Response) -> Vec<Request> {
        match response {
            Response::Rows { generation, rows } if generation == self.generation => {
                self.loading = false;
                self.error = None;
                let view = self.view_mut();
                view.rows = rows;
                view.selected = view.selected.min(view.rows.len().saturating_sub(1));
                self.daily_request()
            }
            Response::Daily { generation, values } if generation == self.generation => {
                self.daily = values;
                Vec::new()
            }
            Response::Rows { .. } | Response::Daily { .. } => Vec::new(),
            Response::Explained { text } => {
                self.popup = Some(Popup::Explain(text));
                Vec::new()
            }
            Response::Exported { path } => {
                self.status = format!("exported to {}", path.display());
                Vec::new()
            }
            Response::Coverage(c) => {
                self.loading = false;
                self.picked = self.picked.min(c.chase.len().saturating_sub(1));
                self.coverage = Some(c);
                Vec::new()
            }
            Response::Spikes(s) => {
                self.loading = false;
                self.spikes = Some(s);
                Vec::new()
            }
            Response::UnitCosts(rows) => {
                self.loading = false;
                self.unit_costs = rows;
                Vec::new()
            }
            Response::RulesChanged { message, added } => {
                self.status = message;
                if added {
                    self.added_rules += 1;
                } else {
                    self.added_rules = self.added_rules.saturating_sub(1);
                }
                let mut requests = self.reload_stack();
                requests.extend(self.screen_request());
                requests
            }
            Response::Failed { message } => {
                self.loading = false;
                self.error = Some(message);
                Vec::new()
            }
        }
    }
}
