//! How a claims tool evaluates one claim in memory through the library, with no files: build the
//! case, the member's facts and the claim, then ask the rules.
//!
//! Run with `cargo run --example embed`.

use chrono::Utc;
use premium_claims::rules::{self, Status};
use premium_claims::Case;
use premium_claims::ClassRecords;
use premium_claims::{parse_date, parse_timestamp};
use premium_claims::{Claim, ClaimId, Filing, Member, MemberId, Subscription};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let case: Case = premium_claims::EXAMPLE_CASE.parse()?;

    // The class list as the tool holds it: one member, with a Premium subscription, one InMail and
    // one disclosure folded into the member's facts.
    let mut class = ClassRecords::new();
    class
        .insert(
            Member {
                member_id: MemberId("m-ada".into()),
                full_name: Some("Ada Example".into()),
                email: Some("ada@example.com".into()),
                country: "US".into(),
                ai_training_opt_out_at: None,
                excluded_category: None,
            },
            2,
        )
        .map_err(|line| format!("member already listed on line {line}"))?;
    let facts = class.facts_mut("m-ada").ok_or("member just inserted")?;
    facts.add_subscription(
        &case,
        Subscription {
            tier: "career".into(),
            start_date: parse_date("2022-03-01")?,
            end_date: None,
        },
    );
    let message = parse_timestamp("2024-09-17T23:30:00-07:00")?.with_timezone(&Utc);
    facts.observe_message(&case, "ev-1", message, case.clock.local_date(message));
    let disclosure = parse_timestamp("2024-09-17T23:45:00-07:00")?.with_timezone(&Utc);
    facts.observe_disclosure(&case, "ev-2", disclosure, case.clock.local_date(disclosure));

    // A claim as it arrives from the web form: identified by email only, submitted one second
    // before the deadline, local time.
    let claim = Claim {
        claim_id: ClaimId::parse("3f1c2a7e-5b8d-4c1e-9a2f-0d6b7e8c9a10").ok_or("bad uuid")?,
        member_id: None,
        email: Some(" ADA@example.com".into()),
        full_name: Some("Ada Example".into()),
        filing: Filing::Online(parse_timestamp("2026-03-31T23:59:59-07:00")?.with_timezone(&Utc)),
        attested: true,
        actual_damages: None,
        payment_method: None,
        payment_account: None,
        ip_address: None,
    };

    let evaluation = rules::evaluate(&case, &class, &claim);
    let status = evaluation.reasons.status();
    let entitlement = rules::entitlement(&case, &claim, status);
    println!(
        "claim {}: {status}, entitlement {entitlement}",
        claim.claim_id
    );
    for reason in evaluation.reasons.iter() {
        let rule = reason.rule();
        println!("  {} ({}): {}", rule.code, rule.source, rule.condition);
    }
    assert_eq!(status, Status::Approved);

    // The same claim without its attestation is deficient, and the rule says why.
    let unsigned = Claim {
        attested: false,
        ..claim
    };
    let evaluation = rules::evaluate(&case, &class, &unsigned);
    println!(
        "unsigned: {} {}",
        evaluation.reasons.status(),
        evaluation.reasons
    );
    assert_eq!(evaluation.reasons.status(), Status::Deficient);
    Ok(())
}
