//! The docs say only what is true. Over README.md, CONTRIBUTING.md and docs/*.md: every link
//! and anchor leads somewhere, every file, script and test file named exists, every
//! `audit-proxy` flag named is one `--help` lists (and the operating guide's tables list all of
//! them with their environment variables and defaults), every flag given to a script is one the
//! script reads, every `bash` block parses, and the systemd unit passes `systemd-analyze verify`.

use audit_proxy::config::Config;
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every doc a reader is pointed to, by its path from the repository's root.
fn docs() -> Vec<(PathBuf, String)> {
    let mut paths = vec![PathBuf::from("README.md"), PathBuf::from("CONTRIBUTING.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| Path::new("docs").join(p.file_name().unwrap_or_default()))
        .collect();
    guides.sort();
    paths.extend(guides);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(root().join(&p)).expect("a doc");
            (p, text)
        })
        .collect()
}

/// What the docs may name: the proxy's flags and environment variables, each script's text,
/// and the files of the repository.
struct Known {
    root: PathBuf,
    proxy_flags: BTreeSet<String>,
    proxy_env: BTreeSet<String>,
    scripts: BTreeMap<String, String>,
}

/// Flags of other tools the docs show (cargo, trunk, useradd, systemctl, certbot).
const OTHER_TOOLS_FLAGS: &[&str] = &[
    "all-targets",
    "deploy-hook",
    "example",
    "exclude",
    "ignored",
    "lib",
    "locked",
    "no-create-home",
    "nocapture",
    "now",
    "release",
    "shell",
    "system",
    "target",
    "test",
    "tests",
    "workspace",
    "help",
    "version",
];

impl Known {
    fn of_this_repository() -> Known {
        let mut proxy_flags = BTreeSet::new();
        let mut proxy_env = BTreeSet::new();
        for arg in Config::command().get_arguments() {
            if let Some(long) = arg.get_long() {
                proxy_flags.insert(long.to_string());
            }
            // clap's own.
            proxy_flags.extend(["help".to_string(), "version".to_string()]);
            if let Some(env) = arg.get_env() {
                proxy_env.insert(env.to_string_lossy().into_owned());
            }
        }
        let mut scripts = BTreeMap::new();
        for entry in std::fs::read_dir(root().join("scripts")).expect("scripts/") {
            let path = entry.expect("a script").path();
            if path.extension().is_some_and(|x| x == "sh") {
                let name = format!(
                    "scripts/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                );
                scripts.insert(name, std::fs::read_to_string(&path).expect("a script"));
            }
        }
        Known {
            root: root(),
            proxy_flags,
            proxy_env,
            scripts,
        }
    }
}

/// The document outside fenced blocks, and the fenced blocks with their language.
fn split_fences(text: &str) -> (String, Vec<(String, String)>) {
    let mut prose = String::new();
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    (prose, blocks)
}

/// Inline code spans (single backticks; a span may wrap onto the next line).
fn spans(prose: &str) -> Vec<String> {
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Shell command lines of a fenced block: continuation lines joined, comments dropped.
fn command_lines(block: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in block.lines() {
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None if line.trim_start().starts_with('#') => "",
            None => line,
        };
        match line.trim_end().strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    lines
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_fences(text);
    prose
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// `--name` tokens of a text.
fn flags(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    for i in 0..bytes.len().saturating_sub(2) {
        let boundary = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '-');
        if boundary && bytes[i] == '-' && bytes[i + 1] == '-' && bytes[i + 2].is_ascii_lowercase() {
            let name: String = bytes[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == '-')
                .collect();
            // `--fault-*` names a family, not a flag.
            if !name.ends_with('-') {
                found.push(name);
            }
        }
    }
    found
}

/// What a command names: cargo test files and examples, the proxy's flags, a script's flags.
fn check_command(line: &str, known: &Known, problems: &mut Vec<String>) {
    if let Some((first, rest)) = line.split_once("&&").or_else(|| line.split_once(';')) {
        check_command(first, known, problems);
        check_command(rest, known, problems);
        return;
    }
    let line = line.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |flag: &str| -> Vec<&str> {
        words
            .windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].trim_end_matches(';'))
            .collect()
    };
    if let Some(cargo) = words.iter().position(|w| *w == "cargo") {
        let package = after("-p").into_iter().next();
        let dir = match package {
            None | Some("audit-viewer") => known.root.clone(),
            Some(p) => known.root.join("crates").join(p),
        };
        for (flag, folder) in [("--test", "tests"), ("--example", "examples")] {
            for name in after(flag) {
                let file = dir.join(folder).join(format!("{name}.rs"));
                if !file.exists() {
                    problems.push(format!(
                        "`{line}` names {flag} {name}: no {}",
                        file.display()
                    ));
                }
            }
        }
        let runs_proxy = words.get(cargo + 1) == Some(&"run")
            && words.windows(2).any(|w| w == ["-p", "audit-proxy"]);
        let proxy_args = runs_proxy
            .then(|| words[cargo..].iter().position(|w| *w == "--"))
            .flatten()
            .map(|i| cargo + i + 1);
        if let Some(start) = proxy_args {
            check_proxy_flags(line, &words[start..].join(" "), known, problems);
        }
    }
    let binary = words.iter().enumerate().position(|(i, w)| {
        (*w == "audit-proxy" || w.ends_with("/audit-proxy")) && (i == 0 || words[i - 1] != "-p")
    });
    if let Some(i) = binary {
        check_proxy_flags(line, &words[i + 1..].join(" "), known, problems);
    }
    for (i, w) in words.iter().enumerate() {
        if !w.starts_with("scripts/") || !w.ends_with(".sh") {
            continue;
        }
        match known.scripts.get(*w) {
            None => problems.push(format!("`{line}` runs {w}, which does not exist")),
            Some(script) => {
                let rest = words[i + 1..].join(" ");
                for flag in flags(&rest) {
                    if !script.contains(&format!("--{flag}")) {
                        problems.push(format!("`{line}`: {w} has no --{flag}"));
                    }
                }
            }
        }
    }
}

fn check_proxy_flags(line: &str, args: &str, known: &Known, problems: &mut Vec<String>) {
    for flag in flags(args) {
        if !known.proxy_flags.contains(&flag) {
            problems.push(format!("`{line}`: audit-proxy has no --{flag}"));
        }
    }
}

/// Everything a doc names that does not exist, one line each.
fn problems(doc: &Path, text: &str, known: &Known) -> Vec<String> {
    let mut problems = Vec::new();
    let here = doc.parent().unwrap_or(Path::new(""));
    let (prose, blocks) = split_fences(text);

    // Links and their anchors.
    for link in prose.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
        let file = if path.is_empty() {
            known.root.join(doc)
        } else {
            known.root.join(here).join(path)
        };
        if !file.exists() {
            problems.push(format!("{}: link to {target}: no such file", doc.display()));
            continue;
        }
        if !anchor.is_empty() {
            let target_text = std::fs::read_to_string(&file).unwrap_or_default();
            if !anchors(&target_text).contains(anchor) {
                problems.push(format!(
                    "{}: link to {target}: no such heading",
                    doc.display()
                ));
            }
        }
    }

    // Files of the repository named in the text.
    let separators = |c: char| c.is_whitespace() || "`()[]\"',;|<>=".contains(c);
    for word in text.split(separators) {
        let word = word.split('#').next().unwrap_or_default();
        let word = word.trim_end_matches(['.', ':', ',']);
        let in_repo = [
            "scripts/", "crates/", "docs/", "src/", "tests/", "fuzz/", ".ci/",
        ]
        .iter()
        .any(|p| word.starts_with(p));
        if in_repo && !word.contains(['{', '*', '…']) && !known.root.join(word).exists() {
            problems.push(format!(
                "{}: names {word}, which does not exist",
                doc.display()
            ));
        }
    }

    // Commands, in code blocks and inline code.
    let mut commands: Vec<String> = spans(&prose);
    for (lang, body) in &blocks {
        if matches!(lang.as_str(), "bash" | "sh" | "") {
            commands.extend(command_lines(body));
        }
    }
    for line in &commands {
        check_command(line, known, &mut problems);
    }

    // The archive's guide names the archive's flags, which its own docs test checks
    // (crates/audit-archive/tests/docs.rs); its links and commands are checked here.
    if doc == Path::new("docs/archive.md") {
        return problems;
    }

    // Every flag named anywhere is a flag of something.
    for flag in flags(text) {
        let known_flag = known.proxy_flags.contains(&flag)
            || OTHER_TOOLS_FLAGS.contains(&flag.as_str())
            || known
                .scripts
                .values()
                .any(|s| s.contains(&format!("--{flag}")));
        if !known_flag {
            problems.push(format!("{}: --{flag} is no flag of ours", doc.display()));
        }
    }

    // A flag table's rows are flags of audit-proxy, with its environment variables.
    for row in prose.lines().filter(|l| l.starts_with("| `--")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        for flag in flags(cells.get(1).copied().unwrap_or_default()) {
            if !known.proxy_flags.contains(&flag) {
                problems.push(format!("{}: the flag table lists --{flag}", doc.display()));
            }
        }
        for env in spans(cells.get(2).copied().unwrap_or_default()) {
            if !known.proxy_env.contains(&env) {
                problems.push(format!("{}: the flag table lists {env}", doc.display()));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[test]
fn the_docs_name_only_what_exists() {
    let known = Known::of_this_repository();
    let docs = docs();
    assert!(docs.len() >= 6, "README, CONTRIBUTING and the guides");
    let found: Vec<String> = docs
        .iter()
        .flat_map(|(path, text)| problems(path, text, &known))
        .collect();
    assert!(found.is_empty(), "the docs name:\n{}", found.join("\n"));
}

#[test]
fn the_checker_notices_what_is_missing() {
    let known = Known::of_this_repository();
    let doc = "See [the guide](docs/gone.md) and [limits](docs/operating.md#no-such-heading).\n\
        Run `cargo test -p audit-proxy --test gone_suite` or `bash scripts/gone.sh`.\n\
        The file crates/audit-proxy/src/gone.rs holds it.\n\n\
        ```bash\n\
        cargo run --release -p audit-proxy -- --app dist \\\n  --listen-everywhere\n\
        bash scripts/build.sh --no-such-option\n\
        ```\n\n\
        | flag | environment | default | meaning |\n\
        | `--gone-flag` | `AUDIT_PROXY_GONE` | 1 | removed |\n";
    let found = problems(Path::new("README.md"), doc, &known);
    for name in [
        "docs/gone.md",
        "no-such-heading",
        "gone_suite",
        "scripts/gone.sh",
        "gone.rs",
        "audit-proxy has no --listen-everywhere",
        "scripts/build.sh has no --no-such-option",
        "the flag table lists --gone-flag",
        "AUDIT_PROXY_GONE",
        "--gone-flag is no flag of ours",
    ] {
        assert!(
            found.iter().any(|p| p.contains(name)),
            "{name} not noticed in {found:#?}"
        );
    }
    let fine = "Run `cargo test -p audit-proxy --test docs` and `bash scripts/build.sh --dist d`; \
        see [operating](docs/operating.md#every-flag) and `audit-proxy --app dist --demo`.\n";
    assert_eq!(
        problems(Path::new("README.md"), fine, &known),
        Vec::<String>::new()
    );
}

#[test]
fn every_bash_block_parses() {
    let mut checked = 0;
    for (path, text) in docs() {
        for (lang, body) in split_fences(&text).1 {
            if lang != "bash" {
                continue;
            }
            let out = Command::new("bash")
                .args(["-n", "-c", &body])
                .output()
                .expect("bash");
            assert!(
                out.status.success(),
                "{}: a bash block does not parse: {}\n{body}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} bash blocks");
}

#[test]
fn every_flag_is_in_the_operating_guide_with_its_environment_variable_and_default() {
    let guide = std::fs::read_to_string(root().join("docs/operating.md")).expect("operating.md");
    let rows: Vec<&str> = guide.lines().filter(|l| l.starts_with("| `--")).collect();
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
            .unwrap_or_else(|| panic!("--{long} is not in the operating guide's flag tables"));
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

/// The unit the operating guide installs: `systemd-analyze verify` finds nothing to say (with
/// its binary path pointed at the one just built), and every variable it sets is one the proxy
/// reads.
#[test]
fn the_systemd_unit_verifies_and_sets_only_the_proxys_variables() {
    let known = Known::of_this_repository();
    let unit = std::fs::read_to_string(root().join("docs/deploy/audit-proxy.service"))
        .expect("docs/deploy/audit-proxy.service");
    let mut set = 0;
    for line in unit.lines() {
        if let Some(assignment) = line.strip_prefix("Environment=") {
            let name = assignment.split('=').next().unwrap_or_default();
            assert!(
                known.proxy_env.contains(name),
                "the unit sets {name}, which audit-proxy does not read"
            );
            set += 1;
        }
    }
    assert!(set >= 4, "the unit sets only {set} variables");
    let binary = env!("CARGO_BIN_EXE_audit-proxy");
    assert!(
        unit.contains("ExecStart=/opt/audit-viewer/bin/audit-proxy\n"),
        "the unit runs the binary where the guide installs it"
    );
    let dir = std::env::temp_dir().join(format!("audit-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let copy = dir.join("audit-proxy.service");
    std::fs::write(
        &copy,
        unit.replace("/opt/audit-viewer/bin/audit-proxy", binary),
    )
    .expect("the unit's copy");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze (Debian's systemd; scripts/setup.sh --browser installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}

/// Every Rust file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// CONTRIBUTING says that only the contract's test reads anything outside the repository (the
/// full API definition in `../shared`, when it is there); the fresh-clone check counts on it,
/// running only that test in a clone with nothing beside it. What CI puts beside the checkout is
/// `../shared`: a path naming it anywhere else would be a test that passes in CI and fails for
/// someone who cloned the project alone.
#[test]
fn only_the_contracts_test_reads_outside_the_repository() {
    let root = root().canonicalize().expect("the repository");
    let mut files = Vec::new();
    for dir in ["src", "tests", "crates"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "only {} Rust files found", files.len());
    let contract = root.join("crates/audit-model/tests/spec_examples.rs");
    let this_check = root.join("crates/audit-proxy/tests/docs.rs");
    let mut found_in_contract = false;
    let mut outside = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        let climbs = text.contains("../shared") || text.contains("/shared/");
        if file == &this_check {
            continue;
        } else if file == &contract {
            found_in_contract = climbs;
        } else if climbs {
            outside.push(
                file.strip_prefix(&root)
                    .unwrap_or(file)
                    .display()
                    .to_string(),
            );
        }
    }
    assert!(
        found_in_contract,
        "the contract's test no longer names ../shared: this check looks for the wrong thing"
    );
    assert!(
        outside.is_empty(),
        "reads outside the repository (CONTRIBUTING, \"No other test reads anything outside\"): {outside:?}"
    );
    let contributing = std::fs::read_to_string(root.join("CONTRIBUTING.md")).expect("CONTRIBUTING");
    assert!(contributing.contains("No other test reads anything outside the repository."));
}
