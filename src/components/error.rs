//! The error banner: what went wrong and the action that helps.

use leptos::prelude::*;
use leptos_router::components::A;
use ui_names::testid;

use crate::api::ApiError;

/// Shows an error with the action that helps: Retry for a passing fault, a Settings link when
/// the proxy is the problem, a reset for an address the app itself refuses.
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
            <div class="banner error" role="alert" data-testid=testid::ERROR_BANNER>
                <span data-testid=testid::ERROR_MESSAGE>{move || error.get().map(|e| e.to_string())}</span>
                " "
                <Show when=move || error.with(|e| e.as_ref().is_some_and(ApiError::retryable))>
                    <button type="button" data-testid=testid::RETRY on:click=move |_| on_retry.run(())>"Retry"</button>
                </Show>
                <Show when=move || matches!(error.get(), Some(ApiError::InvalidQuery(_) | ApiError::NeedsLocalCopy))>
                    <A href=crate::browser::app_href("/") attr:data-testid=testid::RESET_FILTERS>"Reset the filters"</A>
                </Show>
                <Show when=move || matches!(error.get(), Some(ApiError::Unreachable { .. } | ApiError::Malformed(_) | ApiError::Interrupted { .. }))>
                    " " <A href=crate::browser::app_href(crate::routes::paths::SETTINGS)>"Check the API URL in Settings"</A>
                </Show>
            </div>
        </Show>
    }
}
