//! The fast paths that read plain lines straight from the buffer must agree with the full row
//! checks: whatever a fast path accepts, the full check accepts with the same values. Lines are
//! built from fragments that are valid, need trimming, or are wrong in one way or another.

use premium_claims::internals::input::{
    self, evidence, listed_member_line, listed_subscription_line, member, subscription, Header,
    InputFile, Known, KnownMembers, Record,
};
use proptest::prelude::*;

/// `m-1` is listed, `m-2` is kept, any other id is unknown.
struct TwoMembers;

impl KnownMembers for TwoMembers {
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        match member_id {
            b"m-1" => Some(Known::Listed),
            b"m-2" => Some(Known::Kept(0)),
            _ => None,
        }
    }
}

fn record(line: &str) -> Record {
    let mut record = Record::default();
    record.fill_plain(line.as_bytes());
    record
}

fn header(file: InputFile, line: &str) -> Header {
    Header::parse(file, &record(line)).expect("a valid header")
}

/// A line of `fields`, with a field dropped or added when `width` says so.
fn join(mut fields: Vec<&str>, width: i8) -> String {
    match width {
        -1 => {
            fields.pop();
        }
        1 => fields.push("extra"),
        _ => {}
    }
    fields.join(",")
}

/// The header and the line of `columns` (name, value) in the given order, after `extra` unknown
/// columns, without the column `drop` names (an optional one the file may lack).
fn arrange(
    columns: &[(&str, &str)],
    order: &[usize],
    extra: usize,
    drop: &str,
) -> (String, String) {
    let mut names: Vec<String> = (0..extra).map(|i| format!("note{i}")).collect();
    let mut values: Vec<&str> = (0..extra).map(|_| "x").collect();
    for &i in order {
        let (name, value) = columns[i];
        if name != drop {
            names.push(name.to_string());
            values.push(value);
        }
    }
    (names.join(","), values.join(","))
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(options)
}

const IDS: &[&str] = &[
    "ev-1", "", " ev-2", "ev-3 ", "é-4", "ev\u{a0}", "\u{a0}ev", "x",
];
const MEMBERS: &[&str] = &["m-1", "m-2", "m-3", "", " m-1", "m-2 ", "M-1"];
const KINDS: &[&str] = &[
    "inmail_sent",
    "INMAIL_SENT",
    "inmail_received",
    "Inmail_Received",
    "disclosure",
    "DISCLOSURE",
    "disclosures",
    " disclosure",
    "",
];
const TIMES: &[&str] = &[
    "2024-08-07T08:12:34Z",
    "2024-08-07T08:12:34-07:00",
    "2024-08-07t08:12:34.123456789z",
    "2024-08-07 08:12:34+05:30",
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T10:00:60Z",
    "2024-01-01T10:00:00+24:00",
    "2024-01-01T10:00:00",
    "2024-01-01T10:00:00.Z",
    "2024-1-01T10:00:00Z",
    " 2024-01-01T10:00:00Z",
    "",
];
const OPTIONAL: &[&str] = &["", "ai-training-partner", "batch 7", " padded ", "é"];
const DATES: &[&str] = &[
    "2021-03-01",
    "2024-02-29",
    "2023-02-29",
    "2021-3-1",
    " 2021-03-01",
    "",
    "x",
];
const COUNTRIES: &[&str] = &["US", "pr", "USA", "U", "1A", " US", ""];
const EMAILS: &[&str] = &[
    "",
    "a@example.com",
    "want@example.com",
    "WANT@example.com",
    " a@x",
];

proptest! {
    // Most combinations are invalid somewhere: enough cases for many valid ones too.
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn evidence_fast_path_agrees_with_the_full_check(
        id in pick(IDS), member_id in pick(MEMBERS), kind in pick(KINDS), at in pick(TIMES),
        counterparty in pick(OPTIONAL), reference in pick(OPTIONAL), width in -1i8..=1,
    ) {
        let header = header(
            InputFile::Evidence,
            "evidence_id,member_id,kind,occurred_at,counterparty,reference",
        );
        let line = join(vec![id, member_id, kind, at, counterparty, reference], width);
        let record = record(&line);
        let row = header.row(&record, 2);
        let full = match row.width_error() {
            Some(problem) => Err(problem),
            None => evidence(row, &TwoMembers).map_err(String::from),
        };
        match input::evidence_line(&header, &line, &TwoMembers) {
            None => {}
            Some(None) => {
                let full = full.expect("the full check accepts what the fast path accepts");
                prop_assert_eq!(full.member, Known::Listed);
            }
            Some(Some(fast)) => prop_assert_eq!(Ok(fast), full),
        }
    }

    #[test]
    fn member_fast_path_agrees_with_the_full_check(
        member_id in pick(MEMBERS), name in pick(OPTIONAL), email in pick(EMAILS),
        country in pick(COUNTRIES), opt_out in pick(TIMES), excluded in pick(OPTIONAL),
        width in -1i8..=1,
    ) {
        let header = header(
            InputFile::Members,
            "member_id,full_name,email,country,ai_training_opt_out_at,excluded_category",
        );
        let line = join(vec![member_id, name, email, country, opt_out, excluded], width);
        check_member_line(&header, &line)?;
    }

    /// The same in any column order, after unknown columns (up to 20, so that used columns
    /// fall past the ones the fast path tracks), and without an optional column.
    #[test]
    fn member_fast_path_agrees_in_any_layout(
        member_id in pick(MEMBERS), email in pick(EMAILS), country in pick(COUNTRIES),
        opt_out in pick(TIMES),
        order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
        extra in 0usize..20,
        drop in pick(&["", "full_name", "email", "ai_training_opt_out_at", "excluded_category"]),
    ) {
        let columns = [
            ("member_id", member_id), ("full_name", "Ann"), ("email", email),
            ("country", country), ("ai_training_opt_out_at", opt_out), ("excluded_category", ""),
        ];
        let (names, line) = arrange(&columns, &order, extra, drop);
        check_member_line(&header(InputFile::Members, &names), &line)?;
    }
    #[test]
    fn subscription_fast_path_agrees_with_the_full_check(
        member_id in pick(MEMBERS), tier in pick(&["career", "Business", "", " basic"]),
        start in pick(DATES), end in pick(DATES), width in -1i8..=1,
    ) {
        let header = header(InputFile::Subscriptions, "member_id,tier,start_date,end_date");
        let line = join(vec![member_id, tier, start, end], width);
        if listed_subscription_line(&header, &line, &TwoMembers) {
            let record = record(&line);
            let row = header.row(&record, 2);
            prop_assert_eq!(row.width_error(), None);
            let (known, _) = subscription(row, &TwoMembers)
                .expect("the full check accepts what the fast path accepts");
            prop_assert_eq!(known, Known::Listed);
        }
        // For a kept member too: the same member, tier (once lower-cased) and dates.
        if let Some((known, fast_tier, start, end)) =
            input::subscription_line(&header, &line, &TwoMembers)
        {
            let record = record(&line);
            let row = header.row(&record, 2);
            prop_assert_eq!(row.width_error(), None);
            let (full_known, sub) = subscription(row, &TwoMembers)
                .expect("the full check accepts what the fast path accepts");
            prop_assert_eq!(known, full_known);
            prop_assert_eq!(fast_tier.to_lowercase(), sub.tier);
            prop_assert_eq!((start, end), (sub.start_date, sub.end_date));
        }
    }
}

/// Whatever the member fast path accepts, the full check accepts, as the same member, unwanted.
fn check_member_line(header: &Header, line: &str) -> Result<(), TestCaseError> {
    let wants = |id: &str, email: Option<&str>| {
        id == "m-2" || email.is_some_and(|e| e.eq_ignore_ascii_case("want@example.com"))
    };
    if let Some(id) = listed_member_line(header, line, wants) {
        let record = record(line);
        let row = header.row(&record, 2);
        prop_assert_eq!(row.width_error(), None);
        let full = member(row).expect("the full check accepts what the fast path accepts");
        prop_assert_eq!(full.member_id, id);
        prop_assert!(!wants(full.member_id, full.email));
    }
    // Wanted or not, the fast path's values are the full check's.
    if let Some(fast) = input::member_line(header, line) {
        let record = record(line);
        let row = header.row(&record, 2);
        prop_assert_eq!(row.width_error(), None);
        let full = member(row).expect("the full check accepts what the fast path accepts");
        prop_assert_eq!(fast, full);
    }
    Ok(())
}

#[test]
fn typical_lines_take_the_fast_paths() {
    let evidence_header = header(
        InputFile::Evidence,
        "evidence_id,member_id,kind,occurred_at,counterparty,reference",
    );
    let listed = "ev-1,m-1,inmail_sent,2024-08-07T08:12:34-07:00,m-9,";
    assert_eq!(
        input::evidence_line(&evidence_header, listed, &TwoMembers),
        Some(None)
    );
    let kept = "ev-2,m-2,disclosure,2024-08-07T08:12:34Z,ai-training-partner,batch-37";
    let row = input::evidence_line(&evidence_header, kept, &TwoMembers)
        .flatten()
        .expect("a kept member's row");
    assert_eq!(row.evidence_id, "ev-2");
    assert_eq!(row.member, Known::Kept(0));
    // Columns in another order, and an unknown extra column.
    let shuffled = header(
        InputFile::Evidence,
        "note,occurred_at,kind,member_id,evidence_id,reference,counterparty",
    );
    let row = input::evidence_line(
        &shuffled,
        "x,2024-08-07T08:12:34Z,inmail_received,m-2,ev-3,,",
        &TwoMembers,
    )
    .flatten()
    .expect("a kept member's row");
    assert_eq!((row.evidence_id, row.member), ("ev-3", Known::Kept(0)));

    let members = header(
        InputFile::Members,
        "member_id,full_name,email,country,ai_training_opt_out_at,excluded_category",
    );
    let line = "m-1,Member 1,m-1@example.com,US,,";
    assert_eq!(
        listed_member_line(&members, line, |_, _| false),
        Some("m-1")
    );
    assert_eq!(listed_member_line(&members, line, |_, _| true), None);

    let subscriptions = header(
        InputFile::Subscriptions,
        "member_id,tier,start_date,end_date",
    );
    assert!(listed_subscription_line(
        &subscriptions,
        "m-1,career,2021-03-01,2022-03-01",
        &TwoMembers
    ));
    assert!(!listed_subscription_line(
        &subscriptions,
        "m-2,career,2021-03-01,",
        &TwoMembers
    ));
}
