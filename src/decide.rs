//! Deciding a run: applies the rules to every claim read by [`crate::ingest::folder`], allocates the
//! money, and checks that every cent is accounted for.

use std::sync::Arc;

use crate::allocation::{allocate, Share, Waterfall};
use crate::case::{Case, CaseError};
use crate::ingest::InputError;
use crate::model::{Claim, MemberId};
use crate::money::Cents;
use crate::rules::{self, CrossClaimFacts, CrossClaimIndex, Reason, Reasons, Status};
use crate::shares;

use crate::ingest::folder::{ClaimRecord, Dataset};

/// A fatal error: the run stops and writes nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The case file is unreadable or invalid.
    #[error("{file}: {source}")]
    Case {
        /// The case file's name.
        file: String,
        /// What is wrong.
        source: CaseError,
    },
    /// The case file cannot be read.
    #[error("{file}: cannot read: {source}")]
    CaseIo {
        /// The case file's name.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input file is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The class list keeps the facts of the claimants only, and the operation needs every
    /// member's (load with [`crate::Loading::EveryMember`]).
    #[error("the class list was loaded for its claimants only; load it with every member kept")]
    FactsNotKept,
    /// A claim cannot be received: its id was received before.
    #[error("the claim cannot be received: {0}")]
    Claim(crate::Problems),
    /// Money does not add up: a bug, never a number to sign.
    #[error("conservation check failed: {0}")]
    Conservation(String),
    /// The distribution cannot be carried out (no `[distribution]` table), or does not reconcile.
    #[error(transparent)]
    Distribution(#[from] crate::distribution::DistributionError),
    /// Rendering an output in memory failed.
    #[error("cannot render the outputs: {0}")]
    Render(String),
}

/// The decision on one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Determination {
    /// The claim as evaluated (with any applied cures).
    pub claim: Arc<Claim>,
    /// Its line in `claims.csv`.
    pub line: u64,
    /// The resolved member.
    pub member: Option<MemberId>,
    /// Reason codes.
    pub reasons: Reasons,
    /// Entitlement (zero unless approved).
    pub entitlement: Cents,
    /// Payment (after the fund's allocation, if any).
    pub payment: Cents,
}

impl Determination {
    /// The claim's status.
    pub fn status(&self) -> Status {
        self.reasons.status()
    }
}

impl serde::Serialize for Determination {
    /// As a row of `determinations.csv`, with the claim's line: `claim_id`, `line`, `member_id`
    /// (`null` when none was resolved), `status`, `reasons`, `entitlement`, `payment`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Determination", 7)?;
        out.serialize_field("claim_id", &self.claim.claim_id)?;
        out.serialize_field("line", &self.line)?;
        out.serialize_field("member_id", &self.member)?;
        out.serialize_field("status", &self.status())?;
        out.serialize_field("reasons", &self.reasons)?;
        out.serialize_field("entitlement", &self.entitlement)?;
        out.serialize_field("payment", &self.payment)?;
        out.end()
    }
}

/// The money of a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Money {
    /// Sum of entitlements.
    pub entitled: Cents,
    /// The waterfall, when the case has a fund.
    pub waterfall: Option<Waterfall>,
    /// Sum of payments.
    pub paid: Cents,
    /// Net fund minus payments (zero without a fund).
    pub residual: Cents,
    /// Allocation rounds run (zero without a fund or approved claims).
    pub rounds: usize,
}

/// All decisions of a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Decisions {
    /// One per accepted claim, in file order.
    pub determinations: Vec<Determination>,
    /// Cure rows applied.
    pub cures_applied: u64,
    /// Cure rows ignored (late, or for claims that were not deficient).
    pub cures_ignored: u64,
    /// The money.
    pub money: Money,
}

/// Applies every rule to every claim and allocates the money.
///
/// # Errors
/// [`Error::Conservation`] if the cents do not add up (which would be a defect in this crate).
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, DataFolder, NoProgress, Status};
///
/// let folder = DataFolder::new("examples/data/linkedin-premium")
///     .with_case_file("examples/data/linkedin-premium/settlement.toml");
/// let decisions = decide(&folder.load(&mut NoProgress)?)?;
/// let first = &decisions.determinations[0];
/// assert_eq!(first.status(), Status::Approved);
/// // A fund smaller than the claims: payments are pro rata shares of the net.
/// assert!(first.payment < first.entitlement);
/// let waterfall = decisions.money.waterfall.as_ref().ok_or("no fund")?;
/// assert_eq!(waterfall.net, decisions.money.paid + decisions.money.residual);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(data: &Dataset) -> Result<Decisions, Error> {
    decide_with_index(data).map(|(decisions, _)| decisions)
}

/// [`decide`], with the index of every claim that rules 16-18 were applied with (a claims desk
/// goes on adding to it).
pub(crate) fn decide_with_index(data: &Dataset) -> Result<(Decisions, CrossClaimIndex), Error> {
    // Rules 1-15 and cures look at one claim at a time: shares of the claims are evaluated on
    // several threads and put back in file order.
    decide_in_shares(data, shares::share_size(data.claims.len(), data.threads))
}

/// [`decide_with_index`], evaluating the claims in shares of `share` claims, one thread per
/// share.
fn decide_in_shares(data: &Dataset, share: usize) -> Result<(Decisions, CrossClaimIndex), Error> {
    let case = &data.case;
    let pieces = shares::map_shares(&data.claims, share, |claims| evaluate_claims(data, claims));
    let mut determinations = Vec::with_capacity(data.claims.len());
    let mut facts = Vec::with_capacity(data.claims.len());
    let (mut cures_applied, mut cures_ignored) = (0u64, 0u64);
    for piece in pieces {
        determinations.extend(piece.determinations);
        facts.extend(piece.facts);
        cures_applied += piece.cures_applied;
        cures_ignored += piece.cures_ignored;
    }
    let mut reasons: Vec<Reasons> = determinations.iter().map(|d| d.reasons).collect();
    let index = rules::apply_cross_claim_rules(case, &facts, &mut reasons, share, data.threads);
    for (d, r) in determinations.iter_mut().zip(reasons) {
        d.reasons = r;
        d.entitlement = rules::entitlement(case, &d.claim, r.status());
    }
    let money = distribute(case, &mut determinations)?;
    let decisions = Decisions {
        determinations,
        cures_applied,
        cures_ignored,
        money,
    };
    Ok((decisions, index))
}

/// Claims after rules 1-15 and their cures, in order.
#[derive(Default)]
struct Evaluated {
    determinations: Vec<Determination>,
    facts: Vec<CrossClaimFacts>,
    cures_applied: u64,
    cures_ignored: u64,
}

fn evaluate_claims(data: &Dataset, claims: &[ClaimRecord]) -> Evaluated {
    let case = &data.case;
    let mut out = Evaluated {
        determinations: Vec::with_capacity(claims.len()),
        facts: Vec::with_capacity(claims.len()),
        ..Evaluated::default()
    };
    for record in claims {
        let cures = data
            .cures
            .get(&record.claim.claim_id)
            .map_or(&[][..], Vec::as_slice);
        let result = rules::evaluate_with_cures(case, &data.class, &record.claim, cures);
        out.cures_applied += result.cures.applied.len() as u64;
        out.cures_ignored += result.cures.ignored as u64;
        // Share the claim as read unless cures changed it: no copy per claim.
        let claim = result
            .cured
            .map_or_else(|| Arc::clone(&record.claim), Arc::new);
        out.facts.push(CrossClaimFacts::of(
            case,
            &claim,
            result.evaluation.member.map(|m| &m.member.member_id),
        ));
        out.determinations.push(Determination {
            member: result.evaluation.member.map(|m| m.member.member_id.clone()),
            reasons: result.evaluation.reasons,
            claim,
            line: record.line,
            entitlement: Cents::ZERO,
            payment: Cents::ZERO,
        });
    }
    out
}

/// Payments: entitlements without a fund; the fund's allocation with one. Checks conservation.
fn distribute(case: &Case, determinations: &mut [Determination]) -> Result<Money, Error> {
    let entitled: Cents = determinations.iter().map(|d| d.entitlement).sum();
    let Some(fund) = &case.fund else {
        for d in determinations.iter_mut() {
            d.payment = d.entitlement;
        }
        return Ok(Money {
            entitled,
            waterfall: None,
            paid: entitled,
            residual: Cents::ZERO,
            rounds: 0,
        });
    };
    let waterfall = Waterfall::of(fund);
    let approved: Vec<usize> = (0..determinations.len())
        .filter(|&i| determinations[i].status() == Status::Approved)
        .collect();
    let shares: Vec<Share> = approved
        .iter()
        .map(|&i| Share {
            claim_id: determinations[i].claim.claim_id,
            entitlement: determinations[i].entitlement,
        })
        .collect();
    let allocation = allocate(waterfall.net, &shares, fund.minimum_payment);
    for (k, &i) in approved.iter().enumerate() {
        determinations[i].payment = allocation.payments[k];
        if allocation.below_minimum[k] {
            determinations[i]
                .reasons
                .insert(Reason::BelowMinimumPayment);
        }
    }
    let paid: Cents = allocation.payments.iter().copied().sum();
    let residual = waterfall.net - paid;
    let accounted = waterfall.attorney_fees
        + waterfall.litigation_costs
        + waterfall.administration_costs
        + waterfall.service_awards
        + paid
        + residual;
    let over_paid = determinations.iter().any(|d| d.payment > d.entitlement);
    if accounted != waterfall.gross || residual < Cents::ZERO || over_paid {
        return Err(Error::Conservation(format!(
            "gross {} != fees {} + costs {} + administration {} + awards {} + payments {} + residual {}",
            waterfall.gross, waterfall.attorney_fees, waterfall.litigation_costs, waterfall.administration_costs, waterfall.service_awards, paid, residual
        )));
    }
    Ok(Money {
        entitled,
        waterfall: Some(waterfall),
        paid,
        residual,
        rounds: allocation.rounds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::folder::{DataFolder, NoProgress};

    /// However the claims are shared among threads, the decisions are the same.
    #[test]
    fn decisions_do_not_depend_on_how_claims_are_shared() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
        for case in ["case.toml", "settlement.toml"] {
            let data = DataFolder::new(&dir)
                .with_case_file(dir.join(case))
                .load(&mut NoProgress)
                .unwrap();
            assert!(data.claims.len() > 50);
            let whole = decide_in_shares(&data, usize::MAX).unwrap().0;
            for share in [1, 2, 7, 50] {
                assert_eq!(
                    decide_in_shares(&data, share).unwrap().0,
                    whole,
                    "{case}, shares of {share}"
                );
            }
            assert_eq!(decide(&data).unwrap(), whole);
            assert!(whole.cures_applied > 0);
            // Read and decided on one thread, or on more threads than cores.
            for threads in [1, 5] {
                let data = DataFolder::new(&dir)
                    .with_case_file(dir.join(case))
                    .with_threads(threads)
                    .load(&mut NoProgress)
                    .unwrap();
                assert_eq!(data.threads(), threads);
                assert_eq!(decide(&data).unwrap(), whole, "{case}, {threads} threads");
                let data = data.with_threads(1);
                assert_eq!(decide(&data).unwrap(), whole, "{case}, then one thread");
            }
        }
    }
}
