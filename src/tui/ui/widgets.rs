//! Small pieces every page draws with: right-aligned cells, names cut to fit
//! with `…`, compact amounts for chart axes, and the two chart shapes (a
//! month-by-month bar trend and a day-by-day line).

use ratatui::layout::Alignment;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Cell, Chart, Dataset, GraphType, Row, Table};

use crate::safe_text::for_terminal;

pub fn right(text: String) -> Cell<'static> {
    Cell::from(Line::from(text).alignment(Alignment::Right))
}

/// `text` made safe and cut to `width` characters, ending in `…` when cut.
pub fn ellipsize(text: &str, width: usize) -> String {
    let safe = for_terminal(text);
    if safe.chars().count() <= width {
        return safe.into_owned();
    }
    let mut out: String = safe.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// An amount for an axis: `$980`, `$12.4k`, `$1.3M`.
pub fn compact(value: f64) -> String {
    let (sign, v) = if value < 0.0 { ("-", -value) } else { ("", value) };
    if v >= 1e6 {
        format!("{sign}${:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{sign}${:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{sign}${:.1}k", v / 1e3)
    } else {
        format!("{sign}${v:.0}")
    }
}

/// A table with a bold header and a reversed, marked selection.
pub fn selectable<'a>(
    rows: Vec<Row<'a>>,
    widths: Vec<ratatui::layout::Constraint>,
    header: Vec<String>,
    title: String,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::bordered().title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ")
}

/// A chart's y bounds: from zero (bars) or from a little below the lowest
/// value (lines, so a day-to-day change shows), with room above the highest.
fn bounds(values: &[f64], from_zero: bool) -> [f64; 2] {
    if values.is_empty() {
        return [0.0, 1.0];
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let low = if from_zero {
        min.min(0.0)
    } else {
        let below = min - (max - min) * 0.15;
        if min >= 0.0 { below.max(0.0) } else { below }
    };
    let high = if max > low { max + (max - low) * 0.08 } else { low + 1.0 };
    [low, high]
}

/// Cost per month as bars, the current month in another colour; the y axis
/// carries amounts, the x axis the first, middle and last months.
pub fn trend_chart<'a>(
    title: String,
    months: &[(String, f64)],
    current: usize,
    bars: &'a mut Vec<Vec<(f64, f64)>>,
) -> Chart<'a> {
    let values: Vec<f64> = months.iter().map(|(_, v)| *v).collect();
    let y = bounds(&values, true);
    bars.clear();
    bars.push(
        months
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != current)
            .map(|(i, (_, v))| (i as f64, *v))
            .collect(),
    );
    bars.push(
        months
            .get(current)
            .map(|(_, v)| vec![(current as f64, *v)])
            .unwrap_or_default(),
    );
    let label = |i: usize| months.get(i).map(|(m, _)| short_month(m)).unwrap_or_default();
    let last = months.len().saturating_sub(1);
    let datasets = vec![
        Dataset::default()
            .marker(Marker::HalfBlock)
            .graph_type(GraphType::Bar)
            .style(Style::new().fg(Color::Cyan))
            .data(&bars[0]),
        Dataset::default()
            .marker(Marker::HalfBlock)
            .graph_type(GraphType::Bar)
            .style(Style::new().fg(Color::Yellow))
            .data(&bars[1]),
    ];
    Chart::new(datasets)
        .block(Block::bordered().title(title))
        .x_axis(Axis::default().bounds([-0.5, last as f64 + 0.5]).labels(vec![
            Span::from(label(0)),
            Span::from(label(last / 2)),
            Span::from(label(last)),
        ]))
        .y_axis(
            Axis::default()
                .bounds(y)
                .labels(vec![Span::from(compact(y[0])), Span::from(compact(y[1]))]),
        )
}

/// Cost per day as lines (this month, and optionally the one before as a
/// reference), with a marker on `mark` (a day, 1-based) when given.
pub fn daily_chart<'a>(
    title: String,
    series: &[&[f64]],
    mark: Option<usize>,
    points: &'a mut Vec<Vec<(f64, f64)>>,
) -> Chart<'a> {
    let all: Vec<f64> = series.iter().flat_map(|s| s.iter().copied()).collect();
    let y = bounds(&all, false);
    let days = series.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
    points.clear();
    for s in series {
        points.push(s.iter().enumerate().map(|(i, v)| ((i + 1) as f64, *v)).collect());
    }
    if let Some(d) = mark {
        points.push(vec![(d as f64, y[0]), (d as f64, y[1])]);
    }
    let styles = [
        Style::new().fg(Color::Yellow),
        Style::new().fg(Color::DarkGray),
        Style::new().fg(Color::Red),
    ];
    let datasets: Vec<Dataset<'a>> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let style = if mark.is_some() && i == points.len() - 1 {
                styles[2]
            } else {
                styles[i.min(1)]
            };
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style)
                .data(p)
        })
        .collect();
    Chart::new(datasets)
        .block(Block::bordered().title(title))
        .x_axis(Axis::default().bounds([1.0, days as f64]).labels(vec![
            Span::from("1"),
            Span::from(format!("{}", days.div_ceil(2))),
            Span::from(format!("{days}")),
        ]))
        .y_axis(
            Axis::default()
                .bounds(y)
                .labels(vec![Span::from(compact(y[0])), Span::from(compact(y[1]))]),
        )
}

/// `2026-11` → `Nov`.
pub fn short_month(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    month
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| NAMES.get(m.wrapping_sub(1)))
        .map_or_else(|| month.to_owned(), |n| (*n).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_with_an_ellipsis_and_amounts_read_short() {
        assert_eq!(ellipsize("Amazon Elastic Compute Cloud", 12), "Amazon Elas…");
        assert_eq!(ellipsize("short", 12), "short");
        assert_eq!(compact(45_210.0), "$45k");
        assert_eq!(compact(1_250.0), "$1.2k");
        assert_eq!(compact(2_400_000.0), "$2.4M");
        assert_eq!(compact(12.4), "$12");
        assert_eq!(short_month("2026-11"), "Nov");
    }
}
