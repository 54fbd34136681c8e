//! Payment events that cannot apply, and bad rows of the distribution files: each is a rejected
//! row naming its line, column and reason, never a panic, never a lost row.

use std::path::{Path, PathBuf};

use premium_claims::internals::output;
use premium_claims::{
    decide, payments, DataFolder, EventKind, Ledger, NaiveDate, NoProgress, PaymentEvent,
    PaymentMethod, Round, Uuid,
};
use premium_claims::{ClaimId, Decisions};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/distribution")
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Claim A..M of the example (ids ending 01..0d).
fn claim(letter: char) -> ClaimId {
    ClaimId(Uuid::from_u128(
        0x4000_8000_0000_0000_0000 + (letter as u128 - 'A' as u128 + 1),
    ))
}

fn event(letter: char, round: u8, kind: EventKind, on: &str, line: u64) -> PaymentEvent {
    let round = if round == 1 {
        Round::First
    } else {
        Round::Second
    };
    PaymentEvent::new(claim(letter), round, kind, day(on), line)
}

/// The rejections of `events` as of `as_of`: (line, column, message).
fn rejections(events: &[PaymentEvent], as_of: &str) -> Vec<(u64, String, String)> {
    let data = DataFolder::new(example()).load(&mut NoProgress).unwrap();
    let decisions: Decisions = decide(&data).unwrap();
    let paid = payments(&data, &decisions);
    let ledger = Ledger::build(&data.case, &decisions, &paid, events, &[], day(as_of)).unwrap();
    let r = &ledger.reconciliation;
    assert_eq!(r.accounted(), r.total);
    assert_eq!(
        ledger.events_applied + ledger.events_after_as_of + ledger.rejections.len() as u64,
        events.len() as u64,
        "every event applied, ignored or rejected"
    );
    ledger
        .rejections
        .iter()
        .map(|r| {
            (
                r.line,
                r.problem.column.to_string(),
                r.problem.message.clone(),
            )
        })
        .collect()
}

#[test]
fn the_claim_id_must_name_a_claim_paid_in_that_distribution() {
    let unknown = PaymentEvent::new(
        ClaimId(Uuid::from_u128(0xdead)),
        Round::First,
        EventKind::Cashed,
        day("2025-12-10"),
        2,
    );
    let got = rejections(
        &[
            unknown,
            event('M', 1, EventKind::Cashed, "2025-12-10", 3), // deficient: not paid
            event('F', 2, EventKind::Cashed, "2027-02-01", 4), // F's first check went void
            event('A', 2, EventKind::Returned, "2026-05-01", 5), // no second distribution yet
        ],
        "2027-06-30",
    );
    assert_eq!(got.len(), 4);
    assert_eq!(
        (got[0].0, got[0].1.as_str()),
        (2, "claim_id"),
        "{:?}",
        got[0]
    );
    assert!(got[0].2.starts_with("unknown claim"));
    assert_eq!((got[1].0, got[1].1.as_str()), (3, "distribution"));
    assert!(got[1].2.ends_with("was not paid in distribution 1"));
    assert_eq!((got[2].0, got[2].1.as_str()), (4, "distribution"));
    assert!(got[2].2.ends_with("was not paid in distribution 2"));
    // Before 2027-01-15 the second distribution does not exist: nobody is paid in it.
    assert_eq!(
        rejections(
            &[event('A', 2, EventKind::Returned, "2026-05-01", 5)],
            "2026-06-01"
        )[0]
        .1,
        "distribution"
    );
}

#[test]
fn only_checks_are_cashed_and_only_until_their_void_date() {
    let got = rejections(
        &[
            event('A', 1, EventKind::Cashed, "2025-12-10", 2), // an ACH payment
            event('F', 1, EventKind::Cashed, "2026-03-02", 3), // a day after the void date
            event('E', 1, EventKind::Cashed, "2025-12-20", 4), // cashed
            event('E', 1, EventKind::Cashed, "2025-12-21", 5), // cashed twice
            event('K', 1, EventKind::Cashed, "2026-03-01", 6), // on the void date: counts
        ],
        "2026-06-30",
    );
    let lines: Vec<(u64, &str)> = got.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(lines, [(2, "event"), (3, "on"), (5, "event")]);
    assert!(
        got[0].2.contains("a ach payment is not cashed"),
        "{}",
        got[0].2
    );
    assert!(got[1].2.contains("void on 2026-03-01"), "{}", got[1].2);
    assert!(
        got[2].2.contains("already cashed on 2025-12-20"),
        "{}",
        got[2].2
    );
}

#[test]
fn a_replaced_check_cannot_be_cashed() {
    // J's check is reissued as a Zelle payment; a later "cashed" can only be of the old check.
    let got = rejections(
        &[
            event('J', 1, EventKind::Reissued, "2026-01-05", 2).with_method(PaymentMethod::Zelle),
            event('J', 1, EventKind::Cashed, "2026-01-20", 3),
        ],
        "2026-06-30",
    );
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.as_str()), (3, "event"));
    assert!(
        got[0]
            .2
            .contains("check 1 was replaced on 2026-01-05 by a zelle payment"),
        "{}",
        got[0].2
    );
}

#[test]
fn checks_are_never_returned_and_events_do_not_precede_the_issue() {
    let got = rejections(
        &[
            event('E', 1, EventKind::Returned, "2025-12-10", 2),
            event('A', 1, EventKind::Returned, "2025-11-15", 3),
            event('E', 1, EventKind::Reissued, "2025-11-30", 4),
        ],
        "2026-06-30",
    );
    let lines: Vec<(u64, &str)> = got.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(lines, [(2, "event"), (3, "on"), (4, "on")]);
    assert!(got[0].2.contains("checks are not returned"));
    assert!(got[1]
        .2
        .contains("before the instrument's issue on 2025-12-01"));
}

#[test]
fn cashed_or_delivered_payments_are_not_reissued() {
    let got = rejections(
        &[
            event('L', 1, EventKind::Cashed, "2025-12-15", 2),
            event('L', 1, EventKind::Reissued, "2026-01-15", 3),
            event('G', 1, EventKind::Reissued, "2026-01-15", 4),
            event('H', 1, EventKind::Returned, "2025-12-10", 5),
            event('H', 1, EventKind::Returned, "2025-12-11", 6),
            event('H', 1, EventKind::Reissued, "2026-01-15", 7), // returned: may be reissued
        ],
        "2026-06-30",
    );
    let lines: Vec<u64> = got.iter().map(|r| r.0).collect();
    assert_eq!(lines, [3, 4, 6]);
    assert!(got[0].2.contains("cashed on 2025-12-15"));
    assert!(got[1].2.contains("delivered and not returned"));
    assert!(got[2].2.contains("already returned on 2025-12-10"));
}

#[test]
fn events_of_the_first_distribution_after_it_closed_are_rejected() {
    // H's returned payment reissued after the second distribution took its money: too late. The
    // same reissue before 2027-01-15 applies (and then H is eligible for the second distribution
    // once the reissued payment is delivered).
    let mut events = vec![
        event('H', 1, EventKind::Returned, "2025-12-10", 2),
        event('H', 1, EventKind::Reissued, "2027-02-01", 3),
    ];
    let got = rejections(&events, "2027-06-30");
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.as_str()), (3, "on"));
    assert!(got[0].2.contains("distribution 1 was closed on 2027-01-15"));
    events[1].on = day("2026-12-01");
    assert!(rejections(&events, "2027-06-30").is_empty());
    // As of a date after it, an event is ignored, not judged.
    assert!(rejections(&events, "2026-11-30").is_empty());
}

#[test]
fn a_check_outstanding_on_the_second_date_postpones_the_second_distribution() {
    // F's check reissued on 2027-01-01: its new void date (2027-04-01) is after 2027-01-15.
    let data = DataFolder::new(example()).load(&mut NoProgress).unwrap();
    let decisions = decide(&data).unwrap();
    let paid = payments(&data, &decisions);
    let events = [event('F', 1, EventKind::Reissued, "2027-01-01", 2)];
    let ledger = Ledger::build(
        &data.case,
        &decisions,
        &paid,
        &events,
        &[],
        day("2027-06-30"),
    )
    .unwrap();
    assert_eq!(
        ledger.second.status,
        premium_claims::SecondStatus::Postponed
    );
    assert!(ledger.second.payments.is_empty());
    let r = &ledger.reconciliation;
    assert_eq!(r.accounted(), r.total);
    // No check was cashed: C 1,999.99 + E 1,000 + F 1,000 (its new check void on 2027-04-01) +
    // J 400 + K 1,500 + L 100 are void, and wait with the residual 1,600.02 for a later date.
    assert_eq!(r.unclaimed, "7600.01".parse().unwrap());
    assert_eq!(r.residual_recipient, "0.00".parse().unwrap());
}

/// The rows of the folder's files, bad ones appended, go to rejected_rows.csv with file, line
/// and reason; the run still reconciles.
#[test]
fn bad_rows_of_every_distribution_file_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(example()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let append = |file: &str, rows: &str| {
        let mut text = std::fs::read_to_string(dir.join(file)).unwrap();
        text.push_str(rows);
        std::fs::write(dir.join(file), text).unwrap();
    };
    let a = claim('A');
    let e = claim('E');
    // payment_events.csv has 14 rows (lines 2-15): these are lines 16-22.
    append(
        "payment_events.csv",
        &format!(
            "{a},3,cashed,2026-01-01,,\n\
             {a},1,bounced,2026-01-01,,\n\
             {a},1,returned,2026-13-01,,\n\
             ,1,returned,2026-01-01,,\n\
             {a},1,reissued,2026-01-01,carrier pigeon,\n\
             {e},1,returned,2026-01-01,,\n\
             {a},1,returned,2031-01-01,,extra\n"
        ),
    );
    append(
        "tax_forms.csv",
        "m-99,certified,2026-01-01\nm-01,signed,2026-01-01\n",
    );
    append(
        "notices.csv",
        "m-01,carrier pigeon,2025-04-01,no\nm-02,email,2025-04-01,perhaps\n",
    );
    append("objections.csv", "m-01,\n");
    let folder = DataFolder::new(&dir);
    let mut data = folder.load(&mut NoProgress).unwrap();
    let mut files = folder.load_distribution(&data).unwrap();
    let decisions = decide(&data).unwrap();
    let (outputs, accounting) =
        output::distribute(&mut data, &decisions, &mut files, day("2027-06-30")).unwrap();
    let rejected = outputs
        .iter()
        .find(|(n, _)| *n == "rejected_rows.csv")
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .unwrap();
    let expected = [
        "file,line,error",
        "payment_events.csv,16,distribution: '3' is not a distribution (1 or 2)",
        "payment_events.csv,17,event: unknown event 'bounced'",
        "payment_events.csv,18,on: '2026-13-01' is not a valid calendar date",
        "payment_events.csv,19,claim_id: required value is absent",
        "payment_events.csv,20,method: unknown payment method 'carrier pigeon'",
        "payment_events.csv,21,event: returned: checks are not returned (an uncashed check goes void)",
        "tax_forms.csv,6,member_id: unknown member 'm-99'",
        "tax_forms.csv,7,tin_status: unknown TIN status 'signed'",
        "notices.csv,17,method: unknown notice method 'carrier pigeon'",
        "notices.csv,18,undeliverable: 'perhaps' is not a boolean (true/false/yes/no/1/0)",
        "objections.csv,3,filed_on: required value is absent",
    ];
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines, expected, "{rejected}");
    // The row dated 2031 is ignored, not rejected; the good rows all apply.
    assert_eq!(accounting.events.rows, 21);
    assert_eq!(accounting.events.after_as_of, 1);
    assert_eq!(accounting.events.applied, 14);
    assert_eq!(accounting.events.rejected, 6);
    let summary: serde_json::Value = serde_json::from_slice(
        &outputs
            .iter()
            .find(|(n, _)| *n == "summary.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(summary["rejected_rows"], 11);
    let json: serde_json::Value = serde_json::from_slice(
        &outputs
            .iter()
            .find(|(n, _)| *n == "accounting.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(json["inputs"]["payment_events.csv"]["rejected"], 6);
    assert_eq!(json["inputs"]["payment_events.csv"]["accepted"], 15);
    assert_eq!(json["reconciliation"]["balanced"], true);
}

/// Without a fund the reconciliation starts from the total allocated, there is no second
/// distribution, and unclaimed money stays in its bucket.
#[test]
fn without_a_fund_unclaimed_money_stays_unclaimed() {
    let tmp = tempfile::tempdir().unwrap();
    let case = std::fs::read_to_string(example().join("case.toml")).unwrap();
    let (before, after) = case.split_once("[fund]").unwrap();
    let (_, rest) = after.split_once("[distribution]").unwrap();
    let path = tmp.path().join("no-fund.toml");
    std::fs::write(&path, format!("{before}[distribution]{rest}")).unwrap();
    let folder = DataFolder::new(example()).with_case_file(&path);
    let data = folder.load(&mut NoProgress).unwrap();
    let files = folder.load_distribution(&data).unwrap();
    let decisions = decide(&data).unwrap();
    let paid = payments(&data, &decisions);
    let ledger = Ledger::build(
        &data.case,
        &decisions,
        &paid,
        &files.events,
        &[],
        day("2027-06-30"),
    )
    .unwrap();
    assert_eq!(
        ledger.second.status,
        premium_claims::SecondStatus::NotProvided
    );
    let r = &ledger.reconciliation;
    assert!(!r.from_gross_fund);
    // The same payments as with the fund (it covered them all): 9,899.98, of which F's void
    // 1,000.00 and H's returned 300.00 stay unclaimed.
    assert_eq!(r.total, "9899.98".parse().unwrap());
    assert_eq!(r.completed, "8599.98".parse().unwrap());
    assert_eq!(r.unclaimed, "1300.00".parse().unwrap());
    assert_eq!(r.residual_recipient, "0.00".parse().unwrap());
    assert_eq!(r.accounted(), r.total);
    // The five events of distribution 2 name a distribution that never happened.
    assert_eq!(ledger.rejections.len(), 5);
    assert!(ledger
        .rejections
        .iter()
        .all(|r| r.problem.column == "distribution"));
}

/// Payments that are not those of the decisions cannot be reconciled: the ledger refuses them
/// rather than report numbers that do not add up.
#[test]
fn payments_of_another_run_fail_the_reconciliation() {
    let data = DataFolder::new(example()).load(&mut NoProgress).unwrap();
    let decisions = decide(&data).unwrap();
    let mut paid = payments(&data, &decisions);
    paid[0].amount = "600.00".parse().unwrap(); // 599.99 decided
    let result = Ledger::build(&data.case, &decisions, &paid, &[], &[], day("2026-06-30"));
    assert!(
        matches!(
            result,
            Err(premium_claims::DistributionError::Reconciliation(_))
        ),
        "{result:?}"
    );
}
