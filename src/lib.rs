//! # premium-claims
//!
//! Claims administration for a class action over LinkedIn Premium InMail messages allegedly
//! disclosed to third parties for AI training (De La Torre v. LinkedIn Corp., N.D. Cal. 2025,
//! 18 U.S.C. §§ 2702, 2707). The crate reads the class list, subscriptions, message and disclosure
//! evidence, opt-outs, claims and cures; decides every claim through pure, cited rules; and pays
//! either the statutory $1,000 per person or a settlement fund divided pro rata to the cent.
//!
//! The [`guide`] explains how the crate is built and gives a recipe for each use: deciding a
//! folder of files, answering claims one at a time at a [`Desk`], building a [`Dataset`] from
//! records held elsewhere, reading a claim from JSON, explaining a decision, reporting.
//!
//! | entry point | what it does |
//! |---|---|
//! | [`DataFolder::load`] | reads a folder of CSV files and its case file into a [`Dataset`] |
//! | [`Dataset::builder`] | the same from values, in any order, through the same checks |
//! | [`decide`] | rules 1-20 on every claim, and the money: [`Decisions`] |
//! | [`render`], [`Summary`] | the five outputs of `premium-claims process`, the summary as a value |
//! | [`explain()`] | the rule-by-rule account of one claim |
//! | [`Desk`] | new claims answered one at a time, as the batch would decide them |
//! | [`rules`] | the pure rules: each with its id, legal source and notice to the claimant |
//! | [`verify`] | proves that an output folder is what the rules produce from its inputs |
//! | [`Ledger::build`], [`Accounting`] | the payments carried out as of a date: instruments, the second distribution, Forms 1099, the post-distribution accounting |
//!
//! ```
//! use premium_claims::{decide, DataFolder, NoProgress, Status};
//!
//! let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
//! let decisions = decide(&data)?;
//! for d in decisions.determinations.iter().filter(|d| d.status() == Status::Deficient) {
//!     let fix: Vec<&str> = d.reasons.iter().flat_map(|r| r.fields_to_fix()).copied().collect();
//!     println!("{}: {} (to correct: {})", d.claim.claim_id, d.reasons, fix.join(", "));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// Nothing the input can reach may panic: bad input is an error naming its file, line and column.
// (Tests and examples may unwrap.)
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod allocation;
mod audit;
mod case;
mod class;
mod compare;
mod decide;
mod desk;
mod distribution;
mod exposure;
mod generate;
pub mod guide;
mod hashing;
mod huge;
mod ingest;
mod model;
mod money;
mod report;
pub mod rules;
mod shares;
mod time;

// Configuration.
pub use crate::case::{
    Case, CaseError, ClaimsOrder, ClassDefinition, Damages, Distribution, Fund, ServiceAward,
    TaxThreshold,
};
pub use crate::time::{CaseClock, InclusiveDates};

// Records, as the input files and other sources give them.
pub use crate::model::{
    parse_boolean, Channel, Claim, ClaimId, Cure, EvidenceKind, Filing, Member, MemberId,
    PaymentMethod, Subscription, ValueError,
};
pub use crate::money::{AmountError, Cents, FeeRate};
pub use crate::time::{parse_date, parse_timestamp, DateError, TimestampError};

// Reading: folders of CSV files, or records from anywhere.
pub use crate::ingest::builder::{DatasetBuilder, Evidence};
pub use crate::ingest::folder::{
    read_case, ClaimRecord, DataFolder, Dataset, Loading, NoProgress, OptOutCounts, Progress,
};
pub use crate::ingest::{FileStats, InputError, InputFile, Problem, Problems, RejectedRow};

// The class list the rules look members up in.
pub use crate::class::{ClassRecords, MemberLookup};

// Deciding, paying, answering.
pub use crate::allocation::{allocate, Allocation, Share, Waterfall};
pub use crate::compare::{CaseTotals, Change, Comparison};
pub use crate::decide::{decide, Decisions, Determination, Error, Money};
pub use crate::desk::{Answer, Desk};
pub use crate::exposure::{
    census_rules, exposure, Exposure, MemberCensus, PerClaimant, Scenario, CLAIMS_RATES_PERCENT,
};
pub use crate::rules::{Outcome, Reason, Reasons, Status};

// Carrying the payments out: events, the ledger, the second distribution, tax, the accounting.
pub use crate::distribution::accounting::{
    Accounting, CheckTotals, CountAmount, CountShare, EventTotals, FeesAndCosts, MethodTotals,
    NoticeCount, RoundTotals, TaxTotals,
};
pub use crate::distribution::{
    DistributionError, EventKind, EventOutcome, EventRejection, Instrument, InstrumentState,
    Ledger, Notice, NoticeMethod, Objection, PaymentEvent, PaymentHistory, Reconciliation, Round,
    SecondDistribution, SecondStatus, TaxForm, TaxReport, TinStatus,
};
pub use crate::ingest::distribution::DistributionFiles;

// Outputs and proof.
pub use crate::audit::{verify, Verification};
pub use crate::report::explain::{explain, Cluster, EvidenceShown, Explanation, Facts, RuleStep};
pub use crate::report::{
    payments, render, CaseTitle, ClaimTotals, CureTotals, Inputs, MoneyTotals, Payment,
    PaymentStats, Summary,
};

// Synthetic data folders, for trials and tests.
pub use crate::generate::{
    generate, generate_distribution, DistributionWritten, EvidenceOrder, Plan, Written,
};

// The types of other crates that appear in this crate's API.
pub use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
pub use chrono_tz::Tz;
pub use rust_decimal::Decimal;
pub use uuid::Uuid;

// The README's Rust snippets run as tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The case file of the bundled example, for documentation and quick experiments.
pub const EXAMPLE_CASE: &str = include_str!("../examples/data/linkedin-premium/case.toml");

/// Machinery exposed for this crate's own command line, tests, benchmarks and fuzz targets only.
/// Not part of the API: anything here may change or go away in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::allocation::attorney_fees;
    pub use crate::ingest::evidence::read_evidence;

    /// Reading CSV files: headers, records, row checks, parallel ranges.
    pub mod input {
        pub use crate::ingest::*;
    }

    /// The output files one by one, and their writing.
    pub mod output {
        pub use crate::audit::{check_out_dir, verify, write_atomically, Verification};
        pub use crate::report::distribution::{
            accounting_json, accounting_md, distribute, ledger_csv, render_distribution,
            second_payments_csv, tax_1099_csv,
        };
        pub use crate::report::{
            determinations_csv, payments_csv, rejected_rows_csv, render, report, summary,
            ClaimCounts,
        };
    }
}
