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
use premium_claims::{allocate, Share};
use premium_claims::{generate, Plan};
use premium_claims::{parse_date, parse_timestamp};
use premium_claims::{
    Claim, ClaimId, DataFolder, Dataset, Desk, Evidence, EvidenceKind, Filing, Member, Subscription,
};

fn case() -> Case {
    premium_claims::EXAMPLE_CASE.parse().expect("example case")
}

/// Rules 1-15 on one claim against a class of 100,000 members.
fn rule_evaluation(c: &mut Criterion) {
    let at = |t: &str| parse_timestamp(t).expect("ts").with_timezone(&Utc);
    let mut builder = Dataset::builder(case());
    for i in 0..100_000u64 {
        let id = format!("m-{i:07}");
        let mut member = Member::new(id.as_str(), "US");
        member.email = Some(format!("{id}@example.com"));
        builder
            .member(member)
            .subscription(
                id.as_str(),
                Subscription::new("career", parse_date("2020-01-01").expect("date"), None),
            )
            .evidence(Evidence::new(
                "e1",
                id.as_str(),
                EvidenceKind::InmailSent,
                at("2024-06-01T12:00:00Z"),
            ))
            .evidence(Evidence::new(
                "e2",
                id.as_str(),
                EvidenceKind::Disclosure,
                at("2024-08-15T12:00:00Z"),
            ));
    }
    let data = builder.build();
    assert!(data.rejected.is_empty());
    let (case, class) = (&data.case, &data.class);
    let claim = |n: u128, member: Option<&str>, email: Option<&str>| {
        let mut claim = Claim::new(
            ClaimId(uuid::Uuid::from_u128(n)),
            Filing::Online(at("2026-03-31T23:59:59-07:00")),
        );
        claim.member_id = member.map(String::from);
        claim.email = email.map(String::from);
        claim.attested = true;
        claim
    };
    let by_id = claim(1, Some("m-0054321"), None);
    let by_email = claim(2, None, Some("M-0054321@Example.com"));
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function("evaluate_claim_by_member_id", |b| {
        b.iter(|| {
            let e = rules::evaluate(case, class, black_box(&by_id));
            assert_eq!(e.reasons.status(), Status::Approved);
        })
    });
    group.bench_function("evaluate_claim_by_email", |b| {
        b.iter(|| {
            let e = rules::evaluate(case, class, black_box(&by_email));
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
                    // Every member listed and kept: the most work per row.
                    let mut builder = Dataset::builder(case.clone());
                    for i in 1..=20_000u64 {
                        builder.member(Member::new(format!("m-{i:08}"), "US"));
                    }
                    let mut classes = [builder.build().class];
                    let parallelism = Parallelism {
                        threads,
                        min_chunk_bytes: 1 << 20,
                    };
                    let outcome = read_evidence(
                        &path,
                        &[&case],
                        &mut classes,
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

/// The claims desk: one new claim answered (rules 1-18) against a generated 20,000-member folder
/// loaded with every member kept and its 2,000 claims received, the indexes growing as claims
/// come in.
fn desk(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path(), Plan::new(20_000, 3)).expect("generate");
    let mut desk = Desk::open(&DataFolder::new(dir.path())).expect("desk");
    let at = parse_timestamp("2026-03-02T10:00:00-08:00")
        .expect("ts")
        .with_timezone(&Utc);
    let mut n = 0u64;
    let mut group = c.benchmark_group("desk");
    group.throughput(Throughput::Elements(1));
    for (name, member) in [("new_member", 19_000u64), ("repeat_member", 7)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    n += 1;
                    let id = ClaimId(uuid::Uuid::from_u64_pair(0xDE5C, n));
                    let mut claim = Claim::new(id, Filing::Online(at));
                    claim.member_id = Some(format!("m-{:08}", member + n % 500));
                    claim.payment_account = Some(format!("acct-{}@bank.example", n % 9_000));
                    claim.ip_address = Some(format!("203.0.113.{}", n % 200));
                    claim.attested = true;
                    claim
                },
                |claim| {
                    let answer = desk.file(black_box(claim)).expect("a new claim id");
                    assert!(answer.member_id.is_some());
                },
                criterion::BatchSize::SmallInput,
            )
        });
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

criterion_group!(
    benches,
    rule_evaluation,
    evidence_ingestion,
    desk,
    allocation
);
criterion_main!(benches);
