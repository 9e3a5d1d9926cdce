//! Saved views and recent queries, kept in this browser's localStorage.
//!
//! A saved view is a name, the list's address (types, range, search, qualifiers, page size) and
//! the columns shown; the ten queries last looked at are offered too. Both export to and import
//! from a JSON file, so a set of views can move between browsers or colleagues.

use serde::{Deserialize, Serialize};

use crate::browser::{load, save, Store};
use crate::field::FieldError;

/// localStorage: the saved views.
pub const VIEWS_KEY: &str = ui_names::storage::SAVED_VIEWS;
/// localStorage: the recent queries.
pub const RECENT_KEY: &str = ui_names::storage::RECENT_QUERIES;
/// Recent queries kept.
pub const RECENT_MAX: usize = 10;

/// One saved view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    /// What the person called it.
    pub name: String,
    /// The list's query string (the app's own, `where` included), without `?`.
    pub query: String,
    /// The columns hidden when it was saved (their keys).
    #[serde(default)]
    pub hidden_columns: Vec<String>,
}

/// The file views export to and import from.
#[derive(Debug, Serialize, Deserialize)]
pub struct ViewsFile {
    /// What the file is, so another JSON file is refused with a clear message.
    pub kind: String,
    /// The views.
    pub views: Vec<SavedView>,
}

const FILE_KIND: &str = "audit-viewer saved views";

/// Adds `view`, replacing one of the same name.
pub fn with_saved(mut views: Vec<SavedView>, view: SavedView) -> Vec<SavedView> {
    views.retain(|v| v.name != view.name);
    views.push(view);
    audit_model::sorting::sort_by_cached_key(&mut views, |v| v.name.to_lowercase());
    views
}

/// Renames `from` to `to`; refused when `to` is empty or taken.
pub fn renamed(views: Vec<SavedView>, from: &str, to: &str) -> Result<Vec<SavedView>, FieldError> {
    let to = to.trim();
    if to.is_empty() {
        return Err(FieldError::from("A view needs a name."));
    }
    if to != from && views.iter().any(|v| v.name == to) {
        return Err(FieldError::from(format!(
            "A view is already called “{to}”."
        )));
    }
    let mut views: Vec<SavedView> = views
        .into_iter()
        .map(|mut v| {
            if v.name == from {
                v.name = to.to_string();
            }
            v
        })
        .collect();
    audit_model::sorting::sort_by_cached_key(&mut views, |v| v.name.to_lowercase());
    Ok(views)
}

/// Puts `query` first among the recent ones (once), keeping [`RECENT_MAX`]. The plain list
/// (nothing filtered) is not worth remembering.
pub fn with_recent(mut recent: Vec<String>, query: &str) -> Vec<String> {
    if query.is_empty() {
        return recent;
    }
    recent.retain(|q| q != query);
    recent.insert(0, query.to_string());
    recent.truncate(RECENT_MAX);
    recent
}

/// The export file's text.
pub fn export(views: &[SavedView]) -> String {
    serde_json::to_string_pretty(&ViewsFile {
        kind: FILE_KIND.into(),
        views: views.to_vec(),
    })
    .unwrap_or_default()
}

/// Reads an export file and merges its views into `views` (an imported view replaces one of the
/// same name). Each view's query must be one the app can open.
pub fn import(views: Vec<SavedView>, text: &str) -> Result<Vec<SavedView>, FieldError> {
    let file: ViewsFile = serde_json::from_str(text)
        .map_err(|e| format!("This is not a saved-views file from this app ({e})."))?;
    if file.kind != FILE_KIND {
        return Err(FieldError::from(
            "This is not a saved-views file from this app.",
        ));
    }
    let mut out = views;
    for v in file.views {
        if v.name.trim().is_empty() {
            return Err(FieldError::from("A view in the file has no name."));
        }
        audit_model::EventQuery::parse_app(&v.query)
            .and_then(|(q, _)| q.validate().map(|_| ()))
            .map_err(|e| format!("The view “{}” cannot be opened: {e}", v.name))?;
        out = with_saved(out, v);
    }
    Ok(out)
}

/// The saved views.
pub fn load_views() -> Vec<SavedView> {
    load(Store::Local, VIEWS_KEY)
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Keeps the saved views.
pub fn store_views(views: &[SavedView]) {
    save(
        Store::Local,
        VIEWS_KEY,
        &serde_json::to_string(views).unwrap_or_default(),
    );
}

/// Forgets the recent queries (at sign-out: they name people and addresses). Saved views stay;
/// they are the person's own, and Settings deletes them.
pub fn forget_recent() {
    crate::browser::remove(Store::Local, RECENT_KEY);
}

/// The recent queries.
pub fn load_recent() -> Vec<String> {
    load(Store::Local, RECENT_KEY)
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Remembers `query` among the recent ones.
pub fn remember(query: &str) {
    let recent = with_recent(load_recent(), query);
    save(
        Store::Local,
        RECENT_KEY,
        &serde_json::to_string(&recent).unwrap_or_default(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, query: &str) -> SavedView {
        SavedView {
            name: name.into(),
            query: query.into(),
            hidden_columns: Vec::new(),
        }
    }

    #[test]
    fn saving_renaming_and_recent_keep_one_of_each() {
        let v = with_saved(Vec::new(), view("b logins", "event_type=USER_LOGIN"));
        let v = with_saved(v, view("a US", "where=country%3AUS"));
        let v = with_saved(v, view("b logins", "event_type=USER_LOGIN&size=100"));
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["a US", "b logins"]);
        assert_eq!(v[1].query, "event_type=USER_LOGIN&size=100", "replaced");
        assert!(renamed(v.clone(), "a US", " ").is_err());
        assert!(renamed(v.clone(), "a US", "b logins").is_err());
        let r = renamed(v, "a US", "z US").expect("renamed");
        assert_eq!(r[1].name, "z US");

        let mut recent = Vec::new();
        for i in 0..12 {
            recent = with_recent(recent, &format!("page={i}"));
        }
        recent = with_recent(recent, "page=5");
        recent = with_recent(recent, "");
        assert_eq!(recent.len(), RECENT_MAX);
        assert_eq!(recent[0], "page=5");
        assert_eq!(recent.iter().filter(|q| *q == "page=5").count(), 1);
    }

    #[test]
    fn export_and_import_round_trip_and_bad_files_are_refused() {
        let views = vec![view(
            "US logins",
            "event_type=USER_LOGIN&where=country%3AUS",
        )];
        let text = export(&views);
        let back = import(vec![view("other", "")], &text).expect("imports");
        assert_eq!(back.len(), 2);
        assert!(back.contains(&views[0]));
        assert!(import(Vec::new(), "{}").is_err());
        assert!(import(Vec::new(), r#"{"kind": "something else", "views": []}"#).is_err());
        let bad = export(&[view("broken", "size=500")]);
        let e = import(Vec::new(), &bad).expect_err("size 500");
        assert!(e.0.contains("broken"), "{e}");
        let bad = export(&[view("broken", "where=colour%3Ared")]);
        assert!(import(Vec::new(), &bad).is_err());
    }
}
