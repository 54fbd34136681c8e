//! The claims desk: new claims answered one at a time, as the batch would decide them.
//!
//! A claim portal wants to tell a claimant, as the claim is filed, what will become of it. The
//! desk holds the class list with every member's facts and the claims received so far, and keeps
//! the three indexes the cross-claim rules need: the earliest clean claim of each member (rule
//! 16) and the distinct identities behind each payment account and IP address (rules 17-18).
//! Each new claim is evaluated with rules 1-15, checked against those indexes and added to them,
//! so an answer costs a few hash look-ups however many claims came before.
//!
//! The answer for the k-th new claim is what `process` would decide for it with the new claims
//! 1..k appended to `claims.csv` in arrival order; rule 19 (which needs the whole allocation) is
//! never among its reasons. Cures in `cures.csv` apply to the claims loaded with the folder, not
//! to new claims.

use serde::ser::SerializeStruct;
use serde::Serialize;

use crate::decide::{decide_with_index, Decisions, Error};
use crate::hashing::Map;
use crate::ingest::folder::{DataFolder, Dataset, Loading, NoProgress};
use crate::ingest::{Problem, Problems};
use crate::model::{Claim, ClaimId, MemberId};
use crate::money::Cents;
use crate::rules::{self, CrossClaimFacts, CrossClaimIndex, Reason, Reasons, Status};

/// A claims desk, loaded once, answering new claims one at a time.
///
/// # Examples
///
/// ```
/// use premium_claims::{Claim, DataFolder, Desk, Status};
///
/// let folder = DataFolder::new("examples/data/linkedin-premium");
/// let mut desk = Desk::open(&folder)?;
/// let claim = Claim::from_fields([
///     ("claim_id", "0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
///     ("member_id", "m-001"),
///     ("channel", "online"),
///     ("submitted_at", "2026-03-01T10:00:00-08:00"),
///     ("attested", "yes"),
/// ])?;
/// let answer = desk.file(claim)?;
/// // m-001 already has an approved claim on file: one payment per person.
/// assert_eq!(answer.status(), Status::Duplicate);
/// assert_eq!(answer.reasons.to_string(), "DUPLICATE_CLAIM");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Desk {
    data: Dataset,
    decisions: Decisions,
    /// Each claim id received, with its line (new claims continue `claims.csv`'s lines).
    received: Map<ClaimId, u64>,
    /// What rules 16-18 need of every claim received.
    index: CrossClaimIndex,
}

impl Desk {
    /// Loads a data folder with every member's facts kept and decides the claims it holds.
    ///
    /// The input files' SHA-256 are computed as the folder says (by default they are): a desk's
    /// answers never name them, and a folder given `with_fingerprints(false)` loads with a
    /// fifth or so less processor time ([`DataFolder::with_fingerprints`]).
    ///
    /// # Errors
    /// [`Error`] when the case file or an input file is unusable (as for `process`).
    pub fn open(folder: &DataFolder) -> Result<Desk, Error> {
        let folder = folder.clone().with_loading(Loading::EveryMember);
        Desk::new(folder.load(&mut NoProgress)?)
    }

    /// A desk over data already loaded (from a folder or a [`crate::DatasetBuilder`]).
    ///
    /// # Errors
    /// [`Error::FactsNotKept`] when the data was loaded for its claimants only
    /// ([`Loading::Claimants`]): a new claim may name any member.
    pub fn new(data: Dataset) -> Result<Desk, Error> {
        if !data.class.keeps_every_member() {
            return Err(Error::FactsNotKept);
        }
        // Rules 16-18 were applied to the claims received with this index; new claims are
        // added to it.
        let (decisions, index) = decide_with_index(&data)?;
        let received = decisions
            .determinations
            .iter()
            .map(|d| (d.claim.claim_id, d.line))
            .collect();
        Ok(Desk {
            received,
            index,
            decisions,
            data,
        })
    }

    /// Decides a new claim as the batch would with it appended to the claims received so far,
    /// and records it as received.
    ///
    /// # Errors
    /// A [`Problems`] naming `claim_id` when the claim id was already received; the claim is then
    /// not received.
    pub fn file(&mut self, claim: Claim) -> Result<Answer, Problems> {
        if let Some(first) = self.received.get(&claim.claim_id) {
            return Err(Problems(vec![Problem::new(
                "claim_id",
                format!(
                    "repeated claim_id {} (first on line {first})",
                    claim.claim_id
                ),
            )]));
        }
        let case = &self.data.case;
        let evaluation = rules::evaluate(case, &self.data.class, &claim);
        let member = evaluation.member.map(|m| m.member.member_id.clone());
        let mut reasons = evaluation.reasons;
        let facts = CrossClaimFacts::of(case, &claim, member.as_ref());
        // Rules 16-18 against every claim received, this one included.
        let clean = reasons.is_clean();
        self.index.add(&facts, clean);
        for code in self.index.reasons(case, &facts, clean).iter() {
            reasons.insert(code);
        }
        let answer = Answer {
            claim_id: claim.claim_id,
            member_id: member,
            reasons,
            entitlement: rules::entitlement(case, &claim, reasons.status()),
        };
        let line = self.data.next_claim_line();
        self.received.insert(claim.claim_id, line);
        self.data.push_claim(claim, line);
        Ok(answer)
    }

    /// The data at the desk: what it was loaded with, and every new claim received since, in
    /// arrival order, as rows appended to `claims.csv`. [`crate::decide`] on it gives the batch's
    /// decisions on all the claims received so far.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The decisions on the claims the desk was loaded with (before any new claim).
    pub fn loaded_decisions(&self) -> &Decisions {
        &self.decisions
    }

    /// Claims received: those loaded plus the new ones filed.
    pub fn received(&self) -> usize {
        self.received.len()
    }
}

/// The desk's answer for one new claim.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The claim.
    pub claim_id: ClaimId,
    /// The member the claim resolved to, if any.
    pub member_id: Option<MemberId>,
    /// Reason codes (rules 1-18; never 19 or 20).
    pub reasons: Reasons,
    /// What the claim is owed under the case's damages (zero unless approved); a fund's pro rata
    /// share is known only once every claim is in.
    pub entitlement: Cents,
}

impl Answer {
    /// The claim's status.
    pub fn status(&self) -> Status {
        self.reasons.status()
    }

    /// The plain-English sentences for the claim's reasons, in rule order.
    pub fn notices(&self) -> impl Iterator<Item = &'static str> {
        self.reasons.iter().map(Reason::notice)
    }

    /// The claim fields the claimant can correct, when the claim is deficient (empty otherwise).
    pub fn fields_to_fix(&self) -> Vec<&'static str> {
        crate::report::explain::fields_to_fix(self.reasons)
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Answer", 7)?;
        out.serialize_field("claim_id", &self.claim_id)?;
        out.serialize_field("status", &self.status())?;
        out.serialize_field("reasons", &self.reasons)?;
        out.serialize_field(
            "member_id",
            self.member_id.as_ref().map_or("", |m| m.0.as_str()),
        )?;
        out.serialize_field("entitlement", &self.entitlement)?;
        out.serialize_field("notices", &self.notices().collect::<Vec<_>>())?;
        out.serialize_field("to_fix", &self.fields_to_fix())?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::decide::decide;
    use crate::generate::{generate, Plan, SplitMix64};
    use crate::ingest::folder::ClaimRecord;

    /// A random new claim, as a portal might receive it: members known and unknown, by id or
    /// by email in any case, repeated claim ids, shared payment accounts and IP addresses,
    /// filings around the deadline, and some bad values.
    fn random_fields(
        rng: &mut SplitMix64,
        members: u64,
        earlier: &[ClaimId],
    ) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| f.push((k.to_string(), v));
        let id = if !earlier.is_empty() && rng.chance(40) {
            earlier[rng.below(earlier.len() as u64) as usize].to_string()
        } else {
            uuid::Uuid::from_u64_pair(rng.next_u64(), rng.next_u64()).to_string()
        };
        put("claim_id", id);
        let i = 1 + rng.below(members + members / 20);
        match rng.below(20) {
            0..=11 => put("member_id", format!("m-{i:08}")),
            12..=15 => put("email", format!("M-{i:08}@Members.Example.COM")),
            16 => {
                put("member_id", format!("m-{i:08}"));
                put(
                    "email",
                    format!("m-{:08}@members.example.com", 1 + rng.below(members)),
                );
            }
            17 => put("member_id", format!("m-x{i:07}")),
            _ => {}
        }
        if rng.chance(800) {
            let day = 1 + rng.below(28);
            let month = [6, 9, 12, 2, 3, 3, 3, 4, 5][rng.below(9) as usize];
            let year = if month >= 6 { 2025 } else { 2026 };
            put("channel", "online".into());
            put(
                "submitted_at",
                format!(
                    "{year}-{month:02}-{day:02}T{:02}:30:00-07:00",
                    rng.below(24)
                ),
            );
        } else {
            put("channel", "Mail".into());
            put(
                "postmarked_on",
                format!("2026-03-{:02}", 20 + rng.below(12)),
            );
        }
        let attested = match rng.below(40) {
            0 => "maybe",
            1..=2 => "no",
            _ => "yes",
        };
        put("attested", attested.into());
        if rng.chance(100) {
            put(
                "actual_damages",
                format!("{}.{:02}", rng.below(3000), rng.below(100)),
            );
        }
        match rng.below(10) {
            0..=2 => put(
                "payment_account",
                format!("ring-{}@pay.example", rng.below(6)),
            ),
            3..=4 => put(
                "payment_account",
                format!("acct-{}@bank.example", rng.next_u64()),
            ),
            _ => {}
        }
        if rng.chance(300) {
            put("ip_address", format!("198.51.100.{}", rng.below(4)));
        }
        f
    }

    /// The desk's k-th answer is the batch's decision with new claims 1..k appended, on
    /// thousands of random claims over a generated folder.
    #[test]
    fn answers_equal_the_batch_with_the_new_claims_appended() {
        let dir = tempfile::tempdir().unwrap();
        let members = 2_000;
        generate(dir.path(), Plan::new(members, 7)).unwrap();
        let folder = DataFolder::new(dir.path()).with_loading(Loading::EveryMember);
        let mut desk = Desk::open(&folder).unwrap();
        let mut batch = folder.load(&mut NoProgress).unwrap();
        let mut ids: Vec<ClaimId> = batch.claims.iter().map(|c| c.claim.claim_id).collect();
        let mut rng = SplitMix64::new(11);
        let (mut answered, mut refused) = (0, 0);
        let mut by_status = Map::<Status, u32>::default();
        for k in 0..1_500u64 {
            let fields = random_fields(&mut rng, members, &ids);
            let pairs = fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let Ok(claim) = Claim::from_fields(pairs) else {
                continue; // a rejected row: the batch leaves it out too
            };
            let repeated = ids.contains(&claim.claim_id);
            let answer = desk.file(claim.clone());
            if repeated {
                let problems = answer.unwrap_err();
                assert_eq!(problems.columns().collect::<Vec<_>>(), ["claim_id"]);
                refused += 1;
                continue;
            }
            let answer = answer.unwrap();
            ids.push(claim.claim_id);
            batch.claims.push(ClaimRecord {
                claim: Arc::new(claim),
                line: 1_000_000 + k,
            });
            let decided = decide(&batch).unwrap();
            let last = decided.determinations.last().unwrap();
            let mut reasons = last.reasons;
            reasons.remove(Reason::BelowMinimumPayment);
            assert_eq!(answer.reasons, reasons, "new claim {k}");
            assert_eq!(answer.member_id, last.member, "new claim {k}");
            assert_eq!(answer.entitlement, last.entitlement, "new claim {k}");
            *by_status.entry(answer.status()).or_default() += 1;
            answered += 1;
        }
        // The random claims reach every status and the refusal of a repeated claim id.
        assert!(
            answered > 1_000 && refused > 20,
            "{answered} answered, {refused} refused"
        );
        for status in Status::ALL {
            assert!(
                by_status.get(&status).copied().unwrap_or(0) > 5,
                "{status}: {by_status:?}"
            );
        }
    }

    #[test]
    fn a_desk_needs_every_member() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
        let data = DataFolder::new(&dir).load(&mut NoProgress).unwrap();
        assert!(matches!(Desk::new(data), Err(Error::FactsNotKept)));
    }
}
