//! Fuzzes a whole data folder: the input is split at 0xFF bytes into case.toml, members.csv,
//! subscriptions.csv, evidence.csv, opt_outs.csv, claims.csv and cures.csv (missing trailing parts
//! keep the minimal folder's file; an empty opt_outs or cures part leaves that file out). The
//! folder is loaded twice (sequentially and split into tiny parallel ranges), decided and rendered;
//! both runs must agree, every row must be used or rejected, and the money must conserve.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    premium_claims_fuzz::fuzz_data_folder(data);
});
