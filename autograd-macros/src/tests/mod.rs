//! Unit tests of the expansion: snapshots of generated code, random programs against finite
//! differences (through an IR interpreter), and that no input makes the macro panic.

mod code_size;
mod evaluate;
mod fastpath;
mod interpret;
mod no_panic;
mod random_loops;
mod random_programs;
mod snapshots;
mod stencils;
