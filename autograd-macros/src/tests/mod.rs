//! Unit tests of the expansion: snapshots of generated code, random programs against finite
//! differences (through an IR interpreter, in `f64` for gradients and in dual numbers for
//! Hessian-vector products), and that no input makes the macro panic.

mod code_size;
mod evaluate;
mod fastpath;
mod interpret;
mod no_panic;
mod number;
mod random_hessians;
mod random_loops;
mod random_programs;
mod snapshots;
mod stencils;
