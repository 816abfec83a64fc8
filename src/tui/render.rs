//! Drawing the explorer from `&App` alone: header with breadcrumbs and totals,
//! the table, a daily sparkline, the status line, and popups.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Gauge, Paragraph, Row, Sparkline, Table, TableState, Wrap};

use super::app::{App, Hierarchy, Popup, Screen, SortKey, TAGGING_TARGET};
use super::keys::HELP;
use crate::db::CostMeasure;
use crate::money::{Money, percent, percent_change};
use crate::report::{signed_usd, usd};
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
    match app.screen {
        Screen::Explorer => {
            draw_header(frame, header, app);
            draw_table(frame, table, app);
            if spark.height > 0 {
                draw_sparkline(frame, spark, app);
            }
        }
        other => {
            let [top, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)])
                .areas(Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1)));
            frame.render_widget(Paragraph::new(vec![tabs(app), Line::from("")]), top);
            match other {
                Screen::Tagging => draw_tagging(frame, body, app),
                Screen::Spikes => draw_spikes(frame, body, app),
                _ => draw_unit_costs(frame, body, app),
            }
        }
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

fn tabs(app: &App) -> Line<'static> {
    let month = app.month().unwrap_or("").to_owned();
    let mut spans = vec![Span::from(month).bold(), Span::from("  ")];
    for (screen, label) in [
        (Screen::Explorer, "1 explorer"),
        (Screen::Tagging, "2 tagging"),
        (Screen::Spikes, "3 spikes"),
        (Screen::UnitCosts, "4 unit costs"),
    ] {
        let span = Span::from(format!(" {label} "));
        spans.push(if app.screen == screen { span.reversed() } else { span });
    }
    if app.loading {
        spans.push(Span::from("  loading…"));
    }
    Line::from(spans)
}

fn selectable(rows: Vec<Row<'static>>, widths: Vec<Constraint>, header: Vec<&'static str>, title: String) -> Table<'static> {
    Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::bordered().title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ")
}

fn draw_tagging(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let [gauge_area, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let Some(c) = &app.coverage else {
        frame.render_widget(Paragraph::new("loading coverage…"), list);
        return;
    };
    let covered: Money = c.by_product.iter().map(|(_, v, _)| *v).sum();
    let ratio = if c.total.is_zero() { 1.0 } else { (covered.as_f64() / c.total.as_f64()).clamp(0.0, 1.0) };
    let gauge = Gauge::default()
        .block(Block::bordered().title(format!(" coverage of {} (target {:.0}%) ", usd(c.total), TAGGING_TARGET * 100.0)))
        .ratio(ratio)
        .label(format!("{:.1}%", ratio * 100.0));
    frame.render_widget(gauge, gauge_area);
    let rows: Vec<Row> = c
        .chase
        .iter()
        .map(|ch| {
            let resource = if ch.resource.is_empty() { "(no resource id)".to_owned() } else { for_terminal(&ch.resource).into_owned() };
            Row::new(vec![
                Cell::from(resource),
                Cell::from(for_terminal(&ch.product).into_owned()),
                Cell::from(for_terminal(&ch.usage_type).into_owned()),
                right(usd(ch.cost)),
                right(format!("{:.1}%", ch.coverage_after * 100.0)),
            ])
        })
        .collect();
    let title = if c.chase.is_empty() { " nothing to chase: the target is met ".to_owned() } else { " untagged, largest first ".to_owned() };
    let table = selectable(
        rows,
        vec![Constraint::Min(20), Constraint::Min(16), Constraint::Min(12), Constraint::Length(14), Constraint::Length(9)],
        vec!["resource", "AWS product", "usage type", "cost", "→ cover"],
        title,
    );
    let mut state = TableState::default().with_selected((!c.chase.is_empty()).then_some(app.picked));
    frame.render_stateful_widget(table, list, &mut state);
}

fn draw_spikes(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(s) = &app.spikes else {
        frame.render_widget(Paragraph::new("loading spikes…"), area);
        return;
    };
    let [list, drivers] = Layout::vertical([Constraint::Min(3), Constraint::Length(6)]).areas(area);
    let rows: Vec<Row> = s
        .spikes
        .iter()
        .map(|spike| {
            let delta = spike.current - spike.previous;
            Row::new(vec![
                right(signed_usd(delta)),
                Cell::from(for_terminal(&spike.area).into_owned()),
                Cell::from(for_terminal(&spike.product).into_owned()),
                right(usd(spike.previous)),
                right(usd(spike.current)),
                right(spike.projected.map(usd).unwrap_or_default()),
            ])
        })
        .collect();
    let title = match (&s.previous, s.partial_days) {
        (None, _) => " no earlier month to compare with ".to_owned(),
        (Some(p), Some(d)) => format!(" vs {p}, days 1–{d} of both (open month) "),
        (Some(p), None) => format!(" vs {p} "),
    };
    let table = selectable(
        rows,
        vec![Constraint::Length(13), Constraint::Min(12), Constraint::Min(16), Constraint::Length(12), Constraint::Length(12), Constraint::Length(12)],
        vec!["change", "area", "AWS product", "before", "now", "month end"],
        title,
    );
    let mut state = TableState::default().with_selected((!s.spikes.is_empty()).then_some(app.picked));
    frame.render_stateful_widget(table, list, &mut state);
    let lines: Vec<Line> = s
        .spikes
        .get(app.picked)
        .map(|spike| {
            spike
                .drivers
                .iter()
                .map(|(name, change)| {
                    let name = if name.is_empty() { "(no resource id)".to_owned() } else { for_terminal(name).into_owned() };
                    Line::from(format!("{:>12}  {name}", signed_usd(*change)))
                })
                .collect()
        })
        .unwrap_or_default();
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" drove it (Enter opens the explorer there) ")), drivers);
}

fn draw_unit_costs(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if app.unit_costs.is_empty() {
        let text = "no business metrics yet: sync a CSV with header month,metric,value (optional area)";
        frame.render_widget(Paragraph::new(text).block(Block::bordered()), area);
        return;
    }
    let rows: Vec<Row> = app
        .unit_costs
        .iter()
        .map(|u| {
            Row::new(vec![
                Cell::from(u.month.clone()),
                Cell::from(for_terminal(&u.metric).into_owned()),
                Cell::from(u.area.as_deref().map(|a| for_terminal(a).into_owned()).unwrap_or_default()),
                right(usd(u.cost)),
                right(format!("{:.0}", u.volume)),
                right(crate::report::per_units(u.cost.as_f64(), u.volume)),
            ])
        })
        .collect();
    let table = selectable(
        rows,
        vec![Constraint::Length(8), Constraint::Min(12), Constraint::Min(10), Constraint::Length(13), Constraint::Length(14), Constraint::Length(20)],
        vec!["month", "metric", "area", "cost", "volume", "unit cost"],
        " cost per unit of business volume ".to_owned(),
    );
    let mut state = TableState::default().with_selected(Some(app.picked));
    frame.render_stateful_widget(table, area, &mut state);
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
        Span::from(format!("total {} ", usd(app.total()))).bold(),
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
    let total = app.total().as_f64();
    let largest = rows.iter().map(|r| r.cost.abs().as_f64()).fold(0.0, f64::max);
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
            let mut cells = vec![Cell::from(name), right(usd(r.cost))];
            if medium {
                // `+ 0.0` keeps a rounded -0.0 from showing its sign.
                cells.push(right(percent(r.cost.as_f64(), total)));
                cells.push(right(signed_usd(r.cost - r.previous)));
            }
            if wide {
                // Below a cent, a percentage says nothing.
                cells.push(right(percent_change(r.cost, r.previous)));
                let filled = if largest > 0.0 { ((r.cost.abs().as_f64() / largest) * 16.0).round() as usize } else { 0 };
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
    let line = if let Some(a) = &app.typing {
        Line::from(format!(
            "area for {} {:?}: {}▏  (Enter assigns, Esc cancels)",
            a.field,
            for_terminal(&a.value),
            for_terminal(&a.area)
        ))
    } else if app.filtering {
        Line::from(format!("/{}▏  (Enter keeps, Esc clears)", for_terminal(&app.view().filter)))
    } else if let Some(error) = &app.error {
        Line::from(format!("error: {}", for_terminal(error))).red()
    } else if !app.status.is_empty() {
        Line::from(for_terminal(&app.status).into_owned())
    } else {
        let filter = if app.view().filter.is_empty() { String::new() } else { format!("filter “{}” · ", for_terminal(&app.view().filter)) };
        let hint = match app.screen {
            Screen::Explorer => "Enter drill · h back · [ ] month · a cost · t order · / filter · x explain · e export · 1-4 views · ? help · q quit",
            Screen::Tagging => "Enter area for resource · p its product · y its usage type · u undo · e export · 1-4 views · q quit",
            Screen::Spikes => "Enter open in explorer · [ ] month · 1-4 views · ? help · q quit",
            Screen::UnitCosts => "[ ] month · 1-4 views · ? help · q quit",
        };
        Line::from(format!("{filter}{hint}"))
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
