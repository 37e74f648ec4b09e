//! The example plans in `examples/` read without a single diagnostic: they are what new users
//! copy, so they must show the format at its cleanest.

use std::path::Path;
use waymark_formats::plan::read_plan;

#[test]
fn examples_read_cleanly() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", folder.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(".plan.toml"))
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no examples/*.plan.toml found");
    let mut problems = Vec::new();
    for path in &paths {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let diagnostics = match read_plan(&source) {
            Ok(loaded) => loaded.warnings,
            Err(diagnostics) => diagnostics,
        };
        for diagnostic in diagnostics {
            problems.push(diagnostic.render(&format!("examples/{name}")));
        }
    }
    assert!(problems.is_empty(), "diagnostics:\n{}", problems.join("\n"));
}
