//! Paging controls driven by the API's page metadata and links.

use audit_model::{EventQuery, EventsPage};
use leptos::prelude::*;
use ui_names::testid;

use crate::pages::{last_page, parse_page_input, showing};

/// First / previous / next / last, a page to jump to, and the page size.
#[component]
pub fn Pager(
    /// The page last received.
    #[prop(into)]
    page: Signal<Option<EventsPage>>,
    /// The query in the URL.
    #[prop(into)]
    query: Signal<EventQuery>,
    /// Moves to another query (page or size changed).
    on_go: Callback<EventQuery>,
) -> impl IntoView {
    let info = move || page.with(|p| p.as_ref().map(EventsPage::info).unwrap_or_default());
    let rows = move || page.with(|p| p.as_ref().map_or(0, |p| p.events().len()));
    let current = move || query.with(|q| q.page);
    let has_prev =
        move || page.with(|p| p.as_ref().is_some_and(|p| p.links.prev.is_some())) || current() > 1;
    let has_next = move || page.with(|p| p.as_ref().is_some_and(|p| p.links.next.is_some()));
    let go = move |n: u32| on_go.run(query.get_untracked().at_page(n.max(1)));
    // The box is read when submitted, not rewritten while typed: a number input reports "" for a
    // half-typed "2." and writing that back scrambled what the person typed.
    let jump = NodeRef::<leptos::html::Input>::new();
    let jump_error = RwSignal::new(None::<String>);

    view! {
        <nav class="pager" aria-label="Pages" data-testid=testid::PAGER>
            <span data-testid=testid::SHOWING aria-live="polite">{move || showing(&info(), rows())}</span>
            <div class="buttons">
                <button type="button" data-testid=testid::FIRST disabled=move || { current() <= 1 } on:click=move |_| go(1)>"« First"</button>
                <button type="button" data-testid=testid::PREV disabled=move || !has_prev() on:click=move |_| go(current().saturating_sub(1))>"‹ Previous"</button>
                <span data-testid=testid::PAGE_OF>{move || format!("Page {} of {}", current(), last_page(&info()))}</span>
                <button type="button" data-testid=testid::NEXT disabled=move || !has_next() on:click=move |_| go(current() + 1)>"Next ›"</button>
                <button type="button" data-testid=testid::LAST disabled=move || { current() >= last_page(&info()) }
                    on:click=move |_| go(last_page(&info()))>"Last »"</button>
            </div>
            <form class="jump" on:submit=move |ev| {
                ev.prevent_default();
                let Some(input) = jump.get_untracked() else { return };
                match parse_page_input(&input.value(), last_page(&info())) {
                    Ok(n) => {
                        jump_error.set(None);
                        input.set_value("");
                        go(n);
                    }
                    Err(message) => jump_error.set(Some(message.0)),
                }
            }>
                <label for="jump-page">"Go to page"</label>
                <input id="jump-page" data-testid=testid::JUMP_PAGE type="text" inputmode="numeric" autocomplete="off"
                    size="6" node_ref=jump aria-describedby="jump-error"
                    aria-invalid=move || jump_error.with(Option::is_some).to_string()
                    on:input=move |_| jump_error.set(None)/>
                <button type="submit" data-testid=testid::JUMP_GO>"Go"</button>
                <span id="jump-error" class="error small" role="alert" data-testid=testid::JUMP_ERROR>{move || jump_error.get()}</span>
            </form>
            <label for="page-size">"Per page"</label>
            <select id="page-size" data-testid=testid::PAGE_SIZE prop:value=move || query.with(|q| q.size.to_string())
                on:change=move |ev| {
                    if let Ok(size) = event_target_value(&ev).parse::<u32>() {
                        on_go.run(EventQuery { size, page: 1, ..query.get_untracked() });
                    }
                }>
                {[10u32, 30, 50, 100].into_iter().map(|n| view! { <option value=n.to_string()>{n.to_string()}</option> }).collect_view()}
            </select>
        </nav>
    }
}
