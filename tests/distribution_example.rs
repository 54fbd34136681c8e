//! The hand-worked distribution of `examples/data/distribution` (its README derives every figure):
//! twelve payments carried out from 2025-12-01, looked at before the first payments are issued,
//! before the first void date, between the void dates, after them, and after the second
//! distribution.

use std::path::{Path, PathBuf};
use std::process::Command;

use premium_claims::{
    decide, payments, Accounting, Cents, DataFolder, Decisions, DistributionFiles, InstrumentState,
    Ledger, NaiveDate, NoProgress, Payment, Reconciliation, Round, SecondStatus, TinStatus,
};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/distribution")
}

fn c(text: &str) -> Cents {
    text.parse().unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// The claim of letter A..M: claim ids end in 01..0d.
fn claim(letter: char) -> String {
    format!(
        "00000000-0000-4000-8000-{:012x}",
        letter as u32 - 'A' as u32 + 1
    )
}

struct Run {
    data: premium_claims::Dataset,
    files: DistributionFiles,
    decisions: Decisions,
}

fn load() -> Run {
    let folder = DataFolder::new(folder());
    let data = folder.load(&mut NoProgress).unwrap();
    let files = folder.load_distribution(&data).unwrap();
    let decisions = decide(&data).unwrap();
    Run {
        data,
        files,
        decisions,
    }
}

fn ledger<'a>(run: &Run, paid: &'a [Payment<'a>], as_of: &str) -> Ledger<'a> {
    Ledger::build(
        &run.data.case,
        &run.decisions,
        paid,
        &run.files.events,
        &run.files.tax_forms,
        day(as_of),
    )
    .unwrap()
}

/// The state of a claim's current instrument in a distribution.
fn state(ledger: &Ledger<'_>, letter: char, round: Round) -> InstrumentState {
    let id = claim(letter);
    ledger
        .instruments
        .iter()
        .find(|i| i.claim_id.to_string() == id && i.distribution == round && i.current)
        .map(|i| i.state)
        .unwrap_or_else(|| panic!("no instrument for {letter}"))
}

/// The buckets in the accounting's order: fees, litigation, administration, awards, completed,
/// pending, outstanding, unclaimed, residual recipient.
fn buckets(r: &Reconciliation) -> Vec<Cents> {
    r.buckets().iter().map(|(_, c)| *c).collect()
}

fn expect_buckets(r: &Reconciliation, variable: [&str; 5]) {
    let mut expected = vec![c("5000.00"), c("1000.00"), c("2000.00"), c("500.00")];
    expected.extend(variable.iter().map(|v| c(v)));
    assert_eq!(buckets(r), expected);
    assert_eq!(r.total, c("20000.00"));
    assert_eq!(r.accounted(), r.total);
}

#[test]
fn the_first_distribution_pays_the_entitlements_in_full() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    // 12 approved claims paid their entitlement (net 11,500.00 covers the 9,899.98 they total);
    // claim M is not attested: deficient, unpaid.
    assert_eq!(paid.len(), 12);
    let total: Cents = paid.iter().map(|p| p.amount).sum();
    assert_eq!(total, c("9899.98"));
    assert_eq!(run.decisions.money.residual, c("1600.02"));
    let amounts: Vec<String> = paid.iter().map(|p| p.amount.to_string()).collect();
    assert_eq!(
        amounts,
        [
            "599.99", "600.00", "1999.99", "2000.00", "1000.00", "1000.00", "250.00", "300.00",
            "150.00", "400.00", "1500.00", "100.00"
        ]
    );
    assert!(run.files.rejected.is_empty());
    assert_eq!(run.files.events.len(), 14);
}

#[test]
fn before_issue_every_payment_is_pending_and_every_event_is_after_the_date() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2025-11-30");
    assert!(l
        .instruments
        .iter()
        .all(|i| i.state == InstrumentState::Pending && i.issued_on.is_none()));
    assert_eq!(l.events_after_as_of, 14);
    assert_eq!(l.events_applied, 0);
    assert!(l.tax.is_empty());
    // pending 9,899.98; the residual 1,600.02 awaits the second distribution.
    expect_buckets(
        &l.reconciliation,
        ["0.00", "9899.98", "0.00", "1600.02", "0.00"],
    );
}

#[test]
fn before_the_void_date_two_checks_are_outstanding() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2026-02-28");
    assert_eq!(l.events_applied, 8);
    assert_eq!(l.events_after_as_of, 6); // K cashed on 2026-03-01, and the five of distribution 2
    assert_eq!(state(&l, 'F', Round::First), InstrumentState::Outstanding);
    assert_eq!(state(&l, 'K', Round::First), InstrumentState::Outstanding);
    assert_eq!(state(&l, 'J', Round::First), InstrumentState::Cashed);
    assert_eq!(state(&l, 'H', Round::First), InstrumentState::Returned);
    assert_eq!(state(&l, 'D', Round::First), InstrumentState::Delivered);
    // completed: A 599.99 + B 600 + C 1999.99 + D 2000 + E 1000 + G 250 + I 150 + J 400 + L 100
    // = 7,099.98; outstanding F 1000 + K 1500; unclaimed H 300 + residual 1,600.02.
    expect_buckets(
        &l.reconciliation,
        ["7099.98", "0.00", "2500.00", "1900.02", "0.00"],
    );
    // K's check is not cashed yet: Kim has no 2025 form as of this date.
    let forms: Vec<(String, i32)> = l
        .tax
        .iter()
        .map(|t| (t.member_id.0.clone(), t.year))
        .collect();
    assert_eq!(
        forms,
        [
            ("m-02".to_string(), 2025),
            ("m-04".to_string(), 2026),
            ("m-05".to_string(), 2025)
        ]
    );
    assert_eq!(l.first_final_on, None);
}

#[test]
fn between_the_void_dates_the_uncashed_check_is_void_and_the_last_day_cashing_counts() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2026-03-15");
    assert_eq!(state(&l, 'F', Round::First), InstrumentState::Void);
    assert_eq!(state(&l, 'K', Round::First), InstrumentState::Cashed);
    // Cal's replacement check is void only after 2026-04-10: the distribution is not final yet.
    assert_eq!(l.first_final_on, None);
    expect_buckets(
        &l.reconciliation,
        ["8599.98", "0.00", "0.00", "2900.02", "0.00"],
    );
    // On the first void date itself F is void and K, cashed that day, is cashed.
    let on = ledger(&run, &paid, "2026-03-01");
    assert_eq!(state(&on, 'F', Round::First), InstrumentState::Void);
    assert_eq!(state(&on, 'K', Round::First), InstrumentState::Cashed);
    let before = ledger(&run, &paid, "2026-02-28");
    assert_eq!(
        state(&before, 'F', Round::First),
        InstrumentState::Outstanding
    );
}

#[test]
fn after_the_void_dates_the_first_distribution_is_final_and_waits_for_the_second() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2026-12-31");
    assert_eq!(l.first_final_on, Some(day("2026-04-10")));
    assert_eq!(l.second.status, SecondStatus::NotYet);
    expect_buckets(
        &l.reconciliation,
        ["8599.98", "0.00", "0.00", "2900.02", "0.00"],
    );
}

#[test]
fn the_second_distribution_shares_the_pool_equally_and_the_rest_goes_to_cy_pres() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2027-06-30");
    let s = &l.second;
    assert_eq!(s.status, SecondStatus::Issued);
    // pool = unclaimed F 1000 + H 300 + residual 1,600.02; ten completed first payments.
    assert_eq!(s.pool, c("2900.02"));
    assert_eq!(s.eligible, 10);
    // 290,002 cents / 10 = 29,000 each, 2 cents left: to the two smallest claim ids (A, B).
    let shares: Vec<(String, String)> = s
        .payments
        .iter()
        .map(|&(p, a)| (paid[p].claim_id.to_string(), a.to_string()))
        .collect();
    let expected: Vec<(String, String)> = "ABCDEGIJKL"
        .chars()
        .map(|l| {
            let amount = if "AB".contains(l) { "290.01" } else { "290.00" };
            (claim(l), amount.to_string())
        })
        .collect();
    assert_eq!(shares, expected);
    assert_eq!(s.to_residual, Cents::ZERO);
    assert_eq!(state(&l, 'L', Round::Second), InstrumentState::Void);
    assert_eq!(state(&l, 'G', Round::Second), InstrumentState::Returned);
    assert_eq!(state(&l, 'C', Round::Second), InstrumentState::Cashed);
    assert_eq!(l.second_final_on, Some(day("2027-04-15")));
    // completed: 8,599.98 + 2,900.02 - G 290 - L 290 = 10,920.00; the second distribution being
    // final, its unclaimed 580.00 goes to the residual recipient.
    expect_buckets(
        &l.reconciliation,
        ["10920.00", "0.00", "0.00", "0.00", "580.00"],
    );
    // The second payment of a claim paid by ACH after its first was returned goes by ACH.
    let d = &l.instruments_of(3);
    assert_eq!(d.len(), 3);
    assert_eq!(d[2].method.as_str(), "ach");
}

#[test]
fn form_1099_thresholds_follow_the_year_of_issue() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2027-06-30");
    let rows: Vec<(String, i32, String, String, TinStatus, String)> = l
        .tax
        .iter()
        .map(|t| {
            (
                t.member_id.0.clone(),
                t.year,
                t.total.to_string(),
                t.threshold.to_string(),
                t.tin_status,
                t.backup_withholding.to_string(),
            )
        })
        .collect();
    let row = |m: &str, y, total: &str, threshold: &str, tin, bw: &str| {
        (
            m.to_string(),
            y,
            total.to_string(),
            threshold.to_string(),
            tin,
            bw.to_string(),
        )
    };
    // A: 599.99 in 2025, below $600; B: exactly $600 in 2025, certified; C: 1,999.99 on a check
    // reissued in 2026, below $2,000; D: exactly $2,000 reissued by ACH in 2026, no form on file
    // (24% = 480.00); E: 1,000 in 2025, invalid TIN (240.00); K: 1,500 issued in 2025 and cashed in
    // 2026, counted in 2025, its later form certified. The second shares of 2027 are far below.
    assert_eq!(
        rows,
        [
            row(
                "m-02",
                2025,
                "600.00",
                "600.00",
                TinStatus::Certified,
                "0.00"
            ),
            row(
                "m-04",
                2026,
                "2000.00",
                "2000.00",
                TinStatus::Missing,
                "480.00"
            ),
            row(
                "m-05",
                2025,
                "1000.00",
                "600.00",
                TinStatus::Invalid,
                "240.00"
            ),
            row(
                "m-11",
                2025,
                "1500.00",
                "600.00",
                TinStatus::Certified,
                "0.00"
            ),
        ]
    );
    assert_eq!(l.tax[1].payee_name, Some("Dan Four")); // the member's name: the claim has none
}

#[test]
fn the_accounting_states_every_procedural_guidance_figure() {
    let run = load();
    let paid = payments(&run.data, &run.decisions);
    let l = ledger(&run, &paid, "2027-06-30");
    let a = Accounting::of(&run.data, &run.decisions, &l, &run.files);
    assert_eq!(a.total_fund, Some(c("20000.00")));
    assert_eq!(a.class_members, 14);
    let notices: Vec<(u64, u64)> = a
        .notices
        .iter()
        .map(|n| (n.sent, n.undeliverable))
        .collect();
    assert_eq!(notices, [(11, 1), (3, 1), (1, 0)]); // email, mail, postcard
    assert_eq!(
        (
            a.claims_received.count,
            a.claims_received.share_of_class.as_str()
        ),
        (13, "92.86%")
    );
    assert_eq!(
        (a.opt_outs.count, a.opt_outs.share_of_class.as_str()),
        (1, "7.14%")
    );
    assert_eq!(
        (a.objections.count, a.objections.share_of_class.as_str()),
        (1, "7.14%")
    );
    // Recoveries, both distributions: 890.00, 890.01, 2289.99, 2290.00, 1290.00, 250.00, 440.00,
    // 690.00, 1790.00, 100.00 (F and H got nothing): sum 10,920.00, mean 1,092.00, median
    // (890.00 + 890.01) / 2 = 890.005 -> 890.01.
    assert_eq!(a.recovery.count, 10);
    assert_eq!(
        [
            a.recovery.mean,
            a.recovery.median,
            a.recovery.max,
            a.recovery.min
        ],
        [c("1092.00"), c("890.01"), c("2290.00"), c("100.00")]
    );
    // Checks: cashed C 1999.99, E 1000, J 400, K 1500, L 100 and C, E, J, K 290 each; void F 1000
    // and L's second 290.
    assert_eq!(
        (a.checks.cashed.count, a.checks.cashed.amount),
        (9, c("6159.99"))
    );
    assert_eq!(
        (a.checks.void.count, a.checks.void.amount),
        (2, c("1290.00"))
    );
    assert_eq!(a.checks.outstanding.count, 0);
    assert_eq!(a.unclaimed, c("1880.00")); // F 1000 + H 300 + G 290 + L 290
    let methods: Vec<(&str, u64, Cents)> = a
        .payments_by_method
        .iter()
        .map(|m| (m.method.as_str(), m.issued.count, m.issued.amount))
        .collect();
    assert_eq!(
        methods,
        [
            ("check", 11, c("7449.99")),
            ("ach", 4, c("3180.00")),
            ("paypal", 2, c("890.01")),
            ("venmo", 2, c("540.00")),
            ("zelle", 1, c("300.00")),
            ("virtual_card", 2, c("440.00")),
        ]
    );
    assert_eq!(a.to_residual_recipient, c("580.00"));
    assert_eq!(
        a.fees_and_costs.fee_share_of_fund.as_deref(),
        Some("25.00%")
    );
    assert_eq!(a.fees_and_costs.multiplier.as_deref(), Some("1.25")); // 5000 / 4000
    assert_eq!(a.tax.forms_due, 4);
    assert_eq!(a.tax.backup_withholding, c("720.00"));
    assert_eq!(a.first_distribution.reissued, 2);
}

/// `distribute` writes the five outputs of `process` unchanged, and its own five.
#[test]
fn distribute_on_the_command_line_keeps_the_outputs_of_process() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let data = folder();
    let processed = tmp.path().join("process");
    let distributed = tmp.path().join("distribute");
    run(&[
        "process",
        data.to_str().unwrap(),
        "--out",
        processed.to_str().unwrap(),
        "-q",
    ]);
    run(&[
        "distribute",
        data.to_str().unwrap(),
        "--as-of",
        "2027-06-30",
        "--out",
        distributed.to_str().unwrap(),
        "-q",
    ]);
    for name in [
        "determinations.csv",
        "payments.csv",
        "rejected_rows.csv",
        "summary.json",
        "report.md",
    ] {
        assert_eq!(
            std::fs::read(processed.join(name)).unwrap(),
            std::fs::read(distributed.join(name)).unwrap(),
            "{name}"
        );
    }
    let ledger = std::fs::read_to_string(distributed.join("ledger.csv")).unwrap();
    assert_eq!(ledger.lines().count(), 1 + 14 + 10); // 12 first, 2 reissues, 10 second
    assert!(ledger.contains(&format!(
        "{},m-03,1,2,check,1999.99,2026-01-10,2026-04-10,cashed,2026-01-20",
        claim('C')
    )));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(distributed.join("accounting.json")).unwrap())
            .unwrap();
    assert_eq!(json["reconciliation"]["balanced"], true);
    assert_eq!(
        json["reconciliation"]["buckets"]["residual_recipient"],
        "580.00"
    );
    let md = std::fs::read_to_string(distributed.join("accounting.md")).unwrap();
    for field in [
        "Total settlement fund",
        "Class members",
        "Notices sent by email",
        "Claims received",
        "Opt-outs",
        "Objections",
        "Average",
        "Median",
        "Largest",
        "Smallest",
        "Payments by method",
        "Outstanding",
        "Void",
        "Unclaimed money",
        "To the residual recipient, Electronic Frontier Foundation",
        "Administration costs",
        "Attorney fees",
        "Litigation costs",
        "share of the fund",
        "Multiplier",
        "Reconciliation",
    ] {
        assert!(md.contains(field), "accounting.md lacks {field}");
    }
    // An as-of date that is not a date is a usage error; a case without [distribution] fails.
    let bad = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args([
            "distribute",
            data.to_str().unwrap(),
            "--as-of",
            "2027-02-30",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
    let out = tmp.path().join("plain");
    let no_table = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args([
            "distribute",
            plain.to_str().unwrap(),
            "--as-of",
            "2027-01-01",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(no_table.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_table.stderr).contains("[distribution]"));
    assert!(!out.exists());
}

/// `explain` adds the payment history of a paid claim when the folder has payment events.
#[test]
fn explain_shows_the_payment_history() {
    let out = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args([
            "explain",
            folder().to_str().unwrap(),
            &claim('C'),
            "--as-of",
            "2026-03-15",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let history: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("payment history"))
        .collect();
    assert_eq!(
        history,
        [
            "payment history as of 2026-03-15:",
            "  distribution 1, instrument 1: check 1999.99 issued 2025-12-01, void after 2026-03-01: replaced since 2026-01-10",
            "  distribution 1, instrument 2: check 1999.99 issued 2026-01-10, void after 2026-04-10: cashed since 2026-01-20",
            "  event, payment_events.csv line 3: 2026-01-10 distribution 1 reissued (check): applied",
            "  event, payment_events.csv line 2: 2026-01-20 distribution 1 cashed: applied",
            "  event, payment_events.csv line 11: 2027-02-01 distribution 2 cashed: after the date: ignored",
        ]
    );
    // An unpaid claim (M, deficient) has no history.
    let out = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args(["explain", folder().to_str().unwrap(), &claim('M')])
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stdout)
        .unwrap()
        .contains("payment history"));
}

/// `generate --distribution` leaves the other files as they were and writes events that all
/// apply: most transfers delivered, a tenth to a third of the checks never cashed.
#[test]
fn generated_distributions_leave_the_other_files_alone_and_apply_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, with) = (tmp.path().join("plain"), tmp.path().join("with"));
    let plan = premium_claims::Plan::new(5_000, 11);
    premium_claims::generate(&plain, plan).unwrap();
    premium_claims::generate(&with, plan).unwrap();
    let written = premium_claims::generate_distribution(&with, plan).unwrap();
    for name in [
        "members.csv",
        "subscriptions.csv",
        "evidence.csv",
        "opt_outs.csv",
        "claims.csv",
        "cures.csv",
    ] {
        assert_eq!(
            std::fs::read(plain.join(name)).unwrap(),
            std::fs::read(with.join(name)).unwrap(),
            "{name}"
        );
    }
    assert!(written.notices >= 4_900 && written.payment_events > 0);
    let folder = DataFolder::new(&with);
    let data = folder.load(&mut NoProgress).unwrap();
    let files = folder.load_distribution(&data).unwrap();
    assert!(files.rejected.is_empty());
    let decisions = decide(&data).unwrap();
    let paid = payments(&data, &decisions);
    let ledger = Ledger::build(
        &data.case,
        &decisions,
        &paid,
        &files.events,
        &files.tax_forms,
        day("2028-06-30"),
    )
    .unwrap();
    assert!(
        ledger.rejections.is_empty(),
        "{:?}",
        ledger.rejections.first()
    );
    assert_eq!(ledger.second.status, SecondStatus::Issued);
    let checks = ledger
        .instruments
        .iter()
        .filter(|i| i.current && i.distribution == Round::First && i.method.as_str() == "check")
        .collect::<Vec<_>>();
    let void = checks
        .iter()
        .filter(|i| i.state == InstrumentState::Void)
        .count();
    let share = void as f64 / checks.len() as f64;
    assert!(
        (0.10..=0.30).contains(&share),
        "{void} of {} checks void",
        checks.len()
    );
    let r = &ledger.reconciliation;
    assert_eq!(r.accounted(), r.total);
}

/// `verify` re-makes a `distribute` folder as of the date its accounting.json records, and finds
/// a changed ledger.
#[test]
fn verify_proves_a_distribution_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let data = folder();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_premium-claims"))
            .args(args)
            .output()
            .unwrap()
    };
    let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
    assert!(
        run(&["distribute", d, "--as-of", "2026-03-15", "--out", o, "-q"])
            .status
            .success()
    );
    let ok = run(&["verify", o, d]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("accounting.md"));
    let ledger = out.join("ledger.csv");
    let text = std::fs::read_to_string(&ledger).unwrap();
    std::fs::write(&ledger, text.replace(",void,", ",cashed,")).unwrap();
    let changed = run(&["verify", o, d]);
    assert_eq!(changed.status.code(), Some(1));
    let said = String::from_utf8_lossy(&changed.stdout);
    assert!(said.contains("ledger.csv: sha256"), "{said}");
    assert!(said.contains("recorded in accounting.json"), "{said}");
}
