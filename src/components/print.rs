//! What a printed view is, said above it on paper only: the filters and controls are not
//! printed (see the print style in `style/main.css`), so a page in an evidence binder names its
//! source, its query and when it was printed itself.

use leptos::prelude::*;
use ui_names::testid;

use crate::export::Printed;
use crate::session::Session;

/// The statement for what the page holds (nothing while it holds nothing yet), with the moment
/// of printing, set again as the browser's print dialog opens.
#[component]
pub fn PrintStatement(#[prop(into)] what: Signal<Option<Printed>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let printed_at = RwSignal::new(crate::browser::now_ms());
    let before_print = window_event_listener_untyped("beforeprint", move |_| {
        printed_at.set(crate::browser::now_ms())
    });
    on_cleanup(move || before_print.remove());
    let lines = move || {
        what.get().map(|what| {
            crate::export::print_statement(
                &what,
                &crate::export::Origin::of(&session),
                printed_at.get(),
            )
            .into_iter()
            .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
            .collect_view()
        })
    };
    view! { <dl class="print-only print-statement" data-testid=testid::PRINT_STATEMENT>{lines}</dl> }
}
