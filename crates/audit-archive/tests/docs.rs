//! The archive's guide says only what is true: every `audit-archive` flag it names is one the
//! binary has, and its flag table lists every flag of the archive's own (the edge's are the
//! proxy's, in the operating guide) with its environment variable and default.

use audit_archive::config::Config;
use audit_archive::export::{ExportArgs, Format};
use audit_archive::rules::TestArgs;
use clap::{CommandFactory, ValueEnum};

fn guide() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/archive.md"
    ))
    .expect("docs/archive.md")
}

#[test]
fn every_flag_named_exists_and_every_own_flag_is_in_the_table() {
    let guide = guide();
    let command = Config::command();
    let export = ExportArgs::command();
    let rules = TestArgs::command();
    let longs: Vec<String> = command
        .get_arguments()
        .chain(export.get_arguments())
        .chain(rules.get_arguments())
        .filter_map(|a| a.get_long().map(String::from))
        .collect();
    // Every `--flag` in the guide is one of the binary's, except after `audit-proxy` or a
    // script on the same line (the operating guide's test checks those).
    for line in guide.lines() {
        let mut ours = true;
        for word in line.split(|c: char| c.is_whitespace() || "`|,()".contains(c)) {
            if word.ends_with("audit-proxy") || word.starts_with("scripts/") {
                ours = false;
            } else if word.ends_with("audit-archive") {
                ours = true;
            }
            let Some(flag) = word.strip_prefix("--") else {
                continue;
            };
            let flag = flag.split('=').next().unwrap_or_default();
            if !ours || !flag.starts_with(|c: char| c.is_ascii_lowercase()) {
                continue;
            }
            assert!(
                longs.iter().any(|l| l == flag) || flag == "help" || flag == "version",
                "docs/archive.md names --{flag}, which audit-archive does not have: {line}"
            );
        }
    }
    // The table: every flag that is the archive's own, with its variable and default.
    let edge_heading = "Edge: connections and limits";
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if arg.get_help_heading() == Some(edge_heading) || ["help", "version"].contains(&long) {
            continue;
        }
        let row = guide
            .lines()
            .find(|l| l.starts_with("| `--") && l.contains(&format!("`--{long}`")))
            .unwrap_or_else(|| panic!("--{long} is not in docs/archive.md's flag table"));
        if let Some(env) = arg.get_env() {
            let env = env.to_string_lossy();
            assert!(
                row.contains(&format!("`{env}`")),
                "--{long}: {env} missing: {row}"
            );
        }
        for default in arg.get_default_values() {
            let default = default.to_string_lossy();
            assert!(
                row.contains(default.as_ref()),
                "--{long}: default {default} missing: {row}"
            );
        }
    }
}

#[test]
fn the_export_formats_are_each_described() {
    let guide = guide();
    for format in Format::value_variants() {
        let name = format
            .to_possible_value()
            .expect("named")
            .get_name()
            .to_string();
        assert!(
            guide
                .lines()
                .any(|l| l.starts_with(&format!("| `{name}` |"))),
            "docs/archive.md's export table has no row for {name}"
        );
    }
}

#[test]
fn every_shipped_rule_is_in_the_rules_table() {
    let guide = guide();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("rules/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let rows: Vec<&str> = guide
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains(".yml`"))
        .collect();
    for file in &files {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("| `{file}`"))),
            "rules/{file} is not in docs/archive.md's table of rules"
        );
    }
    assert_eq!(
        rows.len(),
        files.len(),
        "a row for a rule file that is gone: {rows:?}"
    );
}
