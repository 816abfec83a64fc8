//! The explorer page: a stack of drill-down views (AWS product → product
//! area → resource or service, or area first), the selected row's daily cost
//! in the month and its 12-month trend. Drawn as breadcrumbs and the total,
//! the table (the name gets the width first; the bar shrinks, then optional
//! columns drop in a set order as the terminal narrows), and under it the
//! selected row's trend and days.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::super::app::{Action, App, Loadable, Mode, Movement, Page, Popup, Request, Selection};
use super::super::ui::widgets::{daily_chart, ellipsize, right, selectable, trend_chart};
use super::PageSpec;
use crate::db::{CostMeasure, ExploreRow, Level};
use crate::money::{Money, percent, percent_change};
use crate::report::{signed_usd, usd};
use crate::safe_text::for_terminal;

pub static PAGE: PageSpec = PageSpec {
    title: "explorer",
    hints: &[
        "Enter drill",
        "h back",
        "[ ] month",
        "? help",
        "q quit",
        "x explain",
        "a cost",
        "t order",
        "/ filter",
        "e export",
    ],
    help: &[],
    fresh: || Page::Explorer,
    // The explorer's rows outlive a visit: whatever changes them asks again.
    load: |_| Vec::new(),
    update: App::update_explorer,
    progress: |app| app.explorer.view().rows.progress(),
    draw,
};

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
        self.page = Page::Explorer;
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
                // unblended → amortized → net amortized → unblended
                self.measure = match self.measure {
                    CostMeasure::Unblended => CostMeasure::Amortized,
                    CostMeasure::Amortized => CostMeasure::NetAmortized,
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

/// The table's columns at a given width. The name and the cost always stay;
/// the change in dollars, the share and the change in percent follow, in the
/// order they are given up, as long as the name keeps `MIN_NAME`. Then the
/// name gets what its longest row needs, and the bar what is left after that.
#[derive(Debug, PartialEq)]
struct Columns {
    name: usize,
    change: bool,
    share: bool,
    change_pct: bool,
    bar: usize,
}

/// The widths of the number columns: their widest cell or header.
struct NumberWidths {
    cost: usize,
    change: usize,
    share: usize,
    change_pct: usize,
}

const MIN_NAME: usize = 14;
const MAX_NAME: usize = 44;
const BAR: usize = 16;
/// A narrower bar than this says nothing: none is drawn.
const MIN_BAR: usize = 4;

fn columns(width: usize, longest_name: usize, numbers: &NumberWidths) -> Columns {
    // Borders and the selection mark, then the cost and a space before it.
    let mut left = width.saturating_sub(4 + numbers.cost + 1);
    let mut take = |w: usize| {
        if left > MIN_NAME + w {
            left -= w + 1;
            true
        } else {
            false
        }
    };
    let change = take(numbers.change);
    let share = take(numbers.share);
    let change_pct = take(numbers.change_pct);
    let spare = left.saturating_sub(longest_name.clamp(MIN_NAME, MAX_NAME) + 1);
    let bar = if spare >= MIN_BAR { spare.min(BAR) } else { 0 };
    let name = if bar > 0 { left - bar - 1 } else { left };
    Columns {
        name: name.min(MAX_NAME),
        change,
        share,
        change_pct,
        bar,
    }
}

/// Breadcrumbs, the table, and under it the selected row's trend and days.
fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let charts = if area.height >= 16 { 8 } else { 0 };
    let [crumbs, table, charts_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(charts)]).areas(area);
    draw_crumbs(frame, crumbs, app);
    let cut = draw_table(frame, table, app);
    if charts > 0 {
        draw_charts(frame, charts_area, app);
    }
    cut
}

fn draw_crumbs(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let e = &app.explorer;
    let order = match e.hierarchy {
        Hierarchy::ProductFirst => "product → area",
        Hierarchy::AreaFirst => "area → product",
    };
    // The numbers first; the path gets what is left, each step cut to fit.
    let summary = format!("total {} · {} · {order}", usd(e.total()), app.measure.label());
    let room = (area.width as usize).saturating_sub(summary.chars().count() + 3);
    let steps = e.view().path.len() + 1;
    let each = (room / steps).saturating_sub(3).max(6);
    let mut spans = Vec::new();
    for (_, value) in &e.view().path {
        spans.push(Span::from(ellipsize(value, each)).bold());
        spans.push(Span::from(" › "));
    }
    spans.push(Span::from(ellipsize(e.level().label(), each)).italic());
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    spans.push(Span::from(" ".repeat(room.saturating_sub(used) + 3)));
    spans.push(Span::from(summary));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn sort_mark(app: &App, key: SortKey) -> &'static str {
    match (app.explorer.sort == key, app.explorer.descending) {
        (false, _) => "",
        (true, true) => " ▼",
        (true, false) => " ▲",
    }
}

/// A row's name as the table shows it, made safe for the terminal.
fn shown_name(row: &ExploreRow) -> String {
    let name = if row.name.is_empty() {
        "(none)".to_owned()
    } else if row.is_service {
        format!("{} (service)", row.name)
    } else {
        row.name.clone()
    };
    for_terminal(&name).into_owned()
}

fn draw_table(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let rows = app.visible_rows();
    let total = app.explorer.total().as_f64();
    let largest = rows.iter().map(|r| r.cost.abs().as_f64()).fold(0.0, f64::max);
    // Every cell's text first: the numbers decide their columns' widths.
    let names: Vec<String> = rows.iter().map(|r| shown_name(r)).collect();
    let costs: Vec<String> = rows.iter().map(|r| usd(r.cost)).collect();
    let changes: Vec<String> = rows.iter().map(|r| signed_usd(r.cost - r.previous)).collect();
    let shares: Vec<String> = rows.iter().map(|r| percent(r.cost.as_f64(), total)).collect();
    let change_pcts: Vec<String> = rows.iter().map(|r| percent_change(r.cost, r.previous)).collect();
    let cost_header = format!("cost{}", sort_mark(app, SortKey::Cost));
    let change_header = format!("Δ month{}", sort_mark(app, SortKey::Change));
    let (share_header, change_pct_header) = ("share", "Δ %");
    let widest = |header: &str, cells: &[String]| {
        cells
            .iter()
            .map(|c| c.chars().count())
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let numbers = NumberWidths {
        cost: widest(&cost_header, &costs),
        change: widest(&change_header, &changes),
        share: widest(share_header, &shares),
        change_pct: widest(change_pct_header, &change_pcts),
    };
    let longest_name = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let c = columns(area.width as usize, longest_name, &numbers);

    let mut header = vec![
        format!("{}{}", app.explorer.level().label(), sort_mark(app, SortKey::Name)),
        format!("{cost_header:>w$}", w = numbers.cost),
    ];
    let mut widths = vec![c.name, numbers.cost];
    let optional = [
        (c.change, change_header.as_str(), numbers.change),
        (c.share, share_header, numbers.share),
        (c.change_pct, change_pct_header, numbers.change_pct),
    ];
    for (shown, title, width) in optional {
        if shown {
            header.push(format!("{title:>width$}"));
            widths.push(width);
        }
    }
    if c.bar > 0 {
        header.push(String::new());
        widths.push(c.bar);
    }
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![Cell::from(ellipsize(&names[i], c.name)), right(costs[i].clone())];
            let optional = [
                (c.change, &changes[i]),
                (c.share, &shares[i]),
                (c.change_pct, &change_pcts[i]),
            ];
            cells.extend(
                optional
                    .into_iter()
                    .filter(|(shown, _)| *shown)
                    .map(|(_, text)| right(text.clone())),
            );
            if c.bar > 0 {
                let filled = if largest > 0.0 {
                    ((r.cost.abs().as_f64() / largest) * c.bar as f64).round() as usize
                } else {
                    0
                };
                cells.push(Cell::from("█".repeat(filled.min(c.bar))));
            }
            Row::new(cells)
        })
        .collect();
    let title = format!(" {} rows ", rows.len());
    let widths = widths.into_iter().map(|w| Constraint::Length(w as u16)).collect();
    let table = selectable(body, widths, header, title);
    let list = &app.explorer.view().list;
    frame.render_stateful_widget(table, area, &mut list.table_state(rows.len()));
    let selected = list.selected();
    let cut = names.get(selected)?.chars().count() > c.name;
    cut.then(|| rows[selected].name.clone())
}

fn draw_charts(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let [left, right_area] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let name = app.selected_row().map(|r| r.name.clone()).unwrap_or_default();
    let e = &app.explorer;
    match e.trend.ready() {
        Some(trend) => {
            let months: Vec<(String, f64)> = trend.iter().map(|(m, v)| (m.clone(), v.as_f64())).collect();
            let mut bars = Vec::new();
            let chart = trend_chart(
                format!(
                    " {} months of {} ",
                    months.len(),
                    ellipsize(&name, left.width.saturating_sub(17) as usize)
                ),
                &months,
                months.len().saturating_sub(1),
                &mut bars,
            );
            frame.render_widget(chart, left);
        }
        None => frame.render_widget(Paragraph::new("").block(Block::bordered().title(" trend ")), left),
    }
    match e.daily.ready() {
        Some(days) => {
            let mut points = Vec::new();
            let chart = daily_chart(
                format!(" days of {} ", app.month().unwrap_or_default()),
                &[days.as_slice()],
                None,
                &mut points,
            );
            frame.render_widget(chart, right_area);
        }
        None => frame.render_widget(Paragraph::new("").block(Block::bordered().title(" days ")), right_area),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBERS: NumberWidths = NumberWidths {
        cost: 11,
        change: 11,
        share: 5,
        change_pct: 6,
    };

    #[test]
    fn the_name_gets_the_width_before_the_bar() {
        // 80 columns: every number stays; a 35-character name leaves no room for a bar.
        let c = columns(80, 35, &NUMBERS);
        assert!(c.change && c.share && c.change_pct);
        assert_eq!((c.name, c.bar), (39, 0));
        // Short names: the bar takes what they leave, up to its full width.
        let c = columns(80, 20, &NUMBERS);
        assert_eq!((c.name, c.bar), (22, 16));
        // A little room: a narrower bar.
        let c = columns(80, 30, &NUMBERS);
        assert_eq!((c.name, c.bar), (30, 8));
        // Wide: the name stops at its widest and the bar is whole.
        let c = columns(120, 35, &NUMBERS);
        assert_eq!((c.name, c.bar), (MAX_NAME, BAR));
    }

    #[test]
    fn narrow_terminals_give_up_the_optional_columns_in_order() {
        let c = columns(44, 20, &NUMBERS);
        assert_eq!(
            c,
            Columns {
                name: 16,
                change: true,
                share: false,
                change_pct: false,
                bar: 0
            }
        );
    }
}
