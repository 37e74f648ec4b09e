//! Deeply nested input against both readers, each read on a thread with the 2 MiB stack of a
//! server worker (tokio's default): an MSPDI file nested thousands of elements deep once
//! overflowed `roxmltree`'s recursion and aborted the process; now it is a located
//! `mspdi-too-deep` error. The plan reader's TOML parser has a recursion limit of its own; these
//! tests hold it to that.

#![allow(clippy::unwrap_used)]

use waymark_core::{Diagnostic, Location};
use waymark_formats::mspdi::{read_mspdi, MAX_DEPTH};
use waymark_formats::plan::read_plan;

/// The diagnostics of `read` on a thread with a server worker's stack (none if it reads).
fn errors_on_small_stack(source: String, read: fn(&str) -> Vec<Diagnostic>) -> Vec<Diagnostic> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || read(&source))
        .unwrap()
        .join()
        .unwrap()
}

fn mspdi_errors(source: String) -> Vec<Diagnostic> {
    errors_on_small_stack(source, |text| read_mspdi(text).err().unwrap_or_default())
}

fn plan_errors(source: String) -> Vec<Diagnostic> {
    errors_on_small_stack(source, |text| read_plan(text).err().unwrap_or_default())
}

/// A project whose third line opens `depth` nested `<a>` (after two spaces).
fn nested_project(depth: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\n  {}{}\n</Project>\n",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    )
}

#[test]
fn deeply_nested_mspdi_is_a_located_error_not_a_stack_overflow() {
    // 4,000 levels aborted the server, 15,000 the CLI; 1,000,000 is 3 MB of text.
    for depth in [4_000, 15_000, 1_000_000] {
        let errors = mspdi_errors(nested_project(depth));
        assert_eq!(errors.len(), 1, "{depth}: {errors:?}");
        let error = &errors[0];
        assert_eq!(error.code, "mspdi-too-deep");
        assert!(error.message.contains("100 levels"), "{}", error.message);
        // <Project> is level 1, so the 100th <a> (column 3 + 99 * 3) is level 101.
        assert_eq!(
            error.location,
            Some(Location {
                line: 3,
                column: 3 + 99 * 3
            }),
            "{depth}"
        );
    }
}

#[test]
fn nesting_up_to_the_limit_reaches_the_reader() {
    // Level MAX_DEPTH is allowed: the file is read (and refused for what it lacks, not depth).
    let errors = mspdi_errors(nested_project(MAX_DEPTH - 1));
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|d| d.code != "mspdi-too-deep"),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|d| d.code == "mspdi-missing"),
        "{errors:?}"
    );
}

#[test]
fn markup_in_comments_cdata_and_values_is_not_nesting() {
    let deep = "<a>".repeat(20_000);
    let xml = format!(
        "<Project xmlns=\"http://schemas.microsoft.com/project\">\n<!-- {deep} -->\n<Name><![CDATA[{deep}]]></Name>\n<?pi {deep}?>\n<Title x='>{}'/>\n</Project>",
        ">".repeat(100)
    );
    let errors = mspdi_errors(xml);
    assert!(
        errors.iter().all(|d| d.code != "mspdi-too-deep"),
        "{errors:?}"
    );
}

#[test]
fn a_deep_doctype_is_refused_as_a_doctype() {
    let xml = format!(
        "<!DOCTYPE Project [<!ENTITY e \"{}\">]>\n<Project>&e;</Project>",
        "<a>".repeat(20_000)
    );
    let errors = mspdi_errors(xml);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "mspdi-xml");
    assert!(errors[0].message.contains("DTD"), "{}", errors[0].message);
}

#[test]
fn deeply_nested_toml_is_a_located_error_not_a_stack_overflow() {
    let n = 100_000;
    let inputs = [
        format!("a = {}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("a = {}\n", "[".repeat(n)),
        format!("a = {}1{}\n", "{b=".repeat(n), "}".repeat(n)),
        format!("a{} = 1\n", ".b".repeat(n)),
        format!("[a{}]\n", ".b".repeat(n)),
        format!(
            "[project]\nstart = 2027-01-04\n[tasks.a]\nduration = \"1d\"\nx = {}\n",
            "[{a=".repeat(n)
        ),
    ];
    for source in inputs {
        let head: String = source.chars().take(12).collect();
        let errors = plan_errors(source);
        assert!(!errors.is_empty(), "{head}");
        assert!(
            errors
                .iter()
                .all(|d| d.code == "toml-syntax" && d.location.is_some()),
            "{head}: {errors:?}"
        );
    }
}
