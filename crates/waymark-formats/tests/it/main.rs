//! Integration tests of the readers and writers in `waymark-formats`: plan files read back field
//! by field, broken plan files with the diagnostics a person would see, plans written and read
//! back, and stored projects read with findings that name their objects and fields.

mod examples;
mod mspdi;
mod mspdi_rules;
mod nesting;
mod plan;
mod roundtrip;
mod stored;
