//! The spikes page: month-over-month changes per product area × AWS product,
//! largest first, what drove the selected one, and its cost day by day
//! against the month before, with the day it began marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::super::app::{Action, App, Hierarchy, Loadable, Page, Progress, Request, Selection, Ticket};
use super::super::ui::widgets::{daily_chart, ellipsize, right, selectable};
use super::PageSpec;
use crate::db::{Level, Spikes};
use crate::money::percent_change;
use crate::report::{signed_usd, usd};

pub static PAGE: PageSpec = PageSpec {
    title: "spikes",
    hints: &["Enter open in explorer", "[ ] month", "? help", "q quit"],
    help: &[("spikes: Enter", "open the explorer at that area × product")],
    fresh: || Page::Spikes(SpikesState::default()),
    load,
    update,
    progress: |app| state(app).map_or(Progress::Settled, |s| s.spikes.progress()),
    draw,
};

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

fn state(app: &App) -> Option<&SpikesState> {
    match &app.page {
        Page::Spikes(s) => Some(s),
        _ => None,
    }
}

fn load(app: &mut App) -> Vec<Request> {
    let Some(month) = app.month().map(str::to_owned) else {
        return Vec::new();
    };
    let ticket = app.ticket();
    let Page::Spikes(s) = &mut app.page else {
        return Vec::new();
    };
    s.spikes = Loadable::Loading(ticket);
    s.daily = Loadable::Idle;
    vec![Request::Spikes { ticket, month }]
}

impl App {
    pub(in crate::tui) fn receive_spikes(&mut self, ticket: Ticket, answer: Result<Spikes, String>) -> Vec<Request> {
        let Page::Spikes(s) = &mut self.page else {
            return Vec::new();
        };
        if !s.spikes.accept(ticket, answer) {
            return Vec::new();
        }
        let rows = s.spikes.ready().map_or(0, |x| x.spikes.len());
        s.list.clamp(rows);
        spike_daily(self)
    }
}

/// Ask for the selected change's days.
fn spike_daily(app: &mut App) -> Vec<Request> {
    let Some(month) = app.month().map(str::to_owned) else {
        return Vec::new();
    };
    let previous = app.previous_month().map(str::to_owned);
    let ticket = app.ticket();
    let Page::Spikes(s) = &mut app.page else {
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

fn update(app: &mut App, action: Action) -> Vec<Request> {
    let Page::Spikes(s) = &mut app.page else {
        return Vec::new();
    };
    match action {
        Action::Move(movement) => {
            let len = s.spikes.ready().map_or(0, |x| x.spikes.len());
            if s.list.apply(movement, len) {
                spike_daily(app)
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
            app.open_explorer_at(Hierarchy::AreaFirst, path)
        }
        _ => Vec::new(),
    }
}

fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let s = state(app)?;
    let Some(x) = s.spikes.ready() else {
        frame.render_widget(Paragraph::new("loading spikes…").block(Block::bordered()), area);
        return None;
    };
    let lower = if area.height >= 14 { 8 } else { 0 };
    let [list, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(lower)]).areas(area);
    let name_width = ((list.width as usize).saturating_sub(4 + 13 + 8 + 13 + 13 + 5) / 2).clamp(8, 30);
    let rows: Vec<Row> = x
        .spikes
        .iter()
        .map(|spike| {
            Row::new(vec![
                right(signed_usd(spike.current - spike.previous)),
                right(percent_change(spike.current, spike.previous)),
                Cell::from(ellipsize(&spike.area, name_width)),
                Cell::from(ellipsize(&spike.product, name_width)),
                right(usd(spike.previous)),
                right(usd(spike.current)),
            ])
        })
        .collect();
    let title = match (&x.previous, x.partial_days) {
        (None, _) => " no earlier month to compare with ".to_owned(),
        (Some(p), Some(d)) => format!(" vs {p}, days 1–{d} of both (open month) "),
        (Some(p), None) => format!(" {} vs {p} ", x.month),
    };
    let table = selectable(
        rows,
        vec![
            Constraint::Length(13),
            Constraint::Length(8),
            Constraint::Length(name_width as u16),
            Constraint::Length(name_width as u16),
            Constraint::Length(13),
            Constraint::Length(13),
        ],
        vec![
            format!("{:>13}", "change"),
            format!("{:>8}", "Δ %"),
            "area".into(),
            "AWS product".into(),
            format!("{:>13}", "before"),
            format!("{:>13}", "now"),
        ],
        title,
    );
    frame.render_stateful_widget(table, list, &mut s.list.table_state(x.spikes.len()));
    let selected = x.spikes.get(s.list.selected());
    if lower > 0 {
        let [drivers, chart] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
        let lines: Vec<Line> = selected
            .map(|spike| {
                spike
                    .drivers
                    .iter()
                    .map(|(name, change)| {
                        let name = if name.is_empty() {
                            "(no resource id)"
                        } else {
                            name.as_str()
                        };
                        Line::from(format!(
                            "{:>12}  {}",
                            signed_usd(*change),
                            ellipsize(name, drivers.width.saturating_sub(18) as usize)
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" drove it (Enter: explorer) ")),
            drivers,
        );
        match s.daily.ready() {
            Some((now, before)) => {
                let start = s.start_day();
                let title = match start {
                    Some(d) => format!(
                        " days: {} (yellow) vs before, from day {d} ",
                        app.month().unwrap_or_default()
                    ),
                    None => format!(" days: {} (yellow) vs before ", app.month().unwrap_or_default()),
                };
                let mut points = Vec::new();
                let series: Vec<&[f64]> = if before.is_empty() {
                    vec![now]
                } else {
                    vec![now, before]
                };
                frame.render_widget(daily_chart(title, &series, start, &mut points), chart);
            }
            None => frame.render_widget(Paragraph::new("").block(Block::bordered().title(" days ")), chart),
        }
    }
    let spike = selected?;
    (spike.area.chars().count() > name_width || spike.product.chars().count() > name_width)
        .then(|| format!("{} / {}", spike.area, spike.product))
}
