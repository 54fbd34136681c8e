//! How a claims tool evaluates one claim in memory through the library, with no files: build the
//! case and the class list from values, then ask the rules about a claim.
//!
//! Run with `cargo run --example embed`.

use premium_claims::rules::{self, Status};
use premium_claims::{
    parse_date, parse_timestamp, Case, Claim, ClaimId, Dataset, Evidence, EvidenceKind, Filing,
    Member, Subscription, Utc,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let case: Case = premium_claims::EXAMPLE_CASE.parse()?;
    let at = |text: &str| parse_timestamp(text).map(|t| t.with_timezone(&Utc));

    // The class list as the tool holds it: one member with a Premium subscription, one InMail
    // and one disclosure. The builder checks them as the CSV files' rows are checked.
    let mut ada = Member::new("m-ada", "US");
    ada.full_name = Some("Ada Example".into());
    ada.email = Some("ada@example.com".into());
    let mut builder = Dataset::builder(case);
    builder
        .member(ada)
        .subscription(
            "m-ada",
            Subscription::new("career", parse_date("2022-03-01")?, None),
        )
        .evidence(Evidence::new(
            "ev-1",
            "m-ada",
            EvidenceKind::InmailSent,
            at("2024-09-17T23:30:00-07:00")?,
        ))
        .evidence(Evidence::new(
            "ev-2",
            "m-ada",
            EvidenceKind::Disclosure,
            at("2024-09-17T23:45:00-07:00")?,
        ));
    let data = builder.build();
    assert!(data.rejected.is_empty());

    // A claim as it arrives from the web form: identified by email only, submitted one second
    // before the deadline, local time.
    let id: ClaimId = "3f1c2a7e-5b8d-4c1e-9a2f-0d6b7e8c9a10".parse()?;
    let mut claim = Claim::new(id, Filing::Online(at("2026-03-31T23:59:59-07:00")?));
    claim.email = Some("ADA@example.com".into());
    claim.attested = true;

    let evaluation = rules::evaluate(&data.case, &data.class, &claim);
    let status = evaluation.reasons.status();
    let entitlement = rules::entitlement(&data.case, &claim, status);
    println!(
        "claim {}: {status}, entitlement {entitlement}",
        claim.claim_id
    );
    assert_eq!(status, Status::Approved);

    // The same claim without its attestation is deficient; the rule says why and what to fix.
    claim.attested = false;
    let evaluation = rules::evaluate(&data.case, &data.class, &claim);
    println!(
        "unsigned: {} {}",
        evaluation.reasons.status(),
        evaluation.reasons
    );
    for reason in evaluation.reasons.iter() {
        let rule = reason.rule();
        println!("  {} ({}): {}", rule.code, rule.source, reason.notice());
        println!("  to correct: {}", reason.fields_to_fix().join(", "));
    }
    assert_eq!(evaluation.reasons.status(), Status::Deficient);
    Ok(())
}
