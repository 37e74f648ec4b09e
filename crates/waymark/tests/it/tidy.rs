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

#[test]
fn core_is_pure() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/waymark-core/src"), &mut files);
    let forbidden = [
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "SystemTime",
        "Instant::now",
        "Local::now",
        "Utc::now",
        "thread_rng",
        "println!",
    ];
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for word in forbidden {
            if text.contains(word) {
                found.push(format!("{}: {word}", path.display()));
            }
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
