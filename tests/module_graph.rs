//! The app's modules import one another without a cycle, so its layers can be read from the
//! bottom up (CONTRIBUTING.md draws them). Read from the source: every `crate::…`, `super::…`
//! and `self::…` path in a file is an import of the module it names (the longest module prefix
//! that exists), and a `use child::…` of a declared submodule one of that child.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module path of a file under `src/`: `routes::events` for `src/routes/events.rs`,
/// `components::table` for `src/components/table/mod.rs`, the empty path for `lib.rs`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without comments (line and block) and string literals, so that a path in a doc
/// comment or a message is not read as an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' && !(i > 0 && b[i - 1] == b'\'') {
            // A raw string r"…" / r#"…"# or a plain one.
            let hashes = text[..i].chars().rev().take_while(|c| *c == '#').count();
            let raw = text[..i - hashes.min(i)].ends_with('r');
            i += 1;
            if raw {
                let close = format!("\"{}", "#".repeat(hashes));
                match text[i..].find(&close) {
                    Some(n) => i += n + close.len(),
                    None => i = b.len(),
                }
            } else {
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Paths starting at `crate::`, `super::` or `self::`, and `use` trees (`use crate::{a, b::c}`),
/// as segment lists relative to the crate root.
fn imports(code: &str, here: &[String], children: &BTreeSet<String>) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !ident(chars[i]) || (i > 0 && (ident(chars[i - 1]) || chars[i - 1] == ':')) {
            i += 1;
            continue;
        }
        // Read a path: ident (:: ident)* with `{` groups handled by expanding the first level.
        let start = i;
        let mut segments = Vec::new();
        loop {
            let s = i;
            while i < chars.len() && ident(chars[i]) {
                i += 1;
            }
            segments.push(chars[s..i].iter().collect::<String>());
            if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
                i += 2;
                if chars.get(i) == Some(&'{') {
                    // `a::{b, c::d}`: each item's first segments.
                    let close = (i..chars.len())
                        .scan(0i32, |depth, j| {
                            *depth += match chars[j] {
                                '{' => 1,
                                '}' => -1,
                                _ => 0,
                            };
                            Some((j, *depth))
                        })
                        .find(|(_, d)| *d == 0)
                        .map_or(chars.len(), |(j, _)| j);
                    let inner: String = chars[i + 1..close].iter().collect();
                    for item in inner.split(',') {
                        let mut full = segments.clone();
                        full.extend(
                            item.split("::")
                                .map(|s| s.trim().trim_start_matches('{').to_string())
                                .take_while(|s| !s.is_empty() && s.chars().all(ident)),
                        );
                        found.insert(full);
                    }
                    i = close;
                    break;
                }
                if chars.get(i).is_some_and(|c| ident(*c)) {
                    continue;
                }
            }
            break;
        }
        let _ = start;
        found.insert(segments);
    }
    found
        .into_iter()
        .filter_map(|path| {
            let first = path.first()?.as_str();
            let mut base: Vec<String> = match first {
                "crate" => Vec::new(),
                "self" => here.to_vec(),
                "super" => here[..here.len().saturating_sub(1)].to_vec(),
                child if children.contains(child) => {
                    let mut b = here.to_vec();
                    b.push(child.to_string());
                    return Some(b.into_iter().chain(path[1..].iter().cloned()).collect());
                }
                _ => return None,
            };
            let mut rest = &path[1..];
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            Some(base)
        })
        .collect()
}

/// Every module and the modules it imports (its own submodules and ancestors left out: a
/// `mod` declaration is not an import, and a child naming its parent's items is part of it).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let name = |m: &[String]| {
        if m.is_empty() {
            "crate".to_string()
        } else {
            m.join("::")
        }
    };
    let mut out = BTreeMap::new();
    for file in &files {
        let here = module_of(src, file);
        if here.is_empty() || here == ["main"] {
            continue; // the root declares everything and the binary only starts it.
        }
        let children: BTreeSet<String> = modules
            .iter()
            .filter(|m| m.len() == here.len() + 1 && m.starts_with(&here))
            .map(|m| m[here.len()].clone())
            .collect();
        let code = code_only(&std::fs::read_to_string(file).expect("read"));
        let mut edges = BTreeSet::new();
        for path in imports(&code, &here, &children) {
            let target = (0..=path.len())
                .rev()
                .map(|n| &path[..n])
                .find(|p| modules.contains(*p))
                .unwrap_or(&[]);
            let related = target.starts_with(&here) || here.starts_with(target);
            if !target.is_empty() && !related {
                edges.insert(name(target));
            }
        }
        out.insert(name(&here), edges);
    }
    out
}

/// The strongly connected groups of more than one module (Tarjan's algorithm).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !g.contains_key(w) {
                continue;
            }
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                t.out.push(group);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_apps_modules_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(g.len() > 20, "the app's modules were read: {}", g.len());
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|group| {
            let ties: Vec<String> = group
                .iter()
                .flat_map(|m| {
                    g[m].iter()
                        .filter(|t| group.contains(t))
                        .map(move |t| format!("{m} -> {t}"))
                })
                .collect();
            format!("{} ({})", group.join(", "), ties.join("; "))
        })
        .collect();
    assert!(
        found.is_empty(),
        "import cycles among the app's modules:\n{}",
        described.join("\n")
    );
}

#[test]
fn the_reader_sees_imports_and_cycles() {
    // A cycle through a `use` group and a `super::` path is found; comments and strings are not
    // imports.
    let children = BTreeSet::new();
    let here = vec!["routes".to_string(), "events".to_string()];
    let code = code_only(
        "use crate::{api::Client, session};\n// crate::browser::x\nlet s = \"crate::live\";\nsuper::detail::event_path();",
    );
    let found = imports(&code, &here, &children);
    assert!(found.contains(&vec!["api".to_string(), "Client".to_string()]));
    assert!(found.contains(&vec!["session".to_string()]));
    assert!(found.contains(&vec![
        "routes".to_string(),
        "detail".to_string(),
        "event_path".to_string()
    ]));
    assert!(!found
        .iter()
        .any(|p| p.first().is_some_and(|s| s == "browser" || s == "live")));
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
}

/// The layers CONTRIBUTING.md draws: `N. name: module, module` lines of its "Layers of the
/// app" section, first line the top. A module's layer is that of its first segment.
fn documented_layers() -> BTreeMap<String, usize> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CONTRIBUTING.md"))
            .expect("CONTRIBUTING.md");
    let section = doc
        .split("### Layers of the app")
        .nth(1)
        .expect("CONTRIBUTING.md has a Layers of the app section");
    let mut layers = BTreeMap::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with("1. "))
        .take_while(|l| !l.trim().is_empty())
    {
        let (number, rest) = line.split_once(". ").expect("N. name: modules");
        let n: usize = number.trim().parse().expect("a layer number");
        let (_, modules) = rest.split_once(':').expect("name: modules");
        for m in modules.split(',') {
            let m = m.trim().trim_matches('`').to_string();
            assert!(
                layers.insert(m.clone(), n).is_none(),
                "{m} is in two layers"
            );
        }
    }
    layers
}

#[test]
fn every_import_goes_down_the_layers_contributing_draws() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let layers = documented_layers();
    assert!(layers.len() >= 5, "the layers were read: {layers:?}");
    let layer = |m: &str| {
        let top = m.split("::").next().unwrap_or(m);
        *layers
            .get(top)
            .unwrap_or_else(|| panic!("CONTRIBUTING.md's layers do not name `{top}`"))
    };
    let upward: Vec<String> = g
        .iter()
        .flat_map(|(m, targets)| targets.iter().map(move |t| (m, t)))
        .filter(|(m, t)| layer(t) < layer(m))
        .map(|(m, t)| format!("{m} (layer {}) -> {t} (layer {})", layer(m), layer(t)))
        .collect();
    assert!(
        upward.is_empty(),
        "imports up the layers:\n{}",
        upward.join("\n")
    );
}

/// Every file under `src/`: its module path (joined with `::`) and its code without comments
/// and string literals.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read");
            (module_of(&src, f).join("::"), code_only(&text))
        })
        .collect()
}

/// The modules whose tasks live as long as the app, and so may start one with a bare
/// `spawn_local`; everything else starts handlers' work through `load::spawn_for_view`, which
/// ends with its view.
const APP_LIFETIME_TASKS: [(&str, &str); 5] = [
    ("", "the App itself: config.json, read once"),
    ("workspace", "the tab's local copy, one per app"),
    (
        "archive",
        "the question whether the server is an archive, one per account signed in",
    ),
    (
        "load",
        "the loader and spawn_for_view, which bind tasks to their view",
    ),
    ("instrument", "the benchmarks' marks"),
];

#[test]
fn no_hidden_global_state_and_no_task_outlives_its_view() {
    let sources = sources();
    assert!(sources.len() > 20);
    let globals: Vec<&str> = sources
        .iter()
        .filter(|(_, code)| code.contains("thread_local!") || code.contains("static mut"))
        .map(|(m, _)| m.as_str())
        .collect();
    assert!(
        globals.is_empty(),
        "state outside the reactive owner: {globals:?}"
    );
    let loose: Vec<&str> = sources
        .iter()
        .filter(|(m, code)| {
            code.contains("spawn_local(") && !APP_LIFETIME_TASKS.iter().any(|(a, _)| a == m)
        })
        .map(|(m, _)| m.as_str())
        .collect();
    assert!(
        loose.is_empty(),
        "a spawn_local that may outlive its view (use load::spawn_for_view): {loose:?}"
    );
}

/// The signatures of the public functions in `code`, from `pub fn` or `pub async fn` to the
/// body's brace, on one line.
fn public_signatures(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("pub ") {
        let tail = &rest[at..];
        if tail.starts_with("pub fn ") || tail.starts_with("pub async fn ") {
            let end = tail.find(['{', ';']).unwrap_or(tail.len());
            out.push(tail[..end].split_whitespace().collect::<Vec<_>>().join(" "));
        }
        rest = &rest[at + 4..];
    }
    out
}

#[test]
fn no_error_that_is_only_text_crosses_a_module_boundary() {
    let found = public_signatures("pub fn a() -> Result<u32,\n String> { }\npub async fn b(x: u8) -> Result<(), KeptError> {}");
    assert_eq!(found.len(), 2, "{found:?}");
    let text_errors = |sig: &str| sig.replace(' ', "").ends_with(",String>");
    assert!(text_errors(&found[0]) && !text_errors(&found[1]));
    let offending: Vec<String> = sources()
        .iter()
        .flat_map(|(m, code)| {
            public_signatures(code)
                .into_iter()
                .filter(|s| text_errors(s))
                .map(move |s| format!("{m}: {s}"))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "Result<_, String> in a public signature (type the error; text beside a field is \
         field::FieldError):\n{}",
        offending.join("\n")
    );
}

/// The standard library's stable sorts, each of which compiles to a sort of its own per call
/// site in the wasm.
const STABLE_SORTS: [&str; 4] = [
    ".sort()",
    ".sort_by(",
    ".sort_by_key(",
    ".sort_by_cached_key(",
];

#[test]
fn the_wasms_sorts_share_one_compiled_sort() {
    let calls = |code: &str| STABLE_SORTS.iter().any(|s| code.contains(s));
    assert!(calls("v.sort_by_key(|x| *x);") && !calls("sorting::sort_by_key(&mut v, |x| *x);"));
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/audit-model/src");
    let mut files = Vec::new();
    rust_files(&model, &mut files);
    let mut checked: Vec<(String, String)> = sources();
    checked.extend(files.iter().map(|f| {
        let text = std::fs::read_to_string(f).expect("read");
        // A module's own tests do not go into the wasm.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        (
            format!("audit_model::{}", module_of(&model, f).join("::")),
            code_only(code),
        )
    }));
    assert!(checked.len() > 40);
    let offending: Vec<&str> = checked
        .iter()
        .filter(|(m, code)| m != "audit_model::sorting" && calls(code))
        .map(|(m, _)| m.as_str())
        .collect();
    assert!(
        offending.is_empty(),
        "a standard stable sort, a few kB of wasm each (use audit_model::sorting): {offending:?}"
    );
}
