//! The eligibility rules, pure: no files, clock, environment, randomness or global state.
//!
//! Each rule is a [`Rule`] constant (number, stable id, reason code, effect, legal source, condition)
//! placed directly above the function that tests it. [`evaluate`] runs rules 1-15 on one claim,
//! [`evaluate_with_cures`] adds the deficiency-cure step; rules 16-18 look across every
//! determined claim and run in [`crate::decide`] (or, one claim at a time, at a [`crate::Desk`]).
//! Money (rule 19) is [`crate::allocate`]'s.

use crate::hashing::{Map, Set};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::case::Case;
use crate::model::{normalise, Claim, ClaimId, Cure, Filing, Member, MemberId, Subscription};
use crate::money::Cents;
use crate::shares;
use crate::time::UnixTime;

/// The version of this rule set, recorded in every summary.
pub const RULE_VERSION: &str = "premium-claims-rules/1 (rules 1-20)";

/// What a reason code does to a claim's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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

    /// The plain-English sentence a claimant is sent for this code.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::Reason;
    ///
    /// assert!(Reason::NotAttested.notice().contains("penalty of perjury"));
    /// ```
    pub fn notice(self) -> &'static str {
        self.rule().notice
    }

    /// The claim fields a claimant can correct to cure this code (`member_id`, `email`,
    /// `attested`); empty for codes a correction cannot cure.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::Reason;
    ///
    /// assert_eq!(Reason::AmbiguousIdentity.fields_to_fix(), ["member_id"]);
    /// assert!(Reason::LateClaim.fields_to_fix().is_empty());
    /// ```
    pub fn fields_to_fix(self) -> &'static [&'static str] {
        self.rule().to_fix
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

    /// Removes a code.
    pub fn remove(&mut self, reason: Reason) {
        self.0 &= !(1 << reason as u32);
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
#[non_exhaustive]
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
    /// What the claimant is told, in plain English (claim notices, `intake`, `explain`).
    pub notice: &'static str,
    /// For a deficient code, the claim fields a claimant can correct (as `cures.csv` names them).
    pub to_fix: &'static [&'static str],
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
#[non_exhaustive]
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
#[non_exhaustive]
pub struct EvidenceFact {
    /// The evidence row's id.
    pub evidence_id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl EvidenceFact {
    /// Makes `slot` this fact, reusing the text of the one it replaces (a log in time order
    /// replaces the latest disclosure row after row).
    fn set(slot: &mut Option<EvidenceFact>, evidence_id: &str, occurred_at: DateTime<Utc>) {
        match slot {
            Some(fact) => {
                fact.evidence_id.clear();
                fact.evidence_id.push_str(evidence_id);
                fact.occurred_at = occurred_at;
            }
            None => {
                *slot = Some(EvidenceFact {
                    evidence_id: evidence_id.to_string(),
                    occurred_at,
                })
            }
        }
    }
}

impl MemberFacts {
    /// Facts for a member with no subscription, opt-out or evidence yet.
    pub(crate) fn new(member: Member) -> Self {
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
    pub(crate) fn add_subscription(&mut self, case: &Case, subscription: Subscription) {
        if case.class.premium_tiers.contains(&subscription.tier) {
            // Room for this one only: most members have one or two, and a vector's first growth
            // would make room for four (a class of millions keeps every member's).
            self.eligible_subscriptions.reserve_exact(1);
            self.eligible_subscriptions.push(subscription);
        }
    }

    /// Records an opt-out request; only timely ones count for rule 7. Returns whether it was timely.
    pub(crate) fn add_opt_out(&mut self, case: &Case, submitted_on: NaiveDate) -> bool {
        let timely = submitted_on <= case.claims.opt_out_deadline;
        if timely && self.timely_opt_out.is_none_or(|d| submitted_on < d) {
            self.timely_opt_out = Some(submitted_on);
        }
        timely
    }

    /// Folds one InMail into the summary if it qualifies (rule 9). `local_date` is its date in the
    /// case's zone.
    pub(crate) fn observe_message(
        &mut self,
        case: &Case,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) {
        if self.message_qualifies(case, local_date) {
            EvidenceSummary::offer_message(&mut self.earliest_inmail, evidence_id, occurred_at);
        }
    }

    /// Folds one disclosure into the summary if it qualifies (rule 10).
    pub(crate) fn observe_disclosure(
        &mut self,
        case: &Case,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) {
        if self.disclosure_qualifies(case, occurred_at, local_date) {
            EvidenceSummary::offer_disclosure(
                &mut self.latest_disclosure,
                evidence_id,
                occurred_at,
            );
        }
    }

    /// Folds a partial summary (from one part of the evidence file) into the member's.
    pub(crate) fn merge(&mut self, part: EvidenceSummary) {
        if let Some(f) = part.earliest_inmail {
            EvidenceSummary::offer_message(
                &mut self.earliest_inmail,
                &f.evidence_id,
                f.occurred_at,
            );
        }
        if let Some(f) = part.latest_disclosure {
            EvidenceSummary::offer_disclosure(
                &mut self.latest_disclosure,
                &f.evidence_id,
                f.occurred_at,
            );
        }
    }

    /// Rule 9's test of one message: in the message window and inside an eligible subscription.
    pub(crate) fn message_qualifies(&self, case: &Case, local_date: NaiveDate) -> bool {
        case.class.message_window.contains(local_date)
            && self
                .eligible_subscriptions
                .iter()
                .any(|s| s.covers(local_date))
    }

    /// Rule 10's test of one disclosure: in the disclosure window and strictly before the member
    /// switched AI training off.
    pub(crate) fn disclosure_qualifies(
        &self,
        case: &Case,
        occurred_at: DateTime<Utc>,
        local_date: NaiveDate,
    ) -> bool {
        disclosure_qualifies(
            case,
            self.member.ai_training_opt_out_at,
            occurred_at,
            local_date,
        )
    }

    /// Rules 9 and 10's tests of this member's evidence under `case`, in the compact form the
    /// evidence reader keeps for every member: the same answers as [`Self::message_qualifies`]
    /// and [`Self::disclosure_qualifies`] without reading the facts again.
    pub(crate) fn evidence_test(&self, case: &Case) -> EvidenceTest {
        let window = case.class.message_window;
        let mut test = EvidenceTest {
            spans: [(window.end, window.start); 2],
            spans_len: 0,
            opt_out_nanos: 0,
            opt_out_seconds: i64::MAX,
        };
        if let Some(off) = self.member.ai_training_opt_out_at {
            let off = UnixTime::of(off);
            (test.opt_out_seconds, test.opt_out_nanos) = (off.seconds, off.nanos);
        }
        for s in &self.eligible_subscriptions {
            let start = s.start_date.max(window.start);
            let end = s.end_date.map_or(window.end, |e| e.min(window.end));
            if start > end {
                continue;
            }
            match test.spans.get_mut(usize::from(test.spans_len)) {
                Some(span) => {
                    *span = (start, end);
                    test.spans_len += 1;
                }
                None => {
                    test.spans_len = EvidenceTest::MANY;
                    break;
                }
            }
        }
        test
    }

    /// The first eligible subscription overlapping the message window (rule 8), if any.
    pub fn premium_in_window(&self, case: &Case) -> Option<&Subscription> {
        self.eligible_subscriptions
            .iter()
            .find(|s| case.class.message_window.overlaps(s.start_date, s.end_date))
    }
}

/// [`MemberFacts::message_qualifies`] and [`MemberFacts::disclosure_qualifies`] for one member
/// under one case, made once: the days on which a message qualifies (the message window within
/// each eligible subscription) and the member's AI-training opt-out, which a disclosure is
/// compared with (the disclosure window is the case's). 32 bytes, aligned: reading it for an
/// evidence row costs one cache line, where the facts cost several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(32))]
pub(crate) struct EvidenceTest {
    /// Days a message qualifies on (both ends included), the first `spans_len`.
    spans: [(NaiveDate, NaiveDate); 2],
    /// Spans in use; [`EvidenceTest::MANY`] when there are more than fit (then the facts decide).
    spans_len: u8,
    /// The member's AI-training opt-out as a [`UnixTime`], in two fields so that the test fits
    /// its 32 bytes; `i64::MAX` seconds when the member never switched it off.
    opt_out_nanos: u32,
    opt_out_seconds: i64,
}

const _: () = assert!(std::mem::size_of::<EvidenceTest>() == 32);

impl EvidenceTest {
    const MANY: u8 = u8::MAX;

    /// Rule 9's test of a message on `local_date`; `None` when only the facts can tell.
    pub(crate) fn message(&self, local_date: NaiveDate) -> Option<bool> {
        let spans = self.spans.get(..usize::from(self.spans_len))?;
        Some(
            spans
                .iter()
                .any(|&(start, end)| start <= local_date && local_date <= end),
        )
    }

    /// Rule 10's test, under `case`, of a disclosure at `occurred_at`, on `local_date`.
    pub(crate) fn disclosure(
        &self,
        case: &Case,
        occurred_at: UnixTime,
        local_date: NaiveDate,
    ) -> bool {
        let opt_out = (self.opt_out_seconds != i64::MAX).then_some(UnixTime {
            seconds: self.opt_out_seconds,
            nanos: self.opt_out_nanos,
        });
        disclosure_qualifies(case, opt_out, occurred_at, local_date)
    }
}

/// The two pieces of evidence rules 9-11 need, gathered from any part of the evidence file. Ties
/// between equal instants keep the smaller evidence id, so neither file order nor the way the file
/// is split among threads changes the result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct EvidenceSummary {
    /// Earliest qualifying InMail.
    pub(crate) earliest_inmail: Option<EvidenceFact>,
    /// Latest qualifying disclosure.
    pub(crate) latest_disclosure: Option<EvidenceFact>,
}

/// Rule 9's order of two InMails, `(instant, evidence id)`: true when `a` is kept over `b`, the
/// earlier, or the smaller id on a tie. The one place this tie-break is written.
/// (The instants are the facts' [`DateTime`] or the evidence reader's [`UnixTime`]: both order
/// instants alike.)
pub(crate) fn earlier_message<T: Ord>(a: (T, &[u8]), b: (T, &[u8])) -> bool {
    a < b
}

/// Rule 10's order of two disclosures, `(instant, evidence id)`: true when `a` is kept over `b`,
/// the later, or the smaller id on a tie. The one place this tie-break is written.
pub(crate) fn later_disclosure<T: Ord>(a: (T, &[u8]), b: (T, &[u8])) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl EvidenceSummary {
    /// Keeps the earlier of `current` and the offered message (smaller id on a tie).
    pub(crate) fn offer_message(
        current: &mut Option<EvidenceFact>,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
    ) {
        let better = match current {
            None => true,
            Some(f) => earlier_message(
                (occurred_at, evidence_id.as_bytes()),
                (f.occurred_at, f.evidence_id.as_bytes()),
            ),
        };
        if better {
            EvidenceFact::set(current, evidence_id, occurred_at);
        }
    }

    /// Keeps the later of `current` and the offered disclosure (smaller id on a tie).
    pub(crate) fn offer_disclosure(
        current: &mut Option<EvidenceFact>,
        evidence_id: &str,
        occurred_at: DateTime<Utc>,
    ) {
        let better = match current {
            None => true,
            Some(f) => later_disclosure(
                (occurred_at, evidence_id.as_bytes()),
                (f.occurred_at, f.evidence_id.as_bytes()),
            ),
        };
        if better {
            EvidenceFact::set(current, evidence_id, occurred_at);
        }
    }
}

/// How many class members carry an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmailMatch<'a> {
    /// Nobody.
    None,
    /// Exactly one member.
    One(&'a MemberFacts),
    /// Two or more members (their count).
    Many(usize),
}

/// Look-ups the identity rules need; implemented by [`crate::ClassRecords`], or by any
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
#[non_exhaustive]
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
#[non_exhaustive]
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
    notice: "Your claim did not include your LinkedIn member ID or the email address on your account; please send one of them.",
    to_fix: &["member_id", "email"],
};

/// Rule 2.
pub const NOT_IN_CLASS_LIST: Rule = Rule {
    number: 2,
    id: "identity.not_in_class_list",
    code: "NOT_IN_CLASS_LIST",
    effect: Effect::Rejects,
    source: CLASS_DEFINITION,
    condition: "the given member_id is not in the class list, or (no member_id) the email matches no member",
    notice: "We could not find the member ID or email address you gave in the list of class members.",
    to_fix: &[],
};

/// Rule 3.
pub const AMBIGUOUS_IDENTITY: Rule = Rule {
    number: 3,
    id: "identity.ambiguous",
    code: "AMBIGUOUS_IDENTITY",
    effect: Effect::Deficient,
    source: "Court's claims order (claim form must identify the class member)",
    condition: "no member_id, and the email matches two or more members",
    notice:
        "The email address you gave belongs to more than one account; please send your member ID.",
    to_fix: &["member_id"],
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
    notice: "The email address you gave does not match the one on the account for the member ID you gave; please confirm your details.",
    to_fix: &["member_id", "email"],
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
    notice: "The class includes only account holders in the countries the court named, and your account is registered elsewhere.",
    to_fix: &[],
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
    notice: "The court's class definition excludes people in your category (for example employees of the defendant, judicial officers or counsel).",
    to_fix: &[],
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
    notice: "You asked to be excluded from the class before the opt-out deadline, so you cannot receive a payment.",
    to_fix: &[],
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
    notice: "The records show no eligible Premium subscription of yours during the class period.",
    to_fix: &[],
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
    notice: "The records show no InMail sent or received by you while you held an eligible Premium subscription in the class period.",
    to_fix: &[],
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
    notice: "The records show no disclosure of your data for AI training during the disclosure period while your AI-training setting was on.",
    to_fix: &[],
};

fn no_qualifying_disclosure(m: &MemberFacts) -> bool {
    m.latest_disclosure.is_none()
}

/// Rule 10's test of one disclosure (the summary keeps the latest that passes): on a local date
/// inside the case's disclosure window, and strictly before the member switched AI training off
/// (`opt_out`). The one place it is written, for the facts and for the evidence reader's test.
/// (The instants are the facts' [`DateTime`] or the evidence reader's [`UnixTime`]: both order
/// instants alike.)
fn disclosure_qualifies<T: Ord>(
    case: &Case,
    opt_out: Option<T>,
    occurred_at: T,
    local_date: NaiveDate,
) -> bool {
    case.class.disclosure_window.contains(local_date) && opt_out.is_none_or(|off| occurred_at < off)
}

/// Rule 11.
pub const DISCLOSURE_BEFORE_MESSAGES: Rule = Rule {
    number: 11,
    id: "elig.disclosure_after_message",
    code: "DISCLOSURE_BEFORE_MESSAGES",
    effect: Effect::Rejects,
    source: "18 U.S.C. § 2702(a)(1) (only a communication that exists can be divulged)",
    condition: "the earliest qualifying InMail is later than the latest qualifying disclosure",
    notice: "The only disclosures of your data took place before your first qualifying InMail, so no message of yours could have been disclosed.",
    to_fix: &[],
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
    notice: "The court requires proof of some actual harm for an award, and your claim stated none.",
    to_fix: &[],
};

fn no_actual_damages(case: &Case, claim: &Claim) -> bool {
    case.damages.require_actual_damages && claim.actual_damages.is_none_or(|d| !d.is_positive())
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
    notice: "Your claim was filed after the claims deadline and after the last date the court allowed for late claims.",
    to_fix: &[],
};

/// Rule 14.
pub const LATE_CLAIM_ACCEPTED: Rule = Rule {
    number: 14,
    id: "filing.late_accepted",
    code: "LATE_CLAIM_ACCEPTED",
    effect: Effect::Note,
    source: CLAIMS_ORDER,
    condition: "the filing date is after the deadline but on or before the late-claim cut-off",
    notice: "Your claim was filed after the deadline but within the period the court allowed for late claims, and it has been accepted.",
    to_fix: &[],
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
    notice: "Your claim was not signed under penalty of perjury; please sign and return the attestation.",
    to_fix: &["attested"],
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
    notice: "Thank you for correcting your claim; it has been reviewed again with your correction.",
    to_fix: &[],
};

/// What became of a claim's cures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CureOutcome {
    /// Cure rows applied, in the order applied.
    pub applied: Vec<Cure>,
    /// Cure rows ignored (late, or for a claim that was not deficient).
    pub ignored: usize,
}

/// A claim evaluated after its cures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CuredEvaluation<'a> {
    /// The claim with every applied cure on top; `None` when no cure applied (the claim as given
    /// stands, and is not copied).
    pub cured: Option<Claim>,
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
            .is_none_or(|deadline| c.cured_on <= deadline)
    };
    let mut applicable: Vec<&Cure> = cures.iter().filter(timely).collect();
    if first.reasons.status() != Status::Deficient || applicable.is_empty() {
        let cures = CureOutcome {
            applied: Vec::new(),
            ignored: cures.len(),
        };
        return CuredEvaluation {
            cured: None,
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
        cured: Some(cured),
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
    notice: "We already have an earlier valid claim from you; each class member is paid once.",
    to_fix: &[],
};

/// Rule 17.
pub const SHARED_PAYMENT_ACCOUNT: Rule = Rule {
    number: 17,
    id: "fraud.shared_payment_account",
    code: "SHARED_PAYMENT_ACCOUNT",
    effect: Effect::Review,
    source: "Court's claims order (fraud prevention and review)",
    condition: "the claim's payment account is named by claims of more distinct identities than the case allows",
    notice: "Your payment account was given on claims by several different people, so your claim is held for review.",
    to_fix: &[],
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
    notice: "Your claim came from an internet address used by many different claimants, so it is held for review.",
    to_fix: &[],
};

/// Rule 19 (applied by [`crate::allocate`]).
pub const BELOW_MINIMUM_PAYMENT: Rule = Rule {
    number: 19,
    id: "payment.minimum",
    code: "BELOW_MINIMUM_PAYMENT",
    effect: Effect::Note,
    source: "Court's plan of allocation (minimum payment)",
    condition:
        "the claim's pro rata share of the net fund is below the minimum payment, so it is not paid",
    notice: "Your share of the settlement fund was below the minimum payment the court set, so no payment is issued.",
    to_fix: &[],
};

/// Who a claim is, for the fraud clusters: the resolved member, else the email, else the claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Identity {
    /// A resolved class member.
    Member(MemberId),
    /// A normalised email that resolved to no single member.
    Email(String),
    /// Neither: the claim stands alone.
    Claim(ClaimId),
}

/// What rules 16-18 need to know about each determined claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrossClaimFacts {
    /// The claim's receipt key.
    pub(crate) receipt_key: (DateTime<Utc>, ClaimId),
    /// Resolved member.
    pub(crate) member: Option<MemberId>,
    /// Identity for clustering.
    pub(crate) identity: Identity,
    /// Normalised payment account.
    pub(crate) payment_account: Option<String>,
    /// Normalised IP address.
    pub(crate) ip_address: Option<String>,
}

impl CrossClaimFacts {
    /// The facts of one claim after rules 1-15 (and cures).
    pub(crate) fn of(case: &Case, claim: &Claim, member: Option<&MemberId>) -> Self {
        let member = member.cloned();
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

/// What rules 16-18 look at across claims, built claim by claim: the receipt key of each
/// member's earliest clean claim (rule 16) and the distinct identities behind each payment
/// account and IP address (rules 17-18). The batch adds every determined claim and then asks about
/// each; the claims desk adds claims as they arrive and asks about the newest. Either way a claim
/// is judged against every claim added, in any order.
#[derive(Debug, Clone, Default)]
pub(crate) struct CrossClaimIndex {
    first_clean: Map<MemberId, (DateTime<Utc>, ClaimId)>,
    accounts: Map<String, Identities>,
    ips: Map<String, Identities>,
}

/// The distinct identities behind one payment account or IP address. Most have one, kept
/// without a hash set of its own (a million claims would otherwise hold a million small sets).
#[derive(Debug, Clone)]
enum Identities {
    One(Identity),
    Many(Set<Identity>),
}

impl Identities {
    fn insert(&mut self, identity: &Identity) {
        match self {
            Identities::One(first) if first == identity => {}
            Identities::One(first) => {
                let set = [first.clone(), identity.clone()].into_iter().collect();
                *self = Identities::Many(set);
            }
            Identities::Many(set) => {
                if !set.contains(identity) {
                    set.insert(identity.clone());
                }
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Identities::One(_) => 1,
            Identities::Many(set) => set.len(),
        }
    }
}

impl CrossClaimIndex {
    /// Adds a determined claim; `clean` when rules 1-15 (and cures) gave it no rejecting or
    /// deficient code.
    pub(crate) fn add(&mut self, facts: &CrossClaimFacts, clean: bool) {
        if let (true, Some(member)) = (clean, &facts.member) {
            note_first_clean(&mut self.first_clean, member, facts.receipt_key);
        }
        note_identity(&mut self.accounts, &facts.payment_account, &facts.identity);
        note_identity(&mut self.ips, &facts.ip_address, &facts.identity);
    }

    /// Rules 16-18 for a claim already added: the codes it gets from the claims added so far.
    pub(crate) fn reasons(&self, case: &Case, facts: &CrossClaimFacts, clean: bool) -> Reasons {
        let mut reasons = Reasons::NONE;
        // Rule 16: among clean claims of one member, the earliest receipt key is kept.
        if let (true, Some(member)) = (clean, &facts.member) {
            if self.first_clean.get(member) != Some(&facts.receipt_key) {
                reasons.insert(Reason::DuplicateClaim);
            }
        }
        // Rules 17 and 18: more distinct identities behind the account or address than allowed.
        let (accounts, ips) = self.cluster_sizes(facts);
        if accounts.is_some_and(|n| n as u64 > case.claims.max_identities_per_payment_account) {
            reasons.insert(Reason::SharedPaymentAccount);
        }
        if ips.is_some_and(|n| n as u64 > case.claims.max_identities_per_ip) {
            reasons.insert(Reason::SharedIpAddress);
        }
        reasons
    }

    /// The distinct identities behind the claim's payment account and IP address, when it gives
    /// them.
    pub(crate) fn cluster_sizes(&self, facts: &CrossClaimFacts) -> (Option<usize>, Option<usize>) {
        let size = |clusters: &Map<String, Identities>, key: &Option<String>| {
            key.as_ref()
                .map(|k| clusters.get(k).map_or(0, Identities::len))
        };
        (
            size(&self.accounts, &facts.payment_account),
            size(&self.ips, &facts.ip_address),
        )
    }
}

/// Rule 16's index: keeps `key` for `member` when it comes before the one kept so far.
fn note_first_clean(
    first_clean: &mut Map<MemberId, (DateTime<Utc>, ClaimId)>,
    member: &MemberId,
    key: (DateTime<Utc>, ClaimId),
) {
    match first_clean.get_mut(member) {
        Some(first) => *first = (*first).min(key),
        None => {
            first_clean.insert(member.clone(), key);
        }
    }
}

/// Rules 17-18's index: counts `identity` behind `key` (a payment account or IP address), when
/// the claim gives one.
fn note_identity(
    clusters: &mut Map<String, Identities>,
    key: &Option<String>,
    identity: &Identity,
) {
    if let Some(key) = key {
        match clusters.get_mut(key) {
            Some(identities) => identities.insert(identity),
            None => {
                clusters.insert(key.clone(), Identities::One(identity.clone()));
            }
        }
    }
}

/// Rules 16-18 over every determined claim: adds codes to `reasons[i]` for `facts[i]`, judging
/// shares of `share` claims on threads of their own (the index built on several threads unless
/// `threads` is one). Returns the index of every claim, which a claims desk goes on adding to.
pub(crate) fn apply_cross_claim_rules(
    case: &Case,
    facts: &[CrossClaimFacts],
    reasons: &mut [Reasons],
    share: usize,
    threads: usize,
) -> CrossClaimIndex {
    let index = cross_claim_index(facts, reasons, threads);
    // Each claim is judged against the whole index alone: the sharing changes nothing.
    shares::zip_shares_mut(facts, reasons, share, |facts, reasons| {
        for (f, r) in facts.iter().zip(reasons) {
            for code in index.reasons(case, f, r.is_clean()).iter() {
                r.insert(code);
            }
        }
    });
    index
}

/// The index of every determined claim (`reasons` as rules 1-15 and cures left them). Its three
/// maps do not depend on one another, nor on the order claims are added in: they are built on
/// up to `threads` threads at once (three at most).
pub(crate) fn cross_claim_index(
    facts: &[CrossClaimFacts],
    reasons: &[Reasons],
    threads: usize,
) -> CrossClaimIndex {
    let first_clean = || {
        let mut first_clean = Map::default();
        for (f, r) in facts.iter().zip(reasons) {
            if let (true, Some(member)) = (r.is_clean(), &f.member) {
                note_first_clean(&mut first_clean, member, f.receipt_key);
            }
        }
        first_clean
    };
    let clusters = |key: fn(&CrossClaimFacts) -> &Option<String>| {
        let mut clusters = Map::default();
        for f in facts {
            note_identity(&mut clusters, key(f), &f.identity);
        }
        clusters
    };
    let accounts = || clusters(|f| &f.payment_account);
    let ips = || clusters(|f| &f.ip_address);
    let (first_clean, (accounts, ips)) = match threads {
        0 | 1 => (first_clean(), (accounts(), ips())),
        // Every claim that gives an account or address goes into those maps; only clean claims
        // of members into the first: one thread for the accounts, one for the rest.
        2 => {
            let (accounts, (first_clean, ips)) = shares::join(accounts, || (first_clean(), ips()));
            (first_clean, (accounts, ips))
        }
        _ => shares::join(first_clean, || shares::join(accounts, ips)),
    };
    CrossClaimIndex {
        first_clean,
        accounts,
        ips,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::ClassRecords;
    use crate::model::{Channel, PaymentMethod};
    use crate::time::parse_timestamp;
    use uuid::Uuid;

    const CASE: &str = r#"
[case]
name = "Test v. Case"
docket = "1:00-cv-00001"
timezone = "America/Los_Angeles"
[class]
countries = ["US", "PR"]
premium_tiers = ["career", "business"]
message_window = { start = "2021-01-21", end = "2024-09-17" }
disclosure_window = { start = "2024-08-01", end = "2024-09-17" }
[claims]
deadline = "2026-03-31"
late_claims_accepted_until = "2026-04-30"
opt_out_deadline = "2026-03-02"
cure_deadline = "2026-05-29"
max_identities_per_payment_account = 2
max_identities_per_ip = 2
[damages]
statutory_minimum = "1000.00"
require_actual_damages = false
punitive_per_person = "100.00"
"#;

    fn case() -> Case {
        CASE.parse().unwrap()
    }

    proptest::proptest! {
        /// The compact test the evidence reader keeps answers as the facts do, for any
        /// subscriptions (none, ended, open, overlapping, outside the window, more than fit),
        /// opt-out and evidence date.
        #[test]
        fn evidence_tests_answer_as_the_facts_do(
            subs in proptest::collection::vec((0i64..2000, proptest::option::of(0i64..900)), 0..5),
            opt_out in proptest::option::of((0i64..2000 * 86_400, 0i64..3)),
            days in proptest::collection::vec((0i64..2000, 0i64..86_400, 0i64..3), 1..40),
        ) {
            let case = case();
            let origin = day("2020-06-01");
            let mut m = member("m-1", None);
            // Instants a nanosecond apart too: the test keeps the opt-out to the nanosecond.
            m.ai_training_opt_out_at = opt_out.map(|(s, n)| {
                origin.and_hms_opt(0, 0, 0).unwrap().and_utc()
                    + chrono::Duration::seconds(s)
                    + chrono::Duration::nanoseconds(n)
            });
            let mut facts = MemberFacts::new(m);
            for (start, length) in subs {
                let start_date = origin + chrono::Duration::days(start);
                let end_date = length.map(|l| start_date + chrono::Duration::days(l));
                facts.add_subscription(&case, Subscription::new("career", start_date, end_date));
            }
            let test = facts.evidence_test(&case);
            for (d, s, n) in days {
                let local = origin + chrono::Duration::days(d);
                let instant = local.and_hms_opt(0, 0, 0).unwrap().and_utc()
                    + chrono::Duration::seconds(s)
                    + chrono::Duration::nanoseconds(n);
                if let Some(answer) = test.message(local) {
                    proptest::prop_assert_eq!(answer, facts.message_qualifies(&case, local));
                }
                proptest::prop_assert_eq!(
                    test.disclosure(&case, UnixTime::of(instant), local),
                    facts.disclosure_qualifies(&case, instant, local)
                );
            }
            // A disclosure a nanosecond either side of the opt-out, and at it, on a date inside
            // the window (so that only the opt-out decides).
            if let Some(off) = facts.member.ai_training_opt_out_at {
                let local = case.class.disclosure_window.start;
                for n in [-1, 0, 1] {
                    let instant = off + chrono::Duration::nanoseconds(n);
                    proptest::prop_assert_eq!(
                        test.disclosure(&case, UnixTime::of(instant), local),
                        facts.disclosure_qualifies(&case, instant, local)
                    );
                }
            }
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        parse_timestamp(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        crate::time::parse_date(s).unwrap()
    }

    fn member(id: &str, email: Option<&str>) -> Member {
        Member {
            member_id: MemberId(id.into()),
            full_name: None,
            email: email.map(String::from),
            country: "US".into(),
            ai_training_opt_out_at: None,
            excluded_category: None,
        }
    }

    /// A class of members; each `(member, subscriptions, evidence)` where evidence is
    /// `(kind is message, id, instant)`.
    struct Class {
        case: Case,
        records: ClassRecords,
    }

    impl Class {
        fn new() -> Self {
            Class {
                case: case(),
                records: ClassRecords::new(),
            }
        }

        fn with_case(mut self, edit: impl FnOnce(&mut Case)) -> Self {
            edit(&mut self.case);
            self
        }

        fn add(&mut self, m: Member) -> &mut Self {
            let line = self.records.len() as u64 + 2;
            self.records.insert(m, line).unwrap();
            self
        }

        fn facts(&mut self, id: &str) -> &mut MemberFacts {
            self.records.facts_mut(id).unwrap()
        }

        fn subscribe(&mut self, id: &str, tier: &str, start: &str, end: Option<&str>) -> &mut Self {
            let case = self.case.clone();
            let sub = Subscription {
                tier: tier.into(),
                start_date: day(start),
                end_date: end.map(day),
            };
            self.facts(id).add_subscription(&case, sub);
            self
        }

        fn message(&mut self, id: &str, ev: &str, when: &str) -> &mut Self {
            let case = self.case.clone();
            let t = at(when);
            let local = case.clock.local_date(t);
            self.facts(id).observe_message(&case, ev, t, local);
            self
        }

        fn disclosure(&mut self, id: &str, ev: &str, when: &str) -> &mut Self {
            let case = self.case.clone();
            let t = at(when);
            let local = case.clock.local_date(t);
            self.facts(id).observe_disclosure(&case, ev, t, local);
            self
        }

        /// A member who qualifies on every class rule.
        fn eligible(&mut self, id: &str, email: Option<&str>) -> &mut Self {
            self.add(member(id, email))
                .subscribe(id, "career", "2020-01-01", None)
                .message(id, &format!("{id}-msg"), "2024-06-01T12:00:00-07:00")
                .disclosure(id, &format!("{id}-dis"), "2024-08-15T12:00:00-07:00")
        }

        fn codes(&self, claim: &Claim) -> String {
            evaluate(&self.case, &self.records, claim)
                .reasons
                .to_string()
        }
    }

    fn claim(n: u128) -> Claim {
        Claim {
            claim_id: ClaimId(Uuid::from_u128(n)),
            member_id: None,
            email: None,
            full_name: None,
            filing: Filing::Online(at("2026-03-11T14:00:00-07:00")),
            attested: true,
            actual_damages: None,
            payment_method: Some(PaymentMethod::Check),
            payment_account: None,
            ip_address: None,
        }
    }

    fn by_id(n: u128, id: &str) -> Claim {
        Claim {
            member_id: Some(id.into()),
            ..claim(n)
        }
    }

    fn by_email(n: u128, email: &str) -> Claim {
        Claim {
            email: Some(email.into()),
            ..claim(n)
        }
    }

    // ---- identity ----

    #[test]
    fn claim_without_member_id_or_email_is_deficient_and_skips_class_rules() {
        let c = Class::new();
        let e = evaluate(&c.case, &c.records, &claim(1));
        assert_eq!(e.reasons.to_string(), "MISSING_IDENTITY");
        assert_eq!(e.reasons.status(), Status::Deficient);
        assert_eq!(e.outcome(Reason::NoEligiblePremium), Outcome::NotApplicable);
    }

    #[test]
    fn unknown_member_id_is_not_in_class_list_even_with_a_known_email() {
        let mut c = Class::new();
        c.eligible("m-1", Some("a@example.com"));
        let claim = Claim {
            email: Some("a@example.com".into()),
            ..by_id(1, "m-404")
        };
        assert_eq!(c.codes(&claim), "NOT_IN_CLASS_LIST");
        assert_eq!(
            c.codes(&by_email(2, "nobody@example.com")),
            "NOT_IN_CLASS_LIST"
        );
    }

    #[test]
    fn email_matching_two_members_is_ambiguous() {
        let mut c = Class::new();
        c.eligible("m-1", Some("shared@example.com"))
            .eligible("m-2", Some("SHARED@example.com "));
        let e = evaluate(&c.case, &c.records, &by_email(1, "shared@example.com"));
        assert_eq!(e.reasons.to_string(), "AMBIGUOUS_IDENTITY");
        assert!(e.member.is_none());
    }

    #[test]
    fn email_matches_after_trimming_and_ascii_lower_case() {
        let mut c = Class::new();
        c.eligible("m-1", Some("Ada@Example.com"));
        let e = evaluate(&c.case, &c.records, &by_email(1, "  ADA@example.COM "));
        assert_eq!(e.reasons, Reasons::NONE);
        assert_eq!(e.member.unwrap().member.member_id.0, "m-1");
    }

    #[test]
    fn member_without_email_never_matches_an_email_claim() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        assert_eq!(c.codes(&by_email(1, "")), "MISSING_IDENTITY");
        assert_eq!(c.codes(&by_email(2, "x@example.com")), "NOT_IN_CLASS_LIST");
    }

    #[test]
    fn member_id_wins_and_a_different_email_is_a_mismatch() {
        let mut c = Class::new();
        c.eligible("m-1", Some("a@example.com"))
            .eligible("m-2", Some("b@example.com"));
        let claim = Claim {
            email: Some("b@example.com".into()),
            ..by_id(1, "m-1")
        };
        let e = evaluate(&c.case, &c.records, &claim);
        assert_eq!(e.reasons.to_string(), "IDENTITY_MISMATCH");
        assert_eq!(e.member.unwrap().member.member_id.0, "m-1");
        // The member's own email in another case is no mismatch.
        let same = Claim {
            email: Some("A@EXAMPLE.COM".into()),
            ..by_id(2, "m-1")
        };
        assert_eq!(c.codes(&same), "");
        // A member without an email cannot mismatch.
        c.eligible("m-3", None);
        let none = Claim {
            email: Some("z@example.com".into()),
            ..by_id(3, "m-3")
        };
        assert_eq!(c.codes(&none), "");
    }

    #[test]
    fn member_ids_are_case_sensitive() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        assert_eq!(c.codes(&by_id(1, "M-1")), "NOT_IN_CLASS_LIST");
    }

    // ---- class membership ----

    #[test]
    fn country_outside_the_class_rejects() {
        let mut c = Class::new();
        c.add(Member {
            country: "CA".into(),
            ..member("m-1", None)
        })
        .subscribe("m-1", "career", "2020-01-01", None)
        .message("m-1", "e1", "2024-06-01T12:00:00Z")
        .disclosure("m-1", "e2", "2024-08-15T12:00:00Z");
        assert_eq!(c.codes(&by_id(1, "m-1")), "OUTSIDE_CLASS_COUNTRY");
    }

    #[test]
    fn any_excluded_category_excludes_even_no() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        c.facts("m-1").member.excluded_category = Some("no".into());
        assert_eq!(c.codes(&by_id(1, "m-1")), "EXCLUDED_PERSON");
    }

    #[test]
    fn opt_out_on_the_deadline_counts_and_after_it_does_not() {
        let mut c = Class::new();
        c.eligible("m-1", None).eligible("m-2", None);
        let case = c.case.clone();
        assert!(c.facts("m-1").add_opt_out(&case, day("2026-03-02")));
        assert!(!c.facts("m-2").add_opt_out(&case, day("2026-03-03")));
        assert_eq!(c.codes(&by_id(1, "m-1")), "OPTED_OUT_OF_CLASS");
        assert_eq!(c.codes(&by_id(2, "m-2")), "");
    }

    #[test]
    fn premium_must_be_an_eligible_tier_overlapping_the_window() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "basic", "2020-01-01", None);
        c.add(member("m-2", None))
            .subscribe("m-2", "career", "2019-01-01", Some("2021-01-20"));
        c.add(member("m-3", None))
            .subscribe("m-3", "career", "2021-01-21", Some("2021-01-21"));
        // Rule 9 is not checked when rule 8 fails.
        assert_eq!(
            c.codes(&by_id(1, "m-1")),
            "NO_ELIGIBLE_PREMIUM;NO_QUALIFYING_DISCLOSURE"
        );
        assert_eq!(
            c.codes(&by_id(2, "m-2")),
            "NO_ELIGIBLE_PREMIUM;NO_QUALIFYING_DISCLOSURE"
        );
        assert_eq!(
            c.codes(&by_id(3, "m-3")),
            "NO_QUALIFYING_INMAIL;NO_QUALIFYING_DISCLOSURE"
        );
    }

    #[test]
    fn message_at_2330_pdt_on_last_day_counts() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "e1", "2024-09-17T23:30:00-07:00");
        assert!(c.facts("m-1").earliest_inmail.is_some());
    }

    #[test]
    fn message_at_0030_pdt_the_next_day_does_not_count() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "e1", "2024-09-18T00:30:00-07:00");
        // The same instant written in UTC: 07:30Z on the 18th.
        c.message("m-1", "e2", "2024-09-18T07:30:00Z");
        assert!(c.facts("m-1").earliest_inmail.is_none());
    }

    #[test]
    fn window_start_is_a_pst_local_date() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None);
        // 07:30Z on 2021-01-21 is 23:30 PST on the 20th: outside. 08:30Z is 00:30 PST on the 21st: inside.
        c.message("m-1", "e-before", "2021-01-21T07:30:00Z");
        assert!(c.facts("m-1").earliest_inmail.is_none());
        c.message("m-1", "e-first", "2021-01-21T08:30:00Z");
        assert_eq!(
            c.facts("m-1").earliest_inmail.as_ref().unwrap().evidence_id,
            "e-first"
        );
    }

    #[test]
    fn message_must_fall_inside_an_eligible_subscription() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2022-01-01", Some("2022-12-31"))
            .subscribe("m-1", "basic", "2023-01-01", None)
            .message("m-1", "e1", "2023-06-01T12:00:00Z")
            .message("m-1", "e2", "2023-01-01T07:59:59Z") // 2022-12-31 23:59:59 PST: last covered second
            .disclosure("m-1", "d1", "2024-08-15T12:00:00Z");
        assert_eq!(
            c.facts("m-1").earliest_inmail.as_ref().unwrap().evidence_id,
            "e2"
        );
        let mut c = Class::new();
        c.add(member("m-2", None))
            .subscribe("m-2", "career", "2022-01-01", Some("2022-12-31"))
            .message("m-2", "e1", "2023-01-01T08:00:00Z")
            .disclosure("m-2", "d1", "2024-08-15T12:00:00Z");
        assert_eq!(c.codes(&by_id(1, "m-2")), "NO_QUALIFYING_INMAIL");
    }

    #[test]
    fn disclosure_exactly_at_the_opt_out_instant_does_not_qualify() {
        let mut c = Class::new();
        c.add(Member {
            ai_training_opt_out_at: Some(at("2024-08-20T10:00:00-07:00")),
            ..member("m-1", None)
        })
        .subscribe("m-1", "career", "2020-01-01", None)
        .message("m-1", "e1", "2024-06-01T12:00:00Z")
        .disclosure("m-1", "d-at", "2024-08-20T17:00:00Z");
        assert_eq!(c.codes(&by_id(1, "m-1")), "NO_QUALIFYING_DISCLOSURE");
        c.disclosure("m-1", "d-before", "2024-08-20T16:59:59.999999999Z");
        assert_eq!(c.codes(&by_id(2, "m-1")), "");
    }

    #[test]
    fn disclosure_window_edges_are_local_dates() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "e1", "2024-06-01T12:00:00Z");
        c.disclosure("m-1", "d-early", "2024-08-01T06:59:59Z"); // 2024-07-31 23:59:59 PDT
        c.disclosure("m-1", "d-late", "2024-09-18T07:00:00Z"); // 2024-09-18 00:00 PDT
        assert_eq!(c.codes(&by_id(1, "m-1")), "NO_QUALIFYING_DISCLOSURE");
        c.disclosure("m-1", "d-last", "2024-09-18T06:59:59Z");
        assert_eq!(c.codes(&by_id(2, "m-1")), "");
    }

    #[test]
    fn message_exactly_at_the_disclosure_instant_precedes_it() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "e1", "2024-08-15T12:00:00-07:00")
            .disclosure("m-1", "d1", "2024-08-15T19:00:00Z");
        assert_eq!(c.codes(&by_id(1, "m-1")), "");
    }

    #[test]
    fn every_message_after_the_last_disclosure_is_disclosure_before_messages() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "e1", "2024-08-15T12:00:01-07:00")
            .disclosure("m-1", "d1", "2024-08-15T12:00:00-07:00")
            .disclosure("m-1", "d0", "2024-08-10T12:00:00-07:00");
        assert_eq!(c.codes(&by_id(1, "m-1")), "DISCLOSURE_BEFORE_MESSAGES");
        assert_eq!(
            c.facts("m-1")
                .latest_disclosure
                .as_ref()
                .unwrap()
                .evidence_id,
            "d1"
        );
    }

    #[test]
    fn equal_instants_keep_the_smaller_evidence_id_whatever_the_order() {
        let mut c = Class::new();
        c.add(member("m-1", None))
            .subscribe("m-1", "career", "2020-01-01", None)
            .message("m-1", "ev-9", "2024-06-01T12:00:00Z")
            .message("m-1", "ev-3", "2024-06-01T12:00:00Z")
            .disclosure("m-1", "dv-9", "2024-08-15T12:00:00Z")
            .disclosure("m-1", "dv-3", "2024-08-15T12:00:00Z");
        assert_eq!(
            c.facts("m-1").earliest_inmail.as_ref().unwrap().evidence_id,
            "ev-3"
        );
        assert_eq!(
            c.facts("m-1")
                .latest_disclosure
                .as_ref()
                .unwrap()
                .evidence_id,
            "dv-3"
        );
    }

    // ---- claim-level ----

    #[test]
    fn deadline_is_2359_59_local_and_midnight_is_late() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let online = |n, t: &str| Claim {
            filing: Filing::Online(at(t)),
            ..by_id(n, "m-1")
        };
        assert_eq!(c.codes(&online(1, "2026-03-31T23:59:59-07:00")), "");
        assert_eq!(
            c.codes(&online(2, "2026-04-01T00:00:00-07:00")),
            "LATE_CLAIM_ACCEPTED"
        );
        assert_eq!(
            c.codes(&online(3, "2026-04-30T23:59:59-07:00")),
            "LATE_CLAIM_ACCEPTED"
        );
        assert_eq!(
            c.codes(&online(4, "2026-05-01T06:59:59Z")),
            "LATE_CLAIM_ACCEPTED"
        );
        assert_eq!(c.codes(&online(5, "2026-05-01T07:00:00Z")), "LATE_CLAIM");
        let mailed = |n, d: &str| Claim {
            filing: Filing::Mail(day(d)),
            ..by_id(n, "m-1")
        };
        assert_eq!(c.codes(&mailed(6, "2026-03-31")), "");
        assert_eq!(c.codes(&mailed(7, "2026-04-01")), "LATE_CLAIM_ACCEPTED");
        assert_eq!(c.codes(&mailed(8, "2026-05-01")), "LATE_CLAIM");
        assert_eq!(mailed(8, "2026-05-01").channel(), Channel::Mail);
    }

    #[test]
    fn without_a_late_cut_off_every_late_claim_is_rejected() {
        let mut c = Class::new().with_case(|case| case.claims.late_claims_accepted_until = None);
        c.eligible("m-1", None);
        let late = Claim {
            filing: Filing::Mail(day("2026-04-01")),
            ..by_id(1, "m-1")
        };
        assert_eq!(c.codes(&late), "LATE_CLAIM");
    }

    #[test]
    fn unattested_claim_is_deficient_but_a_rejection_wins() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let claim = Claim {
            attested: false,
            ..by_id(1, "m-1")
        };
        assert_eq!(
            evaluate(&c.case, &c.records, &claim).reasons.status(),
            Status::Deficient
        );
        let worse = Claim {
            attested: false,
            ..by_id(2, "m-404")
        };
        let e = evaluate(&c.case, &c.records, &worse);
        assert_eq!(e.reasons.to_string(), "NOT_IN_CLASS_LIST;NOT_ATTESTED");
        assert_eq!(e.reasons.status(), Status::Rejected);
    }

    #[test]
    fn actual_damages_required_when_the_case_says_so() {
        let mut c = Class::new().with_case(|case| case.damages.require_actual_damages = true);
        c.eligible("m-1", None);
        assert_eq!(c.codes(&by_id(1, "m-1")), "NO_ACTUAL_DAMAGES");
        assert_eq!(
            c.codes(&Claim {
                actual_damages: Some(Cents(0)),
                ..by_id(2, "m-1")
            }),
            "NO_ACTUAL_DAMAGES"
        );
        assert_eq!(
            c.codes(&Claim {
                actual_damages: Some(Cents(1)),
                ..by_id(3, "m-1")
            }),
            ""
        );
    }

    #[test]
    fn entitlement_is_the_greater_of_floor_and_actual_plus_punitive() {
        let case = case();
        let small = Claim {
            actual_damages: Some(Cents(25_000)),
            ..claim(1)
        };
        let large = Claim {
            actual_damages: Some(Cents(250_000)),
            ..claim(2)
        };
        assert_eq!(entitlement(&case, &small, Status::Approved), Cents(110_000));
        assert_eq!(entitlement(&case, &large, Status::Approved), Cents(260_000));
        assert_eq!(entitlement(&case, &large, Status::Review), Cents::ZERO);
    }

    #[test]
    fn status_precedence_is_rejected_deficient_duplicate_review_approved() {
        let set = |codes: &[Reason]| codes.iter().copied().collect::<Reasons>().status();
        assert_eq!(
            set(&[Reason::NotAttested, Reason::LateClaim]),
            Status::Rejected
        );
        assert_eq!(
            set(&[Reason::NotAttested, Reason::DuplicateClaim]),
            Status::Deficient
        );
        assert_eq!(
            set(&[Reason::SharedIpAddress, Reason::DuplicateClaim]),
            Status::Duplicate
        );
        assert_eq!(
            set(&[Reason::SharedIpAddress, Reason::LateClaimAccepted]),
            Status::Review
        );
        assert_eq!(
            set(&[
                Reason::LateClaimAccepted,
                Reason::Cured,
                Reason::BelowMinimumPayment
            ]),
            Status::Approved
        );
    }

    // ---- cures ----

    fn cure(n: u128, on: &str) -> Cure {
        Cure {
            claim_id: ClaimId(Uuid::from_u128(n)),
            cured_on: day(on),
            member_id: None,
            email: None,
            attested: None,
        }
    }

    #[test]
    fn timely_cure_fixes_attestation_and_notes_cured() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let claim = Claim {
            attested: false,
            ..by_id(1, "m-1")
        };
        let r = evaluate_with_cures(
            &c.case,
            &c.records,
            &claim,
            &[Cure {
                attested: Some(true),
                ..cure(1, "2026-05-29")
            }],
        );
        assert_eq!(r.evaluation.reasons.to_string(), "CURED");
        assert_eq!(r.evaluation.reasons.status(), Status::Approved);
        assert_eq!(r.cures.applied.len(), 1);
        assert!(r.cured.as_ref().is_some_and(|c| c.attested));
    }

    #[test]
    fn cure_after_the_deadline_is_ignored() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let claim = Claim {
            attested: false,
            ..by_id(1, "m-1")
        };
        let r = evaluate_with_cures(
            &c.case,
            &c.records,
            &claim,
            &[Cure {
                attested: Some(true),
                ..cure(1, "2026-05-30")
            }],
        );
        assert_eq!(r.evaluation.reasons.to_string(), "NOT_ATTESTED");
        assert_eq!((r.cures.applied.len(), r.cures.ignored), (0, 1));
    }

    #[test]
    fn cures_apply_in_date_order_each_on_top_of_the_last() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let claim = Claim {
            attested: false,
            ..by_id(1, "m-1")
        };
        // File order: the later-dated `false` first; date order makes it win.
        let cures = [
            Cure {
                attested: Some(false),
                ..cure(1, "2026-05-20")
            },
            Cure {
                attested: Some(true),
                ..cure(1, "2026-05-10")
            },
        ];
        let r = evaluate_with_cures(&c.case, &c.records, &claim, &cures);
        assert_eq!(r.evaluation.reasons.to_string(), "NOT_ATTESTED;CURED");
        assert_eq!(r.cures.applied.len(), 2);
        // Same date: file order.
        let cures = [
            Cure {
                attested: Some(false),
                ..cure(1, "2026-05-20")
            },
            Cure {
                attested: Some(true),
                ..cure(1, "2026-05-20")
            },
        ];
        let r = evaluate_with_cures(&c.case, &c.records, &claim, &cures);
        assert_eq!(r.evaluation.reasons.to_string(), "CURED");
    }

    #[test]
    fn cure_that_fixes_identity_can_reveal_a_rejection() {
        let mut c = Class::new();
        c.add(Member {
            country: "FR".into(),
            ..member("m-1", None)
        });
        let r = evaluate_with_cures(
            &c.case,
            &c.records,
            &claim(1),
            &[Cure {
                member_id: Some("m-1".into()),
                ..cure(1, "2026-05-01")
            }],
        );
        assert_eq!(
            r.evaluation.reasons.to_string(),
            "OUTSIDE_CLASS_COUNTRY;NO_ELIGIBLE_PREMIUM;NO_QUALIFYING_DISCLOSURE;CURED"
        );
        assert_eq!(r.evaluation.reasons.status(), Status::Rejected);
        assert_eq!(
            r.before_cures.unwrap().reasons.to_string(),
            "MISSING_IDENTITY"
        );
    }

    #[test]
    fn cure_of_a_claim_that_was_not_deficient_is_ignored() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let approved = by_id(1, "m-1");
        let r = evaluate_with_cures(
            &c.case,
            &c.records,
            &approved,
            &[Cure {
                email: Some("x@example.com".into()),
                ..cure(1, "2026-05-01")
            }],
        );
        assert_eq!(r.evaluation.reasons.to_string(), "");
        assert_eq!(r.cures.ignored, 1);
        // Deficient but also rejected: not curable either.
        let rejected = Claim {
            attested: false,
            filing: Filing::Mail(day("2026-06-01")),
            ..by_id(2, "m-1")
        };
        let r = evaluate_with_cures(
            &c.case,
            &c.records,
            &rejected,
            &[Cure {
                attested: Some(true),
                ..cure(2, "2026-05-01")
            }],
        );
        assert_eq!(r.evaluation.reasons.to_string(), "LATE_CLAIM;NOT_ATTESTED");
        assert_eq!(r.cures.ignored, 1);
    }

    // ---- across claims ----

    fn cross(c: &Class, claims: &[Claim]) -> Vec<String> {
        let evals: Vec<_> = claims
            .iter()
            .map(|cl| evaluate(&c.case, &c.records, cl))
            .collect();
        let facts: Vec<_> = claims
            .iter()
            .zip(&evals)
            .map(|(cl, e)| CrossClaimFacts::of(&c.case, cl, e.member.map(|m| &m.member.member_id)))
            .collect();
        let before: Vec<_> = evals.iter().map(|e| e.reasons).collect();
        // Claims judged one per thread get the codes they get all on one.
        let mut reasons = before.clone();
        apply_cross_claim_rules(&c.case, &facts, &mut reasons, usize::MAX, 1);
        let mut shared = before.clone();
        apply_cross_claim_rules(&c.case, &facts, &mut shared, 1, 3);
        for threads in [0, 2] {
            let mut again = before.clone();
            apply_cross_claim_rules(&c.case, &facts, &mut again, 2, threads);
            assert_eq!(again, reasons, "{threads} threads");
        }
        assert_eq!(shared, reasons);
        reasons
            .iter()
            .map(|r| format!("{}:{}", r.status(), r))
            .collect()
    }

    #[test]
    fn earliest_clean_claim_of_a_member_is_kept() {
        let mut c = Class::new();
        c.eligible("m-1", Some("a@example.com"));
        let later = Claim {
            filing: Filing::Online(at("2026-03-02T00:00:01-08:00")),
            ..by_id(1, "m-1")
        };
        // Postmarked 2026-03-02: receipt key 00:00 local that day, before the online one.
        let mailed = Claim {
            filing: Filing::Mail(day("2026-03-02")),
            ..by_email(2, "a@example.com")
        };
        let unattested_first = Claim {
            attested: false,
            filing: Filing::Mail(day("2026-01-01")),
            ..by_id(3, "m-1")
        };
        assert_eq!(
            cross(&c, &[later, mailed, unattested_first]),
            [
                "duplicate:DUPLICATE_CLAIM",
                "approved:",
                "deficient:NOT_ATTESTED"
            ]
        );
    }

    #[test]
    fn equal_receipt_keys_keep_the_smaller_claim_id() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let at_midnight = Claim {
            filing: Filing::Online(at("2026-03-02T00:00:00-08:00")),
            ..by_id(9, "m-1")
        };
        let mailed = Claim {
            filing: Filing::Mail(day("2026-03-02")),
            ..by_id(4, "m-1")
        };
        assert_eq!(
            cross(&c, &[at_midnight, mailed]),
            ["duplicate:DUPLICATE_CLAIM", "approved:"]
        );
    }

    #[test]
    fn payment_account_shared_by_more_identities_than_allowed_flags_every_claim() {
        let mut c = Class::new();
        c.eligible("m-1", None)
            .eligible("m-2", None)
            .eligible("m-3", None);
        let acct = |cl: Claim, a: &str| Claim {
            payment_account: Some(a.into()),
            ..cl
        };
        // Two identities (m-1 twice counts once): at the threshold of 2, no flag.
        let at_threshold = [
            acct(by_id(1, "m-1"), "acct-a"),
            acct(by_id(2, "m-1"), " ACCT-A"),
            acct(by_id(3, "m-2"), "acct-a"),
        ];
        assert_eq!(
            cross(&c, &at_threshold),
            ["approved:", "duplicate:DUPLICATE_CLAIM", "approved:"]
        );
        // Three identities: member m-3, an unresolved email, and an anonymous claim (its own id).
        let above = [
            acct(by_id(1, "m-3"), "acct-b"),
            acct(by_email(2, "stray@example.com"), "acct-b"),
            acct(claim(3), "acct-b"),
        ];
        assert_eq!(
            cross(&c, &above),
            [
                "review:SHARED_PAYMENT_ACCOUNT",
                "rejected:NOT_IN_CLASS_LIST;SHARED_PAYMENT_ACCOUNT",
                "deficient:MISSING_IDENTITY;SHARED_PAYMENT_ACCOUNT"
            ]
        );
    }

    #[test]
    fn unknown_member_id_is_never_an_identity_but_its_email_is() {
        let mut c = Class::new();
        c.eligible("m-1", None);
        let ip = |cl: Claim| Claim {
            ip_address: Some("10.0.0.1".into()),
            ..cl
        };
        // m-404 with email x, and m-405 with the same email x: one identity (the email), plus m-1: two.
        let claims = [
            ip(Claim {
                email: Some("x@example.com".into()),
                ..by_id(1, "m-404")
            }),
            ip(Claim {
                email: Some("X@example.com".into()),
                ..by_id(2, "m-405")
            }),
            ip(by_id(3, "m-1")),
        ];
        assert_eq!(
            cross(&c, &claims),
            [
                "rejected:NOT_IN_CLASS_LIST",
                "rejected:NOT_IN_CLASS_LIST",
                "approved:"
            ]
        );
        // A fourth identity, anonymous, pushes the address over 2.
        let mut more = claims.to_vec();
        more.push(ip(claim(4)));
        assert_eq!(cross(&c, &more)[2], "review:SHARED_IP_ADDRESS");
    }

    #[test]
    fn every_rule_has_its_number_code_and_a_source() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.number as usize, i + 1);
            assert_eq!(Reason::ALL[i].code(), r.code);
            assert_eq!(Reason::from_code(r.code), Some(Reason::ALL[i]));
            assert!(!r.source.is_empty() && !r.condition.is_empty() && r.id.contains('.'));
        }
        let ids: std::collections::HashSet<_> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
    }
}
