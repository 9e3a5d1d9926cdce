//! Entry point: install the panic hook and mount the app.

fn main() {
    console_error_panic_hook::set_once();
    // The page's static first paint (index.html) stays until the app shows its own views.
    leptos::mount::mount_to_body(audit_viewer::App);
}
