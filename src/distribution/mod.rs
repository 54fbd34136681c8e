//! The distribution: what became of each payment after `process` allocated it. A [`Ledger`] takes
//! the decisions' payments and the payment events (cashed, returned, reissued), and gives, as of
//! a date, the state of every instrument, the unclaimed money, the second distribution of it,
//! the Form 1099-MISC determinations and a reconciliation of every cent of the fund.
//!
//! Pure: no file, clock or randomness. The same payments, events and date always give the same
//! ledger, whatever the order of the events of different claims.

pub mod accounting;
pub mod records;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::allocation::{allocate, Share};
use crate::case::{Case, Distribution};
use crate::decide::Decisions;
use crate::hashing::Map;
use crate::ingest::Problem;
use crate::model::{ClaimId, MemberId, PaymentMethod};
use crate::money::Cents;
use crate::report::Payment;

pub use records::{
    EventKind, Notice, NoticeMethod, Objection, PaymentEvent, Round, TaxForm, TinStatus,
};

/// Why a ledger cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DistributionError {
    /// The case file has no `[distribution]` table: no issue date, no void period.
    #[error("the case file has no [distribution] table (first_issue_date, check_void_days)")]
    NotConfigured,
    /// The buckets do not add up to the fund: a defect, never a number to sign.
    #[error("reconciliation failed: {0}")]
    Reconciliation(String),
}

/// Where an instrument stands as of the ledger's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstrumentState {
    /// Not yet issued (the date is before the issue date).
    Pending,
    /// A check issued and not yet cashed, before its void date.
    Outstanding,
    /// A check cashed.
    Cashed,
    /// An electronic payment sent and not returned.
    Delivered,
    /// An electronic payment returned.
    Returned,
    /// A check not cashed by its void date.
    Void,
    /// Replaced by a reissued instrument.
    Replaced,
}

impl InstrumentState {
    /// Every state, in the order reports list them.
    pub const ALL: [InstrumentState; 7] = [
        InstrumentState::Pending,
        InstrumentState::Outstanding,
        InstrumentState::Cashed,
        InstrumentState::Delivered,
        InstrumentState::Returned,
        InstrumentState::Void,
        InstrumentState::Replaced,
    ];

    /// The lower-case name written to `ledger.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentState::Pending => "pending",
            InstrumentState::Outstanding => "outstanding",
            InstrumentState::Cashed => "cashed",
            InstrumentState::Delivered => "delivered",
            InstrumentState::Returned => "returned",
            InstrumentState::Void => "void",
            InstrumentState::Replaced => "replaced",
        }
    }

    /// Cashed or delivered: the money reached the claimant.
    pub fn is_completed(self) -> bool {
        matches!(self, InstrumentState::Cashed | InstrumentState::Delivered)
    }

    /// Void or returned: the money came back.
    pub fn is_unclaimed(self) -> bool {
        matches!(self, InstrumentState::Void | InstrumentState::Returned)
    }
}

/// One instrument (a check, a transfer...) carrying a payment: a row of `ledger.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Instrument {
    /// The position of its payment among the payments the ledger was built from.
    pub payment: usize,
    /// The paid claim.
    pub claim_id: ClaimId,
    /// Its distribution.
    pub distribution: Round,
    /// 1 for the first instrument of the claim in this distribution, 2 for its reissue...
    pub number: u32,
    /// How it pays.
    pub method: PaymentMethod,
    /// The payment's amount (a reissue keeps it).
    pub amount: Cents,
    /// The issue date (`None` while pending).
    pub issued_on: Option<NaiveDate>,
    /// A check's void date: the last day it can be cashed (`None` for other methods and while pending).
    pub void_on: Option<NaiveDate>,
    /// Its state as of the ledger's date.
    pub state: InstrumentState,
    /// Since when (`None` while pending).
    pub state_on: Option<NaiveDate>,
    /// True for the claim's current instrument in its distribution (every other one is replaced).
    pub current: bool,
}

/// A payment event that cannot apply: a rejected row of `payment_events.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventRejection {
    /// The event's line.
    pub line: u64,
    /// The column and the reason.
    pub problem: Problem,
}

/// What became of the second distribution as of the ledger's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecondStatus {
    /// No fund, or no `second_issue_date`: unclaimed money stays where it is.
    NotProvided,
    /// The ledger's date is before `second_issue_date`.
    NotYet,
    /// On `second_issue_date` some first-distribution instrument was still outstanding: nothing
    /// was redistributed (the court must set a later date).
    Postponed,
    /// The pool was too small for the minimum share, or nobody was eligible: it went to the
    /// residual recipient on `second_issue_date`.
    ToResidual,
    /// Issued on `second_issue_date`.
    Issued,
}

impl SecondStatus {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecondStatus::NotProvided => "not_provided",
            SecondStatus::NotYet => "not_yet",
            SecondStatus::Postponed => "postponed",
            SecondStatus::ToResidual => "to_residual",
            SecondStatus::Issued => "issued",
        }
    }
}

/// The second distribution of unclaimed money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SecondDistribution {
    /// Whether and how it happened.
    pub status: SecondStatus,
    /// Its date (`second_issue_date`), when the case sets one.
    pub on: Option<NaiveDate>,
    /// Unclaimed first-distribution money plus the first distribution's residual, on that day
    /// (zero unless it happened or went to the residual recipient).
    pub pool: Cents,
    /// Claims whose first payment was completed by that day.
    pub eligible: u64,
    /// Each payment: (position among the ledger's payments, amount), amounts above zero, in
    /// payment order.
    pub payments: Vec<(usize, Cents)>,
    /// Sum of the payments.
    pub paid: Cents,
    /// What the pool left to the residual recipient on that day (all of it unless issued).
    pub to_residual: Cents,
}

/// A Form 1099-MISC due for a member and a calendar year: a row of `tax_1099.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TaxReport<'a> {
    /// The member.
    pub member_id: &'a MemberId,
    /// The payee of the member's paid claim (the claim's name, else the member's).
    pub payee_name: Option<&'a str>,
    /// The calendar year of the instruments' issue.
    pub year: i32,
    /// Completed payments issued that year.
    pub total: Cents,
    /// The threshold in force on 1 January of the year.
    pub threshold: Cents,
    /// The member's TIN as the latest tax form says (`missing` without any form).
    pub tin_status: TinStatus,
    /// Backup withholding at the case's rate where the TIN is not certified (reported, not
    /// deducted), rounded to the cent half away from zero.
    pub backup_withholding: Cents,
}

/// Every cent of the fund in exactly one bucket, as of the ledger's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Reconciliation {
    /// What is accounted for: the gross fund, or without a fund the total allocated.
    pub total: Cents,
    /// True when `total` is the gross fund.
    pub from_gross_fund: bool,
    /// Attorney fees.
    pub attorney_fees: Cents,
    /// Litigation costs.
    pub litigation_costs: Cents,
    /// Administration costs.
    pub administration_costs: Cents,
    /// Service awards.
    pub service_awards: Cents,
    /// Payments cashed or delivered (both distributions).
    pub completed: Cents,
    /// Payments not yet issued.
    pub pending: Cents,
    /// Checks issued and not cashed, before their void date.
    pub outstanding: Cents,
    /// Void and returned payments, and the first distribution's residual while a second
    /// distribution is to come: money awaiting redistribution (or, for the second distribution's
    /// own, the residual recipient once it is final).
    pub unclaimed: Cents,
    /// Paid or due to the residual recipient.
    pub residual_recipient: Cents,
}

impl Reconciliation {
    /// The buckets by name, in the order the accounting lists them.
    pub fn buckets(&self) -> [(&'static str, Cents); 9] {
        [
            ("attorney_fees", self.attorney_fees),
            ("litigation_costs", self.litigation_costs),
            ("administration_costs", self.administration_costs),
            ("service_awards", self.service_awards),
            ("completed_payments", self.completed),
            ("pending", self.pending),
            ("outstanding", self.outstanding),
            ("unclaimed_awaiting_redistribution", self.unclaimed),
            ("residual_recipient", self.residual_recipient),
        ]
    }

    /// The sum of the buckets.
    pub fn accounted(&self) -> Cents {
        self.buckets().iter().map(|(_, c)| *c).sum()
    }
}

/// An instrument while events are applied: its dates, the state follows from them and the date.
#[derive(Debug, Clone, Copy)]
struct Work {
    payment: u32,
    /// The instrument this one replaced, if any (its position among the round's instruments).
    replaces: Option<u32>,
    distribution: Round,
    number: u32,
    method: PaymentMethod,
    issued_on: NaiveDate,
    void_on: Option<NaiveDate>,
    cashed: Option<NaiveDate>,
    returned: Option<NaiveDate>,
    replaced: Option<NaiveDate>,
}

impl Work {
    fn new(
        payment: usize,
        distribution: Round,
        number: u32,
        method: PaymentMethod,
        issued_on: NaiveDate,
        void_days: u32,
    ) -> Work {
        // A void date past the calendar's end never comes.
        let void_on = (method == PaymentMethod::Check).then(|| {
            issued_on
                .checked_add_days(Days::new(u64::from(void_days)))
                .unwrap_or(NaiveDate::MAX)
        });
        Work {
            payment: payment as u32,
            replaces: None,
            distribution,
            number,
            method,
            issued_on,
            void_on,
            cashed: None,
            returned: None,
            replaced: None,
        }
    }

    /// The state at the end of day `d`, with the day it began.
    fn state_at(&self, d: NaiveDate) -> (InstrumentState, Option<NaiveDate>) {
        use InstrumentState as S;
        if d < self.issued_on {
            return (S::Pending, None);
        }
        match (self.replaced, self.cashed, self.returned, self.void_on) {
            (Some(r), ..) if r <= d => (S::Replaced, Some(r)),
            (_, Some(c), ..) if c <= d => (S::Cashed, Some(c)),
            (_, _, Some(r), _) if r <= d => (S::Returned, Some(r)),
            (.., Some(v)) if v <= d => (S::Void, Some(v)),
            (.., Some(_)) => (S::Outstanding, Some(self.issued_on)),
            (.., None) => (S::Delivered, Some(self.issued_on)),
        }
    }
}

/// The instruments of one distribution: every instrument made, and each payment's current one.
struct RoundInstruments {
    works: Vec<Work>,
    /// Per payment, its current instrument in `works` (`u32::MAX`: not paid in this distribution).
    current: Vec<u32>,
}

impl RoundInstruments {
    fn current(&self, payment: usize) -> Option<&Work> {
        let i = *self.current.get(payment)?;
        self.works.get(i as usize)
    }

    /// Applies one event to the payment's current instrument, or says why it cannot apply.
    fn apply(&mut self, payment: usize, e: &PaymentEvent, void_days: u32) -> Result<(), Problem> {
        let i = self.current[payment] as usize;
        let work = self.works[i];
        if e.on < work.issued_on {
            return Err(Problem::new(
                "on",
                format!(
                    "{} is before the instrument's issue on {}",
                    e.on, work.issued_on
                ),
            ));
        }
        let (state, since) = work.state_at(e.on);
        let since = since.unwrap_or(work.issued_on);
        use InstrumentState as S;
        match e.kind {
            EventKind::Cashed => {
                if work.method != PaymentMethod::Check {
                    // The latest check this payment's chain of reissues replaced, if any.
                    let mut replaced_check = None;
                    let mut link = work.replaces;
                    while let Some(j) = link {
                        let old = &self.works[j as usize];
                        if old.method == PaymentMethod::Check {
                            replaced_check = Some(old);
                            break;
                        }
                        link = old.replaces;
                    }
                    return Err(Problem::new(
                        "event",
                        match replaced_check {
                            Some(old) => format!(
                                "cashed: check {} was replaced on {} by a {} payment",
                                old.number,
                                old.replaced.unwrap_or(work.issued_on),
                                work.method.as_str()
                            ),
                            None => format!(
                                "cashed: a {} payment is not cashed (only checks are)",
                                work.method.as_str()
                            ),
                        },
                    ));
                }
                match state {
                    S::Cashed => Err(Problem::new(
                        "event",
                        format!("cashed: the check was already cashed on {since}"),
                    )),
                    _ if work.void_on.is_some_and(|v| e.on > v) => Err(Problem::new(
                        "on",
                        format!(
                            "{}: the check went void on {} (cashing is allowed up to that day)",
                            e.on,
                            work.void_on.unwrap_or(work.issued_on)
                        ),
                    )),
                    _ => {
                        self.works[i].cashed = Some(e.on);
                        Ok(())
                    }
                }
            }
            EventKind::Returned => match state {
                _ if work.method == PaymentMethod::Check => Err(Problem::new(
                    "event",
                    "returned: checks are not returned (an uncashed check goes void)",
                )),
                S::Returned => Err(Problem::new(
                    "event",
                    format!("returned: the payment was already returned on {since}"),
                )),
                _ => {
                    self.works[i].returned = Some(e.on);
                    Ok(())
                }
            },
            EventKind::Reissued => match state {
                S::Cashed => Err(Problem::new(
                    "event",
                    format!("reissued: the check was cashed on {since}"),
                )),
                S::Delivered => Err(Problem::new(
                    "event",
                    format!(
                        "reissued: the {} payment was delivered and not returned",
                        work.method.as_str()
                    ),
                )),
                _ => {
                    self.works[i].replaced = Some(e.on);
                    let method = e.method.unwrap_or(work.method);
                    let new = Work::new(
                        payment,
                        work.distribution,
                        work.number + 1,
                        method,
                        e.on,
                        void_days,
                    );
                    let new = Work {
                        replaces: Some(i as u32),
                        ..new
                    };
                    self.current[payment] = self.works.len() as u32;
                    self.works.push(new);
                    Ok(())
                }
            },
        }
    }

    /// Final at the end of `d`: every current instrument issued and none outstanding.
    fn final_at(&self, d: NaiveDate) -> bool {
        self.current.iter().filter(|&&i| i != u32::MAX).all(|&i| {
            !matches!(
                self.works[i as usize].state_at(d).0,
                InstrumentState::Pending | InstrumentState::Outstanding
            )
        })
    }

    /// The day the distribution is final: the latest void date of its current checks, or the
    /// latest issue of its current instruments.
    fn final_on(&self) -> Option<NaiveDate> {
        self.current
            .iter()
            .filter(|&&i| i != u32::MAX)
            .map(|&i| {
                let w = &self.works[i as usize];
                w.void_on.unwrap_or(w.issued_on)
            })
            .max()
    }

    /// Sums of the current instruments' amounts by state at `d`.
    fn sums_at(&self, d: NaiveDate, amount: impl Fn(usize) -> Cents) -> [Cents; 7] {
        let mut sums = [Cents::ZERO; 7];
        for (payment, &i) in self.current.iter().enumerate() {
            if i != u32::MAX {
                let state = self.works[i as usize].state_at(d).0;
                sums[state as usize] += amount(payment);
            }
        }
        sums
    }
}

/// The payments of a run carried out as of a date: the state of every instrument, the unclaimed
/// money and its second distribution, the Form 1099-MISC determinations and a reconciliation of
/// every cent of the fund. Pure: the same payments, events and date always give the same ledger,
/// whatever the order of the events of different claims. The [guide](crate::guide) has a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Ledger<'a> {
    /// The date the ledger stands at: events dated after it are ignored.
    pub as_of: NaiveDate,
    /// The first distribution's payments, as `process` made them.
    #[serde(skip)]
    pub payments: &'a [Payment<'a>],
    /// Every instrument, by payment, then distribution, then number.
    pub instruments: Vec<Instrument>,
    /// The day the first distribution was final, if it was by the ledger's date.
    pub first_final_on: Option<NaiveDate>,
    /// The day the second distribution was final, if it was by the ledger's date.
    pub second_final_on: Option<NaiveDate>,
    /// The second distribution.
    pub second: SecondDistribution,
    /// Events applied.
    pub events_applied: u64,
    /// Events dated after the ledger's date, ignored.
    pub events_after_as_of: u64,
    /// Events that cannot apply, by line.
    pub rejections: Vec<EventRejection>,
    /// Forms 1099-MISC due, by member then year.
    pub tax: Vec<TaxReport<'a>>,
    /// Every cent in one bucket.
    pub reconciliation: Reconciliation,
}

impl<'a> Ledger<'a> {
    /// Carries out the `payments` of `decisions` (as [`crate::payments`] lists them) under the
    /// case's `[distribution]`, applying the `events` dated on or before `as_of` in (date, given
    /// order) claim by claim; `tax_forms` give each member's TIN status (the latest wins, then
    /// the later one given).
    ///
    /// # Errors
    /// [`DistributionError::NotConfigured`] without a `[distribution]` table;
    /// [`DistributionError::Reconciliation`] if the buckets do not add up (a defect: the
    /// numbers are never returned).
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{decide, payments, DataFolder, EventKind, Ledger, NaiveDate, NoProgress};
    /// use premium_claims::{InstrumentState, PaymentEvent, Round};
    ///
    /// let dir = "examples/data/distribution";
    /// let data = DataFolder::new(dir).load(&mut NoProgress)?;
    /// let decisions = decide(&data)?;
    /// let paid = payments(&data, &decisions);
    /// let day = |s: &str| s.parse::<NaiveDate>();
    /// // The fifth payment is a check: cashed three weeks after issue. The first is an ACH
    /// // transfer: "cashed" does not apply to it, and the event is rejected.
    /// let cashed = PaymentEvent::new(paid[4].claim_id, Round::First, EventKind::Cashed, day("2025-12-22")?, 2);
    /// let wrong = PaymentEvent::new(paid[0].claim_id, Round::First, EventKind::Cashed, day("2025-12-22")?, 3);
    /// let ledger = Ledger::build(&data.case, &decisions, &paid, &[cashed, wrong], &[], day("2026-01-31")?)?;
    /// assert_eq!(ledger.instruments_of(4)[0].state, InstrumentState::Cashed);
    /// assert_eq!(ledger.instruments_of(0)[0].state, InstrumentState::Delivered);
    /// assert_eq!(ledger.rejections[0].line, 3);
    /// let r = &ledger.reconciliation;
    /// assert_eq!(r.accounted(), r.total);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(
        case: &Case,
        decisions: &Decisions,
        payments: &'a [Payment<'a>],
        events: &[PaymentEvent],
        tax_forms: &[TaxForm],
        as_of: NaiveDate,
    ) -> Result<Ledger<'a>, DistributionError> {
        let config = case
            .distribution
            .as_ref()
            .ok_or(DistributionError::NotConfigured)?;
        let days = config.check_void_days;
        let n = payments.len();
        let mut first = RoundInstruments {
            works: Vec::with_capacity(n + n / 8),
            current: (0..n as u32).collect(),
        };
        for (i, p) in payments.iter().enumerate() {
            let method = p.payment_method.unwrap_or(PaymentMethod::Check);
            first.works.push(Work::new(
                i,
                Round::First,
                1,
                method,
                config.first_issue_date,
                days,
            ));
        }

        // Each event's payment, or why it names none; then the events of each round in (claim,
        // date, given order).
        let mut claims: Map<ClaimId, Option<u32>> = Map::default();
        claims.reserve(decisions.determinations.len());
        for d in &decisions.determinations {
            claims.insert(d.claim.claim_id, None);
        }
        for (i, p) in payments.iter().enumerate() {
            claims.insert(p.claim_id, Some(i as u32));
        }
        let mut rejections = Vec::new();
        let mut after_as_of = 0u64;
        let mut queued: [Vec<(u32, NaiveDate, u32)>; 2] = [Vec::new(), Vec::new()];
        for (k, e) in events.iter().enumerate() {
            match claims.get(&e.claim_id) {
                None => rejections.push(EventRejection {
                    line: e.line,
                    problem: Problem::new("claim_id", format!("unknown claim {}", e.claim_id)),
                }),
                Some(None) if e.distribution == Round::First => rejections.push(EventRejection {
                    line: e.line,
                    problem: Problem::new(
                        "distribution",
                        format!("claim {} was not paid in distribution 1", e.claim_id),
                    ),
                }),
                _ if e.on > as_of => after_as_of += 1,
                Some(payment) => {
                    let slot = (e.distribution == Round::Second) as usize;
                    queued[slot].push((payment.unwrap_or(u32::MAX), e.on, k as u32));
                }
            }
        }
        let [mut queue1, mut queue2] = queued;
        queue1.sort_unstable();
        queue2.sort_unstable();
        let mut applied = 0u64;
        let mut apply = |round: &mut RoundInstruments,
                         (payment, _, k): (u32, NaiveDate, u32),
                         rejections: &mut Vec<EventRejection>| {
            let e = &events[k as usize];
            let outcome = if round.current(payment as usize).is_none() {
                Err(Problem::new(
                    "distribution",
                    format!(
                        "claim {} was not paid in distribution {}",
                        e.claim_id,
                        e.distribution.number()
                    ),
                ))
            } else {
                round.apply(payment as usize, e, days)
            };
            match outcome {
                Ok(()) => applied += 1,
                Err(problem) => rejections.push(EventRejection {
                    line: e.line,
                    problem,
                }),
            }
        };

        // The first distribution up to the second's date (or the ledger's, if earlier).
        let second_on = config.second_issue_date.filter(|_| case.fund.is_some());
        let cut = second_on.map_or(as_of, |s| s.min(as_of));
        // Both parts stay in claim order.
        let (now, later): (Vec<_>, Vec<_>) = queue1.into_iter().partition(|q| q.1 <= cut);
        for q in now {
            apply(&mut first, q, &mut rejections);
        }
        let residual1 = decisions.money.residual;
        let mut second = SecondDistribution {
            status: if second_on.is_none() {
                SecondStatus::NotProvided
            } else {
                SecondStatus::NotYet
            },
            on: second_on,
            pool: Cents::ZERO,
            eligible: 0,
            payments: Vec::new(),
            paid: Cents::ZERO,
            to_residual: Cents::ZERO,
        };
        let mut closed_on = None;
        if let Some(s) = second_on.filter(|&s| as_of >= s) {
            if first.final_at(s) {
                closed_on = Some(s);
                second = second_distribution(config, case, &first, payments, residual1, s);
            } else {
                second.status = SecondStatus::Postponed;
            }
        }
        for q in later {
            match closed_on {
                Some(s) => rejections.push(EventRejection {
                    line: events[q.2 as usize].line,
                    problem: Problem::new(
                        "on",
                        format!(
                            "{}: distribution 1 was closed on {s} (its unclaimed money was paid out that day)",
                            q.1
                        ),
                    ),
                }),
                None => apply(&mut first, q, &mut rejections),
            }
        }

        // The second distribution's instruments and events.
        let mut round2 = RoundInstruments {
            works: Vec::with_capacity(second.payments.len()),
            current: vec![u32::MAX; n],
        };
        if let (SecondStatus::Issued, Some(s)) = (second.status, second.on) {
            for &(payment, _) in &second.payments {
                let method = first
                    .current(payment)
                    .map_or(PaymentMethod::Check, |w| w.method);
                round2.current[payment] = round2.works.len() as u32;
                round2
                    .works
                    .push(Work::new(payment, Round::Second, 1, method, s, days));
            }
        }
        for q in queue2 {
            if q.0 == u32::MAX {
                let e = &events[q.2 as usize];
                rejections.push(EventRejection {
                    line: e.line,
                    problem: Problem::new(
                        "distribution",
                        format!("claim {} was not paid in distribution 2", e.claim_id),
                    ),
                });
                continue;
            }
            apply(&mut round2, q, &mut rejections);
        }
        rejections.sort_by_key(|r| r.line);

        let first_final_on = first
            .final_on()
            .filter(|&f| f <= as_of && first.final_at(as_of));
        let second_final_on = (second.status == SecondStatus::Issued)
            .then(|| round2.final_on())
            .flatten()
            .filter(|&f| f <= as_of && round2.final_at(as_of));

        let second_amounts: Map<usize, Cents> = second.payments.iter().copied().collect();
        let instruments = instruments(payments, &first, &round2, &second_amounts, as_of);
        let reconciliation = reconcile(
            decisions,
            &first,
            &round2,
            &second,
            &second_amounts,
            payments,
            as_of,
            second_final_on.is_some(),
        )?;
        let tax = tax_reports(config, payments, &instruments, tax_forms);
        Ok(Ledger {
            as_of,
            payments,
            instruments,
            first_final_on,
            second_final_on,
            second,
            events_applied: applied,
            events_after_as_of: after_as_of,
            rejections,
            tax,
            reconciliation,
        })
    }

    /// The instruments of one payment (its position among the ledger's payments), in order.
    pub fn instruments_of(&self, payment: usize) -> &[Instrument] {
        let start = self.instruments.partition_point(|i| i.payment < payment);
        let end = self.instruments.partition_point(|i| i.payment <= payment);
        &self.instruments[start..end]
    }

    /// The instruments of a distribution by state, (count, amount) per state in
    /// [`InstrumentState::ALL`] order: each payment's current instrument in its state, and the
    /// instruments its reissues replaced under `replaced`.
    pub fn by_state(&self, distribution: Round) -> [(u64, Cents); 7] {
        let mut out = [(0u64, Cents::ZERO); 7];
        for i in self
            .instruments
            .iter()
            .filter(|i| i.distribution == distribution)
        {
            out[i.state as usize].0 += 1;
            out[i.state as usize].1 += i.amount;
        }
        out
    }

    /// What each paid claimant received (both distributions, completed instruments only), by
    /// payment position; zero for a payment not completed.
    pub fn recoveries(&self) -> Vec<Cents> {
        let mut out = vec![Cents::ZERO; self.payments.len()];
        for i in self
            .instruments
            .iter()
            .filter(|i| i.current && i.state.is_completed())
        {
            out[i.payment] += i.amount;
        }
        out
    }
}

/// On the second distribution's date, the first being final: the pool, who is eligible, and
/// their equal shares.
fn second_distribution(
    config: &Distribution,
    case: &Case,
    first: &RoundInstruments,
    payments: &[Payment<'_>],
    residual1: Cents,
    on: NaiveDate,
) -> SecondDistribution {
    let mut pool = residual1;
    let mut eligible: Vec<usize> = Vec::new();
    for (payment, p) in payments.iter().enumerate() {
        let state = first.current(payment).map(|w| w.state_at(on).0);
        match state {
            Some(s) if s.is_completed() => eligible.push(payment),
            Some(s) if s.is_unclaimed() => pool += p.amount,
            _ => {}
        }
    }
    let count = eligible.len() as i128;
    let mut out = SecondDistribution {
        status: SecondStatus::ToResidual,
        on: Some(on),
        pool,
        eligible: eligible.len() as u64,
        payments: Vec::new(),
        paid: Cents::ZERO,
        to_residual: pool,
    };
    if count == 0 || pool.0 < config.second_distribution_minimum.0 * count {
        return out;
    }
    // Equal shares: every claim the same weight, at least the pool, so that nobody is capped
    // and the remainders tie (the cents left go to the smaller claim ids).
    let weight = Cents(pool.0.max(1));
    let shares: Vec<Share> = eligible
        .iter()
        .map(|&i| Share {
            claim_id: payments[i].claim_id,
            entitlement: weight,
        })
        .collect();
    let minimum = case
        .fund
        .as_ref()
        .map_or(Cents::ZERO, |f| f.minimum_payment);
    let allocation = allocate(pool, &shares, minimum);
    for (&payment, &amount) in eligible.iter().zip(&allocation.payments) {
        if amount.is_positive() {
            out.payments.push((payment, amount));
            out.paid += amount;
        }
    }
    out.status = SecondStatus::Issued;
    out.to_residual = pool - out.paid;
    out
}

/// Every instrument of both rounds as of `as_of`, by payment, distribution and number.
fn instruments(
    payments: &[Payment<'_>],
    first: &RoundInstruments,
    second: &RoundInstruments,
    second_amounts: &Map<usize, Cents>,
    as_of: NaiveDate,
) -> Vec<Instrument> {
    let mut out: Vec<Instrument> = Vec::with_capacity(first.works.len() + second.works.len());
    for (round, amount) in [(first, None), (second, Some(second_amounts))] {
        for (i, w) in round.works.iter().enumerate() {
            let payment = w.payment as usize;
            let (state, state_on) = w.state_at(as_of);
            let pending = state == InstrumentState::Pending;
            out.push(Instrument {
                payment,
                claim_id: payments[payment].claim_id,
                distribution: w.distribution,
                number: w.number,
                method: w.method,
                amount: match amount {
                    None => payments[payment].amount,
                    Some(a) => a.get(&payment).copied().unwrap_or_default(),
                },
                issued_on: (!pending).then_some(w.issued_on),
                void_on: w.void_on.filter(|_| !pending),
                state,
                state_on,
                current: round.current[payment] == i as u32,
            });
        }
    }
    out.sort_unstable_by_key(|i| (i.payment, i.distribution, i.number));
    out
}

/// The buckets, each summed from the instruments' states, checked against the fund.
#[allow(clippy::too_many_arguments)]
fn reconcile(
    decisions: &Decisions,
    first: &RoundInstruments,
    second: &RoundInstruments,
    redistribution: &SecondDistribution,
    second_amounts: &Map<usize, Cents>,
    payments: &[Payment<'_>],
    as_of: NaiveDate,
    second_final: bool,
) -> Result<Reconciliation, DistributionError> {
    use InstrumentState as S;
    let money = &decisions.money;
    let w = money.waterfall.as_ref();
    let ones = first.sums_at(as_of, |p| payments[p].amount);
    let twos = second.sums_at(as_of, |p| {
        second_amounts.get(&p).copied().unwrap_or_default()
    });
    let paid1: Cents = payments.iter().map(|p| p.amount).sum();
    let mut r = Reconciliation {
        total: w.map_or(paid1, |w| w.gross),
        from_gross_fund: w.is_some(),
        attorney_fees: w.map_or(Cents::ZERO, |w| w.attorney_fees),
        litigation_costs: w.map_or(Cents::ZERO, |w| w.litigation_costs),
        administration_costs: w.map_or(Cents::ZERO, |w| w.administration_costs),
        service_awards: w.map_or(Cents::ZERO, |w| w.service_awards),
        completed: ones[S::Cashed as usize]
            + ones[S::Delivered as usize]
            + twos[S::Cashed as usize]
            + twos[S::Delivered as usize],
        pending: ones[S::Pending as usize] + twos[S::Pending as usize],
        outstanding: ones[S::Outstanding as usize] + twos[S::Outstanding as usize],
        unclaimed: Cents::ZERO,
        residual_recipient: Cents::ZERO,
    };
    let unclaimed1 = ones[S::Void as usize] + ones[S::Returned as usize];
    let unclaimed2 = twos[S::Void as usize] + twos[S::Returned as usize];
    match redistribution.status {
        SecondStatus::Issued | SecondStatus::ToResidual => {
            // The first round's unclaimed money and residual went into the pool.
            r.residual_recipient += redistribution.to_residual;
            if second_final {
                r.residual_recipient += unclaimed2;
            } else {
                r.unclaimed += unclaimed2;
            }
            if redistribution.pool != unclaimed1 + money.residual
                || redistribution.paid != second_amounts.values().copied().sum()
            {
                return Err(DistributionError::Reconciliation(format!(
                    "the pool {} is not the unclaimed {} plus the residual {}",
                    redistribution.pool, unclaimed1, money.residual
                )));
            }
        }
        SecondStatus::NotYet | SecondStatus::Postponed => {
            r.unclaimed += unclaimed1 + money.residual;
        }
        SecondStatus::NotProvided => {
            r.unclaimed += unclaimed1;
            r.residual_recipient += money.residual;
        }
    }
    // Every payment in exactly one bucket: one current instrument per payment of each round.
    let counted1: usize = first.current.iter().filter(|&&i| i != u32::MAX).count();
    let counted2: usize = second.current.iter().filter(|&&i| i != u32::MAX).count();
    let buckets_ok = r.buckets().iter().all(|(_, c)| *c >= Cents::ZERO);
    if r.accounted() != r.total
        || counted1 != payments.len()
        || counted2 != redistribution.payments.len()
        || !buckets_ok
        || ones.iter().copied().sum::<Cents>() != paid1
    {
        let parts: Vec<String> = r
            .buckets()
            .iter()
            .map(|(name, c)| format!("{name} {c}"))
            .collect();
        return Err(DistributionError::Reconciliation(format!(
            "{} {} != {}",
            if r.from_gross_fund {
                "gross"
            } else {
                "allocated"
            },
            r.total,
            parts.join(" + ")
        )));
    }
    Ok(r)
}

/// Completed payments by member and year of issue; a form where the total reaches the threshold.
fn tax_reports<'a>(
    config: &Distribution,
    payments: &'a [Payment<'a>],
    instruments: &[Instrument],
    forms: &[TaxForm],
) -> Vec<TaxReport<'a>> {
    // The latest form of each member (the later one given on the same day).
    let mut tin: Map<&MemberId, (NaiveDate, TinStatus)> = Map::default();
    for f in forms {
        let entry = tin
            .entry(&f.member_id)
            .or_insert((f.received_on, f.tin_status));
        if f.received_on >= entry.0 {
            *entry = (f.received_on, f.tin_status);
        }
    }
    let mut totals: Map<(&'a MemberId, i32), (Cents, usize)> = Map::default();
    for i in instruments
        .iter()
        .filter(|i| i.current && i.state.is_completed())
    {
        let (Some(member), Some(issued)) = (payments[i.payment].member_id, i.issued_on) else {
            continue;
        };
        let entry = totals
            .entry((member, issued.year()))
            .or_insert((Cents::ZERO, i.payment));
        entry.0 += i.amount;
    }
    let mut out: Vec<TaxReport<'a>> = totals
        .into_iter()
        .filter_map(|((member_id, year), (total, payment))| {
            let threshold = config.tax_threshold(year);
            if total < threshold {
                return None;
            }
            let tin_status = tin.get(member_id).map_or(TinStatus::Missing, |t| t.1);
            let backup_withholding = if tin_status == TinStatus::Certified {
                Cents::ZERO
            } else {
                config.backup_withholding_rate.apply(total)
            };
            Some(TaxReport {
                member_id,
                payee_name: payments[payment].payee_name,
                year,
                total,
                threshold,
                tin_status,
                backup_withholding,
            })
        })
        .collect();
    out.sort_unstable_by(|a, b| (a.member_id, a.year).cmp(&(b.member_id, b.year)));
    out
}

/// What happened to one event of a claim's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventOutcome {
    /// Applied to the instrument then current.
    Applied,
    /// Dated after the ledger's date: ignored.
    AfterAsOf,
    /// Rejected, with the column and reason.
    Rejected(Problem),
}

/// The payment history of one paid claim: its instruments and its events, as `explain` shows
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PaymentHistory {
    /// The claim.
    pub claim_id: ClaimId,
    /// The date the history stands at.
    pub as_of: NaiveDate,
    /// Its instruments, by distribution and number.
    pub instruments: Vec<Instrument>,
    /// Its events in the order they apply (date, then line), with what became of each.
    pub events: Vec<(PaymentEvent, EventOutcome)>,
}

impl PaymentHistory {
    /// The history of `claim_id` in `ledger`, built from `events` (the same the ledger was
    /// built from); `None` when the claim was not paid.
    pub fn of(
        ledger: &Ledger<'_>,
        events: &[PaymentEvent],
        claim_id: ClaimId,
    ) -> Option<PaymentHistory> {
        let payment = ledger
            .payments
            .iter()
            .position(|p| p.claim_id == claim_id)?;
        let mut mine: Vec<(PaymentEvent, EventOutcome)> = events
            .iter()
            .filter(|e| e.claim_id == claim_id)
            .map(|e| {
                let outcome = match ledger.rejections.iter().find(|r| r.line == e.line) {
                    Some(r) => EventOutcome::Rejected(r.problem.clone()),
                    None if e.on > ledger.as_of => EventOutcome::AfterAsOf,
                    None => EventOutcome::Applied,
                };
                (e.clone(), outcome)
            })
            .collect();
        mine.sort_by_key(|(e, _)| (e.distribution, e.on, e.line));
        Some(PaymentHistory {
            claim_id,
            as_of: ledger.as_of,
            instruments: ledger.instruments_of(payment).to_vec(),
            events: mine,
        })
    }
}

impl std::fmt::Display for PaymentHistory {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(out, "payment history as of {}:", self.as_of)?;
        for i in &self.instruments {
            write!(
                out,
                "  distribution {}, instrument {}: {} {}",
                i.distribution.number(),
                i.number,
                i.method.as_str(),
                i.amount
            )?;
            if let Some(issued) = i.issued_on {
                write!(out, " issued {issued}")?;
            }
            if let Some(void) = i.void_on {
                write!(out, ", void after {void}")?;
            }
            match i.state_on {
                Some(on) => writeln!(out, ": {} since {on}", i.state.as_str())?,
                None => writeln!(out, ": {}", i.state.as_str())?,
            }
        }
        for (e, outcome) in &self.events {
            let what = match outcome {
                EventOutcome::Applied => "applied".to_string(),
                EventOutcome::AfterAsOf => "after the date: ignored".to_string(),
                EventOutcome::Rejected(p) => format!("rejected: {p}"),
            };
            let method = e
                .method
                .map_or(String::new(), |m| format!(" ({})", m.as_str()));
            writeln!(
                out,
                "  event, payment_events.csv line {}: {} distribution {} {}{method}: {what}",
                e.line,
                e.on,
                e.distribution.number(),
                e.kind.as_str()
            )?;
        }
        Ok(())
    }
}
