//! The tagging page: coverage of the month (a gauge, and the months before
//! as a chart) and the untagged resources to chase, largest first, down to
//! the target. Assigning an area to a row writes a rule and attributes again.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Gauge, Paragraph, Row};

use super::super::app::{Action, App, Assignment, Loadable, Mode, Page, Progress, Request, Selection, Ticket};
use super::super::ui::widgets::{ellipsize, right, selectable, short_month};
use super::PageSpec;
use crate::db::{Coverage, GROUPS_FROM, GroupKind};
use crate::money::{Money, percent};
use crate::report::usd;
use crate::rules::glob_literal;

/// Coverage the tagging page chases up to.
pub const TAGGING_TARGET: f64 = 0.9;

pub static PAGE: PageSpec = PageSpec {
    title: "tagging",
    hints: &[
        "Enter area for resource",
        "p product",
        "y usage type",
        "u undo",
        "r groups",
        "? help",
        "q quit",
        "e export",
    ],
    help: &[
        (
            "tagging: Enter / p / y",
            "type an area for the resource / its product / usage type",
        ),
        ("tagging: u / e", "undo the last rule added / export the chase list"),
        ("tagging: r", "groups of the untagged cost; Enter makes one a rule"),
    ],
    fresh: || Page::Tagging(TaggingState::default()),
    load,
    update,
    progress: |app| state(app).map_or(Progress::Settled, |t| t.coverage.progress()),
    draw,
};

#[derive(Debug, Clone, PartialEq)]
pub struct TaggingState {
    pub coverage: Loadable<Coverage>,
    pub list: Selection,
    /// The groups are shown instead of the chase list.
    pub groups_shown: bool,
    pub group_list: Selection,
}

impl Default for TaggingState {
    fn default() -> TaggingState {
        TaggingState {
            coverage: Loadable::Idle,
            list: Selection::default(),
            groups_shown: false,
            group_list: Selection::default(),
        }
    }
}

impl TaggingState {
    pub(in crate::tui) fn accept(&mut self, ticket: Ticket, answer: Result<Coverage, String>) {
        if self.coverage.accept(ticket, answer) {
            let rows = self.coverage.ready().map_or(0, |c| c.chase.len());
            self.list.clamp(rows);
            let groups = self.coverage.ready().map_or(0, |c| c.groups.len());
            self.group_list.clamp(groups);
            self.groups_shown &= groups > 0;
        }
    }

    /// The share of the month's cost with a product area.
    pub fn covered(&self) -> Option<f64> {
        let c = self.coverage.ready()?;
        let covered: Money = c.by_product.iter().map(|(_, v, _)| *v).sum();
        Some(if c.total.is_zero() {
            1.0
        } else {
            covered.as_f64() / c.total.as_f64()
        })
    }
}

fn state(app: &App) -> Option<&TaggingState> {
    match &app.page {
        Page::Tagging(t) => Some(t),
        _ => None,
    }
}

fn load(app: &mut App) -> Vec<Request> {
    let Some(month) = app.month().map(str::to_owned) else {
        return Vec::new();
    };
    let ticket = app.ticket();
    let Page::Tagging(t) = &mut app.page else {
        return Vec::new();
    };
    t.coverage = Loadable::Loading(ticket);
    vec![Request::Coverage {
        ticket,
        month,
        target: TAGGING_TARGET,
    }]
}

fn update(app: &mut App, action: Action) -> Vec<Request> {
    let Page::Tagging(t) = &mut app.page else {
        return Vec::new();
    };
    match action {
        Action::Move(movement) if t.groups_shown => {
            let len = t.coverage.ready().map_or(0, |c| c.groups.len());
            t.group_list.apply(movement, len);
        }
        Action::Move(movement) => {
            let len = t.coverage.ready().map_or(0, |c| c.chase.len());
            t.list.apply(movement, len);
        }
        Action::ToggleGroups => {
            let groups = t.coverage.ready().map_or(0, |c| c.groups.len());
            if groups == 0 && !t.groups_shown {
                app.status = format!(
                    "groups are offered when the chase list needs more than {GROUPS_FROM} rows to reach the target"
                );
            } else {
                t.groups_shown = !t.groups_shown;
            }
        }
        Action::Drill if t.groups_shown => {
            let Some(group) = t
                .coverage
                .ready()
                .and_then(|c| c.groups.get(t.group_list.selected()))
                .cloned()
            else {
                return Vec::new();
            };
            // A tag key's values are the areas: one key makes the rule.
            if group.kind == GroupKind::TagKey {
                let rule = group.rule("");
                app.status = format!("assigning {}…", rule.describe());
                return vec![Request::AssignRule {
                    rule,
                    month: app.month().map(str::to_owned),
                }];
            }
            let (field, value, glob) = match group.kind {
                GroupKind::Stem => ("resource", format!("{}*", glob_literal(&group.key)), true),
                GroupKind::UsageType => ("usage_type", group.key, false),
                _ => ("account", group.key, false),
            };
            app.mode = Mode::Typing(Assignment {
                field,
                value,
                glob,
                area: String::new(),
            });
        }
        Action::AssignProduct | Action::AssignUsageType if t.groups_shown => {}
        Action::Drill | Action::AssignProduct | Action::AssignUsageType => {
            let Some(row) = t.coverage.ready().and_then(|c| c.chase.get(t.list.selected())).cloned() else {
                return Vec::new();
            };
            let (field, value) = match action {
                Action::AssignUsageType if !row.usage_type.is_empty() => ("usage_type", row.usage_type),
                Action::AssignProduct | Action::AssignUsageType => ("product", row.product),
                _ if row.resource.is_empty() => ("product", row.product),
                _ => ("resource", row.resource),
            };
            app.mode = Mode::Typing(Assignment {
                field,
                value,
                glob: false,
                area: String::new(),
            });
        }
        Action::Undo => {
            if app.session_rules == 0 {
                app.status = "nothing to undo in this session".to_owned();
            } else {
                return vec![Request::UndoRule {
                    month: app.month().map(str::to_owned),
                }];
            }
        }
        Action::Export => return export_chase(app),
        _ => {}
    }
    Vec::new()
}

fn export_chase(app: &App) -> Vec<Request> {
    let (Some(month), Some(c)) = (app.month(), state(app).and_then(|t| t.coverage.ready())) else {
        return Vec::new();
    };
    let rows = c
        .chase
        .iter()
        .map(|ch| {
            vec![
                ch.resource.clone(),
                ch.product.clone(),
                ch.usage_type.clone(),
                ch.cost.decimal(),
                format!("{:.4}", ch.coverage_after),
            ]
        })
        .collect();
    vec![Request::Export {
        path: app.export_dir.join(format!("apportion-{month}-untagged.csv")),
        header: ["resource", "product", "usage_type", "cost", "coverage_after"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    }]
}

/// The month's coverage as a gauge, coverage over the months as a chart, and the chase list.
fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let t = state(app)?;
    let Some(c) = t.coverage.ready() else {
        frame.render_widget(Paragraph::new("loading coverage…").block(Block::bordered()), area);
        return None;
    };
    let history = if area.height >= 16 { 7 } else { 0 };
    let progress = u16::from(!app.old_months.is_empty());
    let [progress_area, gauge_area, chart_area, list] = Layout::vertical([
        Constraint::Length(progress),
        Constraint::Length(3),
        Constraint::Length(history),
        Constraint::Min(3),
    ])
    .areas(area);
    if progress > 0 {
        let line = format!(
            " re-attributing after the rules change: {} month(s) still old (marked *)",
            app.old_months.len()
        );
        frame.render_widget(
            Paragraph::new(line).style(Style::new().fg(Color::Yellow)),
            progress_area,
        );
    }
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
                // A month the rules change has not reached: `Oc*`, in yellow.
                let (label, style) = if app.is_old(m) {
                    let short: String = short_month(m).chars().take(2).collect();
                    (format!("{short}*"), Style::new().fg(Color::Yellow))
                } else {
                    (short_month(m), Style::new())
                };
                Bar::default()
                    .value((share * 100.0).round().max(0.0) as u64)
                    .label(ratatui::text::Line::from(label))
                    .style(style)
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
    if t.groups_shown {
        draw_groups(frame, list, t, c);
        return None;
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
        if c.groups.is_empty() {
            format!(" chase these to {:.0}% ", TAGGING_TARGET * 100.0)
        } else {
            format!(
                " chase these to {:.0}% ({} rows; r: {} groups, one rule each) ",
                TAGGING_TARGET * 100.0,
                c.chase.len(),
                c.groups.len()
            )
        },
    );
    frame.render_stateful_widget(table, list, &mut t.list.table_state(c.chase.len()));
    let selected = c.chase.get(t.list.selected())?;
    (selected.resource.chars().count() > name_width).then(|| selected.resource.clone())
}

/// The groups of untagged cost, each with what one rule would claim.
fn draw_groups(frame: &mut Frame<'_>, list: Rect, t: &TaggingState, c: &Coverage) {
    let name_width = (list.width as usize).saturating_sub(4 + 13 + 9 + 3).clamp(12, 80);
    let rows: Vec<Row> = c
        .groups
        .iter()
        .map(|g| {
            Row::new(vec![
                Cell::from(ellipsize(&g.label(), name_width)),
                right(usd(g.cost)),
                right(percent(g.coverage_after, 1.0)),
            ])
        })
        .collect();
    let table = selectable(
        rows,
        vec![
            Constraint::Length(name_width as u16),
            Constraint::Length(13),
            Constraint::Min(9),
        ],
        vec![
            "group (Enter: one rule)".into(),
            format!("{:>13}", "cost"),
            format!("{:>9}", "→ covered"),
        ],
        format!(
            " {} rows to chase to {:.0}%: these groups claim more per rule (r: back) ",
            c.chase.len(),
            TAGGING_TARGET * 100.0
        ),
    );
    frame.render_stateful_widget(table, list, &mut t.group_list.table_state(c.groups.len()));
}
