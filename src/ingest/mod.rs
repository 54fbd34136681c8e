//! Reading: CSV files and in-memory records become typed, validated records, the class list and
//! each member's facts, with every rejected row listed.
//!
//! - `rows`: the files' columns and the checks of each row (the one place a value is validated);
//! - `records` and `parallel`: CSV records with their line numbers, read by several threads;
//! - `folder`: a data folder read file by file; `evidence`: the evidence file streamed into
//!   per-member summaries; `fingerprint`: the SHA-256 of each file, computed on the side;
//! - `builder`: the same records from any source, in any order.

pub mod builder;
pub mod distribution;
pub mod evidence;
pub(crate) mod fields;
pub mod fingerprint;
pub mod folder;
pub mod parallel;
pub mod records;
mod rows;

pub use rows::*;
