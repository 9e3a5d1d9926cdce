//! What the list remembers while a person looks at one event: the page it showed (so coming
//! back shows its rows at once) and the place they left it (the window's scroll and the row that
//! opened the event, so the focus returns where it came from). Keyed by the source and the
//! query, typed: a page of one account or file never answers for another.

use audit_model::{EventQuery, EventsPage};
use leptos::prelude::*;

use crate::source::Source;

/// The list's memory: one per app, provided as a context.
#[derive(Clone, Copy)]
pub struct ListMemory {
    shown: StoredValue<Option<(Source, EventQuery, EventsPage)>, LocalStorage>,
    left: StoredValue<Option<Left>, LocalStorage>,
    opened_from_list: StoredValue<bool>,
}

/// The place a list was left for a detail view.
struct Left {
    query: EventQuery,
    scroll_y: f64,
    row: String,
}

/// Where to put a list shown again: the window's scroll and the row to focus.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// The window's vertical scroll when the list was left.
    pub scroll_y: f64,
    /// The id of the row that opened the detail view.
    pub row: String,
}

impl Default for ListMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl ListMemory {
    /// Nothing remembered.
    pub fn new() -> Self {
        ListMemory {
            shown: StoredValue::new_local(None),
            left: StoredValue::new_local(None),
            opened_from_list: StoredValue::new(false),
        }
    }

    /// The page last shown for `query` from `source`, if it was the last one shown.
    pub fn page(&self, source: &Source, query: &EventQuery) -> Option<EventsPage> {
        self.shown.with_value(|shown| match shown {
            Some((s, q, page)) if s == source && q == query => Some(page.clone()),
            _ => None,
        })
    }

    /// Remembers the page just shown (replacing the one before).
    pub fn shown(&self, source: Source, query: EventQuery, page: EventsPage) {
        self.shown.set_value(Some((source, query, page)));
    }

    /// The list of `query` is left for the event `row`, scrolled to `scroll_y`.
    pub fn leave(&self, query: EventQuery, row: String, scroll_y: f64) {
        self.opened_from_list.set_value(true);
        self.left.set_value(Some(Left {
            query,
            scroll_y,
            row,
        }));
    }

    /// Where to put the list of `query` shown again, once: `None` when it was not the list
    /// left (or the place was taken already).
    pub fn take_place(&self, query: &EventQuery) -> Option<Place> {
        let mut place = None;
        self.left.update_value(|left| {
            if left.as_ref().is_some_and(|l| l.query == *query) {
                place = left.take().map(|l| Place {
                    scroll_y: l.scroll_y,
                    row: l.row,
                });
            }
        });
        place
    }

    /// Whether the detail view in front was opened from the list in this tab (so Back can
    /// use history); asking forgets it.
    pub fn take_opened_from_list(&self) -> bool {
        let opened = self.opened_from_list.get_value();
        self.opened_from_list.set_value(false);
        opened
    }

    /// Forgets everything (Sign out).
    pub fn forget(&self) {
        self.shown.set_value(None);
        self.left.set_value(None);
        self.opened_from_list.set_value(false);
    }
}
