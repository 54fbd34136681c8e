//! JSON in, JSON out: claims from a web form's JSON become typed claims through the checks of
//! `claims.csv`, are answered at a desk, and the answers, the decisions and the run's summary
//! are written back as JSON.
//!
//! Run with `cargo run --example json`. Written against the public API only.

use premium_claims::{decide, Claim, DataFolder, Desk, NoProgress, Status, Summary};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = DataFolder::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/linkedin-premium"
    ));
    let mut desk = Desk::open(&folder)?;

    let forms = [
        // A member whose only claim is deficient, by email in another case, attested as a JSON boolean.
        r#"{"claim_id": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", "email": "Bob@Example.com",
            "channel": "online", "submitted_at": "2026-03-30T21:00:00-07:00", "attested": true,
            "payment_method": "Zelle", "payment_account": "+1 555 0100"}"#,
        // The same claim id again: refused.
        r#"{"claim_id": "1B9D6BCD-BBFD-4B2D-9B5D-AB8DFBBD4BED", "member_id": "m-002",
            "channel": "mail", "postmarked_on": "2026-03-30", "attested": "yes"}"#,
        // Bad values: every problem named by column.
        r#"{"claim_id": "2c9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", "member_id": "m-008",
            "channel": "online", "submitted_at": "2026-03-30 21:00", "attested": "perhaps",
            "actual_damages": "1,000.00"}"#,
    ];
    let mut statuses = Vec::new();
    for form in forms {
        match serde_json::from_str::<Claim>(form) {
            Err(e) => {
                println!("{{\"error\": {}}}", serde_json::to_string(&e.to_string())?);
                statuses.push(None);
            }
            Ok(claim) => match desk.file(claim) {
                Ok(answer) => {
                    println!("{}", serde_json::to_string(&answer)?);
                    statuses.push(Some(answer.status()));
                }
                Err(problems) => {
                    println!(
                        "{{\"error\": {}}}",
                        serde_json::to_string(&problems.to_string())?
                    );
                    statuses.push(None);
                }
            },
        }
    }
    assert_eq!(statuses, [Some(Status::Approved), None, None]);

    // The batch's decisions and summary, as JSON.
    let data = folder.load(&mut NoProgress)?;
    let decisions = decide(&data)?;
    let first = serde_json::to_value(&decisions.determinations[0])?;
    println!("first determination: {first}");
    assert_eq!(first["status"], "approved");
    let summary = serde_json::to_value(Summary::of(&data, &decisions))?;
    println!("money: {}", summary["money"]);
    assert_eq!(summary["claims"]["by_status"]["approved"], 21);
    Ok(())
}
