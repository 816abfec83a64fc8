//! Keys to actions: the bindings users expect from ncdu, k9s and dua, and
//! the help popup's lines (each page adds its own keys and hints).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Action, Movement, PAGES, SortKey};

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
        KeyCode::Char(c @ '1'..='9') if (c as usize - '1' as usize) < PAGES.len() => {
            Action::Show(c as usize - '1' as usize)
        }
        KeyCode::Char('p') => Action::AssignProduct,
        KeyCode::Char('y') => Action::AssignUsageType,
        KeyCode::Char('u') => Action::Undo,
        KeyCode::Char('r') => Action::ToggleGroups,
        _ => return None,
    })
}

/// Keys every page shares, in the order of `action_for`.
const SHARED: &[(&str, &str)] = &[
    ("j / k, ↓ / ↑", "move down / up"),
    ("PgDn / PgUp, g / G", "page, top / bottom (also Home / End)"),
    ("Enter, l, →", "drill into the selected row"),
    ("Backspace, h, ←", "back up one level"),
    ("[ / ]", "previous / next month"),
    ("a", "cost: unblended → amortized → net amortized"),
    ("t", "toggle product → area / area → product"),
    ("c / n / d", "sort by cost / name / change (again: reverse)"),
    ("/", "filter rows by name (Enter keeps, Esc clears)"),
    ("x", "explain the selected resource"),
    ("e", "export the table to CSV"),
];

const LAST: &[(&str, &str)] = &[
    ("tour: Space / Backspace", "next / previous step (q leaves the tour)"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
];

/// The help popup's lines: the shared keys, the page keys, each page's own
/// keys, and the tour's.
pub fn help_lines() -> Vec<(String, String)> {
    let pages = (
        (1..=PAGES.len()).map(|n| n.to_string()).collect::<Vec<_>>().join(" / "),
        PAGES.iter().map(|p| p.title).collect::<Vec<_>>().join(" / "),
    );
    let line = |(keys, what): &(&str, &str)| ((*keys).to_owned(), (*what).to_owned());
    SHARED
        .iter()
        .map(line)
        .chain([pages])
        .chain(PAGES.iter().flat_map(|p| p.help.iter().map(line)))
        .chain(LAST.iter().map(line))
        .collect()
}
