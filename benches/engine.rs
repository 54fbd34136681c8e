//! Criterion benchmarks of the three hot spots. Each checks its result inside the timed code, so
//! a fast wrong answer cannot pass for a fast right one.
//!
//! `cargo bench --bench engine`

use std::hint::black_box;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use premium_claims::internals::input::parallel::{Counters, Parallelism};
use premium_claims::internals::read_evidence;
use premium_claims::rules::{self, Status};
use premium_claims::Case;
use premium_claims::Cents;
use premium_claims::ClassRecords;
use premium_claims::{allocate, Share};
use premium_claims::{generate, Plan};
use premium_claims::{parse_date, parse_timestamp};
use premium_claims::{Claim, ClaimId, Filing, Member, MemberId, Subscription};

fn case() -> Case {
    premium_claims::EXAMPLE_CASE.parse().expect("example case")
}

/// Rules 1-15 on one claim against a class of 100,000 members.
fn rule_evaluation(c: &mut Criterion) {
    let case = case();
    let mut class = ClassRecords::new();
    for i in 0..100_000u64 {
        let id = format!("m-{i:07}");
        class
            .insert(
                Member {
                    member_id: MemberId(id.clone()),
                    full_name: None,
                    email: Some(format!("{id}@example.com")),
                    country: "US".into(),
                    ai_training_opt_out_at: None,
                    excluded_category: None,
                },
                i + 2,
            )
            .expect("unique ids");
        let facts = class.facts_mut(&id).expect("just inserted");
        facts.add_subscription(
            &case,
            Subscription {
                tier: "career".into(),
                start_date: parse_date("2020-01-01").expect("date"),
                end_date: None,
            },
        );
        let m = parse_timestamp("2024-06-01T12:00:00Z")
            .expect("ts")
            .with_timezone(&Utc);
        let d = parse_timestamp("2024-08-15T12:00:00Z")
            .expect("ts")
            .with_timezone(&Utc);
        facts.observe_message(&case, "e1", m, case.clock.local_date(m));
        facts.observe_disclosure(&case, "e2", d, case.clock.local_date(d));
    }
    let claim = |n: u128, member: Option<&str>, email: Option<&str>| Claim {
        claim_id: ClaimId(uuid::Uuid::from_u128(n)),
        member_id: member.map(String::from),
        email: email.map(String::from),
        full_name: None,
        filing: Filing::Online(
            parse_timestamp("2026-03-31T23:59:59-07:00")
                .expect("ts")
                .with_timezone(&Utc),
        ),
        attested: true,
        actual_damages: None,
        payment_method: None,
        payment_account: None,
        ip_address: None,
    };
    let by_id = claim(1, Some("m-0054321"), None);
    let by_email = claim(2, None, Some("M-0054321@Example.com"));
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function("evaluate_claim_by_member_id", |b| {
        b.iter(|| {
            let e = rules::evaluate(&case, &class, black_box(&by_id));
            assert_eq!(e.reasons.status(), Status::Approved);
        })
    });
    group.bench_function("evaluate_claim_by_email", |b| {
        b.iter(|| {
            let e = rules::evaluate(&case, &class, black_box(&by_email));
            assert_eq!(e.reasons.status(), Status::Approved);
        })
    });
    group.finish();
}

/// Reading, checking and summarising the evidence file of a generated 20,000-member folder.
fn evidence_ingestion(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = generate(dir.path(), Plan::new(20_000, 3)).expect("generate");
    let path = dir.path().join("evidence.csv");
    let bytes = std::fs::metadata(&path).expect("evidence").len();
    let case = case();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("evidence_threads", threads),
            &threads,
            |b, &threads| {
                b.iter(|| {
                    let mut class = ClassRecords::new();
                    // Every member listed and kept: the most work per row.
                    for i in 1..=20_000u64 {
                        class
                            .insert(
                                Member {
                                    member_id: MemberId(format!("m-{i:08}")),
                                    full_name: None,
                                    email: None,
                                    country: "US".into(),
                                    ai_training_opt_out_at: None,
                                    excluded_category: None,
                                },
                                i + 1,
                            )
                            .expect("unique");
                    }
                    let parallelism = Parallelism {
                        threads,
                        min_chunk_bytes: 1 << 20,
                    };
                    let outcome = read_evidence(
                        &path,
                        &case,
                        &mut class,
                        parallelism,
                        &Counters::default(),
                        &mut |_, _| {},
                    )
                    .expect("read");
                    assert_eq!(outcome.stats.rows, written.evidence);
                    assert_eq!(outcome.stats.rejected, 0);
                })
            },
        );
    }
    group.finish();
}

/// Dividing a fund among 10 million approved claims, with a minimum payment.
fn allocation(c: &mut Criterion) {
    let shares: Vec<Share> = (0..10_000_000u128)
        .map(|i| Share {
            claim_id: ClaimId(uuid::Uuid::from_u128(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            entitlement: Cents(100_000 + (i as i128 % 7) * 25_000),
        })
        .collect();
    let net = Cents(300_000_000_000); // $3 billion, in cents
    let mut group = c.benchmark_group("allocation");
    group.throughput(Throughput::Elements(shares.len() as u64));
    group.sample_size(10);
    group.bench_function("pro_rata_10m_claims", |b| {
        b.iter(|| {
            let a = allocate(net, black_box(&shares), Cents(500));
            let paid: i128 = a.payments.iter().map(|p| p.0).sum();
            assert_eq!(paid, net.0);
        })
    });
    group.finish();
}

criterion_group!(benches, rule_evaluation, evidence_ingestion, allocation);
criterion_main!(benches);
