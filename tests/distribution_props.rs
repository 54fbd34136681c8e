//! Invariants of the ledger for any events, dates and settings, on the payments of the
//! hand-worked example: every cent in one bucket, one current instrument per payment, the order of
//! different claims' events irrelevant, the second distribution's cents conserved.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use premium_claims::{
    decide, payments, Cents, ClaimId, DataFolder, Dataset, Decisions, Distribution, EventKind,
    InstrumentState, Ledger, NaiveDate, NoProgress, PaymentEvent, PaymentMethod, Round,
    SecondStatus, Uuid,
};

fn example() -> &'static (Dataset, Decisions) {
    static DATA: OnceLock<(Dataset, Decisions)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/distribution");
        let data = DataFolder::new(dir).load(&mut NoProgress).unwrap();
        let decisions = decide(&data).unwrap();
        (data, decisions)
    })
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
}

fn after(days: u64) -> NaiveDate {
    base().checked_add_days(chrono::Days::new(days)).unwrap()
}

/// A raw event: claim 1..=14 (13 is unpaid, 14 unknown), round, kind, day, reissue method.
type Raw = (u128, u8, u8, u64, Option<u8>);

fn events(raw: &[Raw]) -> Vec<PaymentEvent> {
    const METHODS: [PaymentMethod; 6] = [
        PaymentMethod::Check,
        PaymentMethod::Ach,
        PaymentMethod::Paypal,
        PaymentMethod::Venmo,
        PaymentMethod::Zelle,
        PaymentMethod::VirtualCard,
    ];
    raw.iter()
        .enumerate()
        .map(|(i, &(claim, round, kind, day, method))| {
            let kind = [EventKind::Cashed, EventKind::Returned, EventKind::Reissued][kind as usize];
            let round = if round == 1 {
                Round::First
            } else {
                Round::Second
            };
            let id = ClaimId(Uuid::from_u128(0x4000_8000_0000_0000_0000 + claim));
            let mut e = PaymentEvent::new(id, round, kind, after(day), i as u64 + 2);
            e.method = method.map(|m| METHODS[m as usize]);
            e
        })
        .collect()
}

fn raw_events() -> impl Strategy<Value = Vec<Raw>> {
    proptest::collection::vec(
        (
            1u128..=14,
            1u8..=2,
            0u8..3,
            0u64..720,
            proptest::option::of(0u8..6),
        ),
        0..40,
    )
}

#[derive(Debug, Clone)]
struct Settings {
    void_days: u32,
    second: Option<u64>,
    second_minimum: i64,
    as_of: u64,
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        0u32..200,
        proptest::option::of(20u64..600),
        0i64..100_000,
        0u64..800,
    )
        .prop_map(|(void_days, second, second_minimum, as_of)| Settings {
            void_days,
            second,
            second_minimum,
            as_of,
        })
}

fn case_with(s: &Settings) -> premium_claims::Case {
    let mut case = example().0.case.clone();
    let d: &mut Distribution = case.distribution.as_mut().unwrap();
    d.check_void_days = s.void_days;
    d.second_issue_date = s.second.map(|days| after(days + 11)); // after the first issue
    d.second_distribution_minimum = Cents::from_cents(s.second_minimum);
    case
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the events and dates, the ledger reconciles to the cent, every payment has
    /// exactly one current instrument in its distribution, and the buckets are the sums of the
    /// instruments' states.
    #[test]
    fn every_cent_is_in_exactly_one_bucket(raw in raw_events(), s in settings()) {
        let (data, decisions) = example();
        let case = case_with(&s);
        let paid = payments(data, decisions);
        let events = events(&raw);
        let ledger = Ledger::build(&case, decisions, &paid, &events, &[], after(s.as_of)).unwrap();
        let r = &ledger.reconciliation;
        prop_assert_eq!(r.accounted(), r.total);
        prop_assert!(r.buckets().iter().all(|(_, c)| *c >= Cents::ZERO));
        prop_assert_eq!(
            ledger.events_applied + ledger.events_after_as_of + ledger.rejections.len() as u64,
            events.len() as u64
        );
        for (p, payment) in paid.iter().enumerate() {
            let mine = ledger.instruments_of(p);
            let current1: Vec<_> = mine.iter().filter(|i| i.current && i.distribution == Round::First).collect();
            prop_assert_eq!(current1.len(), 1);
            prop_assert!(mine.iter().all(|i| i.current || i.state == InstrumentState::Replaced));
            prop_assert!(mine.iter().filter(|i| i.distribution == Round::First).all(|i| i.amount == payment.amount));
            let current2 = mine.iter().filter(|i| i.current && i.distribution == Round::Second).count();
            prop_assert!(current2 <= 1);
        }
        let current2 = ledger.instruments.iter().filter(|i| i.current && i.distribution == Round::Second).count();
        prop_assert_eq!(current2, ledger.second.payments.len());
        let sum = |f: fn(InstrumentState) -> bool| -> Cents {
            ledger.instruments.iter().filter(|i| i.current && f(i.state)).map(|i| i.amount).sum()
        };
        prop_assert_eq!(sum(InstrumentState::is_completed), r.completed);
        prop_assert_eq!(sum(|s| s == InstrumentState::Outstanding), r.outstanding);
        prop_assert_eq!(sum(|s| s == InstrumentState::Pending), r.pending);
    }

    /// The second distribution spends its pool exactly, in shares a cent apart at most.
    #[test]
    fn second_distribution_cents_are_conserved(raw in raw_events(), s in settings()) {
        let (data, decisions) = example();
        let case = case_with(&s);
        let paid = payments(data, decisions);
        let ledger = Ledger::build(&case, decisions, &paid, &events(&raw), &[], after(s.as_of)).unwrap();
        let second = &ledger.second;
        match second.status {
            SecondStatus::Issued => {
                prop_assert_eq!(second.paid + second.to_residual, second.pool);
                let total: Cents = second.payments.iter().map(|p| p.1).sum();
                prop_assert_eq!(total, second.paid);
                let low = second.payments.iter().map(|p| p.1).min().unwrap();
                let high = second.payments.iter().map(|p| p.1).max().unwrap();
                prop_assert!(high.0 - low.0 <= 1);
                prop_assert!(second.payments.len() as u64 <= second.eligible);
                prop_assert!(second.pool.0 >= s.second_minimum as i128 * second.eligible as i128);
                prop_assert!(low >= Cents::from_cents(500)); // the fund's minimum payment
            }
            SecondStatus::ToResidual => prop_assert_eq!(second.to_residual, second.pool),
            _ => prop_assert!(second.payments.is_empty()),
        }
    }

    /// Interleaving the rows of different claims differently changes nothing.
    #[test]
    fn the_order_of_different_claims_events_does_not_matter(
        raw in raw_events(),
        picks in proptest::collection::vec(0usize..14, 40),
        s in settings(),
    ) {
        let (data, decisions) = example();
        let case = case_with(&s);
        let paid = payments(data, decisions);
        let given = events(&raw);
        // Each claim's rows in their order; merged by picking claims in a random order.
        let mut queues: Vec<std::collections::VecDeque<PaymentEvent>> = vec![Default::default(); 15];
        for e in &given {
            let claim = (e.claim_id.0.as_u128() & 0xff) as usize;
            queues[claim].push_back(e.clone());
        }
        let mut shuffled = Vec::with_capacity(given.len());
        let mut pick = picks.iter().cycle();
        while shuffled.len() < given.len() {
            let start = *pick.next().unwrap_or(&0);
            let q = (0..15).map(|k| (start + k) % 15).find(|&k| !queues[k].is_empty()).unwrap();
            shuffled.push(queues[q].pop_front().unwrap());
        }
        let a = Ledger::build(&case, decisions, &paid, &given, &[], after(s.as_of)).unwrap();
        let b = Ledger::build(&case, decisions, &paid, &shuffled, &[], after(s.as_of)).unwrap();
        prop_assert_eq!(a, b);
    }
}
