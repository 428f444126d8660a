//! Hostile and clumsy input: one test per way it used to go wrong, and the fuzz targets run
//! as property tests.

#[path = "../common/mod.rs"]
mod common;

mod families;
mod fuzz;
mod input;
