//! The `waymark` command: plan-as-code scheduling from the command line.
//!
//! A thin shell: it parses arguments, reads files, calls the engine and chooses exit codes.
//! Everything a command computes comes from the library crates, so the web server (`waymark serve`,
//! in the web crate) and the CLI never disagree.

mod cli;
mod files;
mod forecast;
mod input;
mod level;
mod load;
mod output;
mod psplib;
mod server;

use std::process::ExitCode;

// Reading a large plan allocates millions of small objects; mimalloc serves them faster and
// with far fewer page faults than the system allocator (docs/benchmarks.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
