//! Drawing from `&App` alone: the tabs, the page (each page draws itself,
//! see `page/`), the status line (what is being typed, the tour's narration,
//! an error, news, or key hints shortened to fit), and popups. Everything
//! fits 80×24.

pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Mode, PAGES, Page, Popup, Progress};
use super::keys::help_lines;
use crate::safe_text::for_terminal;

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if app.is_empty() {
        draw_empty(frame, area);
        return;
    }
    // The tour's narration gets two lines and its keys a third; otherwise the
    // status is one line.
    let touring = app.tour.is_some() && app.mode == Mode::Normal && page_error(app).is_none();
    let status_height = if touring { 3 } else { 1 };
    let [tabs_area, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_height),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(tabs(app)), tabs_area);
    let name_hint = (app.page.spec().draw)(frame, body, app);
    draw_status(frame, status, app, name_hint);
    match &app.popup {
        Some(Popup::Help) => draw_help(frame, area),
        Some(Popup::Explain(text)) => draw_popup(frame, area, " explain (any key closes) ", text),
        None => {}
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

fn tabs(app: &App) -> Line<'static> {
    let month = app.month().unwrap_or("").to_owned();
    let old = app.is_old(&month);
    let mut spans = vec![Span::from(month).bold()];
    if old {
        // Its figures predate the rules change still being applied.
        spans.push(Span::from(" (old rules)").yellow());
    }
    spans.push(Span::from(" "));
    for (tab, page) in PAGES.iter().enumerate() {
        let span = Span::from(format!(" {} {} ", tab + 1, page.title));
        spans.push(if app.page.tab() == tab { span.reversed() } else { span });
    }
    if (app.page.spec().progress)(app) == Progress::Loading {
        spans.push(Span::from(" loading…"));
    }
    Line::from(spans)
}

/// The page's error, if the question it waits for failed.
fn page_error(app: &App) -> Option<&str> {
    match (app.page.spec().progress)(app) {
        Progress::Failed(error) => Some(error),
        _ => None,
    }
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App, name_hint: Option<String>) {
    let width = area.width as usize;
    let line = match &app.mode {
        Mode::Typing(a) => Line::from(widgets::ellipsize(
            &format!(
                "area for {} {:?}: {}▏ (Enter assigns, Esc cancels)",
                a.field, a.value, a.area
            ),
            width,
        )),
        Mode::Filter(text) => Line::from(widgets::ellipsize(
            &format!("/{text}▏ (Enter keeps, Esc clears)"),
            width,
        )),
        Mode::Normal => {
            if let Some(error) = page_error(app) {
                Line::from(widgets::ellipsize(&format!("error: {error}"), width)).red()
            } else if let Some(narration) = app.tour_narration() {
                let [text, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
                frame.render_widget(Paragraph::new(narration).bold().wrap(Wrap { trim: true }), text);
                let keys_line = widgets::ellipsize("Space next · Backspace back · q leaves the tour", width);
                frame.render_widget(Paragraph::new(keys_line), keys);
                return;
            } else if !app.status.is_empty() {
                Line::from(widgets::ellipsize(&app.status, width))
            } else {
                Line::from(hint_line(app, name_hint, width))
            }
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The selected row's full name when the table cut it, then as many key
/// hints as fit, most useful first.
fn hint_line(app: &App, name_hint: Option<String>, width: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(name) = name_hint {
        parts.push(format!("▶ {}", for_terminal(&name)));
    }
    let filter = app.explorer.view().filter.as_str();
    if app.page == Page::Explorer && !filter.is_empty() {
        parts.push(format!("filter “{}”", for_terminal(filter)));
    }
    let mut line = parts.join(" · ");
    let pages = format!("1-{} pages", PAGES.len());
    for hint in app.page.spec().hints.iter().copied().chain([pages.as_str()]) {
        let extra = if line.is_empty() {
            hint.chars().count()
        } else {
            hint.chars().count() + 3
        };
        if line.chars().count() + extra > width {
            break;
        }
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(hint);
    }
    widgets::ellipsize(&line, width)
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let lines: Vec<Line> = help_lines()
        .into_iter()
        .map(|(keys, what)| Line::from(format!("{keys:<24} {what}")))
        .collect();
    let rect = centered(area, 78, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" keys (any key closes) ")),
        rect,
    );
}

fn draw_popup(frame: &mut Frame<'_>, area: Rect, title: &str, text: &str) {
    let lines: Vec<Line> = text.lines().map(|l| Line::from(for_terminal(l).into_owned())).collect();
    let rect = centered(area, area.width.saturating_sub(4), lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(title.to_owned()))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
