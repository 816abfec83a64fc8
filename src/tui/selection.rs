//! The selected row of a list and how the movement keys change it: every
//! page's table uses this one component, so Up/Down/j/k, PgUp/PgDn and
//! g/G (Home/End) behave the same everywhere.

use ratatui::widgets::TableState;

/// Rows a PgUp or PgDn moves: about a table's height at 80×24.
const PAGE: usize = 10;

/// A movement key, as `keys` maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

/// Which row of a list is selected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    selected: usize,
}

impl Selection {
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Move among `len` rows; whether the selected row changed.
    pub fn apply(&mut self, movement: Movement, len: usize) -> bool {
        let Some(last) = len.checked_sub(1) else {
            return false;
        };
        let from = self.selected.min(last);
        let to = match movement {
            Movement::Up => from.saturating_sub(1),
            Movement::Down => from + 1,
            Movement::PageUp => from.saturating_sub(PAGE),
            Movement::PageDown => from + PAGE,
            Movement::Top => 0,
            Movement::Bottom => last,
        }
        .min(last);
        let moved = to != self.selected;
        self.selected = to;
        moved
    }

    /// Select row `index` (a name found by search, or the first after a re-sort).
    pub fn select(&mut self, index: usize) {
        self.selected = index;
    }

    /// Keep the selection among `len` rows after the rows changed.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// The table state that draws this selection over `len` rows (none when empty).
    pub fn table_state(&self, len: usize) -> TableState {
        TableState::default().with_selected((len > 0).then(|| self.selected.min(len - 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movement_stays_within_the_rows() {
        let mut s = Selection::default();
        assert!(!s.apply(Movement::Up, 25), "already at the top");
        assert!(s.apply(Movement::Down, 25));
        assert_eq!(s.selected(), 1);
        s.apply(Movement::PageDown, 25);
        assert_eq!(s.selected(), 11);
        s.apply(Movement::PageDown, 25);
        s.apply(Movement::PageDown, 25);
        assert_eq!(s.selected(), 24, "a page down stops at the last row");
        s.apply(Movement::PageUp, 25);
        assert_eq!(s.selected(), 14);
        s.apply(Movement::Top, 25);
        assert_eq!(s.selected(), 0);
        s.apply(Movement::Bottom, 25);
        assert_eq!(s.selected(), 24);
        s.clamp(3);
        assert_eq!(s.selected(), 2, "fewer rows came back");
        assert!(!s.apply(Movement::Down, 0), "nothing to select in an empty list");
        assert_eq!(s.table_state(0).selected(), None);
    }
}
