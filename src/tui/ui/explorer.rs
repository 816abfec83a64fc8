//! The explorer page: breadcrumbs and the total, the table (numbers first:
//! names are cut with `…` and columns drop in a set order as the terminal
//! narrows), and under it the selected row's 12-month trend and its days.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

use super::widgets::{daily_chart, ellipsize, right, selectable, trend_chart};
use crate::money::{percent, percent_change};
use crate::report::{signed_usd, usd};
use crate::safe_text::for_terminal;
use crate::tui::app::{App, Hierarchy, SortKey};

/// Which columns fit a table this wide, in the order they are given up:
/// the bar first, then the change in percent, then the share of the parent;
/// the name and the cost always stay, the change in dollars as long as it can.
struct Columns {
    name: usize,
    change: bool,
    share: bool,
    change_pct: bool,
    bar: usize,
}

const COST: usize = 13;
const CHANGE: usize = 12;
const SHARE: usize = 6;
const CHANGE_PCT: usize = 7;
const MIN_NAME: usize = 14;

fn columns(width: u16) -> Columns {
    // Borders, the selection mark and a space between columns.
    let mut left = (width as usize).saturating_sub(4 + COST + 1);
    let mut take = |w: usize| {
        if left > MIN_NAME + w {
            left -= w + 1;
            true
        } else {
            false
        }
    };
    let change = take(CHANGE);
    let share = take(SHARE);
    let change_pct = take(CHANGE_PCT);
    let bar = if take(16) {
        16
    } else if take(8) {
        8
    } else {
        0
    };
    Columns {
        name: left.min(44),
        change,
        share,
        change_pct,
        bar,
    }
}

/// Draw the page; returns the selected row's name when the table had to cut it.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
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

fn draw_table(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let rows = app.visible_rows();
    let total = app.explorer.total().as_f64();
    let largest = rows.iter().map(|r| r.cost.abs().as_f64()).fold(0.0, f64::max);
    let c = columns(area.width);
    let mut header = vec![
        format!("{}{}", app.explorer.level().label(), sort_mark(app, SortKey::Name)),
        format!("{:>w$}", format!("cost{}", sort_mark(app, SortKey::Cost)), w = COST),
    ];
    let mut widths = vec![Constraint::Length(c.name as u16), Constraint::Length(COST as u16)];
    if c.change {
        header.push(format!(
            "{:>w$}",
            format!("Δ month{}", sort_mark(app, SortKey::Change)),
            w = CHANGE
        ));
        widths.push(Constraint::Length(CHANGE as u16));
    }
    if c.share {
        header.push(format!("{:>w$}", "share", w = SHARE));
        widths.push(Constraint::Length(SHARE as u16));
    }
    if c.change_pct {
        header.push(format!("{:>w$}", "Δ %", w = CHANGE_PCT));
        widths.push(Constraint::Length(CHANGE_PCT as u16));
    }
    if c.bar > 0 {
        header.push(String::new());
        widths.push(Constraint::Length(c.bar as u16));
    }
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                "(none)".to_owned()
            } else if r.is_service {
                format!("{} (service)", r.name)
            } else {
                r.name.clone()
            };
            let mut cells = vec![Cell::from(ellipsize(&name, c.name)), right(usd(r.cost))];
            if c.change {
                cells.push(right(signed_usd(r.cost - r.previous)));
            }
            if c.share {
                cells.push(right(percent(r.cost.as_f64(), total)));
            }
            if c.change_pct {
                cells.push(right(percent_change(r.cost, r.previous)));
            }
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
    let table = selectable(body, widths, header, title);
    let list = &app.explorer.view().list;
    frame.render_stateful_widget(table, area, &mut list.table_state(rows.len()));
    let name = rows.get(list.selected()).map(|r| r.name.clone())?;
    (for_terminal(&name).chars().count() > c.name).then_some(name)
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
        None => frame.render_widget(
            Paragraph::new("").block(ratatui::widgets::Block::bordered().title(" trend ")),
            left,
        ),
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
        None => frame.render_widget(
            Paragraph::new("").block(ratatui::widgets::Block::bordered().title(" days ")),
            right_area,
        ),
    }
}
