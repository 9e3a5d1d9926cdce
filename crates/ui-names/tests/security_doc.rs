//! The security page's "What is stored where" lists every key the app keeps in the browser.

#[test]
fn every_storage_key_is_on_the_security_page() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/security.md"
    ))
    .expect("docs/security.md");
    let section = page
        .split("\n## What is stored where\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a What is stored where section");
    for key in ui_names::storage::ALL {
        assert!(
            section.contains(&format!("`{key}`")),
            "docs/security.md does not name the stored key {key}"
        );
    }
}
