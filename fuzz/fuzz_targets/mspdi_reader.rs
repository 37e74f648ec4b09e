//! Microsoft Project XML in, as the CLI does it: read, look for dependency cycles, schedule,
//! and write every scheduled date as text. Any panic, abort or timeout is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "cli_path.rs"]
mod cli_path;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    cli_path::run(source, waymark_formats::mspdi::read_mspdi);
});
