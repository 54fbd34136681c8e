//! A guide to embedding the crate: how it is built, then one recipe for each thing a claims
//! administrator's tool does with it. Every example here runs as a test.
//!
//! # How the crate is built
//!
//! Data flows one way:
//!
//! ```text
//!  case file ──► Case
//!  CSV folder ─► DataFolder::load ─┐
//!  any source ─► DatasetBuilder ───┴─► Dataset ──► decide ──► Decisions ──► render / Summary
//!                (typed records,        (class list,  (rules 1-20,            explain
//!                 checked rows)          member facts, money)                 verify
//!                                        claims)
//!                                  └─► Desk (one claim at a time, rules 1-18)
//!  Decisions + payment events ──► Ledger (as of a date) ──► Accounting
//! ```
//!
//! - **Reading** ([`DataFolder`](crate::DataFolder), [`DatasetBuilder`](crate::DatasetBuilder))
//!   checks every row the same way, whether it comes from a file or from values, and lists each
//!   bad one as a [`RejectedRow`](crate::RejectedRow) with its problems worded (the text of the
//!   row's [`Problems`](crate::Problems)).
//!   Nothing is dropped silently.
//! - **The rules** ([`rules`](crate::rules)) are pure: no files, clock or global state. Each has
//!   a stable id, its legal source and the sentence a claimant is told
//!   ([`Reason::notice`](crate::Reason::notice)).
//! - **Money** is whole cents ([`Cents`](crate::Cents)); a fund is divided by
//!   [`allocate`](crate::allocate), largest remainders first, and [`decide`](crate::decide)
//!   refuses to return numbers that do not add up.
//! - **Outputs** ([`render`](crate::render), [`Summary`](crate::Summary),
//!   [`explain`](crate::explain())) are values first and files second.
//!
//! ## Which members keep their facts
//!
//! A class list runs to millions of members and a message log to hundreds of millions of rows,
//! while a batch of claims names a small share of the members. By default
//! ([`Loading::Claimants`](crate::Loading::Claimants)) a folder is loaded for the claims it holds:
//! every member is validated and counted, but only the members some claim or cure names keep
//! their subscriptions and evidence summary. That is all [`decide`](crate::decide) needs, and the
//! fastest load. Anything that takes claims the folder does not hold (a claims desk, a census of
//! the class) needs [`Loading::EveryMember`](crate::Loading::EveryMember); asking a
//! claimants-only class list about another member gives an explicit
//! [`MemberLookup::FactsNotKept`](crate::MemberLookup::FactsNotKept), never "not in the class".
//! A [`Desk`](crate::Desk) refuses such data ([`Error::FactsNotKept`](crate::Error::FactsNotKept)).
//!
//! ## Errors
//!
//! - [`Error`](crate::Error): the run cannot go on (a bad case file, a missing or unreadable
//!   input, a header without a required column, money that does not add up). Match on its
//!   variants; [`InputError`](crate::InputError) and [`CaseError`](crate::CaseError) say which
//!   file, line and key.
//! - [`Problems`](crate::Problems): one record is bad, column by column. Row problems are data:
//!   the run goes on and lists the record as rejected.
//! - [`ValueError`](crate::ValueError), [`AmountError`](crate::AmountError),
//!   [`TimestampError`](crate::TimestampError), [`DateError`](crate::DateError): one value given
//!   on its own (`"12.345".parse::<Cents>()`) is not what the input files allow.
//!
//! Messages name files, lines, columns, member ids and claim ids, never names or emails.
//!
//! ## Whole programs
//!
//! The repository's `examples/` folder holds four programs written against this API alone, run
//! by the project's CI: `embed.rs` (a case and a class list built from values, one claim asked
//! about), `json.rs` (claims from a web form's JSON answered at a desk; answers, decisions and
//! the summary written back as JSON), `from_memory.rs` (the example folder handed over row by row
//! in reverse file order, checked byte for byte against the outputs of its files) and `desk.rs`
//! (a claims desk over a generated class, each answer checked against the batch). Run one with
//! `cargo run --release --example desk`.
//!
//! # Recipes
//!
//! ## Decide a folder and write the outputs, as `premium-claims process` does
//!
//! ```
//! use premium_claims::{decide, render, DataFolder, NoProgress, Status};
//!
//! let folder = DataFolder::new("examples/data/linkedin-premium");
//! let data = folder.load(&mut NoProgress)?;
//! let decisions = decide(&data)?;
//! let approved = decisions
//!     .determinations
//!     .iter()
//!     .filter(|d| d.status() == Status::Approved)
//!     .count();
//! assert_eq!(approved, 21);
//! for (name, bytes) in render(&data, &decisions)? {
//!     // determinations.csv, payments.csv, rejected_rows.csv, summary.json, report.md
//!     assert!(!bytes.is_empty(), "{name}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Answer claims as they are filed (a claim portal)
//!
//! Load the folder once into a [`Desk`](crate::Desk); each new claim is answered as the batch
//! would decide it with the claims received so far, duplicates and fraud clusters included.
//!
//! ```
//! use premium_claims::{Claim, DataFolder, Desk, Status};
//!
//! let mut desk = Desk::open(&DataFolder::new("examples/data/linkedin-premium"))?;
//! let form = [
//!     ("claim_id", "6c1d6b0e-8d8f-4f55-9a3e-2d5c1b7f0a11"),
//!     ("email", "Gia@Example.com"),
//!     ("channel", "online"),
//!     ("submitted_at", "2026-03-20T18:30:00-07:00"),
//!     ("attested", "no"),
//! ];
//! let answer = desk.file(Claim::from_fields(form)?)?;
//! assert_eq!(answer.status(), Status::Deficient);
//! assert_eq!(answer.fields_to_fix(), ["attested"]);
//! println!("{}", answer.notices().collect::<Vec<_>>().join(" "));
//!
//! // The same claim id again is refused, and not received.
//! let again = desk.file(Claim::from_fields(form)?).unwrap_err();
//! assert_eq!(again.columns().collect::<Vec<_>>(), ["claim_id"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## A claim from a web form's JSON, an answer back as JSON
//!
//! [`Claim`](crate::Claim) deserialises from the columns of `claims.csv` through the same checks
//! as a CSV row, so a claim the file would reject cannot be built from JSON either.
//!
//! ```
//! use premium_claims::{Claim, DataFolder, Desk};
//!
//! let json = r#"{"claim_id": "0e7a4c55-3b1f-4a7e-9c2d-5f6e7d8c9b0a",
//!                "member_id": "m-002", "channel": "mail",
//!                "postmarked_on": "2026-04-10", "attested": true}"#;
//! let claim: Claim = serde_json::from_str(json)?;
//! let mut desk = Desk::open(&DataFolder::new("examples/data/linkedin-premium"))?;
//! let answer = serde_json::to_value(desk.file(claim)?)?;
//! assert_eq!(answer["member_id"], "m-002");
//! assert!(answer["reasons"].as_array().is_some());
//!
//! let bad = r#"{"claim_id": "nope", "channel": "fax", "attested": "maybe"}"#;
//! let error = serde_json::from_str::<Claim>(bad).unwrap_err().to_string();
//! assert!(error.starts_with("claim_id: 'nope' is not a UUID; channel: unknown channel 'fax'"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Records from a database
//!
//! A [`DatasetBuilder`](crate::DatasetBuilder) takes records as typed values or as text fields,
//! in any order (within one kind, the first of two records with the same id wins, as in a file).
//! Give each record's source line with [`on_line`](crate::DatasetBuilder::on_line) to have
//! rejected records listed by it.
//!
//! ```
//! use premium_claims::{decide, Dataset, InputFile, Status};
//!
//! let case = premium_claims::EXAMPLE_CASE.parse()?;
//! let mut builder = Dataset::builder(case);
//! // Rows as a database returns them: column names and text.
//! builder.fields(InputFile::Claims, [
//!     ("claim_id", "7a3e2f10-9c8b-4d6e-8f5a-4b3c2d1e0f9a"),
//!     ("member_id", "m-1"),
//!     ("channel", "online"),
//!     ("submitted_at", "2026-01-15 10:00:00Z"),
//!     ("attested", "TRUE"),
//! ]);
//! builder.fields(InputFile::Members, [("member_id", "m-1"), ("country", "us")]);
//! builder.on_line(42).fields(InputFile::Members, [("member_id", "m-2"), ("country", "")]);
//! let data = builder.build();
//! assert_eq!(data.rejected.len(), 1);
//! assert_eq!((data.rejected[0].line, data.rejected[0].error.as_str()), (42, "country: required value is absent"));
//!
//! // m-1 is in the class, but without a subscription or evidence the class rules reject the claim.
//! let decisions = decide(&data)?;
//! let d = &decisions.determinations[0];
//! assert_eq!(d.status(), Status::Rejected);
//! assert_eq!(d.reasons.to_string(), "NO_ELIGIBLE_PREMIUM;NO_QUALIFYING_DISCLOSURE");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Explain one decision to a claimant, counsel or the court
//!
//! ```
//! use premium_claims::{decide, explain, ClaimId, DataFolder, NoProgress, Status};
//!
//! let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
//! let decisions = decide(&data)?;
//! let id: ClaimId = "00000000-0000-4000-8000-000000000002".parse()?;
//! let why = explain(&data, &decisions, id).ok_or("no such claim")?;
//! assert_eq!(why.status, Status::Deficient);
//! assert_eq!(why.to_fix, ["member_id", "email"]);
//! // `Display` gives the rule-by-rule trace; serde gives the same as JSON.
//! assert!(why.to_string().contains("identity.missing"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The numbers for a report
//!
//! [`Summary`](crate::Summary) is what `summary.json` holds, as a value.
//!
//! ```
//! use premium_claims::{decide, DataFolder, NoProgress, Status, Summary};
//!
//! let folder = DataFolder::new("examples/data/linkedin-premium")
//!     .with_case_file("examples/data/linkedin-premium/settlement.toml");
//! let data = folder.load(&mut NoProgress)?;
//! let summary = Summary::of(&data, &decide(&data)?);
//! let money = &summary.money;
//! assert_eq!(money.gross_fund.map(|g| g.to_string()).as_deref(), Some("10000.10"));
//! assert_eq!(summary.claims.status(Status::Approved), 21);
//! println!("paid {} to {} claimants, residual {}", money.paid, money.payments.count, money.residual);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Divide a fund
//!
//! ```
//! use premium_claims::{allocate, Cents, ClaimId, Share};
//!
//! let share = |n: u128, dollars: i64| Share {
//!     claim_id: ClaimId(premium_claims::Uuid::from_u128(n)),
//!     entitlement: Cents::from_cents(dollars * 100),
//! };
//! let shares = [share(1, 1000), share(2, 1000), share(3, 1000)];
//! // $100.00 among three equal claims: 33.34, 33.33, 33.33 (the extra cent to the smaller id).
//! let allocation = allocate("100.00".parse()?, &shares, Cents::ZERO);
//! let paid: Vec<String> = allocation.payments.iter().map(|p| p.to_string()).collect();
//! assert_eq!(paid, ["33.34", "33.33", "33.33"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Follow the payments: events from the bank, the state of every check, the final account
//!
//! A [`Ledger`](crate::Ledger) takes the payments of a run and the events a tool reads from its
//! bank and mail-room files ([`PaymentEvent`](crate::PaymentEvent)), and gives as of any date the
//! state of every instrument, the second distribution of unclaimed money, the Forms 1099-MISC due
//! and a reconciliation of every cent; [`Accounting`](crate::Accounting) adds the figures of the
//! post-distribution accounting. An event that cannot apply is returned, with its line and
//! reason, among [`Ledger::rejections`](crate::Ledger::rejections).
//!
//! ```
//! use premium_claims::{decide, payments, DataFolder, EventKind, InstrumentState, Ledger};
//! use premium_claims::{NaiveDate, NoProgress, PaymentEvent, Round};
//!
//! let data = DataFolder::new("examples/data/distribution").load(&mut NoProgress)?;
//! let decisions = decide(&data)?;
//! let paid = payments(&data, &decisions);
//! let on = |s: &str| s.parse::<NaiveDate>();
//! // From the bank: the sixth payment's check was cashed; nothing came back for the others.
//! let events = [PaymentEvent::new(paid[5].claim_id, Round::First, EventKind::Cashed, on("2026-01-05")?, 1)];
//! let ledger = Ledger::build(&data.case, &decisions, &paid, &events, &[], on("2026-06-30")?)?;
//! let checks = ledger.instruments.iter().filter(|i| i.method.as_str() == "check");
//! let void: Vec<_> = checks.filter(|i| i.state == InstrumentState::Void).collect();
//! assert_eq!(void.len(), 5); // the other checks were not cashed by their void date
//! let r = &ledger.reconciliation;
//! assert_eq!(r.accounted(), r.total); // fees, costs, payments, unclaimed, residual: all of it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
