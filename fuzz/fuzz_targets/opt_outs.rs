//! Fuzzes `opt_outs.csv` inside an otherwise valid data folder (the test suite's minimal folder).
//!
//! Input: the first byte chooses the mode (even: the file's valid header line is prepended, so the
//! fuzzer reaches row parsing at once; odd: the bytes are the whole file) and how finely a parallel
//! read is split; the remaining bytes are the file. The folder is loaded, decided and rendered, and
//! the invariants of `premium_claims_fuzz::check_dataset` and friends must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use premium_claims::internals::input::InputFile;

fuzz_target!(|data: &[u8]| {
    premium_claims_fuzz::fuzz_one_file(InputFile::OptOuts, data);
});
