//! The tagging page: the month's coverage as a gauge, coverage over the
//! months as a chart, and the chase list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Gauge, Paragraph, Row};

use super::widgets::{ellipsize, right, selectable, short_month};
use crate::money::percent;
use crate::report::usd;
use crate::tui::app::{App, TAGGING_TARGET, TaggingState};

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, t: &TaggingState) -> Option<String> {
    let Some(c) = t.coverage.ready() else {
        frame.render_widget(Paragraph::new("loading coverage…").block(Block::bordered()), area);
        return None;
    };
    let history = if area.height >= 16 { 7 } else { 0 };
    let [gauge_area, chart_area, list] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(history), Constraint::Min(3)]).areas(area);
    let ratio = t.covered().unwrap_or(1.0).clamp(0.0, 1.0);
    let gauge = Gauge::default()
        .block(Block::bordered().title(format!(
            " {} covered of {} (target {:.0}%) ",
            app.month().unwrap_or_default(),
            usd(c.total),
            TAGGING_TARGET * 100.0
        )))
        .gauge_style(Style::new().fg(if ratio >= TAGGING_TARGET {
            Color::Green
        } else {
            Color::Yellow
        }))
        .ratio(ratio)
        .label(percent(ratio, 1.0));
    frame.render_widget(gauge, gauge_area);
    if history > 0 {
        let bars: Vec<Bar> = c
            .history
            .iter()
            .map(|(m, share)| {
                Bar::default()
                    .value((share * 100.0).round().max(0.0) as u64)
                    .label(ratatui::text::Line::from(short_month(m)))
                    .text_value(format!("{:.0}", share * 100.0))
            })
            .collect();
        let chart = BarChart::default()
            .block(Block::bordered().title(" coverage by month, % "))
            .data(BarGroup::default().bars(&bars))
            .bar_width(3)
            .bar_gap(1)
            .max(100);
        frame.render_widget(chart, chart_area);
    }
    let name_width = (list.width as usize).saturating_sub(4 + 13 + 9 + 24 + 3).clamp(12, 60);
    let rows: Vec<Row> = c
        .chase
        .iter()
        .map(|ch| {
            let resource = if ch.resource.is_empty() {
                "(no resource id)"
            } else {
                ch.resource.as_str()
            };
            Row::new(vec![
                Cell::from(ellipsize(resource, name_width)),
                right(usd(ch.cost)),
                right(percent(ch.coverage_after, 1.0)),
                Cell::from(ellipsize(&ch.product, 24)),
            ])
        })
        .collect();
    let table = selectable(
        rows,
        vec![
            Constraint::Length(name_width as u16),
            Constraint::Length(13),
            Constraint::Length(9),
            Constraint::Min(8),
        ],
        vec![
            "untagged resource".into(),
            format!("{:>13}", "cost"),
            format!("{:>9}", "→ covered"),
            "AWS product".into(),
        ],
        format!(" chase these to {:.0}% ", TAGGING_TARGET * 100.0),
    );
    frame.render_stateful_widget(table, list, &mut t.list.table_state(c.chase.len()));
    let selected = c.chase.get(t.list.selected())?;
    (selected.resource.chars().count() > name_width).then(|| selected.resource.clone())
}
