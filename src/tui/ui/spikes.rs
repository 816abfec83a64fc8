//! The spikes page: the month's changes per area × product, largest first;
//! what drove the selected one; and its days against the month before, with
//! the day it began marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::widgets::{daily_chart, ellipsize, right, selectable};
use crate::money::percent_change;
use crate::report::{signed_usd, usd};
use crate::tui::app::{App, SpikesState};

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, s: &SpikesState) -> Option<String> {
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
