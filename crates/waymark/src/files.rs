//! Writing the files commands produce (charts): through a temporary sibling and a rename, so a
//! crash never leaves half a file. Reading plans is `input.rs`.

use anyhow::Result;
use std::path::{Path, PathBuf};

/// Write a file through a temporary sibling and a rename, so a crash never leaves half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
