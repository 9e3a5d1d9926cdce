//! A collapsible, pretty-printed JSON tree, rendered as text nodes only.

use leptos::prelude::*;
use serde_json::Value;
use ui_names::testid;

fn scalar(v: &Value) -> (String, &'static str) {
    match v {
        Value::String(s) => (serde_json::to_string(s).unwrap_or_default(), "json-string"),
        Value::Number(n) => (n.to_string(), "json-number"),
        Value::Bool(b) => (b.to_string(), "json-bool"),
        Value::Null => ("null".to_string(), "json-null"),
        _ => (String::new(), ""),
    }
}

fn node(label: Option<String>, value: Value, depth: usize) -> AnyView {
    let label_view = label.map(|l| view! { <span class="json-key">{l}</span> ": " });
    match value {
        Value::Object(map) => {
            let count = map.len();
            let children: Vec<AnyView> = map
                .into_iter()
                .map(|(k, v)| node(Some(serde_json::to_string(&k).unwrap_or(k)), v, depth + 1))
                .collect();
            view! {
                <details class="json-node" open={ depth < 3 }>
                    <summary>{label_view} "{" <span class="muted small">{format!(" {count} key{} ", if count == 1 { "" } else { "s" })}</span> "}"</summary>
                    <ul class="json-children">{children.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                </details>
            }
            .into_any()
        }
        Value::Array(items) => {
            let count = items.len();
            let children: Vec<AnyView> = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| node(Some(i.to_string()), v, depth + 1))
                .collect();
            view! {
                <details class="json-node" open={ depth < 3 }>
                    <summary>{label_view} "[" <span class="muted small">{format!(" {count} item{} ", if count == 1 { "" } else { "s" })}</span> "]"</summary>
                    <ul class="json-children">{children.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                </details>
            }
            .into_any()
        }
        other => {
            let (text, class) = scalar(&other);
            view! { <span class="json-leaf">{label_view}<span class=class>{text}</span></span> }
                .into_any()
        }
    }
}

/// Renders `value` as a tree of `<details>` elements; objects and arrays fold.
#[component]
pub fn JsonTree(
    /// The JSON to show.
    value: Value,
) -> impl IntoView {
    view! { <div class="json-tree" data-testid=testid::JSON_TREE>{node(None, value, 0)}</div> }
}
