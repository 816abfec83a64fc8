//! The explorer's state and the closed set of actions that change it.
//! `update` never does I/O: it returns the queries the new state needs, and
//! `receive` applies their answers. What is shared by every page (the month,
//! the cost measure, the mode, popups, the tour) lives here; each page's own
//! state lives in `page/`.

use std::path::PathBuf;

pub use super::page::explorer::{ExplorerState, Hierarchy, SortKey, View};
pub use super::page::spikes::SpikesState;
pub use super::page::tagging::{TAGGING_TARGET, TaggingState};
pub use super::page::unit_costs::UnitCostState;
pub use super::page::{PAGES, Page, PageSpec};
pub use super::query::{Answer, Assignment, Request, Response, Ticket};
pub use super::selection::{Movement, Selection};
pub use super::tour::Tour;
use crate::db::CostMeasure;

/// Every key maps to one of these.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Move the selected row of the page's list.
    Move(Movement),
    Drill,
    Back,
    PreviousMonth,
    NextMonth,
    ToggleMeasure,
    ToggleHierarchy,
    Sort(SortKey),
    StartFilter,
    /// A character typed into the filter or an area.
    Char(char),
    Backspace,
    /// Enter while typing.
    Done,
    /// Esc while typing.
    Cancel,
    Explain,
    Export,
    Help,
    ClosePopup,
    Quit,
    /// Show the page in that tab (from 0; `1` on the keyboard is the first).
    Show(usize),
    /// Tagging: type an area for the selected row's AWS product or usage type
    /// (Drill types one for the resource itself).
    AssignProduct,
    AssignUsageType,
    Undo,
    /// Tagging: the groups that reach the target in fewer rules, or the list again.
    ToggleGroups,
    /// The tour: the next or the previous step.
    TourNext,
    TourBack,
}

/// Where keys go.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing the explorer's `/` filter; the view shows it as it is typed.
    Filter(String),
    /// Typing the product area of an assignment (tagging).
    Typing(Assignment),
}

/// Something a page waits for: asked (with the ticket of the asking state),
/// answered, or failed; the error belongs to this part of the page only.
#[derive(Debug, Clone, PartialEq)]
pub enum Loadable<T> {
    Idle,
    Loading(Ticket),
    Ready(T),
    Failed(String),
}

impl<T> Loadable<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_loading(&self) -> bool {
        matches!(self, Loadable::Loading(_))
    }

    pub fn progress(&self) -> Progress<'_> {
        match self {
            Loadable::Idle | Loadable::Ready(_) => Progress::Settled,
            Loadable::Loading(_) => Progress::Loading,
            Loadable::Failed(e) => Progress::Failed(e),
        }
    }

    /// Take the answer to `ticket`; an answer to any other question is dropped.
    pub fn accept(&mut self, ticket: Ticket, answer: Answer<T>) -> bool {
        if !matches!(self, Loadable::Loading(t) if *t == ticket) {
            return false;
        }
        *self = match answer {
            Ok(v) => Loadable::Ready(v),
            Err(e) => Loadable::Failed(e),
        };
        true
    }
}

/// Where a page's main question stands, whatever its answer's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    Settled,
    Loading,
    Failed(&'a str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    Explain(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub months: Vec<String>,
    pub month: usize,
    pub measure: CostMeasure,
    pub explorer: ExplorerState,
    pub page: Page,
    pub mode: Mode,
    pub popup: Option<Popup>,
    /// One line of news (an export, an assignment); cleared by the next key.
    pub status: String,
    pub quit: bool,
    /// Where `e` writes the CSV of the current table.
    pub export_dir: PathBuf,
    /// Rules the tagging page added in this session, for undo.
    pub session_rules: usize,
    /// Months a rules change has not reached yet: their figures are those
    /// of the rules before it (marked wherever a month is shown).
    pub old_months: Vec<String>,
    pub tour: Option<Tour>,
    next_ticket: Ticket,
}

impl App {
    pub fn new(months: Vec<String>, export_dir: PathBuf) -> App {
        let month = months.len().saturating_sub(1);
        App {
            months,
            month,
            measure: CostMeasure::Unblended,
            explorer: ExplorerState::default(),
            page: Page::Explorer,
            mode: Mode::Normal,
            popup: None,
            status: String::new(),
            quit: false,
            export_dir,
            session_rules: 0,
            old_months: Vec::new(),
            tour: None,
            next_ticket: 0,
        }
    }

    /// A new ticket for a question about to be asked.
    pub(super) fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        self.next_ticket
    }

    pub fn is_empty(&self) -> bool {
        self.months.is_empty()
    }

    pub fn month(&self) -> Option<&str> {
        self.months.get(self.month).map(String::as_str)
    }

    pub fn previous_month(&self) -> Option<&str> {
        self.month
            .checked_sub(1)
            .and_then(|i| self.months.get(i))
            .map(String::as_str)
    }

    /// Whether keys are text right now (the `/` filter or an area being typed).
    pub fn taking_text(&self) -> bool {
        !matches!(self.mode, Mode::Normal)
    }

    /// Queries for the first frame.
    pub fn start(&mut self) -> Vec<Request> {
        let mut requests = self.reload_explorer();
        if self.tour.is_some() {
            requests.extend(self.enter_tour_step());
        }
        requests
    }

    pub fn update(&mut self, action: Action) -> Vec<Request> {
        match self.mode.clone() {
            Mode::Typing(_) => return self.update_typing(action),
            Mode::Filter(_) => return self.update_filter(action),
            Mode::Normal => {}
        }
        if self.popup.is_some() && action != Action::Quit {
            self.popup = None;
            return Vec::new();
        }
        match action {
            Action::Quit if self.tour.is_some() => {
                self.tour = None;
                self.status = "tour ended: keep exploring (q quits)".to_owned();
                Vec::new()
            }
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::TourNext | Action::TourBack if self.tour.is_some() => self.move_tour(action == Action::TourNext),
            Action::TourNext | Action::TourBack => Vec::new(),
            Action::Help => {
                self.popup = Some(Popup::Help);
                Vec::new()
            }
            Action::ClosePopup => Vec::new(),
            Action::Show(tab) => match PAGES.get(tab) {
                Some(spec) => self.show((spec.fresh)()),
                None => Vec::new(),
            },
            Action::PreviousMonth | Action::NextMonth => {
                if self.shift_month(action == Action::PreviousMonth) {
                    let mut requests = self.reload_explorer();
                    requests.extend(self.reload_page());
                    requests
                } else {
                    Vec::new()
                }
            }
            action => (self.page.spec().update)(self, action),
        }
    }

    /// Go to a page as it opens (the explorer as it was left) and ask for what it shows.
    pub fn show(&mut self, page: Page) -> Vec<Request> {
        self.page = page;
        self.reload_page()
    }

    /// The queries the current page needs (the explorer's are asked by whoever changed it).
    fn reload_page(&mut self) -> Vec<Request> {
        (self.page.spec().load)(self)
    }

    /// Move to the previous or next month; false (with a hint) at either end.
    fn shift_month(&mut self, back: bool) -> bool {
        let next = if back {
            self.month.checked_sub(1)
        } else {
            Some(self.month + 1).filter(|m| *m < self.months.len())
        };
        match next {
            Some(m) => {
                self.month = m;
                true
            }
            None => {
                self.status = "no other month in that direction".to_owned();
                false
            }
        }
    }

    fn update_typing(&mut self, action: Action) -> Vec<Request> {
        let Mode::Typing(assignment) = &mut self.mode else {
            return Vec::new();
        };
        match action {
            Action::Char(c) => assignment.area.push(c),
            Action::Backspace => {
                assignment.area.pop();
            }
            Action::Cancel => self.mode = Mode::Normal,
            Action::Done => {
                let Mode::Typing(assignment) = std::mem::replace(&mut self.mode, Mode::Normal) else {
                    return Vec::new();
                };
                if assignment.area.trim().is_empty() {
                    self.status = "no area typed: nothing assigned".to_owned();
                    return Vec::new();
                }
                let rule = assignment.rule();
                self.status = format!("assigning {}…", rule.describe());
                return vec![Request::AssignRule {
                    rule,
                    month: self.month().map(str::to_owned),
                }];
            }
            _ => {}
        }
        Vec::new()
    }

    /// Apply a worker's answer; answers to superseded questions are dropped.
    pub fn receive(&mut self, response: Response) -> Vec<Request> {
        match response {
            Response::Rows { ticket, answer } => self.receive_rows(ticket, answer),
            Response::Daily { ticket, answer } => {
                self.explorer.daily.accept(ticket, answer);
                Vec::new()
            }
            Response::Trend { ticket, answer } => {
                self.explorer.trend.accept(ticket, answer);
                Vec::new()
            }
            Response::Explained { text } => {
                self.popup = Some(Popup::Explain(text));
                Vec::new()
            }
            Response::Exported { answer } => {
                self.status = match answer {
                    Ok(path) => format!("exported to {}", path.display()),
                    Err(e) => format!("error: {e}"),
                };
                Vec::new()
            }
            Response::Coverage { ticket, answer } => {
                if let Page::Tagging(t) = &mut self.page {
                    t.accept(ticket, answer);
                }
                Vec::new()
            }
            Response::Spikes { ticket, answer } => self.receive_spikes(ticket, answer),
            Response::SpikeDaily { ticket, answer } => {
                if let Page::Spikes(s) = &mut self.page {
                    s.daily.accept(ticket, answer);
                }
                Vec::new()
            }
            Response::UnitCosts { ticket, answer } => {
                if let Page::UnitCosts(u) = &mut self.page {
                    u.rows.accept(ticket, answer);
                }
                Vec::new()
            }
            Response::Bill { ticket, answer } => {
                if let Page::Bill(b) = &mut self.page {
                    b.accept_bill(ticket, answer);
                }
                Vec::new()
            }
            Response::ChargeAreas { ticket, answer } => {
                if let Page::Bill(b) = &mut self.page {
                    b.accept_areas(ticket, answer);
                }
                Vec::new()
            }
            Response::RulesProgress { redone, pending } => {
                let on_screen = redone.is_some() && redone.as_deref() == self.month();
                self.old_months = pending;
                self.status = if self.old_months.is_empty() {
                    "rules changed: every month is attributed with them".to_owned()
                } else {
                    format!(
                        "rules changed: {} month(s) still old, being attributed (newest first)",
                        self.old_months.len()
                    )
                };
                // The month on screen is done: its figures are right now.
                if on_screen {
                    self.explorer.clear();
                    let mut requests = self.reload_explorer();
                    requests.extend(self.reload_page());
                    requests
                } else {
                    Vec::new()
                }
            }
            Response::RulesChanged { answer } => match answer {
                Ok((message, added)) => {
                    self.old_months.clear();
                    self.status = message;
                    if added {
                        self.session_rules += 1;
                    } else {
                        self.session_rules = self.session_rules.saturating_sub(1);
                    }
                    self.explorer.clear();
                    let mut requests = self.reload_explorer();
                    requests.extend(self.reload_page());
                    requests
                }
                Err(e) => {
                    self.old_months.clear();
                    self.status = format!("error: {e}");
                    Vec::new()
                }
            },
        }
    }

    /// Whether `month`'s figures predate a rules change still being applied.
    pub fn is_old(&self, month: &str) -> bool {
        self.old_months.iter().any(|m| m == month)
    }
}
