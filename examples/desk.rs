//! A claim portal's desk: a generated class loaded once with every member kept, then new claims
//! answered one at a time. Each answer is checked against what `process` decides for the same
//! folder with the new claims up to it appended to the claims received (at every checkpoint, and
//! for the last claim).
//!
//! Run with `cargo run --release --example desk -- [MEMBERS] [NEW_CLAIMS] [CHECKPOINTS]`
//! (default 100000 members, 3000 new claims, 30 checkpoints).
//!
//! Written against the public API only.

use std::time::Instant;

use premium_claims::{
    decide, generate, Claim, ClaimId, DataFolder, Desk, Loading, NoProgress, Plan, Reason, Status,
    Uuid,
};

/// A small deterministic generator, so that a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A new claim as a portal receives it: members known and unknown, by member id or by email in
/// any case, repeats of earlier claim ids, shared payment accounts and IP addresses, filings
/// around the deadline, some unsigned and some with a bad value.
fn random_claim(rng: &mut Rng, members: u64, earlier: &[ClaimId]) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    let id = if !earlier.is_empty() && rng.below(50) == 0 {
        earlier[rng.below(earlier.len() as u64) as usize].to_string()
    } else {
        Uuid::from_u64_pair(rng.next(), rng.next()).to_string()
    };
    f.push(("claim_id", id));
    let i = 1 + rng.below(members + members / 20);
    match rng.below(10) {
        0..=5 => f.push(("member_id", format!("m-{i:08}"))),
        6..=7 => f.push(("email", format!("M-{i:08}@Members.Example.com"))),
        8 => f.push(("member_id", format!("m-x{i:07}"))),
        _ => {}
    }
    if rng.below(5) > 0 {
        let (month, day) =
            [(2, 10), (3, 1), (3, 20), (3, 31), (4, 15), (5, 10)][rng.below(6) as usize];
        f.push(("channel", "online".into()));
        f.push((
            "submitted_at",
            format!("2026-{month:02}-{day:02}T{:02}:15:00-07:00", rng.below(24)),
        ));
    } else {
        f.push(("channel", "mail".into()));
        f.push(("postmarked_on", format!("2026-03-{:02}", 25 + rng.below(7))));
    }
    let attested = ["yes", "yes", "yes", "yes", "yes", "yes", "no", "maybe"][rng.below(8) as usize];
    f.push(("attested", attested.into()));
    if rng.below(4) == 0 {
        f.push((
            "payment_account",
            format!("ring-{}@pay.example", rng.below(8)),
        ));
    }
    if rng.below(4) == 0 {
        f.push(("ip_address", format!("198.51.100.{}", rng.below(6))));
    }
    f
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let members = args.next().transpose()?.unwrap_or(100_000);
    let new_claims = args.next().transpose()?.unwrap_or(3_000);
    let checkpoints = args.next().transpose()?.unwrap_or(30).max(1);

    let dir = std::env::temp_dir().join(format!(
        "premium-claims-desk-{members}-{}",
        std::process::id()
    ));
    generate(&dir, Plan::new(members, 42))?;
    let folder = DataFolder::new(&dir).with_loading(Loading::EveryMember);

    let started = Instant::now();
    let mut desk = Desk::open(&folder)?;
    println!(
        "desk loaded: {} members, {} claims received, in {:.2?}",
        desk.data().class.len(),
        desk.received(),
        started.elapsed()
    );

    // The batch side of the check: the same folder, to which the new claims are appended.
    let mut batch = folder.load(&mut NoProgress)?;
    let mut ids: Vec<ClaimId> = batch.claims.iter().map(|c| c.claim.claim_id).collect();
    let mut rng = Rng(7);
    let every = (new_claims / checkpoints).max(1);
    let (mut answered, mut refused, mut bad, mut checked) = (0u64, 0u64, 0u64, 0u64);
    let mut answers = Vec::new();
    let mut by_status = [0u64; 5];
    let mut answering = std::time::Duration::ZERO;
    for k in 1..=new_claims {
        let fields = random_claim(&mut rng, members, &ids);
        let pairs = fields.iter().map(|(c, v)| (*c, v.as_str()));
        if let Ok(claim) = Claim::from_fields(pairs) {
            let repeated = ids.contains(&claim.claim_id);
            let t = Instant::now();
            let answer = desk.file(claim.clone());
            answering += t.elapsed();
            match answer {
                Err(problems) => {
                    assert!(repeated, "refused a new claim id: {problems}");
                    refused += 1;
                }
                Ok(answer) => {
                    assert!(!repeated, "received a repeated claim id");
                    by_status[answer.status() as usize] += 1;
                    ids.push(claim.claim_id);
                    batch.receive(claim)?;
                    answers.push(answer);
                    answered += 1;
                }
            }
        } else {
            bad += 1; // a rejected row: neither the desk nor the batch receives it
        }
        if k % every == 0 || k == new_claims {
            // The batch on the prefix received so far decides the last answered claim as the
            // desk answered it.
            let decisions = decide(&batch)?;
            let last = decisions.determinations.last().ok_or("no claims")?;
            let answer = answers.last().ok_or("no answers")?;
            let mut reasons = last.reasons;
            reasons.remove(Reason::BelowMinimumPayment);
            assert_eq!(answer.claim_id, last.claim.claim_id);
            assert_eq!(answer.reasons, reasons, "new claim {k}");
            assert_eq!(answer.member_id, last.member, "new claim {k}");
            assert_eq!(answer.entitlement, last.entitlement, "new claim {k}");
            checked += 1;
        }
    }
    println!(
        "{answered} new claims answered in {answering:.2?} ({:.1} µs each), {refused} repeated ids refused, {bad} bad rows",
        answering.as_secs_f64() * 1e6 / answered.max(1) as f64
    );
    for status in Status::ALL {
        println!("  {status:<10} {}", by_status[status as usize]);
    }
    println!("{checked} answers checked against the batch on the same prefix: all equal");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
