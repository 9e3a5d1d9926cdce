//! The error banner: what went wrong and the action that helps.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ApiError;

/// Shows an API error with a retry button, and a Settings link when the proxy is the problem.
#[component]
pub fn ErrorBanner(
    /// The error to show; nothing is rendered for `None`.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// Called by the Retry button.
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div class="banner error" role="alert" data-testid="error-banner">
                <span data-testid="error-message">{move || error.get().map(|e| e.to_string())}</span>
                " "
                <button type="button" data-testid="retry" on:click=move |_| on_retry.run(())>"Retry"</button>
                <Show when=move || matches!(error.get(), Some(ApiError::Unreachable { .. } | ApiError::Malformed(_) | ApiError::Interrupted { .. }))>
                    " " <A href="/settings">"Check the API URL in Settings"</A>
                </Show>
            </div>
        </Show>
    }
}
