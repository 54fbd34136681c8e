//! The rule-by-rule account of one claim: which rules it passed, which it failed and on what facts,
//! for a deficiency or denial notice, for counsel, or for the court.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::decide::{Decisions, Determination};
use crate::ingest::folder::Dataset;
use crate::model::{ClaimId, Cure, Filing, Subscription};
use crate::money::Cents;
use crate::rules::{self, CrossClaimFacts, EvidenceFact, Outcome, Reason, Status, RULES};

/// One rule's result for the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RuleStep {
    /// Rule number (1-20).
    pub number: u8,
    /// Stable rule id.
    pub id: &'static str,
    /// The code the rule adds.
    pub code: &'static str,
    /// Legal source.
    pub source: &'static str,
    /// Passed, failed (code added) or not applicable.
    pub outcome: Outcome,
    /// Why, in words, with the facts used.
    pub detail: String,
}

/// An evidence row as shown: id, UTC instant and local time in the case zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EvidenceShown {
    /// Evidence id.
    pub evidence_id: String,
    /// Instant in UTC.
    pub utc: DateTime<Utc>,
    /// Local time in the case zone (RFC 3339 with offset).
    pub local: String,
}

/// The facts the rules used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Facts {
    /// The resolved member.
    pub member_id: Option<String>,
    /// The member's country.
    pub country: Option<String>,
    /// Eligible subscription overlapping the message window.
    pub eligible_subscription: Option<Subscription>,
    /// Earliest qualifying InMail.
    pub earliest_qualifying_inmail: Option<EvidenceShown>,
    /// Latest qualifying disclosure.
    pub latest_qualifying_disclosure: Option<EvidenceShown>,
    /// Timely opt-out date.
    pub timely_opt_out: Option<NaiveDate>,
    /// The filing date (local date online, postmark by mail).
    pub filing_date: NaiveDate,
    /// The claims deadline.
    pub deadline: NaiveDate,
    /// Distinct identities naming the claim's payment account, against the allowed maximum.
    pub payment_account_identities: Option<Cluster>,
    /// Distinct identities using the claim's IP address, against the allowed maximum.
    pub ip_address_identities: Option<Cluster>,
    /// Cures applied, in the order applied.
    pub cures_applied: Vec<Cure>,
    /// Reason codes of the claim's own fields, before cures (when cures were applied).
    pub reasons_before_cures: Option<Vec<Reason>>,
}

/// A fraud-review cluster's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Cluster {
    /// Distinct identities (member, else email, else claim) sharing the value.
    pub identities: usize,
    /// The case's threshold: more than this is flagged.
    pub allowed: u64,
}

/// The whole account of one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The claim.
    pub claim_id: ClaimId,
    /// Its line in `claims.csv`.
    pub line: u64,
    /// Final status.
    pub status: Status,
    /// Final reason codes.
    pub reasons: Vec<Reason>,
    /// The rule whose code set the status (none for an approved claim).
    pub decided_by: Option<&'static str>,
    /// Entitlement.
    pub entitlement: Cents,
    /// Payment.
    pub payment: Cents,
    /// Facts used.
    pub facts: Facts,
    /// Every rule, in order.
    pub rules: Vec<RuleStep>,
    /// What the claimant is told: the plain-English sentence of each reason, in rule order.
    pub notices: Vec<&'static str>,
    /// For a deficient claim, the claim fields the claimant can correct.
    pub to_fix: Vec<&'static str>,
}

fn shown(data: &Dataset, f: &EvidenceFact) -> EvidenceShown {
    EvidenceShown {
        evidence_id: f.evidence_id.clone(),
        utc: f.occurred_at,
        local: data.case.clock.local_time(f.occurred_at).to_rfc3339(),
    }
}

/// Explains the claim `claim_id` of a decided run; `None` if no accepted claim has that id.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, explain, DataFolder, NoProgress, Outcome};
///
/// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
/// let decisions = decide(&data)?;
/// let why = explain(&data, &decisions, "00000000-0000-4000-8000-000000000003".parse()?)
///     .ok_or("no such claim")?;
/// assert_eq!(why.decided_by, Some("identity.not_in_class_list"));
/// let rule2 = &why.rules[1];
/// assert_eq!((rule2.code, rule2.outcome), ("NOT_IN_CLASS_LIST", Outcome::Failed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain(data: &Dataset, decisions: &Decisions, claim_id: ClaimId) -> Option<Explanation> {
    let index = decisions
        .determinations
        .iter()
        .position(|d| d.claim.claim_id == claim_id)?;
    let d: &Determination = &decisions.determinations[index];
    let case = &data.case;
    let original = &data
        .claims
        .iter()
        .find(|c| c.claim.claim_id == claim_id)?
        .claim;
    let cures = data.cures.get(&claim_id).map_or(&[][..], Vec::as_slice);
    let cured = rules::evaluate_with_cures(case, &data.class, original, cures);
    let e = &cured.evaluation;
    let member = e.member;

    let all: Vec<CrossClaimFacts> = decisions
        .determinations
        .iter()
        .map(|x| CrossClaimFacts::of(case, &x.claim, x.member.as_ref()))
        .collect();
    let reasons: Vec<rules::Reasons> = decisions.determinations.iter().map(|x| x.reasons).collect();
    let (accounts, ips) =
        rules::cross_claim_index(&all, &reasons, data.threads).cluster_sizes(&all[index]);
    let account_size = accounts.map(|identities| Cluster {
        identities,
        allowed: case.claims.max_identities_per_payment_account,
    });
    let ip_size = ips.map(|identities| Cluster {
        identities,
        allowed: case.claims.max_identities_per_ip,
    });

    let filing_date = rules::filing_date(case, &d.claim);
    let facts = Facts {
        member_id: member.map(|m| m.member.member_id.0.clone()),
        country: member.map(|m| m.member.country.clone()),
        eligible_subscription: member.and_then(|m| m.premium_in_window(case)).cloned(),
        earliest_qualifying_inmail: member
            .and_then(|m| m.earliest_inmail.as_ref())
            .map(|f| shown(data, f)),
        latest_qualifying_disclosure: member
            .and_then(|m| m.latest_disclosure.as_ref())
            .map(|f| shown(data, f)),
        timely_opt_out: member.and_then(|m| m.timely_opt_out),
        filing_date,
        deadline: case.claims.deadline,
        payment_account_identities: account_size,
        ip_address_identities: ip_size,
        cures_applied: cured.cures.applied.clone(),
        reasons_before_cures: cured
            .before_cures
            .as_ref()
            .map(|b| b.reasons.iter().collect()),
    };

    let status = d.status();
    let mut steps = Vec::with_capacity(RULES.len());
    for (i, rule) in RULES.iter().enumerate() {
        let reason = Reason::ALL[i];
        let outcome = if i < 15 {
            e.outcome(reason)
        } else {
            cross_outcome(reason, d, &facts, case.fund.is_some())
        };
        let detail = detail(reason, outcome, d, &facts, data);
        steps.push(RuleStep {
            number: rule.number,
            id: rule.id,
            code: rule.code,
            source: rule.source,
            outcome,
            detail,
        });
    }
    let decided_by = d.reasons.iter().find(|r| {
        let effect = r.rule().effect;
        matches!(
            (status, effect),
            (Status::Rejected, rules::Effect::Rejects)
                | (Status::Deficient, rules::Effect::Deficient)
                | (Status::Duplicate, rules::Effect::Duplicate)
                | (Status::Review, rules::Effect::Review)
        )
    });
    Some(Explanation {
        claim_id,
        line: d.line,
        status,
        reasons: d.reasons.iter().collect(),
        decided_by: decided_by.map(|r| r.rule().id),
        entitlement: d.entitlement,
        payment: d.payment,
        facts,
        rules: steps,
        notices: d.reasons.iter().map(Reason::notice).collect(),
        to_fix: fields_to_fix(d.reasons),
    })
}

/// The claim fields a deficient claim's claimant can correct (empty for any other status).
pub(crate) fn fields_to_fix(reasons: rules::Reasons) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if reasons.status() == Status::Deficient {
        for field in reasons.iter().flat_map(|r| r.fields_to_fix()) {
            if !fields.contains(field) {
                fields.push(*field);
            }
        }
    }
    fields
}

fn cross_outcome(reason: Reason, d: &Determination, facts: &Facts, has_fund: bool) -> Outcome {
    let pass_or_fail = |fails: bool| {
        if fails {
            Outcome::Failed
        } else {
            Outcome::Passed
        }
    };
    match reason {
        Reason::DuplicateClaim if d.member.is_none() => Outcome::NotApplicable,
        Reason::SharedPaymentAccount if facts.payment_account_identities.is_none() => {
            Outcome::NotApplicable
        }
        Reason::SharedIpAddress if facts.ip_address_identities.is_none() => Outcome::NotApplicable,
        Reason::BelowMinimumPayment if !has_fund || d.entitlement == Cents::ZERO => {
            Outcome::NotApplicable
        }
        Reason::Cured if facts.cures_applied.is_empty() => Outcome::NotApplicable,
        _ => pass_or_fail(d.reasons.contains(reason)),
    }
}

fn detail(
    reason: Reason,
    outcome: Outcome,
    d: &Determination,
    f: &Facts,
    data: &Dataset,
) -> String {
    let case = &data.case;
    let failed = outcome == Outcome::Failed;
    let ev = |e: &Option<EvidenceShown>| {
        e.as_ref().map_or("none".to_string(), |e| {
            format!(
                "{} at {} ({} UTC)",
                e.evidence_id,
                e.local,
                e.utc.format("%Y-%m-%dT%H:%M:%S%.fZ")
            )
        })
    };
    if outcome == Outcome::NotApplicable {
        return match reason {
            Reason::NotInClassList | Reason::AmbiguousIdentity | Reason::IdentityMismatch => {
                "not reached: the claim gives no identity, or the member id decided it".into()
            }
            Reason::NoQualifyingInmail => {
                "not checked: no eligible Premium subscription (rule 8)".into()
            }
            Reason::DisclosureBeforeMessages => {
                "not checked: needs a qualifying InMail and a qualifying disclosure".into()
            }
            Reason::DuplicateClaim => "no member resolved".into(),
            Reason::SharedPaymentAccount => "no payment account given".into(),
            Reason::SharedIpAddress => "no IP address given".into(),
            Reason::BelowMinimumPayment => {
                "no settlement fund, or nothing to allocate to this claim".into()
            }
            Reason::Cured => "no cure applied".into(),
            _ => "not checked: no member resolved (rules 1-3)".into(),
        };
    }
    match reason {
        Reason::MissingIdentity => if failed {
            "neither member_id nor email given"
        } else {
            "member_id or email given"
        }
        .into(),
        Reason::NotInClassList => if failed {
            "no class member matches the member_id or email given"
        } else {
            "matched a class member"
        }
        .into(),
        Reason::AmbiguousIdentity => if failed {
            "the email belongs to two or more members"
        } else {
            "the email belongs to one member"
        }
        .into(),
        Reason::IdentityMismatch => if failed {
            "the claim's email differs from the member's"
        } else {
            "no email conflict"
        }
        .into(),
        Reason::OutsideClassCountry => format!(
            "member country {} (class: {})",
            f.country.as_deref().unwrap_or("-"),
            case.class.countries.join(", ")
        ),
        Reason::ExcludedPerson => if failed {
            "the member is in an excluded category"
        } else {
            "no excluded category"
        }
        .into(),
        Reason::OptedOutOfClass => match f.timely_opt_out {
            Some(on) => format!(
                "opt-out dated {on}, on or before the deadline {}",
                case.claims.opt_out_deadline
            ),
            None => format!(
                "no opt-out dated on or before {}",
                case.claims.opt_out_deadline
            ),
        },
        Reason::NoEligiblePremium => match &f.eligible_subscription {
            Some(s) => format!(
                "{} subscription {} to {} overlaps the message window {} to {}",
                s.tier,
                s.start_date,
                s.end_date.map_or("active".into(), |e| e.to_string()),
                case.class.message_window.start,
                case.class.message_window.end
            ),
            None => format!(
                "no {} subscription overlaps the message window {} to {}",
                case.class.premium_tiers.join("/"),
                case.class.message_window.start,
                case.class.message_window.end
            ),
        },
        Reason::NoQualifyingInmail => format!(
            "earliest qualifying InMail: {}",
            ev(&f.earliest_qualifying_inmail)
        ),
        Reason::NoQualifyingDisclosure => format!(
            "latest qualifying disclosure (window {} to {}, before any AI-training opt-out): {}",
            case.class.disclosure_window.start,
            case.class.disclosure_window.end,
            ev(&f.latest_qualifying_disclosure)
        ),
        Reason::DisclosureBeforeMessages => format!(
            "earliest InMail {} {} latest disclosure {}",
            ev(&f.earliest_qualifying_inmail),
            if failed {
                "is after"
            } else {
                "is at or before"
            },
            ev(&f.latest_qualifying_disclosure)
        ),
        Reason::NoActualDamages => {
            match (case.damages.require_actual_damages, d.claim.actual_damages) {
                (false, _) => "the case does not require actual damages".into(),
                (true, Some(a)) if a.is_positive() => format!("actual damages {a} claimed"),
                (true, _) => "actual damages required, none claimed".into(),
            }
        }
        Reason::LateClaim | Reason::LateClaimAccepted => {
            let how = match d.claim.filing {
                Filing::Online(_) => "submitted (local date)",
                Filing::Mail(_) => "postmarked",
            };
            let until = case
                .claims
                .late_claims_accepted_until
                .map_or(String::new(), |u| {
                    format!(", late claims accepted until {u}")
                });
            format!("{how} {}; deadline {}{until}", f.filing_date, f.deadline)
        }
        Reason::NotAttested => if failed {
            "not signed under penalty of perjury"
        } else {
            "attested"
        }
        .into(),
        Reason::DuplicateClaim => if failed {
            "an earlier clean claim of the same member is kept"
        } else if d.reasons.is_clean() {
            "the earliest clean claim of this member"
        } else {
            "not a clean claim, so not compared"
        }
        .into(),
        Reason::SharedPaymentAccount => f.payment_account_identities.map_or(String::new(), |c| {
            format!(
                "{} distinct identities on this payment account (allowed {})",
                c.identities, c.allowed
            )
        }),
        Reason::SharedIpAddress => f.ip_address_identities.map_or(String::new(), |c| {
            format!(
                "{} distinct identities from this IP address (allowed {})",
                c.identities, c.allowed
            )
        }),
        Reason::BelowMinimumPayment => {
            let min = case
                .fund
                .as_ref()
                .map_or(Cents::ZERO, |x| x.minimum_payment);
            if failed {
                format!("pro rata share below the minimum payment {min}: not paid")
            } else {
                format!("payment {} (minimum {min})", d.payment)
            }
        }
        Reason::Cured => {
            let before: Vec<&str> = f
                .reasons_before_cures
                .iter()
                .flatten()
                .map(|r| r.code())
                .collect();
            let cures: Vec<String> = f
                .cures_applied
                .iter()
                .map(|c| c.cured_on.to_string())
                .collect();
            format!(
                "deficient on its own fields ({}); cures dated {} applied",
                before.join(";"),
                cures.join(", ")
            )
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            out,
            "claim {} (claims.csv line {})",
            self.claim_id, self.line
        )?;
        let reasons: Vec<&str> = self.reasons.iter().map(|r| r.code()).collect();
        writeln!(
            out,
            "status: {}{}",
            self.status,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(";"))
            }
        )?;
        if let Some(id) = self.decided_by {
            writeln!(out, "decided by: {id}")?;
        }
        writeln!(
            out,
            "entitlement: {}  payment: {}",
            self.entitlement, self.payment
        )?;
        writeln!(
            out,
            "member: {}",
            self.facts.member_id.as_deref().unwrap_or("(none resolved)")
        )?;
        writeln!(out)?;
        for s in &self.rules {
            let note =
                Reason::from_code(s.code).is_some_and(|r| r.rule().effect == rules::Effect::Note);
            let mark = match s.outcome {
                Outcome::Passed => "passed",
                Outcome::Failed if note => "NOTED",
                Outcome::Failed => "FAILED",
                Outcome::NotApplicable => "n/a",
            };
            writeln!(
                out,
                "{:>2}. {:<32} {:<6}  {}",
                s.number, s.id, mark, s.detail
            )?;
            writeln!(out, "    {:<32}         source: {}", s.code, s.source)?;
        }
        if !self.notices.is_empty() {
            writeln!(out, "\nwhat the claimant is told:")?;
            for notice in &self.notices {
                writeln!(out, "  - {notice}")?;
            }
        }
        if !self.to_fix.is_empty() {
            writeln!(
                out,
                "fields the claimant can correct: {}",
                self.to_fix.join(", ")
            )?;
        }
        Ok(())
    }
}
