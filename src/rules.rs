//! The eligibility rules, pure: no files, clock, environment, randomness or global state.
//!
//! Each rule is a [`Rule`] constant (number, stable id, reason code, effect, legal source, condition)
//! placed directly above the function that tests it. [`evaluate`] runs rules 1-15 on one claim,
//! [`evaluate_with_cures`] adds the deficiency-cure step, and [`apply_cross_claim_rules`] runs 16-18
//! over every determined claim. Money (rule 19) lives in [`crate::distribution`].

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::case::Case;
use crate::model::{normalise, Claim, ClaimId, Cure, Filing, Member, MemberId, Subscription};
use crate::money::Cents;

/// The version of this rule set, recorded in every summary.
pub const RULE_VERSION: &str = "premium-claims-rules/1 (rules 1-20)";

/// What a reason code does to a claim's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The claim is denied.
    Rejects,
    /// The claim can be cured by the claimant.
    Deficient,
    /// A second claim for the same person.
    Duplicate,
    /// Held for fraud review.
    Review,
    /// Recorded, no effect on status.
    Note,
}

/// A claim's final status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Valid and payable.
    Approved,
    /// Missing something the claimant can supply.
    Deficient,
    /// Denied.
    Rejected,
    /// Another claim of the same person is kept.
    Duplicate,
    /// Held for fraud review.
    Review,
}

impl Status {
    /// All statuses, in the order summaries list them.
    pub const ALL: [Status; 5] = [
        Status::Approved,
        Status::Deficient,
        Status::Rejected,
        Status::Duplicate,
        Status::Review,
    ];

    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Deficient => "deficient",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
            Status::Review => "review",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reason code; the declaration order is the canonical order in which codes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Reason {
    MissingIdentity,
    NotInClassList,
    AmbiguousIdentity,
    IdentityMismatch,
    OutsideClassCountry,
    ExcludedPerson,
    OptedOutOfClass,
    NoEligiblePremium,
    NoQualifyingInmail,
    NoQualifyingDisclosure,
    DisclosureBeforeMessages,
    NoActualDamages,
    LateClaim,
    LateClaimAccepted,
    NotAttested,
    DuplicateClaim,
    SharedPaymentAccount,
    SharedIpAddress,
    BelowMinimumPayment,
    Cured,
}

impl Reason {
    /// Every code in canonical order.
    pub const ALL: [Reason; 20] = [
        Reason::MissingIdentity,
        Reason::NotInClassList,
        Reason::AmbiguousIdentity,
        Reason::IdentityMismatch,
        Reason::OutsideClassCountry,
        Reason::ExcludedPerson,
        Reason::OptedOutOfClass,
        Reason::NoEligiblePremium,
        Reason::NoQualifyingInmail,
        Reason::NoQualifyingDisclosure,
        Reason::DisclosureBeforeMessages,
        Reason::NoActualDamages,
        Reason::LateClaim,
        Reason::LateClaimAccepted,
        Reason::NotAttested,
        Reason::DuplicateClaim,
        Reason::SharedPaymentAccount,
        Reason::SharedIpAddress,
        Reason::BelowMinimumPayment,
        Reason::Cured,
    ];

    /// The rule that produces this code.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    /// The code as written in outputs (`LATE_CLAIM`).
    pub fn code(self) -> &'static str {
        self.rule().code
    }

    /// Parses a code as written in outputs.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of reason codes, iterated in canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Reasons(u32);

impl Reasons {
    /// No code.
    pub const NONE: Reasons = Reasons(0);

    /// Adds a code.
    pub fn insert(&mut self, reason: Reason) {
        self.0 |= 1 << reason as u32;
    }

    /// True if the code is present.
    pub fn contains(self, reason: Reason) -> bool {
        self.0 & (1 << reason as u32) != 0
    }

    /// True when no code is present.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The codes in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Reason> {
        Reason::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    fn has_effect(self, effect: Effect) -> bool {
        self.iter().any(|r| r.rule().effect == effect)
    }

    /// True when no code rejects the claim or makes it deficient (rule 16's "clean").
    pub fn is_clean(self) -> bool {
        !self.has_effect(Effect::Rejects) && !self.has_effect(Effect::Deficient)
    }

    /// The status these codes give, by precedence: rejected, deficient, duplicate, review, approved.
    pub fn status(self) -> Status {
        if self.has_effect(Effect::Rejects) {
            Status::Rejected
        } else if self.has_effect(Effect::Deficient) {
            Status::Deficient
        } else if self.has_effect(Effect::Duplicate) {
            Status::Duplicate
        } else if self.has_effect(Effect::Review) {
            Status::Review
        } else {
            Status::Approved
        }
    }
}

impl FromIterator<Reason> for Reasons {
    fn from_iter<I: IntoIterator<Item = Reason>>(iter: I) -> Self {
        let mut set = Reasons::NONE;
        for r in iter {
            set.insert(r);
        }
        set
    }
}

impl fmt::Display for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(r.code())?;
        }
        Ok(())
    }
}

impl Serialize for Reasons {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A rule: its number, stable id, reason code, effect, legal source and condition in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Position in the canonical order (1-20).
    pub number: u8,
    /// Stable identifier (`identity.missing`); never reused for another meaning.
    pub id: &'static str,
    /// The reason code it adds.
    pub code: &'static str,
    /// What the code does to the status.
    pub effect: Effect,
    /// The legal source it implements.
    pub source: &'static str,
    /// When the code is added, in plain words.
    pub condition: &'static str,
}

const CLASS_DEFINITION: &str =
    "Class definition (De La Torre v. LinkedIn Corp., No. 5:25-cv-00709 (N.D. Cal.))";
const CLAIMS_ORDER: &str = "Court's claims order and plan of allocation";

/// Every rule, in canonical order (index = reason code).
pub static RULES: [Rule; 20] = [
    MISSING_IDENTITY,
    NOT_IN_CLASS_LIST,
    AMBIGUOUS_IDENTITY,
    IDENTITY_MISMATCH,
    OUTSIDE_CLASS_COUNTRY,
    EXCLUDED_PERSON,
    OPTED_OUT_OF_CLASS,
    NO_ELIGIBLE_PREMIUM,
    NO_QUALIFYING_INMAIL,
    NO_QUALIFYING_DISCLOSURE,
    DISCLOSURE_BEFORE_MESSAGES,
    NO_ACTUAL_DAMAGES,
    LATE_CLAIM,
    LATE_CLAIM_ACCEPTED,
    NOT_ATTESTED,
    DUPLICATE_CLAIM,
    SHARED_PAYMENT_ACCOUNT,
    SHARED_IP_ADDRESS,
    BELOW_MINIMUM_PAYMENT,
    CURED,
];

/// What the rules know about one class member: the member row, a timely opt-out, the eligible
/// subscriptions and the two pieces of evidence that decide rules 9-11.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberFacts {
    /// The member row.
    pub member: Member,
    /// Normalised email, for identity matching.
    pub email_key: Option<String>,
    /// Earliest timely opt-out request, if any.
    pub timely_opt_out: Option<NaiveDate>,
    /// Subscriptions whose tier is eligible, in file order.
    pub eligible_subscriptions: Vec<Subscription>,
    /// Earliest qualifying InMail (rule 9).
    pub earliest_inmail: Option<EvidenceFact>,
    /// Latest qualifying disclosure (rule 10).
    pub latest_disclosure: Option<EvidenceFact>,
}

/// One evidence row kept as a fact: its id and instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFact {
    /// The evidence row's id.
    pub evidence_id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl MemberFacts {
    /// Facts for a member with no subscription, opt-out or evidence yet.
    pub fn new(member: Member) -> Self {
        let email_key = member
            .email
            .as_deref()
            .map(normalise)
            .filter(|e| !e.is_empty());
        MemberFacts {
            member,
            email_key,
            timely_opt_out: None,
            eligible_subscriptions: Vec::new(),
            earliest_inmail: None,
            latest_disclosure: None,
        }
    }

    /// Records a subscription; only eligible tiers are kept.
    pub fn add_subscription(&mut self, case: &Case, subscription: Subscription) {
        if case.class.premium_tiers.contains(&subscription.tier) {
            self.eligible_subscriptions.push(subscription);
        }
    }

    /// Records an opt-out request; only timely ones count for rule 7. Returns whether it was timely.
    pub fn add_opt_out(&mut self, case: &Case, submitted_on: NaiveDate) -> bool {
        let timely = submitted_on <= case.claims.opt_out_deadline;
        if timely && self.timely_opt_out.map_or(true, |d| submitted_on < d) {
            self.timely_opt_out = Some(submitted_on);
        }
        timely
    }

    /// Folds one InMail into the summary if it qualifies (rule 9). `local_date` is its date in the
    /// case's zone. Among equal instants the smaller evidence id is kept, so file order never matters.
    pub fn observe_message(
        &mut self,
        case: &Case,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) {
        if !self.message_qualifies(case, local_date) {
            return;
        }
        let better = match &self.earliest_inmail {
            None => true,
            Some(f) => (occurred_at, evidence_id) < (f.occurred_at, f.evidence_id.as_str()),
        };
        if better {
            self.earliest_inmail = Some(EvidenceFact {
                evidence_id: evidence_id.to_string(),
                occurred_at,
            });
        }
    }

    /// Folds one disclosure into the summary if it qualifies (rule 10).
    pub fn observe_disclosure(
        &mut self,
        case: &Case,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) {
        if !self.disclosure_qualifies(case, occurred_at, local_date) {
            return;
        }
        let better = match &self.latest_disclosure {
            None => true,
            Some(f) => {
                occurred_at > f.occurred_at
                    || (occurred_at == f.occurred_at && evidence_id < f.evidence_id.as_str())
            }
        };
        if better {
            self.latest_disclosure = Some(EvidenceFact {
                evidence_id: evidence_id.to_string(),
                occurred_at,
            });
        }
    }

    /// Rule 9's test of one message: in the message window and inside an eligible subscription.
    pub fn message_qualifies(&self, case: &Case, local_date: NaiveDate) -> bool {
        case.class.message_window.contains(local_date)
            && self
                .eligible_subscriptions
                .iter()
                .any(|s| s.covers(local_date))
    }

    /// Rule 10's test of one disclosure: in the disclosure window and strictly before the member
    /// switched AI training off.
    pub fn disclosure_qualifies(
        &self,
        case: &Case,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) -> bool {
        case.class.disclosure_window.contains(local_date)
            && self
                .member
                .ai_training_opt_out_at
                .map_or(true, |off| occurred_at < off)
    }

    /// The first eligible subscription overlapping the message window (rule 8), if any.
    pub fn premium_in_window(&self, case: &Case) -> Option<&Subscription> {
        self.eligible_subscriptions
            .iter()
            .find(|s| case.class.message_window.overlaps(s.start_date, s.end_date))
    }
}

/// How many class members carry an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailMatch<'a> {
    /// Nobody.
    None,
    /// Exactly one member.
    One(&'a MemberFacts),
    /// Two or more members (their count).
    Many(usize),
}

/// Look-ups the identity rules need; implemented by [`crate::engine::ClassRecords`], or by any
/// store an embedding tool has.
pub trait ClassList {
    /// The member with this exact id, if in the class list.
    fn member(&self, member_id: &str) -> Option<&MemberFacts>;
    /// The members whose normalised email equals `email_key`.
    fn members_with_email(&self, email_key: &str) -> EmailMatch<'_>;
}

/// How one rule came out for one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The rule was checked and its code was not added.
    Passed,
    /// The rule was checked and its code was added.
    Failed,
    /// The rule was not checked (its preconditions did not hold).
    NotApplicable,
}

/// Rules 1-15 applied to one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation<'a> {
    /// The member the claim resolved to, if any.
    pub member: Option<&'a MemberFacts>,
    /// Codes added.
    pub reasons: Reasons,
    /// Outcome of each of rules 1-15 (index 0 is rule 1).
    pub outcomes: [Outcome; 15],
}

impl Evaluation<'_> {
    /// The outcome of one rule among 1-15.
    pub fn outcome(&self, reason: Reason) -> Outcome {
        self.outcomes
            .get(reason as usize)
            .copied()
            .unwrap_or(Outcome::NotApplicable)
    }
}

/// Records outcomes while the rules run.
struct Trace {
    reasons: Reasons,
    outcomes: [Outcome; 15],
}

impl Trace {
    fn check(&mut self, reason: Reason, fails: bool) -> bool {
        self.outcomes[reason as usize] = if fails {
            Outcome::Failed
        } else {
            Outcome::Passed
        };
        if fails {
            self.reasons.insert(reason);
        }
        fails
    }
}

// ---- Identity: who is claiming --------------------------------------------------------------

/// Rule 1.
pub const MISSING_IDENTITY: Rule = Rule {
    number: 1,
    id: "identity.missing",
    code: "MISSING_IDENTITY",
    effect: Effect::Deficient,
    source: "Court's claims order (claim form must identify the class member)",
    condition: "the claim gives neither a member_id nor an email",
};

/// Rule 2.
pub const NOT_IN_CLASS_LIST: Rule = Rule {
    number: 2,
    id: "identity.not_in_class_list",
    code: "NOT_IN_CLASS_LIST",
    effect: Effect::Rejects,
    source: CLASS_DEFINITION,
    condition: "the given member_id is not in the class list, or (no member_id) the email matches no member",
};

/// Rule 3.
pub const AMBIGUOUS_IDENTITY: Rule = Rule {
    number: 3,
    id: "identity.ambiguous",
    code: "AMBIGUOUS_IDENTITY",
    effect: Effect::Deficient,
    source: "Court's claims order (claim form must identify the class member)",
    condition: "no member_id, and the email matches two or more members",
};

/// Rule 4.
pub const IDENTITY_MISMATCH: Rule = Rule {
    number: 4,
    id: "identity.email_mismatch",
    code: "IDENTITY_MISMATCH",
    effect: Effect::Deficient,
    source: "Court's claims order (claim form must identify the class member)",
    condition:
        "the member_id is known and both the claim's and the member's emails are present but differ",
};

/// Rules 1-4: resolves the claimant. A given member_id always wins over the email.
fn resolve_identity<'a>(
    class: &'a impl ClassList,
    claim: &Claim,
    trace: &mut Trace,
) -> Option<&'a MemberFacts> {
    let member_id = claim.member_id.as_deref();
    let email_key = claim
        .email
        .as_deref()
        .map(normalise)
        .filter(|e| !e.is_empty());
    if trace.check(
        Reason::MissingIdentity,
        member_id.is_none() && email_key.is_none(),
    ) {
        return None;
    }
    match (member_id, email_key) {
        (Some(id), email) => {
            let member = class.member(id);
            trace.check(Reason::NotInClassList, member.is_none());
            let member = member?;
            let differs = matches!((&email, &member.email_key), (Some(a), Some(b)) if a != b);
            trace.check(Reason::IdentityMismatch, differs);
            Some(member)
        }
        (None, Some(email)) => match class.members_with_email(&email) {
            EmailMatch::None => {
                trace.check(Reason::NotInClassList, true);
                None
            }
            EmailMatch::Many(_) => {
                trace.check(Reason::NotInClassList, false);
                trace.check(Reason::AmbiguousIdentity, true);
                None
            }
            EmailMatch::One(member) => {
                trace.check(Reason::NotInClassList, false);
                trace.check(Reason::AmbiguousIdentity, false);
                Some(member)
            }
        },
        (None, None) => None,
    }
}

// ---- Membership and eligibility of the resolved member ----------------------------------------

/// Rule 5.
pub const OUTSIDE_CLASS_COUNTRY: Rule = Rule {
    number: 5,
    id: "class.country",
    code: "OUTSIDE_CLASS_COUNTRY",
    effect: Effect::Rejects,
    source: CLASS_DEFINITION,
    condition: "the member's country is not one of the class countries",
};

fn outside_class_country(case: &Case, m: &MemberFacts) -> bool {
    !case.class.countries.contains(&m.member.country)
}

/// Rule 6.
pub const EXCLUDED_PERSON: Rule = Rule {
    number: 6,
    id: "class.excluded_person",
    code: "EXCLUDED_PERSON",
    effect: Effect::Rejects,
    source: "Class definition exclusions (defendant's employees and officers, judicial officers, counsel)",
    condition: "the member row has any excluded_category",
};

fn excluded_person(m: &MemberFacts) -> bool {
    m.member.excluded_category.is_some()
}

/// Rule 7.
pub const OPTED_OUT_OF_CLASS: Rule = Rule {
    number: 7,
    id: "class.opted_out",
    code: "OPTED_OUT_OF_CLASS",
    effect: Effect::Rejects,
    source: "Fed. R. Civ. P. 23(c)(2)(B)(v)",
    condition: "the member asked for exclusion on or before the opt-out deadline",
};

fn opted_out(m: &MemberFacts) -> bool {
    m.timely_opt_out.is_some()
}

/// Rule 8.
pub const NO_ELIGIBLE_PREMIUM: Rule = Rule {
    number: 8,
    id: "elig.premium_subscription",
    code: "NO_ELIGIBLE_PREMIUM",
    effect: Effect::Rejects,
    source: "Class definition; LinkedIn Subscription Agreement § 3.2",
    condition: "no subscription of an eligible tier overlaps the message window",
};

fn no_eligible_premium(case: &Case, m: &MemberFacts) -> bool {
    m.premium_in_window(case).is_none()
}

/// Rule 9.
pub const NO_QUALIFYING_INMAIL: Rule = Rule {
    number: 9,
    id: "elig.qualifying_inmail",
    code: "NO_QUALIFYING_INMAIL",
    effect: Effect::Rejects,
    source: "Class definition; 18 U.S.C. § 2702(a)(1)",
    condition: "no InMail sent or received on a local date inside the message window and inside an eligible subscription",
};

fn no_qualifying_inmail(m: &MemberFacts) -> bool {
    m.earliest_inmail.is_none()
}

/// Rule 10.
pub const NO_QUALIFYING_DISCLOSURE: Rule = Rule {
    number: 10,
    id: "elig.qualifying_disclosure",
    code: "NO_QUALIFYING_DISCLOSURE",
    effect: Effect::Rejects,
    source: "Class definition; 18 U.S.C. § 2702(a)(1)",
    condition: "no disclosure on a local date inside the disclosure window and before the member switched AI training off",
};

fn no_qualifying_disclosure(m: &MemberFacts) -> bool {
    m.latest_disclosure.is_none()
}

/// Rule 11.
pub const DISCLOSURE_BEFORE_MESSAGES: Rule = Rule {
    number: 11,
    id: "elig.disclosure_after_message",
    code: "DISCLOSURE_BEFORE_MESSAGES",
    effect: Effect::Rejects,
    source: "18 U.S.C. § 2702(a)(1) (only a communication that exists can be divulged)",
    condition: "the earliest qualifying InMail is later than the latest qualifying disclosure",
};

fn disclosure_before_messages(inmail: &EvidenceFact, disclosure: &EvidenceFact) -> bool {
    inmail.occurred_at > disclosure.occurred_at
}

// ---- Claim-level rules ----------------------------------------------------------------------

/// Rule 12.
pub const NO_ACTUAL_DAMAGES: Rule = Rule {
    number: 12,
    id: "damages.actual_required",
    code: "NO_ACTUAL_DAMAGES",
    effect: Effect::Rejects,
    source: "18 U.S.C. § 2707(c); Van Alstyne v. Electronic Scriptorium Ltd., 560 F.3d 199 (4th Cir. 2009); Vista Marketing, LLC v. Burkett, 812 F.3d 954 (11th Cir. 2016)",
    condition: "the case requires actual damages and the claim states none (absent or zero)",
};

fn no_actual_damages(case: &Case, claim: &Claim) -> bool {
    case.damages.require_actual_damages && claim.actual_damages.map_or(true, |d| !d.is_positive())
}

/// Rule 13.
pub const LATE_CLAIM: Rule = Rule {
    number: 13,
    id: "filing.deadline",
    code: "LATE_CLAIM",
    effect: Effect::Rejects,
    source: CLAIMS_ORDER,
    condition:
        "the filing date is after the deadline and after any court-approved late-claim cut-off",
};

/// Rule 14.
pub const LATE_CLAIM_ACCEPTED: Rule = Rule {
    number: 14,
    id: "filing.late_accepted",
    code: "LATE_CLAIM_ACCEPTED",
    effect: Effect::Note,
    source: CLAIMS_ORDER,
    condition: "the filing date is after the deadline but on or before the late-claim cut-off",
};

/// A claim's filing date: the local date of an online submission, the postmark by mail.
pub fn filing_date(case: &Case, claim: &Claim) -> NaiveDate {
    match claim.filing {
        Filing::Online(at) => case.clock.local_date(at),
        Filing::Mail(postmark) => postmark,
    }
}

/// A claim's receipt key: the submission instant online, local midnight of the postmark by mail;
/// ties break on the claim id.
pub fn receipt_key(case: &Case, claim: &Claim) -> (DateTime<Utc>, ClaimId) {
    let at = match claim.filing {
        Filing::Online(at) => at,
        Filing::Mail(postmark) => case.clock.start_of_day(postmark),
    };
    (at, claim.claim_id)
}

/// Rules 13 and 14: (late, accepted late).
fn lateness(case: &Case, filed: NaiveDate) -> (bool, bool) {
    if filed <= case.claims.deadline {
        return (false, false);
    }
    let accepted = case
        .claims
        .late_claims_accepted_until
        .is_some_and(|until| filed <= until);
    (!accepted, accepted)
}

/// Rule 15.
pub const NOT_ATTESTED: Rule = Rule {
    number: 15,
    id: "claim.attestation",
    code: "NOT_ATTESTED",
    effect: Effect::Deficient,
    source: "28 U.S.C. § 1746 (declaration under penalty of perjury)",
    condition: "the claim is not signed under penalty of perjury",
};

/// Rules 1-15 on one claim, as it stands.
pub fn evaluate<'a>(case: &Case, class: &'a impl ClassList, claim: &Claim) -> Evaluation<'a> {
    let mut t = Trace {
        reasons: Reasons::NONE,
        outcomes: [Outcome::NotApplicable; 15],
    };
    let member = resolve_identity(class, claim, &mut t);
    if let Some(m) = member {
        t.check(Reason::OutsideClassCountry, outside_class_country(case, m));
        t.check(Reason::ExcludedPerson, excluded_person(m));
        t.check(Reason::OptedOutOfClass, opted_out(m));
        let premium_ok = !t.check(Reason::NoEligiblePremium, no_eligible_premium(case, m));
        let inmail_ok = premium_ok && !t.check(Reason::NoQualifyingInmail, no_qualifying_inmail(m));
        let disclosure_ok = !t.check(Reason::NoQualifyingDisclosure, no_qualifying_disclosure(m));
        if let (true, true, Some(i), Some(d)) = (
            inmail_ok,
            disclosure_ok,
            &m.earliest_inmail,
            &m.latest_disclosure,
        ) {
            t.check(
                Reason::DisclosureBeforeMessages,
                disclosure_before_messages(i, d),
            );
        }
    }
    t.check(Reason::NoActualDamages, no_actual_damages(case, claim));
    let (late, accepted) = lateness(case, filing_date(case, claim));
    t.check(Reason::LateClaim, late);
    t.check(Reason::LateClaimAccepted, accepted);
    t.check(Reason::NotAttested, !claim.attested);
    Evaluation {
        member,
        reasons: t.reasons,
        outcomes: t.outcomes,
    }
}

// ---- Cures ----------------------------------------------------------------------------------

/// Rule 20.
pub const CURED: Rule = Rule {
    number: 20,
    id: "claim.cured",
    code: "CURED",
    effect: Effect::Note,
    source: "Court's claims order (deficiency notice and opportunity to cure)",
    condition: "the claim was deficient on its own fields and timely cures were applied before it was evaluated again",
};

/// What became of a claim's cures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CureOutcome {
    /// Cure rows applied, in the order applied.
    pub applied: Vec<Cure>,
    /// Cure rows ignored (late, or for a claim that was not deficient).
    pub ignored: usize,
}

/// A claim evaluated after its cures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuredEvaluation<'a> {
    /// The claim with every applied cure on top (the original if none applied).
    pub claim: Claim,
    /// Rules 1-15 on that claim, plus `CURED` when cures were applied.
    pub evaluation: Evaluation<'a>,
    /// The first evaluation, on the claim's own fields, when cures changed it.
    pub before_cures: Option<Evaluation<'a>>,
    /// Which cures were applied or ignored.
    pub cures: CureOutcome,
}

/// Rules 1-15 with deficiency cures: `cures` are this claim's cure rows in file order. Timely cures
/// apply only when the claim's own evaluation is deficient; they apply in `cured_on` order (then
/// file order), each on top of the last, and the claim is evaluated once more and noted `CURED`.
pub fn evaluate_with_cures<'a>(
    case: &Case,
    class: &'a impl ClassList,
    claim: &Claim,
    cures: &[Cure],
) -> CuredEvaluation<'a> {
    let first = evaluate(case, class, claim);
    let timely = |c: &&Cure| {
        case.claims
            .cure_deadline
            .map_or(true, |deadline| c.cured_on <= deadline)
    };
    let mut applicable: Vec<&Cure> = cures.iter().filter(timely).collect();
    if first.reasons.status() != Status::Deficient || applicable.is_empty() {
        let cures = CureOutcome {
            applied: Vec::new(),
            ignored: cures.len(),
        };
        return CuredEvaluation {
            claim: claim.clone(),
            evaluation: first,
            before_cures: None,
            cures,
        };
    }
    applicable.sort_by_key(|c| c.cured_on); // stable: equal dates keep file order
    let mut cured = claim.clone();
    for cure in &applicable {
        if let Some(id) = &cure.member_id {
            cured.member_id = Some(id.clone());
        }
        if let Some(email) = &cure.email {
            cured.email = Some(email.clone());
        }
        if let Some(attested) = cure.attested {
            cured.attested = attested;
        }
    }
    let mut evaluation = evaluate(case, class, &cured);
    evaluation.reasons.insert(Reason::Cured);
    let outcome = CureOutcome {
        applied: applicable.iter().map(|c| (*c).clone()).collect(),
        ignored: cures.len() - applicable.len(),
    };
    CuredEvaluation {
        claim: cured,
        evaluation,
        before_cures: Some(first),
        cures: outcome,
    }
}

// ---- Across claims --------------------------------------------------------------------------

/// Rule 16.
pub const DUPLICATE_CLAIM: Rule = Rule {
    number: 16,
    id: "payment.one_per_person",
    code: "DUPLICATE_CLAIM",
    effect: Effect::Duplicate,
    source: "Court's plan of allocation (one payment per class member)",
    condition: "another clean claim resolved to the same member was received earlier (receipt key, then claim id)",
};

/// Rule 17.
pub const SHARED_PAYMENT_ACCOUNT: Rule = Rule {
    number: 17,
    id: "fraud.shared_payment_account",
    code: "SHARED_PAYMENT_ACCOUNT",
    effect: Effect::Review,
    source: "Court's claims order (fraud prevention and review)",
    condition: "the claim's payment account is named by claims of more distinct identities than the case allows",
};

/// Rule 18.
pub const SHARED_IP_ADDRESS: Rule = Rule {
    number: 18,
    id: "fraud.shared_ip_address",
    code: "SHARED_IP_ADDRESS",
    effect: Effect::Review,
    source: "Court's claims order (fraud prevention and review)",
    condition:
        "the claim's IP address is used by claims of more distinct identities than the case allows",
};

/// Rule 19 (applied by [`crate::distribution::allocate`]).
pub const BELOW_MINIMUM_PAYMENT: Rule = Rule {
    number: 19,
    id: "payment.minimum",
    code: "BELOW_MINIMUM_PAYMENT",
    effect: Effect::Note,
    source: "Court's plan of allocation (minimum payment)",
    condition:
        "the claim's pro rata share of the net fund is below the minimum payment, so it is not paid",
};

/// Who a claim is, for the fraud clusters: the resolved member, else the email, else the claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    /// A resolved class member.
    Member(MemberId),
    /// A normalised email that resolved to no single member.
    Email(String),
    /// Neither: the claim stands alone.
    Claim(ClaimId),
}

/// What rules 16-18 need to know about each determined claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossClaimFacts {
    /// The claim's receipt key.
    pub receipt_key: (DateTime<Utc>, ClaimId),
    /// Resolved member.
    pub member: Option<MemberId>,
    /// Identity for clustering.
    pub identity: Identity,
    /// Normalised payment account.
    pub payment_account: Option<String>,
    /// Normalised IP address.
    pub ip_address: Option<String>,
}

impl CrossClaimFacts {
    /// The facts of one claim after rules 1-15 (and cures).
    pub fn of(case: &Case, claim: &Claim, member: Option<&MemberFacts>) -> Self {
        let member = member.map(|m| m.member.member_id.clone());
        let identity = match (
            &member,
            claim
                .email
                .as_deref()
                .map(normalise)
                .filter(|e| !e.is_empty()),
        ) {
            (Some(m), _) => Identity::Member(m.clone()),
            (None, Some(email)) => Identity::Email(email),
            (None, None) => Identity::Claim(claim.claim_id),
        };
        let key = |v: &Option<String>| v.as_deref().map(normalise).filter(|s| !s.is_empty());
        CrossClaimFacts {
            receipt_key: receipt_key(case, claim),
            member,
            identity,
            payment_account: key(&claim.payment_account),
            ip_address: key(&claim.ip_address),
        }
    }
}

/// Rules 16-18 over every determined claim: adds codes to `reasons[i]` for `facts[i]`.
pub fn apply_cross_claim_rules(case: &Case, facts: &[CrossClaimFacts], reasons: &mut [Reasons]) {
    // Rule 16: among clean claims of one member, the earliest receipt key is kept.
    let mut first: HashMap<&MemberId, usize> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        let Some(member) = &f.member else { continue };
        if !reasons[i].is_clean() {
            continue;
        }
        match first.get(member) {
            Some(&j) if facts[j].receipt_key <= f.receipt_key => {
                reasons[i].insert(Reason::DuplicateClaim)
            }
            Some(&j) => {
                reasons[j].insert(Reason::DuplicateClaim);
                first.insert(member, i);
            }
            None => {
                first.insert(member, i);
            }
        }
    }
    flag_clusters(
        facts,
        reasons,
        |f| f.payment_account.as_deref(),
        case.claims.max_identities_per_payment_account,
        Reason::SharedPaymentAccount,
    );
    flag_clusters(
        facts,
        reasons,
        |f| f.ip_address.as_deref(),
        case.claims.max_identities_per_ip,
        Reason::SharedIpAddress,
    );
}

/// Rules 17 and 18: every claim sharing a key with claims of more than `max` identities is flagged.
fn flag_clusters(
    facts: &[CrossClaimFacts],
    reasons: &mut [Reasons],
    key: impl Fn(&CrossClaimFacts) -> Option<&str>,
    max: u64,
    reason: Reason,
) {
    let mut identities: HashMap<&str, HashSet<&Identity>> = HashMap::new();
    for f in facts {
        if let Some(k) = key(f) {
            identities.entry(k).or_default().insert(&f.identity);
        }
    }
    for (i, f) in facts.iter().enumerate() {
        if let Some(k) = key(f) {
            if identities.get(k).map_or(0, |s| s.len()) as u64 > max {
                reasons[i].insert(reason);
            }
        }
    }
}

/// The distinct identities behind each payment account and IP address, for `explain`.
pub fn cluster_sizes(
    facts: &[CrossClaimFacts],
) -> (HashMap<String, usize>, HashMap<String, usize>) {
    let count = |key: &dyn Fn(&CrossClaimFacts) -> Option<&String>| {
        let mut sets: HashMap<String, HashSet<&Identity>> = HashMap::new();
        for f in facts {
            if let Some(k) = key(f) {
                sets.entry(k.clone()).or_default().insert(&f.identity);
            }
        }
        sets.into_iter()
            .map(|(k, s)| (k, s.len()))
            .collect::<HashMap<_, _>>()
    };
    (
        count(&|f| f.payment_account.as_ref()),
        count(&|f| f.ip_address.as_ref()),
    )
}

// ---- Entitlement ----------------------------------------------------------------------------

/// An approved claim's entitlement under 18 U.S.C. § 2707(c): the greater of the statutory minimum
/// and the claimed actual damages, plus any punitive award; any other claim's is zero.
pub fn entitlement(case: &Case, claim: &Claim, status: Status) -> Cents {
    if status != Status::Approved {
        return Cents::ZERO;
    }
    let actual = claim.actual_damages.unwrap_or(Cents::ZERO);
    case.damages.statutory_minimum.max(actual) + case.damages.punitive_per_person
}
