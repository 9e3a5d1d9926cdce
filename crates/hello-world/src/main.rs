//! The smallest app that uses the same core crates as the viewer (leptos, leptos_router,
//! gloo-net), built the same way, so bundle sizes can be compared side by side.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[component]
fn Hello() -> impl IntoView {
    let status = RwSignal::new(String::from("not fetched"));
    let fetch = move |_| {
        leptos::task::spawn_local(async move {
            let text = match gloo_net::http::Request::get("config.json").send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(e) => e.to_string(),
            };
            status.set(text);
        });
    };
    view! {
        <h1>"Hello, world"</h1>
        <button on:click=fetch>"Fetch"</button>
        <p>{move || status.get()}</p>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        view! {
            <Router>
                <Routes fallback=|| "Not found">
                    <Route path=path!("/") view=Hello/>
                </Routes>
            </Router>
        }
    });
}
