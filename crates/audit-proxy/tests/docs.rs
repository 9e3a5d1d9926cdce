//! The README's flag tables say what `audit-proxy --help` says: every flag, with its environment
//! variable and default.

use audit_proxy::config::Config;
use clap::CommandFactory;

#[test]
fn every_flag_is_in_the_readme_with_its_environment_variable_and_default() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `--")).collect();
    let mut checked = 0;
    for arg in Config::command().get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if arg.is_hide_set() || long.starts_with("fault") || long == "help" || long == "version" {
            continue;
        }
        let flag = format!("`--{long}");
        let row = rows
            .iter()
            .find(|r| r.contains(&format!("{flag}`")) || r.contains(&format!("{flag} ")))
            .unwrap_or_else(|| panic!("--{long} is not in the README's flag tables"));
        if let Some(env) = arg.get_env() {
            let env = env.to_string_lossy();
            assert!(
                row.contains(&format!("`{env}`")),
                "--{long}: {env} missing from {row}"
            );
        }
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let documented = cells.get(3).copied().unwrap_or_default();
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        match defaults.as_slice() {
            [] => {}
            [one] if one == "false" => assert!(documented == "off", "--{long}: {documented}"),
            [one]
                if one
                    .parse::<u64>()
                    .is_ok_and(|n| n >= 1 << 20 && n % (1 << 20) == 0) =>
            {
                let mib = one.parse::<u64>().unwrap_or(0) >> 20;
                assert_eq!(documented, format!("{mib} MiB"), "--{long}");
            }
            values => {
                for v in values {
                    assert!(
                        documented.contains(v.as_str()),
                        "--{long}: default {v} not in {row}"
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} flags checked");
}
