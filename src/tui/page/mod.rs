//! One module per page: its state, how actions change it, and how it is
//! drawn, tied together by its `PageSpec`. Adding a page is a file here, its
//! variant of `Page` and its row in `PAGES`.

pub mod bill;
pub mod explorer;
pub mod spikes;
pub mod tagging;
pub mod unit_costs;

use ratatui::Frame;
use ratatui::layout::Rect;

use self::bill::BillState;
use self::spikes::SpikesState;
use self::tagging::TaggingState;
use self::unit_costs::UnitCostState;
use super::app::{Action, App, Progress, Request};

/// The page on screen. The explorer's state outlives a visit to another page
/// (it lives in `App::explorer`); the others are loaded afresh on each visit.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    Explorer,
    Tagging(TaggingState),
    Spikes(SpikesState),
    UnitCosts(UnitCostState),
    Bill(BillState),
}

impl Page {
    pub fn spec(&self) -> &'static PageSpec {
        match self {
            Page::Explorer => &explorer::PAGE,
            Page::Tagging(_) => &tagging::PAGE,
            Page::Spikes(_) => &spikes::PAGE,
            Page::UnitCosts(_) => &unit_costs::PAGE,
            Page::Bill(_) => &bill::PAGE,
        }
    }

    /// The page's place among the tabs, from 0.
    pub fn tab(&self) -> usize {
        let title = self.spec().title;
        PAGES.iter().position(|p| p.title == title).unwrap_or(0)
    }
}

/// The pages in tab order: the key `1` shows the first.
pub static PAGES: [&PageSpec; 5] = [
    &explorer::PAGE,
    &tagging::PAGE,
    &spikes::PAGE,
    &unit_costs::PAGE,
    &bill::PAGE,
];

/// What the app and the frame need from a page.
pub struct PageSpec {
    /// The tab's label.
    pub title: &'static str,
    /// Key hints for the status line, most useful first (the page keys follow).
    pub hints: &'static [&'static str],
    /// Help lines for the keys only this page has.
    pub help: &'static [(&'static str, &'static str)],
    /// The page as it opens.
    pub fresh: fn() -> Page,
    /// Ask for what the page shows: on opening, and when the month or the rules change.
    pub load: fn(&mut App) -> Vec<Request>,
    /// Apply an action no page handles alike (movement, drilling, the page's own keys).
    pub update: fn(&mut App, Action) -> Vec<Request>,
    /// Where the question the page waits on stands.
    pub progress: fn(&App) -> Progress<'_>,
    /// Draw the page; returns the selected row's full name when the table had to cut it.
    pub draw: fn(&mut Frame<'_>, Rect, &App) -> Option<String>,
}
