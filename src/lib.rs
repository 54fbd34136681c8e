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
//! use premium_claims::{case::Case, engine::ClassRecords, rules, model::*, time::parse_timestamp};
//! use chrono::Utc;
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

pub mod case;
mod desk;
pub mod class;
pub mod distribution;
pub mod engine;
pub mod evidence;
pub mod explain;
pub mod fingerprint;
pub mod generate;
pub mod hashing;
pub mod input;
pub mod load;
pub mod model;
pub mod money;
pub mod output;
pub mod rules;
pub mod time;

pub use crate::case::Case;
pub use crate::class::{ClassRecords, MemberLookup};
pub use crate::desk::{Answer, Desk};
pub use crate::engine::{decide, Decisions, Determination, Error};
pub use crate::input::{Problem, Problems};
pub use crate::load::{DataFolder, Dataset, Loading};
pub use crate::model::{Channel, Claim, ClaimId, MemberId};
pub use crate::rules::{Reason, Reasons, Status};

/// The case file of the bundled example, for documentation and quick experiments.
pub const EXAMPLE_CASE: &str = include_str!("../examples/data/linkedin-premium/case.toml");
