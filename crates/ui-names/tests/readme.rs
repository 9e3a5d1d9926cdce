//! The README's Security section lists every key the app keeps in the browser.

#[test]
fn every_storage_key_is_in_the_readme_security_section() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let security = readme
        .split("\n## Security\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Security section");
    for key in ui_names::storage::ALL {
        assert!(
            security.contains(&format!("`{key}`")),
            "the README's Security section does not name the stored key {key}"
        );
    }
}
