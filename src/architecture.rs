//! The shape of the code, checked: reads every `crate::…` and `super::…` path under `src/`
//! and fails on an arrow that runs back up. `db` is a leaf (it may use only `config`,
//! `error`, `ids`, `sync` and `time`), `domain` never reaches into `api` or the wiring, and neither
//! the top-level modules nor the files of `domain/` depend on each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

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

/// The names after each `prefix` in the file's code (comments skipped).
fn paths_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices(prefix) {
            let rest = &line[at + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The top-level module a file belongs to (`src/db/users.rs` → `db`, `src/auth.rs` → `auth`).
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

fn graphs() -> (Graph, Graph) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| top_module(&src, f)).collect();
    let domain_files: BTreeSet<String> = files
        .iter()
        .filter(|f| f.parent() == Some(&src.join("domain")))
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|name| name != "mod")
        .collect();
    let (mut top, mut domain) = (Graph::new(), Graph::new());
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        let from = top_module(&src, file);
        let used = paths_after(&text, "crate::");
        let arrows = top.entry(from.clone()).or_default();
        arrows.extend(
            used.into_iter()
                .filter(|m| *m != from && modules.contains(m)),
        );
        if file.parent() == Some(&src.join("domain")) {
            let me = file.file_stem().unwrap().to_string_lossy().into_owned();
            let mut used = paths_after(&text, "super::");
            used.extend(
                paths_after(&text, "crate::domain::")
                    .into_iter()
                    .filter(|m| domain_files.contains(m)),
            );
            let arrows = domain.entry(me.clone()).or_default();
            arrows.extend(
                used.into_iter()
                    .filter(|m| *m != me && domain_files.contains(m)),
            );
        }
    }
    // `lib.rs` is the wiring root and the test-only modules look at everything.
    for root in ["lib", "main", "architecture", "parser_props"] {
        top.remove(root);
    }
    (top, domain)
}

/// A cycle in `graph`, if there is one, as the path that closes it.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn storage_is_a_leaf() {
    let (top, _) = graphs();
    let allowed = ["config", "error", "ids", "sync", "time"];
    let bad: Vec<&String> = top["db"]
        .iter()
        .filter(|m| !allowed.contains(&m.as_str()))
        .collect();
    assert!(
        bad.is_empty(),
        "db/ imports {bad:?}; it may use only {allowed:?}"
    );
}

#[test]
fn the_rules_never_reach_into_handlers_or_wiring() {
    let (top, _) = graphs();
    for upper in [
        "api",
        "web",
        "cli",
        "background",
        "seed",
        "admin",
        "logging",
    ] {
        assert!(
            !top["domain"].contains(upper),
            "domain/ imports {upper}, which sits above it"
        );
    }
}

#[test]
fn media_knows_nothing_of_handlers_rules_or_storage() {
    let (top, _) = graphs();
    let Some(media) = top.get("media") else {
        return;
    };
    for upper in [
        "api",
        "domain",
        "db",
        "events",
        "web",
        "cli",
        "background",
        "seed",
        "admin",
    ] {
        assert!(
            !media.contains(upper),
            "media/ imports {upper}; it may use error and ids, not handlers, rules or storage"
        );
    }
}

#[test]
fn modules_depend_on_each_other_without_cycles() {
    let (top, domain) = graphs();
    assert_eq!(find_cycle(&top), None, "a cycle between top-level modules");
    assert_eq!(
        find_cycle(&domain),
        None,
        "a cycle between the files of domain/"
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn the_reader_sees_the_arrows_that_exist() {
    let (top, domain) = graphs();
    assert!(top["api"].contains("domain"), "{top:?}");
    assert!(top["domain"].contains("db"), "{top:?}");
    assert!(domain["groups"].contains("members"), "{domain:?}");
}
