//! The bill page: the month's invoice by kind of charge and where each
//! kind's money went (to areas directly, by a split, or still unallocated),
//! the check of allocated against billed, and Enter on a kind of charge for
//! the areas that received it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Paragraph, Row};

use super::super::app::{Action, App, Loadable, Page, Progress, Request, Selection, Ticket};
use super::super::ui::widgets::{ellipsize, right, selectable};
use super::PageSpec;
use crate::db::{ChargeArea, Reconciliation};
use crate::money::Money;
use crate::report::usd;

pub static PAGE: PageSpec = PageSpec {
    title: "bill",
    hints: &["Enter areas", "h back", "[ ] month", "? help", "q quit"],
    help: &[
        ("bill: Enter", "the areas a kind of charge went to"),
        ("bill: h", "back to the kinds of charge"),
    ],
    fresh: || Page::Bill(BillState::default()),
    load,
    update,
    progress: |app| {
        state(app).map_or(Progress::Settled, |b| match &b.charge {
            Some(_) => b.areas.progress(),
            None => b.bill.progress(),
        })
    },
    draw,
};

#[derive(Debug, Clone, PartialEq)]
pub struct BillState {
    pub bill: Loadable<Reconciliation>,
    pub list: Selection,
    /// The kind of charge drilled into, with the areas that received it.
    pub charge: Option<String>,
    pub areas: Loadable<Vec<ChargeArea>>,
    pub area_list: Selection,
}

impl Default for BillState {
    fn default() -> BillState {
        BillState {
            bill: Loadable::Idle,
            list: Selection::default(),
            charge: None,
            areas: Loadable::Idle,
            area_list: Selection::default(),
        }
    }
}

impl BillState {
    pub fn accept_bill(&mut self, ticket: Ticket, answer: Result<Reconciliation, String>) {
        let _ = self.bill.accept(ticket, answer);
    }

    pub fn accept_areas(&mut self, ticket: Ticket, answer: Result<Vec<ChargeArea>, String>) {
        let _ = self.areas.accept(ticket, answer);
    }
}

fn state(app: &App) -> Option<&BillState> {
    match &app.page {
        Page::Bill(b) => Some(b),
        _ => None,
    }
}

fn load(app: &mut App) -> Vec<Request> {
    let Some(month) = app.month().map(str::to_owned) else {
        return Vec::new();
    };
    let ticket = app.ticket();
    let Page::Bill(b) = &mut app.page else {
        return Vec::new();
    };
    b.bill = Loadable::Loading(ticket);
    b.charge = None;
    b.areas = Loadable::Idle;
    vec![Request::Bill { ticket, month }]
}

fn update(app: &mut App, action: Action) -> Vec<Request> {
    let month = app.month().map(str::to_owned);
    let ticket = app.ticket();
    let Page::Bill(b) = &mut app.page else {
        return Vec::new();
    };
    match action {
        Action::Move(movement) => {
            if b.charge.is_some() {
                let len = b.areas.ready().map_or(0, Vec::len);
                b.area_list.apply(movement, len);
            } else {
                let len = b.bill.ready().map_or(0, |r| r.rows.len());
                b.list.apply(movement, len);
            }
            Vec::new()
        }
        Action::Drill if b.charge.is_none() => {
            let Some(charge) = b
                .bill
                .ready()
                .and_then(|r| r.rows.get(b.list.selected()))
                .map(|row| row.charge.clone())
            else {
                return Vec::new();
            };
            let Some(month) = month else {
                return Vec::new();
            };
            b.charge = Some(charge.clone());
            b.areas = Loadable::Loading(ticket);
            b.area_list = Selection::default();
            vec![Request::ChargeAreas { ticket, month, charge }]
        }
        Action::Back => {
            b.charge = None;
            b.areas = Loadable::Idle;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Option<String> {
    let b = state(app)?;
    let Some(bill) = b.bill.ready() else {
        frame.render_widget(Paragraph::new("loading the bill…").block(Block::bordered()), area);
        return None;
    };
    let [table_area, check_area] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
    match (&b.charge, b.areas.ready()) {
        (Some(charge), Some(areas)) => draw_areas(frame, table_area, b, charge, areas),
        (Some(_), None) => {
            frame.render_widget(Paragraph::new("loading…").block(Block::bordered()), table_area);
        }
        (None, _) => draw_charges(frame, table_area, b, bill),
    }
    let check = if bill.allocated == bill.billed {
        format!(
            " allocated {} = billed {}: every dollar of the invoice reaches an area or a pseudo-area",
            usd(bill.allocated),
            usd(bill.billed)
        )
    } else if bill.allocated == Money::ZERO {
        format!(" billed {}, not attributed yet", usd(bill.billed))
    } else {
        format!(
            " allocated {} differs from billed {}: attribute the month again",
            usd(bill.allocated),
            usd(bill.billed)
        )
    };
    let unused: Money = bill.rows.iter().map(|r| r.unused).sum();
    let differ = bill.stated.iter().filter(|t| !t.holds()).count();
    let stated = match (bill.stated.len(), differ) {
        (0, _) => String::new(),
        (n, 0) => format!(" · the export's {n} stated totals equal its lines"),
        (n, d) => format!(" · {d} of the export's {n} stated totals differ from its lines (see `apportion reconcile`)"),
    };
    let text = format!("{check}\n commitments unused: {}{stated}", usd(unused));
    frame.render_widget(Paragraph::new(text), check_area);
    None
}

fn money_columns() -> Vec<Constraint> {
    vec![
        Constraint::Min(12),
        Constraint::Length(14),
        Constraint::Length(14),
        Constraint::Length(14),
        Constraint::Length(14),
    ]
}

fn draw_charges(frame: &mut Frame<'_>, area: Rect, b: &BillState, bill: &Reconciliation) {
    let body: Vec<Row> = bill
        .rows
        .iter()
        .map(|r| {
            Row::new(vec![
                ratatui::widgets::Cell::from(ellipsize(&r.charge, 20)),
                right(usd(r.billed)),
                right(usd(r.direct)),
                right(usd(r.by_split)),
                right(usd(r.unallocated)),
            ])
        })
        .collect();
    let header = vec![
        "charge".into(),
        format!("{:>14}", "billed"),
        format!("{:>14}", "to areas"),
        format!("{:>14}", "by split"),
        format!("{:>14}", "unallocated"),
    ];
    let title = format!(" the bill of {} by charge, unblended ", bill.month);
    let table = selectable(body, money_columns(), header, title);
    frame.render_stateful_widget(table, area, &mut b.list.table_state(bill.rows.len()));
}

fn draw_areas(frame: &mut Frame<'_>, area: Rect, b: &BillState, charge: &str, areas: &[ChargeArea]) {
    let body: Vec<Row> = areas
        .iter()
        .map(|a| {
            Row::new(vec![
                ratatui::widgets::Cell::from(ellipsize(&a.area, 30)),
                right(usd(a.direct + a.by_split)),
                right(usd(a.direct)),
                right(usd(a.by_split)),
                right(String::new()),
            ])
        })
        .collect();
    let header = vec![
        "area".into(),
        format!("{:>14}", "received"),
        format!("{:>14}", "directly"),
        format!("{:>14}", "by split"),
        String::new(),
    ];
    let title = format!(" {} went to · h back ", ellipsize(charge, 20));
    let table = selectable(body, money_columns(), header, title);
    frame.render_stateful_widget(table, area, &mut b.area_list.table_state(areas.len()));
}
