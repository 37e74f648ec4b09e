//! The real binary on files in a temporary folder.
