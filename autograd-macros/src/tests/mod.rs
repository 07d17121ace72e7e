//! Unit tests of the expansion: snapshots of generated code, and that no input panics.

mod snapshots;
