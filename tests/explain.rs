//! `explain` on claims of the bundled example: which rule decided, under which source, on which
//! facts and evidence rows.

use std::path::{Path, PathBuf};
use std::process::Command;

use premium_claims::rules::{Outcome, Reason, Status};
use premium_claims::ClaimId;
use premium_claims::{decide, DataFolder, NoProgress};
use premium_claims::{explain, Explanation};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium")
}

fn claim(n: u32) -> ClaimId {
    ClaimId::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
}

fn explained(n: u32) -> Explanation {
    let data = DataFolder::new(example()).load(&mut NoProgress).unwrap();
    let decisions = decide(&data).unwrap();
    explain(&data, &decisions, claim(n)).expect("claim in the example")
}

fn outcome(e: &Explanation, number: u8) -> Outcome {
    e.rules.iter().find(|r| r.number == number).unwrap().outcome
}

#[test]
fn disclosure_before_messages_names_both_evidence_rows_in_local_and_utc_time() {
    let e = explained(18);
    assert_eq!(e.status, Status::Rejected);
    assert_eq!(e.reasons, vec![Reason::DisclosureBeforeMessages]);
    assert_eq!(e.decided_by, Some("elig.disclosure_after_message"));
    let inmail = e.facts.earliest_qualifying_inmail.as_ref().unwrap();
    assert_eq!(inmail.evidence_id, "ev-016-m");
    assert_eq!(inmail.utc.to_rfc3339(), "2024-09-01T17:00:00+00:00");
    assert_eq!(inmail.local, "2024-09-01T10:00:00-07:00");
    let disclosure = e.facts.latest_qualifying_disclosure.as_ref().unwrap();
    assert_eq!(disclosure.evidence_id, "ev-016-d");
    assert_eq!(outcome(&e, 9), Outcome::Passed);
    assert_eq!(outcome(&e, 10), Outcome::Passed);
    assert_eq!(outcome(&e, 11), Outcome::Failed);
    let rule = e.rules.iter().find(|r| r.number == 11).unwrap();
    assert!(rule.source.contains("2702(a)(1)"), "{}", rule.source);
    assert!(
        rule.detail.contains("ev-016-m") && rule.detail.contains("is after"),
        "{}",
        rule.detail
    );
}

#[test]
fn message_at_the_disclosure_instant_passes_rule_11() {
    let e = explained(19);
    assert_eq!(e.status, Status::Approved);
    assert_eq!(e.decided_by, None);
    assert_eq!(outcome(&e, 11), Outcome::Passed);
    let m = e.facts.earliest_qualifying_inmail.as_ref().unwrap();
    let d = e.facts.latest_qualifying_disclosure.as_ref().unwrap();
    assert_eq!(m.utc, d.utc);
    assert_eq!(
        e.facts.eligible_subscription.as_ref().unwrap().end_date,
        None
    );
    assert_eq!(e.entitlement.to_string(), "1000.00");
}

#[test]
fn an_unresolved_identity_leaves_the_member_rules_not_applicable() {
    let e = explained(5);
    assert_eq!(e.status, Status::Deficient);
    assert_eq!(e.decided_by, Some("identity.ambiguous"));
    assert_eq!(e.facts.member_id, None);
    for number in 5..=11 {
        assert_eq!(outcome(&e, number), Outcome::NotApplicable, "rule {number}");
    }
    assert_eq!(outcome(&e, 3), Outcome::Failed);
}

#[test]
fn a_late_claim_shows_its_filing_date_against_the_deadline() {
    let e = explained(26);
    assert_eq!(e.decided_by, Some("filing.deadline"));
    assert_eq!(e.facts.filing_date.to_string(), "2026-05-01");
    assert_eq!(e.facts.deadline.to_string(), "2026-03-31");
    let rule = e.rules.iter().find(|r| r.number == 13).unwrap();
    assert!(
        rule.detail.contains("postmarked 2026-05-01") && rule.detail.contains("until 2026-04-30"),
        "{}",
        rule.detail
    );
}

#[test]
fn a_cured_claim_shows_the_cure_and_what_it_fixed() {
    let e = explained(36);
    assert_eq!(e.status, Status::Approved);
    assert_eq!(e.reasons, vec![Reason::Cured]);
    assert_eq!(outcome(&e, 20), Outcome::Failed); // the note applies
    assert_eq!(e.facts.cures_applied.len(), 1);
    assert_eq!(e.facts.cures_applied[0].cured_on.to_string(), "2026-04-10");
    assert_eq!(
        e.facts.reasons_before_cures,
        Some(vec![Reason::NotAttested])
    );
}

#[test]
fn a_fraud_cluster_shows_its_size_against_the_threshold() {
    let e = explained(38);
    assert_eq!(e.status, Status::Review);
    assert_eq!(e.decided_by, Some("fraud.shared_payment_account"));
    let cluster = e.facts.payment_account_identities.unwrap();
    assert_eq!((cluster.identities, cluster.allowed), (4, 3));
    assert_eq!(outcome(&e, 17), Outcome::Failed);
}

#[test]
fn every_rule_appears_once_in_order_with_its_source() {
    let e = explained(1);
    let numbers: Vec<u8> = e.rules.iter().map(|r| r.number).collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<u8>>());
    assert!(e
        .rules
        .iter()
        .all(|r| !r.source.is_empty() && !r.id.is_empty()));
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .arg("explain")
        .arg(example())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_prints_text_or_json() {
    let o = cli(&["{00000000-0000-4000-8000-000000000018}"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("status: rejected (DISCLOSURE_BEFORE_MESSAGES)"),
        "{text}"
    );
    assert!(
        text.contains("decided by: elig.disclosure_after_message"),
        "{text}"
    );
    assert!(text.contains("source: 18 U.S.C. § 2702(a)(1)"), "{text}");
    let o = cli(&["00000000-0000-4000-8000-000000000018", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        json["facts"]["earliest_qualifying_inmail"]["evidence_id"],
        "ev-016-m"
    );
    assert_eq!(json["rules"][10]["outcome"], "failed");
}

#[test]
fn an_unknown_or_malformed_claim_id_exits_1_with_a_clear_message() {
    let o = cli(&["00000000-0000-4000-8000-999999999999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr)
        .starts_with("error: claims.csv: no accepted claim has id"));
    let o = cli(&["not-a-claim"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a UUID"));
}

#[test]
fn explain_output_carries_no_name_or_email() {
    let o = cli(&["00000000-0000-4000-8000-000000000038", "--json"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(!text.contains('@'), "{text}");
}

#[test]
fn a_reader_that_stops_early_does_not_make_the_command_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .arg("explain")
        .arg(example())
        .arg("00000000-0000-4000-8000-000000000001")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the command has loaded the data and written anything, so its
    // first write meets a closed pipe (as with `| head` once head has exited).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101));
}
