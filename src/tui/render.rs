//! Drawing the explorer from `&App` alone: header with breadcrumbs and totals,
//! the table, a daily sparkline, the status line, and popups.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Sparkline, Table, TableState, Wrap};

use super::app::{App, Hierarchy, Popup, SortKey};
use super::keys::HELP;
use crate::db::CostMeasure;
use crate::report::display_money;
use crate::safe_text::for_terminal;

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if app.is_empty() {
        draw_empty(frame, area);
        return;
    }
    let [header, table, spark, status] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(if area.height > 14 { 4 } else { 0 }),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, app);
    draw_table(frame, table, app);
    if spark.height > 0 {
        draw_sparkline(frame, spark, app);
    }
    draw_status(frame, status, app);
    match &app.popup {
        Some(Popup::Help) => draw_help(frame, area),
        Some(Popup::Explain(text)) => draw_popup(frame, area, " explain (any key closes) ", text),
        None => {}
    }
}

fn right(text: String) -> Cell<'static> {
    Cell::from(Line::from(text).alignment(Alignment::Right))
}

fn money(value: f64) -> String {
    let text = display_money(&format!("{value}"));
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${text}"),
    }
}

fn draw_empty(frame: &mut Frame<'_>, area: Rect) {
    let text = vec![
        Line::from("apportion — no billing data in this database yet".bold()),
        Line::from(""),
        Line::from("Load your exports:   apportion sync ~/billing/"),
        Line::from("Or try sample data:  apportion demo"),
        Line::from(""),
        Line::from("q quits"),
    ];
    let block = Block::bordered().title(" apportion ");
    frame.render_widget(Paragraph::new(text).block(block).wrap(Wrap { trim: false }), area);
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let month = app.month().unwrap_or("");
    let mut crumbs = vec![Span::from(month.to_owned()).bold()];
    for (level, value) in &app.view().path {
        crumbs.push(Span::from(" › "));
        crumbs.push(Span::from(format!("{}: {}", level.label(), for_terminal(value))));
    }
    crumbs.push(Span::from(" › "));
    crumbs.push(Span::from(app.level().label()).italic());
    let measure = match app.measure {
        CostMeasure::Amortized => "amortized",
        CostMeasure::Blended => "blended",
        CostMeasure::Unblended => "unblended",
    };
    let order = match app.hierarchy {
        Hierarchy::ProductFirst => "product → area",
        Hierarchy::AreaFirst => "area → product",
    };
    let second = Line::from(vec![
        Span::from(format!("total {} ", money(app.total()))).bold(),
        Span::from(format!(" {measure} · {order} · month {}/{} · ", app.month + 1, app.months.len())),
        Span::from(format!("{} rows", app.visible_rows().len())),
    ]);
    frame.render_widget(Paragraph::new(vec![Line::from(crumbs), second]), area);
}

fn sort_mark(app: &App, key: SortKey) -> &'static str {
    match (app.sort == key, app.descending) {
        (false, _) => "",
        (true, true) => " ▼",
        (true, false) => " ▲",
    }
}

fn draw_table(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let rows = app.visible_rows();
    let total = app.total();
    let largest = rows.iter().map(|r| r.cost.abs()).fold(0.0, f64::max);
    let wide = area.width >= 90;
    let medium = area.width >= 60;
    let name_title = format!("{}{}", app.level().label(), sort_mark(app, SortKey::Name));
    let mut header = vec![
        Cell::from(name_title),
        right(format!("cost{}", sort_mark(app, SortKey::Cost))),
    ];
    if medium {
        header.push(right("% parent".to_owned()));
        header.push(right(format!("Δ month{}", sort_mark(app, SortKey::Change))));
    }
    if wide {
        header.push(right("Δ %".to_owned()));
        header.push(Cell::from("share of largest"));
    }
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                "(none)".to_owned()
            } else if r.is_service {
                format!("{} (service)", for_terminal(&r.name))
            } else {
                for_terminal(&r.name).into_owned()
            };
            let mut cells = vec![Cell::from(name), right(money(r.cost))];
            if medium {
                // `+ 0.0` keeps a rounded -0.0 from showing its sign.
                let share = if total.abs() > f64::EPSILON { (1000.0 * r.cost / total).round() / 10.0 + 0.0 } else { 0.0 };
                cells.push(right(format!("{share:.1}%")));
                let delta = r.cost - r.previous;
                let sign = if delta > 0.005 { "+" } else { "" };
                cells.push(right(format!("{sign}{}", money(delta))));
            }
            if wide {
                // Below a cent, a percentage says nothing.
                let pct = if r.previous.abs() >= 0.005 {
                    format!("{:+.0}%", 100.0 * (r.cost - r.previous) / r.previous.abs())
                } else if r.cost.abs() >= 0.005 {
                    "new".to_owned()
                } else {
                    String::new()
                };
                cells.push(right(pct));
                let filled = if largest > 0.0 { ((r.cost.abs() / largest) * 16.0).round() as usize } else { 0 };
                cells.push(Cell::from("█".repeat(filled.min(16))));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Min(16), Constraint::Length(14)];
    if medium {
        widths.push(Constraint::Length(9));
        widths.push(Constraint::Length(14));
    }
    if wide {
        widths.push(Constraint::Length(7));
        widths.push(Constraint::Length(17));
    }
    let title = if app.loading { " loading… " } else { " apportion " };
    let table = Table::new(body, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::bordered().title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(if rows.is_empty() { None } else { Some(app.view().selected) });
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_sparkline(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let label = app
        .selected_row()
        .map(|r| format!(" daily cost of {} ", for_terminal(&r.name)))
        .unwrap_or_else(|| " daily cost ".to_owned());
    let max = app.daily.iter().copied().fold(0.0, f64::max);
    let data: Vec<u64> = app
        .daily
        .iter()
        .map(|v| if max > 0.0 { ((v.max(0.0) / max) * 100.0).round() as u64 } else { 0 })
        .collect();
    frame.render_widget(Sparkline::default().block(Block::bordered().title(label)).data(&data), area);
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let line = if app.filtering {
        Line::from(format!("/{}▏  (Enter keeps, Esc clears)", for_terminal(&app.view().filter)))
    } else if let Some(error) = &app.error {
        Line::from(format!("error: {}", for_terminal(error))).red()
    } else if !app.status.is_empty() {
        Line::from(for_terminal(&app.status).into_owned())
    } else {
        let filter = if app.view().filter.is_empty() { String::new() } else { format!("filter “{}” · ", for_terminal(&app.view().filter)) };
        Line::from(format!("{filter}Enter drill · h back · [ ] month · a amortized · t toggle · / filter · x explain · e export · ? help · q quit"))
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line> = HELP.iter().map(|(keys, what)| Line::from(format!("{keys:<20} {what}"))).collect();
    let rect = centered(area, 70, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" keys (any key closes) ")), rect);
}

fn draw_popup(frame: &mut Frame<'_>, area: Rect, title: &str, text: &str) {
    let lines: Vec<Line> = text.lines().map(|l| Line::from(for_terminal(l).into_owned())).collect();
    let rect = centered(area, area.width.saturating_sub(4), lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title.to_owned())).wrap(Wrap { trim: false }),
        rect,
    );
}
