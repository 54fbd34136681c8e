//! What-if: the same claims decided under two case files, and what changes between them.
//!
//! Counsel ask what happens if the court reads the law differently (the Ninth Circuit has not
//! decided whether § 2707(c)'s $1,000 needs actual damages, as the Fourth and Eleventh Circuits
//! require), or if the class period, the deadline or the fund is negotiated. Both case files are
//! decided on one reading of the data ([`crate::DataFolder::load_cases`]); the comparison lists the
//! claims whose status, reasons or payment differ, and each case's totals.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decide::{Decisions, Determination};
use crate::ingest::folder::Dataset;
use crate::model::ClaimId;
use crate::money::Cents;
use crate::report::ClaimCounts;
use crate::rules::{Reasons, Status};

/// One claim decided differently under the two cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Change {
    /// The claim.
    pub claim_id: ClaimId,
    /// Its status under case A.
    pub status_a: Status,
    /// Its status under case B.
    pub status_b: Status,
    /// Its reasons under case A.
    pub reasons_a: Reasons,
    /// Its reasons under case B.
    pub reasons_b: Reasons,
    /// Its payment under case A.
    pub payment_a: Cents,
    /// Its payment under case B.
    pub payment_b: Cents,
}

/// One case's totals, as `process` run with that case reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CaseTotals {
    /// The case file's name, when the case came from a file.
    pub file: Option<String>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Claims per status.
    #[serde(serialize_with = "by_status")]
    pub by_status: [u64; 5],
    /// Sum of entitlements.
    pub entitled: Cents,
    /// Paid to claimants.
    pub paid: Cents,
    /// The fund's net, when the case has a fund.
    pub net_fund: Option<Cents>,
    /// Left for the residual recipient.
    pub residual: Cents,
}

fn by_status<S: serde::Serializer>(counts: &[u64; 5], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(
        Status::ALL
            .iter()
            .map(|st| (st.as_str(), counts[*st as usize])),
    )
}

/// The claims decided differently under two cases, and each case's totals.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, Comparison, DataFolder, NoProgress, Status};
///
/// let dir = "examples/data/linkedin-premium";
/// let files = [format!("{dir}/case.toml"), format!("{dir}/case-require-actual-damages.toml")];
/// let files: Vec<std::path::PathBuf> = files.iter().map(Into::into).collect();
/// let both = DataFolder::new(dir).load_cases(&files, &mut NoProgress)?;
/// let (a, b) = (decide(&both[0])?, decide(&both[1])?);
/// let comparison = Comparison::of((&both[0], &a), (&both[1], &b));
/// // Approved claims without actual damages are rejected once the court requires them.
/// let dropped = comparison.changes_between(Status::Approved, Status::Rejected);
/// assert!(dropped > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Comparison {
    /// Case A's totals.
    pub a: CaseTotals,
    /// Case B's totals.
    pub b: CaseTotals,
    /// Every claim whose status, reasons or payment differ, in claim order.
    #[serde(skip)]
    pub changes: Vec<Change>,
}

impl Comparison {
    /// Compares the decisions of the same claims under two cases. The two datasets must come
    /// from one folder (as [`crate::DataFolder::load_cases`] reads them): claims are paired in
    /// order.
    pub fn of(a: (&Dataset, &Decisions), b: (&Dataset, &Decisions)) -> Comparison {
        let changes =
            a.1.determinations
                .iter()
                .zip(&b.1.determinations)
                .filter(|(x, y)| differ(x, y))
                .map(|(x, y)| Change {
                    claim_id: x.claim.claim_id,
                    status_a: x.status(),
                    status_b: y.status(),
                    reasons_a: x.reasons,
                    reasons_b: y.reasons,
                    payment_a: x.payment,
                    payment_b: y.payment,
                })
                .collect();
        Comparison {
            a: totals(a.0, a.1),
            b: totals(b.0, b.1),
            changes,
        }
    }

    /// The number of changed claims whose status went from `from` (case A) to `to` (case B).
    pub fn changes_between(&self, from: Status, to: Status) -> u64 {
        self.changes
            .iter()
            .filter(|c| c.status_a == from && c.status_b == to)
            .count() as u64
    }

    /// The changed claims counted by `"status_a -> status_b"`, every pair that occurs.
    pub fn change_counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for c in &self.changes {
            *counts
                .entry(format!("{} -> {}", c.status_a, c.status_b))
                .or_default() += 1;
        }
        counts
    }

    /// The two files of `premium-claims compare`, name and bytes: `comparison.csv`
    /// (`claim_id,status_a,status_b,reasons_a,reasons_b,payment_a,payment_b`, the changed claims
    /// in claim order) and `comparison.json` (each case's totals, and the changes by pair of
    /// statuses).
    ///
    /// # Errors
    /// Only if writing to memory fails.
    pub fn render(&self) -> std::io::Result<Vec<(&'static str, Vec<u8>)>> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record([
            "claim_id",
            "status_a",
            "status_b",
            "reasons_a",
            "reasons_b",
            "payment_a",
            "payment_b",
        ])?;
        for c in &self.changes {
            w.write_record([
                c.claim_id.to_string(),
                c.status_a.to_string(),
                c.status_b.to_string(),
                c.reasons_a.to_string(),
                c.reasons_b.to_string(),
                c.payment_a.to_string(),
                c.payment_b.to_string(),
            ])?;
        }
        let csv = w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let value = serde_json::json!({
            "cases": [&self.a, &self.b],
            "changed_claims": self.changes.len(),
            "changes": self.change_counts(),
        });
        let mut json = serde_json::to_vec_pretty(&value).map_err(std::io::Error::other)?;
        json.push(b'\n');
        Ok(vec![("comparison.csv", csv), ("comparison.json", json)])
    }
}

fn differ(x: &Determination, y: &Determination) -> bool {
    x.reasons != y.reasons || x.payment != y.payment
}

fn totals(data: &Dataset, decisions: &Decisions) -> CaseTotals {
    let counts = ClaimCounts::of(decisions);
    let m = &decisions.money;
    CaseTotals {
        file: data.case_file.as_ref().map(|(name, _)| name.clone()),
        sha256: data.case_file.as_ref().map(|(_, sha)| sha.clone()),
        by_status: counts.by_status,
        entitled: m.entitled,
        paid: m.paid,
        net_fund: m.waterfall.as_ref().map(|w| w.net),
        residual: m.residual,
    }
}
