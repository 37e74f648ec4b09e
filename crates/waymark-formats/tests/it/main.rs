//! Integration tests of the readers in `waymark-formats`: plan files read back field by field,
//! and broken plan files with the diagnostics a person would see.

mod examples;
mod mspdi;
mod plan;
mod roundtrip;
