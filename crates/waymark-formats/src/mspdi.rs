//! The MSPDI reader.
