//! Integration tests of the `waymark` binary and of the engine against real files.

mod cli;
mod cli_conventions;
mod conformance;
mod levelling;
mod server;
mod tidy;

/// The shared data folder beside the repository, when present.
pub fn shared() -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if path.join("data/projects").is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: ../shared is not present beside the repository");
        None
    }
}
