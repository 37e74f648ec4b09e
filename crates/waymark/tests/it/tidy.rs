//! Tidy checks that keep the architecture honest (ARCHITECTURE.md, "Invariants").

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_says_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    assert!(files.len() > 10);
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` paragraph: {missing:#?}"
    );
}

/// What core may not name: files, sockets, processes, the environment, clocks, global random
/// numbers, printing, and threads it would start or count itself.
const IMPURE: [&str; 16] = [
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "std::io",
    "std::time",
    "SystemTime",
    "Instant::now",
    "Local::now",
    "Utc::now",
    "thread_rng",
    "println!",
    "available_parallelism",
    "thread::spawn",
    "thread::sleep",
    "std::thread",
];

/// The one thread path core may name: `std::thread::scope` runs the forecast's chunks on
/// threads the caller counted and joins them before returning, so the result is a function of
/// the inputs alone (bit-identical on any number of threads) and nothing outlives the call;
/// computing on threads the caller counted is pure.
const ALLOWED_THREAD_PATH: &str = "std::thread::scope";

/// Every `use` path in `text` with its groups expanded: `use std::{fs, thread::{self, spawn}}`
/// gives `std::fs`, `std::thread` and `std::thread::spawn`.
fn use_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    // Comments are not code: a `use` in one would swallow the real statement after it.
    let code: Vec<&str> = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect();
    let code = code.join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        // `a as b` becomes `a#b` before the spaces go, so a renamed item keeps its path.
        let words: Vec<&str> = rest[..end].split_whitespace().collect();
        let tree: String = words.join(" ").replace(" as ", "#").replace(' ', "");
        expand("", &tree, &mut paths);
        rest = &rest[end..];
    }
    paths
}

fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let join = |path: &str| match (prefix.is_empty(), path) {
        (true, _) => path.to_owned(),
        (false, "self") => prefix.to_owned(),
        (false, _) => format!("{prefix}::{path}"),
    };
    match tree.find('{') {
        Some(open) if tree.ends_with('}') => {
            let head = tree[..open].trim_end_matches("::");
            let inner = &tree[open + 1..tree.len() - 1];
            let prefix = join(head);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&prefix, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&prefix, &inner[start..], out);
        }
        _ if !tree.is_empty() => out.push(join(tree.split('#').next().unwrap_or(tree))),
        _ => {}
    }
}

/// The impure names one source file of core uses, directly or through a grouped `use`.
fn impurities(text: &str) -> Vec<String> {
    let allowed = text.replace(ALLOWED_THREAD_PATH, "");
    let mut found: Vec<String> = IMPURE
        .iter()
        .filter(|word| allowed.contains(*word))
        .map(|word| word.to_string())
        .collect();
    for path in use_paths(text) {
        let path = format!("{path}::");
        for word in IMPURE.iter().filter(|w| w.contains("::")) {
            let word_path = format!("{word}::");
            if path.starts_with(&word_path) && !path.starts_with(ALLOWED_THREAD_PATH) {
                found.push(format!("use {}", path.trim_end_matches("::")));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_purity_check_catches_every_form() {
    for (source, caught) in [
        ("use std::fs;", "std::fs"),
        ("use std::{fs, thread};", "use std::fs"),
        ("use std::{fs, thread};", "use std::thread"),
        (
            "use std::{self, net::TcpStream};",
            "use std::net::TcpStream",
        ),
        (
            "use std::{collections::BTreeMap, io::{self, Read}};",
            "use std::io",
        ),
        (
            "use std::{time::{Duration, Instant}};",
            "use std::time::Instant",
        ),
        (
            "let n = std::thread::available_parallelism();",
            "available_parallelism",
        ),
        ("std::thread::spawn(|| ());", "thread::spawn"),
        (
            "use std::thread; fn f() { thread::sleep(d) }",
            "thread::sleep",
        ),
        ("let home = std::env::var(\"HOME\");", "std::env"),
        ("let now = std::time::SystemTime::now();", "SystemTime"),
        ("let t = Instant::now();", "Instant::now"),
        ("let t = chrono::Utc::now();", "Utc::now"),
        ("std::fs::read_to_string(path)", "std::fs"),
        ("use std::{fs as disk};", "use std::fs"),
        ("// use nothing\nuse std::{net};", "use std::net"),
    ] {
        let found = impurities(source);
        assert!(
            found.iter().any(|f| f == caught),
            "`{source}`: expected {caught}, found {found:?}"
        );
    }
    for pure in [
        "std::thread::scope(|scope| { scope.spawn(worker); });",
        "use std::collections::{BTreeMap, BTreeSet};",
        "use std::{cmp::Reverse, sync::OnceLock};",
        "// because of which use of std::fmt\nuse std::fmt;",
    ] {
        assert_eq!(impurities(pure), Vec::<String>::new(), "`{pure}`");
    }
}

#[test]
fn core_is_pure() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/waymark-core/src"), &mut files);
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for word in impurities(&text) {
            found.push(format!("{}: {word}", path.display()));
        }
    }
    assert!(found.is_empty(), "waymark-core must not do I/O: {found:#?}");
    let manifest =
        std::fs::read_to_string(root().join("crates/waymark-core/Cargo.toml")).expect("manifest");
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or_default();
    for line in dependencies.lines().filter(|l| l.contains('=')) {
        let name = line.split(['.', '=', ' ']).next().unwrap_or_default();
        assert!(
            ["chrono", "thiserror"].contains(&name),
            "waymark-core depends on `{name}`; the engine may only use chrono and thiserror"
        );
    }
}

/// Only the store names sqlx, and only the web crate (and the binary that starts it) knows HTTP:
/// the sources of every other crate must not mention them.
#[test]
fn storage_and_http_stay_in_their_crates() {
    let rules: [(&str, &[&str]); 3] = [
        ("sqlx", &["waymark-store"]),
        ("axum", &["waymark-web"]),
        ("utoipa", &["waymark-web"]),
    ];
    let mut found = Vec::new();
    for (word, allowed) in rules {
        for krate in std::fs::read_dir(root().join("crates"))
            .expect("crates")
            .flatten()
        {
            let name = krate.file_name().to_string_lossy().into_owned();
            if allowed.contains(&name.as_str()) {
                continue;
            }
            let mut files = Vec::new();
            rust_files(&krate.path().join("src"), &mut files);
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.contains(&format!("{word}::")) {
                    found.push(format!("{} names {word}", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
