//! The `waymark` command.
fn main() {}
