//! The unit-cost page: cost per unit of each business metric, month by
//! month, and the selected metric's unit cost over the months.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::super::app::{Action, App, Loadable, Page, Progress, Request, Selection};
use super::super::ui::widgets::{ellipsize, right, selectable, trend_chart};
use super::PageSpec;
use crate::db::UnitCost;
use crate::report::{per_units, usd};

pub static PAGE: PageSpec = PageSpec {
    title: "unit costs",
    hints: &["j k select", "[ ] month", "? help", "q quit"],
    help: &[],
    fresh: || Page::UnitCosts(UnitCostState::default()),
    load,
    update,
    progress: |app| state(app).map_or(Progress::Settled, |u| u.rows.progress()),
    draw,
};

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

fn state(app: &App) -> Option<&UnitCostState> {
    match &app.page {
        Page::UnitCosts(u) => Some(u),
        _ => None,
    }
}

fn load(app: &mut App) -> Vec<Request> {
    let ticket = app.ticket();
    let Page::UnitCosts(u) = &mut app.page else {
        return Vec::new();
    };
    u.rows = Loadable::Loading(ticket);
    vec![Request::UnitCosts { ticket }]
}

fn update(app: &mut App, action: Action) -> Vec<Request> {
    let Page::UnitCosts(u) = &mut app.page else {
        return Vec::new();
    };
    if let Action::Move(movement) = action {
        let len = u.rows.ready().map_or(0, Vec::len);
        u.list.apply(movement, len);
    }
    Vec::new()
}

fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let u = state(app)?;
    let Some(rows) = u.rows.ready() else {
        frame.render_widget(Paragraph::new("loading unit costs…").block(Block::bordered()), area);
        return None;
    };
    if rows.is_empty() {
        let text = "no business metrics yet: sync a CSV with header month,metric,value (optional area)";
        frame.render_widget(Paragraph::new(text).block(Block::bordered()), area);
        return None;
    }
    let chart = if area.height >= 16 { 8 } else { 0 };
    let [list, chart_area] = Layout::vertical([Constraint::Min(3), Constraint::Length(chart)]).areas(area);
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell::from(r.month.clone()),
                Cell::from(ellipsize(&r.metric, 14)),
                Cell::from(ellipsize(r.area.as_deref().unwrap_or(""), 14)),
                right(usd(r.cost)),
                right(format!("{:.0}", r.volume)),
                right(per_units(r.cost.as_f64(), r.volume)),
            ])
        })
        .collect();
    let table = selectable(
        body,
        vec![
            Constraint::Length(7),
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(13),
            Constraint::Length(13),
            Constraint::Min(12),
        ],
        vec![
            "month".into(),
            "metric".into(),
            "area".into(),
            format!("{:>13}", "cost"),
            format!("{:>13}", "volume"),
            format!("{:>12}", "unit cost"),
        ],
        " cost per unit of business volume ".to_owned(),
    );
    frame.render_stateful_widget(table, list, &mut u.list.table_state(rows.len()));
    if chart > 0 {
        let series = u.series();
        // Cost per million units, month by month.
        let points: Vec<(String, f64)> = series
            .iter()
            .map(|r| {
                (
                    r.month.clone(),
                    if r.volume > 0.0 {
                        r.cost.as_f64() / r.volume * 1e6
                    } else {
                        0.0
                    },
                )
            })
            .collect();
        let current = series
            .iter()
            .position(|r| Some(r) == rows.get(u.list.selected()).as_ref())
            .unwrap_or(0);
        let name = series.first().map(|r| r.metric.clone()).unwrap_or_default();
        let mut bars = Vec::new();
        frame.render_widget(
            trend_chart(
                format!(" cost per 1M {} ", ellipsize(&name, 20)),
                &points,
                current,
                &mut bars,
            ),
            chart_area,
        );
    }
    None
}
