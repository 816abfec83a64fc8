//! Keys to actions: the bindings users expect from ncdu, k9s and dua, and
//! the key help in the order it is shortened to fit the status line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Action, Movement, PageKind, SortKey};

/// What keys mean right now: text while typing, the tour's keys during it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyContext {
    pub typing: bool,
    pub touring: bool,
}

pub fn action_for(key: KeyEvent, context: KeyContext) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if context.typing {
        return match key.code {
            KeyCode::Enter => Some(Action::Done),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) => Some(Action::Char(c)),
            _ => None,
        };
    }
    if context.touring {
        match key.code {
            KeyCode::Char(' ') => return Some(Action::TourNext),
            KeyCode::Backspace => return Some(Action::TourBack),
            _ => {}
        }
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::ClosePopup,
        KeyCode::Char('j') | KeyCode::Down => Action::Move(Movement::Down),
        KeyCode::Char('k') | KeyCode::Up => Action::Move(Movement::Up),
        KeyCode::PageDown => Action::Move(Movement::PageDown),
        KeyCode::PageUp => Action::Move(Movement::PageUp),
        KeyCode::Char('g') | KeyCode::Home => Action::Move(Movement::Top),
        KeyCode::Char('G') | KeyCode::End => Action::Move(Movement::Bottom),
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => Action::Drill,
        KeyCode::Backspace | KeyCode::Char('h') | KeyCode::Left => Action::Back,
        KeyCode::Char('[') => Action::PreviousMonth,
        KeyCode::Char(']') => Action::NextMonth,
        KeyCode::Char('a') => Action::ToggleMeasure,
        KeyCode::Char('t') => Action::ToggleHierarchy,
        KeyCode::Char('c') => Action::Sort(SortKey::Cost),
        KeyCode::Char('n') => Action::Sort(SortKey::Name),
        KeyCode::Char('d') => Action::Sort(SortKey::Change),
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('x') => Action::Explain,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('1') => Action::Show(PageKind::Explorer),
        KeyCode::Char('2') => Action::Show(PageKind::Tagging),
        KeyCode::Char('3') => Action::Show(PageKind::Spikes),
        KeyCode::Char('4') => Action::Show(PageKind::UnitCosts),
        KeyCode::Char('p') => Action::AssignProduct,
        KeyCode::Char('y') => Action::AssignUsageType,
        KeyCode::Char('u') => Action::Undo,
        _ => return None,
    })
}

/// The help popup's lines: every key, in the order of `action_for`.
pub const HELP: &[(&str, &str)] = &[
    ("j / k, ↓ / ↑", "move down / up"),
    ("PgDn / PgUp, g / G", "page, top / bottom (also Home / End)"),
    ("Enter, l, →", "drill into the selected row"),
    ("Backspace, h, ←", "back up one level"),
    ("[ / ]", "previous / next month"),
    ("a", "toggle unblended / amortized cost"),
    ("t", "toggle product → area / area → product"),
    ("c / n / d", "sort by cost / name / change (again: reverse)"),
    ("/", "filter rows by name (Enter keeps, Esc clears)"),
    ("x", "explain the selected resource"),
    ("e", "export the table to CSV"),
    ("1 / 2 / 3 / 4", "explorer / tagging / spikes / unit costs"),
    (
        "tagging: Enter / p / y",
        "type an area for the resource / its product / usage type",
    ),
    ("tagging: u / e", "undo the last rule added / export the chase list"),
    ("spikes: Enter", "open the explorer at that area × product"),
    ("tour: Space / Backspace", "next / previous step (q leaves the tour)"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
];

/// Key hints of a page, most useful first: the status line shows as many as fit.
pub fn hints(page: PageKind) -> &'static [&'static str] {
    match page {
        PageKind::Explorer => &[
            "Enter drill",
            "h back",
            "[ ] month",
            "? help",
            "q quit",
            "x explain",
            "a cost",
            "t order",
            "/ filter",
            "e export",
            "1-4 pages",
        ],
        PageKind::Tagging => &[
            "Enter area for resource",
            "p product",
            "y usage type",
            "u undo",
            "? help",
            "q quit",
            "e export",
            "1-4 pages",
        ],
        PageKind::Spikes => &["Enter open in explorer", "[ ] month", "? help", "q quit", "1-4 pages"],
        PageKind::UnitCosts => &["j k select", "[ ] month", "? help", "q quit", "1-4 pages"],
    }
}
