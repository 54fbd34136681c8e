//! # premium-claims
//!
//! Claims administration for a class action over LinkedIn Premium InMail messages allegedly
//! disclosed to third parties for AI training (De La Torre v. LinkedIn Corp., N.D. Cal. 2025,
//! 18 U.S.C. §§ 2702, 2707). The crate reads the class list, subscriptions, message and disclosure
//! evidence, opt-outs, claims and cures; decides every claim through pure, cited rules; and pays
//! either the statutory $1,000 per person or a settlement fund divided pro rata to the cent.
//!
//! The flow is one way: [`case`] and [`input`] read, [`rules`] decides, [`distribution`] divides
//! the money, [`output`] writes. [`engine`] strings them together for a data folder.
//!
//! Evaluating one claim in memory, as a claims tool would:
//!
//! ```
//! use premium_claims::{rules, parse_timestamp, Case, Claim, ClaimId, ClassRecords, Filing, Member, MemberId, Utc};
//!
//! let case: Case = premium_claims::EXAMPLE_CASE.parse()?;
//! let mut class = ClassRecords::new();
//! class.insert(Member {
//!     member_id: MemberId("m-1".into()),
//!     full_name: None,
//!     email: Some("ada@example.com".into()),
//!     country: "US".into(),
//!     ai_training_opt_out_at: None,
//!     excluded_category: None,
//! }, 2).map_err(|line| format!("member already listed on line {line}"))?;
//! let claim = Claim {
//!     claim_id: ClaimId::parse("6fa02b68-169a-4acc-b682-963f613f5be1").ok_or("not a UUID")?,
//!     member_id: None,
//!     email: Some("ADA@example.com".into()),
//!     full_name: None,
//!     filing: Filing::Online(parse_timestamp("2026-03-31T23:59:59-07:00")?.with_timezone(&Utc)),
//!     attested: true,
//!     actual_damages: None,
//!     payment_method: None,
//!     payment_account: None,
//!     ip_address: None,
//! };
//! let evaluation = rules::evaluate(&case, &class, &claim);
//! // The member has no subscription or evidence yet, so the class rules reject the claim.
//! assert_eq!(evaluation.reasons.to_string(), "NO_ELIGIBLE_PREMIUM;NO_QUALIFYING_DISCLOSURE");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod allocation;
mod audit;
mod case;
mod class;
mod decide;
mod desk;
mod generate;
mod hashing;
mod ingest;
mod model;
mod money;
mod report;
pub mod rules;
mod time;

// Configuration.
pub use crate::case::{Case, CaseError, ClaimsOrder, ClassDefinition, Damages, Fund, ServiceAward};
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
pub use crate::decide::{decide, Decisions, Determination, Error, Money};
pub use crate::desk::{Answer, Desk};
pub use crate::rules::{Reason, Reasons, Status};

// Outputs and proof.
pub use crate::audit::{verify, Verification};
pub use crate::report::explain::{explain, Cluster, EvidenceShown, Explanation, Facts, RuleStep};
pub use crate::report::{
    render, CaseTitle, ClaimTotals, CureTotals, Inputs, MoneyTotals, PaymentStats, Summary,
};

// Synthetic data folders, for trials and tests.
pub use crate::generate::{generate, Plan, Written};

// The types of other crates that appear in this crate's API.
pub use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
pub use chrono_tz::Tz;
pub use rust_decimal::Decimal;
pub use uuid::Uuid;

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
        pub use crate::report::{
            determinations_csv, payments_csv, rejected_rows_csv, render, report, summary,
            ClaimCounts,
        };
    }
}
