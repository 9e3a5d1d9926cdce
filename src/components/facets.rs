//! The facets panel: for the events matching the filters (every page), the most common users,
//! addresses, countries, sources, types and values of the commonest context keys, with their
//! counts. A value's button narrows the list
//! to it; the − beside it excludes it. Both add an exact qualifier to the search box's filters.

use audit_model::facets::Facet;
use audit_model::filter::qualifier;
use audit_model::EventQuery;
use leptos::prelude::*;
use ui_names::testid;

use crate::pages::thousands;
use crate::session::Session;

/// From this width the panel stands beside the table (style/main.css says the same).
const WIDE_PX: f64 = 1600.0;

/// `q` with one more qualifier (`-` in front to exclude), at page 1.
pub fn narrowed(q: &EventQuery, field: &str, value: &str, exclude: bool) -> EventQuery {
    let clause = format!(
        "{}{}",
        if exclude { "-" } else { "" },
        qualifier(field, value)
    );
    let filter = match q.filter.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => format!("{f} {clause}"),
        None => clause,
    };
    EventQuery {
        filter: Some(filter),
        page: 1,
        ..q.clone()
    }
}

/// The panel.
#[component]
pub fn Facets(
    /// The filters (page 1).
    query: Memo<EventQuery>,
    /// Goes to a narrowed list.
    on_go: Callback<EventQuery>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    // None: not computed (the range is not held); Some: the facets.
    let facets = RwSignal::new(None::<Vec<Facet>>);
    let waiting = RwSignal::new(true);
    // A read that completes, or fails, changes what can be said (its progress does not).
    let state = Memo::new(move |_| session.copy.status.with(std::mem::discriminant));
    crate::load::load(
        move || {
            session.copy.version.track();
            state.track();
            Some((query.get(), session.source()?))
        },
        |(q, source): (EventQuery, crate::source::Source), signal| async move {
            source
                .facets(&q, crate::workspace::FACET_VALUES, Some(&signal))
                .await
                .transpose()
        },
        move || waiting.set(true),
        move |result| {
            waiting.set(false);
            facets.set(result.ok().flatten());
        },
    );
    let wide = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w >= WIDE_PX);
    let facet_view = move |f: Facet| {
        let field = f.field.clone();
        let more = f.distinct.saturating_sub(f.top.len());
        view! {
            <section class="facet" data-testid=testid::FACET data-field=field>
                <h3>{f.label}" "<span class="muted small">{format!("({} different)", thousands(f.distinct as u64))}</span></h3>
                <ul>
                    {f.top.into_iter().map(|(value, n)| {
                        let (v1, v2) = (value.clone(), value.clone());
                        let (f1, f2) = (field.clone(), field.clone());
                        view! {
                            <li>
                                <button type="button" class="link" data-testid=testid::FACET_INCLUDE
                                    data-value=value.clone() data-count=n.to_string()
                                    title=format!("Only {field}:{value}")
                                    on:click=move |_| on_go.run(narrowed(&query.get_untracked(), &f1, &v1, false))>
                                    {value.clone()}
                                </button>
                                <span class="count">{thousands(n)}</span>
                                <button type="button" class="exclude" data-testid=testid::FACET_EXCLUDE
                                    aria-label=format!("Exclude {field}:{value}")
                                    title=format!("Exclude {field}:{value}")
                                    on:click=move |_| on_go.run(narrowed(&query.get_untracked(), &f2, &v2, true))>
                                    "−"
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="muted small">{format!("and {} more", thousands(more as u64))}</p> })}
                {(f.missing > 0).then(|| view! { <p class="muted small">{format!("{} without one", thousands(f.missing))}</p> })}
            </section>
        }
    };
    view! {
        // Open beside the table on a wide screen; folded above it on a narrower one.
        <details class="facets card" data-testid=testid::FACETS prop:open=wide>
            <summary>"Facets"<span class="muted small">" — the most common values of the matching events"</span></summary>
            {move || match facets.get() {
                Some(list) => view! {
                    <div class="facet-grid">{list.into_iter().map(facet_view).collect_view()}</div>
                }.into_any(),
                None if waiting.get() => view! { <p class="muted small">"Counting…"</p> }.into_any(),
                None => view! {
                    <p class="muted small">"Facets count the events held in this tab; this range is not held (see the line under the filters)."</p>
                }.into_any(),
            }}
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_adds_a_qualifier_and_goes_back_to_page_one() {
        let q = EventQuery {
            page: 4,
            ..Default::default()
        };
        let one = narrowed(&q, "country", "US", false);
        assert_eq!((one.filter.as_deref(), one.page), (Some("country:US"), 1));
        let two = narrowed(&one, "ip", "2001:db8::1", true);
        assert_eq!(two.filter.as_deref(), Some("country:US -ip:2001:db8::1"));
        assert!(two.validate().is_ok());
    }
}
