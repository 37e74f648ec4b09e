//! The plan TOML reader.
