//! A deterministic synthetic data folder: members, subscriptions, evidence, opt-outs, claims and
//! cures in realistic proportions, with a case file whose fund is too small for every claim. Used
//! by the benchmarks and by anyone who wants to try the tool at scale.
//!
//! The same `(members, seed)` always writes the same bytes: the generator carries its own small
//! pseudo-random generator (SplitMix64) rather than depend on a crate whose streams may change
//! between versions.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// SplitMix64: tiny, fast and fully specified, so outputs never change with a dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// What to generate: the size of the class and the seed. The proportions (subscriptions, InMails,
/// disclosures, opt-outs, claims, duplicates, late and unattested claims, cures, fraud rings) are
/// fixed, close to those of a real case. Every row is well formed (rows that fail the rules, such
/// as late or unattested claims, are there; rows that fail the files' checks are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Rows of `members.csv`.
    pub members: u64,
    /// Seed of the pseudo-random choices: the same plan always writes the same bytes.
    pub seed: u64,
    /// Average evidence rows per member (about 20 in the reference data).
    pub evidence_per_member: u64,
    /// The order of `evidence.csv`'s rows.
    pub evidence_order: EvidenceOrder,
    /// Evidence rows all in one tidy form (`Z` or `-07:00` offsets, whole seconds, kinds in
    /// lower case, no quotes) instead of the mix real exports have: every form the
    /// specification allows, some kinds in upper case, some fields quoted or padded. The other
    /// files and every value are the same either way.
    pub tidy: bool,
}

/// The order of the rows of a generated `evidence.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EvidenceOrder {
    /// By instant, as message logs are exported: consecutive rows are of unrelated members.
    #[default]
    Time,
    /// Member by member, in the class list's order (each member's rows together).
    Member,
    /// No order at all (a uniformly random permutation, fixed by the seed).
    Shuffled,
}

impl std::str::FromStr for EvidenceOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "time" => Ok(EvidenceOrder::Time),
            "member" => Ok(EvidenceOrder::Member),
            "shuffled" => Ok(EvidenceOrder::Shuffled),
            other => Err(format!(
                "unknown evidence order {other:?}: expected time, member or shuffled"
            )),
        }
    }
}

impl Plan {
    /// The usual proportions for `members` members, evidence in time order and in the mixed
    /// forms of real exports.
    pub fn new(members: u64, seed: u64) -> Self {
        Plan {
            members,
            seed,
            evidence_per_member: 20,
            evidence_order: EvidenceOrder::Time,
            tidy: false,
        }
    }
}

/// Rows written per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Written {
    /// members.csv rows.
    pub members: u64,
    /// subscriptions.csv rows.
    pub subscriptions: u64,
    /// evidence.csv rows.
    pub evidence: u64,
    /// opt_outs.csv rows.
    pub opt_outs: u64,
    /// claims.csv rows.
    pub claims: u64,
    /// cures.csv rows.
    pub cures: u64,
}

const TIERS: [&str; 5] = [
    "career",
    "business",
    "sales_navigator",
    "recruiter_lite",
    "basic",
];
const METHODS: [&str; 6] = ["check", "ach", "paypal", "venmo", "zelle", "virtual_card"];

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// Writes `2024-08-11T19:00:00Z` for `seconds` after 2020-01-01 UTC, sometimes in Pacific time.
fn write_instant(w: &mut impl Write, seconds: i64, pacific: bool) -> io::Result<()> {
    let utc = epoch() + Duration::seconds(seconds);
    if pacific {
        // A fixed -07:00 rendering of the same instant (PDT); the engine reads any offset.
        let local = utc - Duration::hours(7);
        write!(w, "{}-07:00", local.format("%Y-%m-%dT%H:%M:%S"))
    } else {
        write!(w, "{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
    }
}

fn day(offset_days: i64) -> NaiveDate {
    epoch().date() + Duration::days(offset_days)
}

fn seconds_of(date: NaiveDate) -> i64 {
    (date - epoch().date()).num_seconds()
}

fn create(dir: &Path, name: &str) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(dir.join(name))?,
    ))
}

/// Writes a data folder of `plan.members` members into `dir` (created if needed), with `case.toml`.
///
/// The same plan always writes the same bytes.
///
/// # Errors
/// Any I/O error, as it comes.
///
/// # Examples
///
/// ```
/// use premium_claims::{generate, DataFolder, NoProgress, Plan};
///
/// let dir = std::env::temp_dir().join(format!("pc-generate-doc-{}", std::process::id()));
/// let written = generate(&dir, Plan::new(2_000, 7))?;
/// let data = DataFolder::new(&dir).load(&mut NoProgress)?;
/// assert_eq!(data.claims.len() as u64 + data.rejected.iter().filter(|r| r.file == premium_claims::InputFile::Claims).count() as u64, written.claims);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(dir: &Path, plan: Plan) -> io::Result<Written> {
    fs::create_dir_all(dir)?;
    let mut rng = SplitMix64::new(plan.seed ^ 0x005E_ED0F_C1A1_u64);
    let mut written = Written::default();
    let n = plan.members.max(1);

    let mut members = create(dir, "members.csv")?;
    let mut subs = create(dir, "subscriptions.csv")?;
    let mut evidence = EvidenceOut::new(dir, plan.evidence_order, plan.seed)?;
    // The forms of untidy rows come from a generator of their own: every value is the same
    // whatever the forms.
    let mut mess = SplitMix64::new(plan.seed ^ 0x0F0E_F0E5);
    let mut line = Vec::with_capacity(128);
    let mut opt_outs = create(dir, "opt_outs.csv")?;
    let mut claims = create(dir, "claims.csv")?;
    let mut cures = create(dir, "cures.csv")?;
    writeln!(
        members,
        "member_id,full_name,email,country,ai_training_opt_out_at,excluded_category"
    )?;
    writeln!(subs, "member_id,tier,start_date,end_date")?;
    writeln!(opt_outs, "member_id,submitted_on")?;
    writeln!(claims, "claim_id,member_id,email,full_name,channel,submitted_at,postmarked_on,attested,actual_damages,payment_method,payment_account,ip_address")?;
    writeln!(cures, "claim_id,cured_on,member_id,email,attested")?;

    let window_start = seconds_of(day(0)) + 386 * 86_400; // 2021-01-21
    let disclosure_start = seconds_of(NaiveDate::from_ymd_opt(2024, 8, 1).unwrap_or_default());
    let disclosure_span = 48 * 86_400;
    let mut evidence_id = 0u64;
    let mut claim_no = 0u64;
    // Fraud rings: groups of claims sharing a payment account or an IP address.
    let mut ring_left = 0u64;
    let mut ring_no = 0u64;

    for i in 1..=n {
        let id = format!("m-{i:08}");
        // 0.2% of members share an email with the previous member (ambiguous identities).
        let email_owner = if i > 1 && rng.chance(2) { i - 1 } else { i };
        let country = match rng.below(1000) {
            0..=969 => "US",
            970..=979 => "PR",
            980..=989 => "CA",
            _ => "GB",
        };
        let opt_out_at = rng
            .chance(100)
            .then(|| disclosure_start + rng.below(disclosure_span as u64) as i64);
        let excluded = if rng.chance(1) { "employee" } else { "" };
        write!(
            members,
            "{id},Member {i},m-{email_owner:08}@members.example.com,{country},"
        )?;
        if let Some(t) = opt_out_at {
            write_instant(&mut members, t, true)?;
        }
        writeln!(members, ",{excluded}")?;
        written.members += 1;

        // Subscriptions: one, sometimes two; 10% of tiers are not eligible.
        let subscriptions = 1 + u64::from(rng.chance(500));
        for _ in 0..subscriptions {
            let tier = TIERS[if rng.chance(100) {
                4
            } else {
                rng.below(4) as usize
            }];
            let start = rng.below(5 * 365) as i64 - 365;
            let start_date = day(start);
            write!(subs, "{id},{tier},{start_date},")?;
            if rng.chance(400) {
                write!(
                    subs,
                    "{}",
                    start_date + Duration::days(30 + rng.below(3 * 365) as i64)
                )?;
            }
            writeln!(subs)?;
            written.subscriptions += 1;
        }

        // Evidence: mostly InMails over the message window, a few disclosures in the disclosure window.
        let rows = rng.below(2 * plan.evidence_per_member + 1);
        for _ in 0..rows {
            evidence_id += 1;
            let disclosure = rng.chance(150);
            let (kind, at, other) = if disclosure {
                let at = disclosure_start - 5 * 86_400
                    + rng.below(disclosure_span as u64 + 10 * 86_400) as i64;
                ("disclosure", at, "ai-training-partner")
            } else {
                let kind = if rng.chance(500) {
                    "inmail_sent"
                } else {
                    "inmail_received"
                };
                (
                    kind,
                    window_start - 30 * 86_400 + rng.below(1400 * 86_400) as i64,
                    "",
                )
            };
            let pacific = rng.chance(300);
            let tail = if disclosure {
                format!("{other},batch-{}", rng.below(40))
            } else {
                format!("m-{:08},", 1 + rng.below(n))
            };
            line.clear();
            let key = if plan.tidy {
                write!(line, "ev-{evidence_id:010},{id},{kind},")?;
                write_instant(&mut line, at, pacific)?;
                writeln!(line, ",{tail}")?;
                at * NANOS
            } else {
                messy_row(&mut line, &mut mess, evidence_id, &id, kind, at, &tail)?
            };
            evidence.push(key, &line)?;
            written.evidence += 1;
        }

        // Opt-outs: 0.3%, a third of them after the deadline.
        if rng.chance(3) {
            let on = if rng.chance(333) {
                "2026-03-20"
            } else {
                "2026-02-14"
            };
            writeln!(opt_outs, "{id},{on}")?;
            written.opt_outs += 1;
        }

        // Claims: about 10% of members file; some twice.
        if !rng.chance(100) {
            continue;
        }
        let copies = 1 + u64::from(rng.chance(60));
        for _ in 0..copies {
            claim_no += 1;
            let claim_id = uuid_from(&mut rng);
            let (member_col, email_col) = match rng.below(100) {
                0 => (String::new(), String::new()),
                1 => (format!("m-x{i:07}"), String::new()),
                2..=11 => (String::new(), format!("M-{i:08}@Members.Example.com")),
                12 => (id.clone(), "someone.else@example.org".to_string()),
                _ => (id.clone(), String::new()),
            };
            let attested = if rng.chance(25) { "false" } else { "true" };
            let damages = if rng.chance(50) {
                format!("{}.{:02}", 500 + rng.below(4000), rng.below(100))
            } else {
                String::new()
            };
            let method = METHODS[rng.below(6) as usize];
            if ring_left == 0 && rng.chance(10) {
                ring_left = 3 + rng.below(12);
                ring_no += 1;
            }
            let (account, ip) = if ring_left > 0 {
                ring_left -= 1;
                (
                    format!("ring-{ring_no}@pay.example"),
                    format!("203.0.113.{}", ring_no % 250),
                )
            } else {
                (
                    format!("acct-{claim_no}@bank.example"),
                    format!(
                        "10.{}.{}.{}",
                        rng.below(256),
                        rng.below(256),
                        1 + rng.below(254)
                    ),
                )
            };
            write!(claims, "{claim_id},{member_col},{email_col},Claimant {i},")?;
            let late = rng.chance(30);
            if rng.chance(850) {
                let date = if late {
                    NaiveDate::from_ymd_opt(2026, 4, 1 + rng.below(60) as u32 % 30)
                } else {
                    NaiveDate::from_ymd_opt(2025, 10, 1)
                }
                .unwrap_or_default()
                    + Duration::days(if late { 0 } else { rng.below(180) as i64 });
                write!(claims, "online,")?;
                write_instant(
                    &mut claims,
                    seconds_of(date) + rng.below(86_400) as i64,
                    true,
                )?;
                write!(claims, ",,")?;
            } else {
                let date = if late {
                    NaiveDate::from_ymd_opt(2026, 4, 20)
                } else {
                    NaiveDate::from_ymd_opt(2026, 1, 15)
                }
                .unwrap_or_default()
                    + Duration::days(rng.below(60) as i64);
                write!(claims, "mail,,{date},")?;
            }
            writeln!(claims, "{attested},{damages},{method},{account},{ip}")?;
            written.claims += 1;
            if attested == "false" && rng.chance(600) {
                let on = if rng.chance(100) {
                    "2026-06-15"
                } else {
                    "2026-05-10"
                };
                writeln!(cures, "{claim_id},{on},,,true")?;
                written.cures += 1;
            }
        }
    }
    for mut w in [members, subs, opt_outs, claims, cures] {
        w.flush()?;
    }
    evidence.finish()?;

    // A fund of about $400 per expected approved claim: too small, so pro rata and the minimum apply.
    let gross = 400 * (written.claims.max(10)) + 500_000;
    let case = format!(
        r#"# Synthetic case written by `premium-claims generate` ({members} members, seed {seed}).
[case]
name = "De La Torre v. LinkedIn Corp. (synthetic)"
docket = "5:25-cv-00709 (N.D. Cal.)"
timezone = "America/Los_Angeles"

[class]
countries = ["US", "PR"]
premium_tiers = ["career", "business", "sales_navigator", "recruiter_lite"]
message_window = {{ start = "2021-01-21", end = "2024-09-17" }}
disclosure_window = {{ start = "2024-08-01", end = "2024-09-17" }}

[claims]
deadline = "2026-03-31"
late_claims_accepted_until = "2026-04-30"
opt_out_deadline = "2026-03-02"
cure_deadline = "2026-05-29"
max_identities_per_payment_account = 3
max_identities_per_ip = 10

[damages]
statutory_minimum = "1000.00"
require_actual_damages = false

[fund]
gross = "{gross}.00"
attorney_fee_rate = "0.25"
litigation_costs = "250000.00"
administration_costs = "{admin}.00"
service_awards = [{{ member_id = "m-00000001", amount = "5000.00" }}]
minimum_payment = "5.00"
residual_recipient = "Electronic Frontier Foundation"
"#,
        members = plan.members,
        seed = plan.seed,
        admin = 50_000 + written.claims * 5,
    );
    fs::write(dir.join("case.toml"), case)?;
    Ok(written)
}

/// Nanoseconds in a second.
const NANOS: i64 = 1_000_000_000;

/// Writes an evidence row (with its line feed) in one of the forms real exports mix: offsets `Z`,
/// `z`, `+00:00`, `-07:00`, `-08:00` or `+01:00` (the same instant), `T`, `t` or a space before
/// the time, sometimes a fraction of a second; kinds mostly in lower case; now and then a quoted
/// or padded field. Returns the row's instant in nanoseconds after 2020-01-01 UTC.
fn messy_row(
    w: &mut Vec<u8>,
    mess: &mut SplitMix64,
    evidence_id: u64,
    member_id: &str,
    kind: &str,
    seconds: i64,
    tail: &str,
) -> io::Result<i64> {
    let (digits, nanos) = match mess.below(100) {
        0..=5 => (3, mess.below(1000) as i64 * 1_000_000),
        6..=7 => (6, mess.below(1_000_000) as i64 * 1000),
        8 => (9, mess.below(1_000_000_000) as i64),
        _ => (0, 0),
    };
    let (offset_hours, zone) = match mess.below(1000) {
        0..=499 => (0, "Z"),
        500..=529 => (0, "z"),
        530..=679 => (0, "+00:00"),
        680..=829 => (-7, "-07:00"),
        830..=899 => (-8, "-08:00"),
        _ => (1, "+01:00"),
    };
    let separator = match mess.below(100) {
        0..=1 => ' ',
        2 => 't',
        _ => 'T',
    };
    let kind = match mess.below(100) {
        0..=6 => kind.to_uppercase(),
        7..=9 => {
            let mut k = kind.to_string();
            k[..1].make_ascii_uppercase();
            k
        }
        _ => kind.to_string(),
    };
    let member = if mess.chance(10) {
        format!("\" {member_id} \"")
    } else {
        member_id.to_string()
    };
    let local = epoch() + Duration::seconds(seconds) + Duration::hours(offset_hours);
    write!(
        w,
        "ev-{evidence_id:010},{member},{kind},{}{separator}{}",
        local.format("%Y-%m-%d"),
        local.format("%H:%M:%S")
    )?;
    if digits > 0 {
        let shown = nanos / 10i64.pow(9 - digits);
        write!(w, ".{shown:0width$}", width = digits as usize)?;
    }
    write!(w, "{zone},")?;
    match tail.split_once(',') {
        Some((first, rest)) if mess.chance(30) => writeln!(w, "\"{first}\",{rest}")?,
        _ => writeln!(w, "{tail}")?,
    }
    Ok(seconds * NANOS + nanos)
}

/// Where evidence rows go: straight to `evidence.csv` (member order), or through bucket files
/// (by time, or at random) that are then ordered one by one and appended, so that no more than
/// a bucket's rows are ever in memory.
struct EvidenceOut {
    file: BufWriter<File>,
    order: EvidenceOrder,
    buckets: Vec<(std::path::PathBuf, BufWriter<File>)>,
    shuffle: SplitMix64,
}

/// Buckets of rows in time or shuffled order.
const BUCKETS: usize = 100;

/// Instants evidence rows can have, in seconds after 2020-01-01: a little before the message
/// window's start to a little after the disclosure window's end, in [`BUCKETS`] spans.
const FIRST_SECOND: i64 = 356 * 86_400;
const BUCKET_SECONDS: i64 = 15 * 86_400;

impl EvidenceOut {
    fn new(dir: &Path, order: EvidenceOrder, seed: u64) -> io::Result<Self> {
        let mut file = create(dir, "evidence.csv")?;
        writeln!(
            file,
            "evidence_id,member_id,kind,occurred_at,counterparty,reference"
        )?;
        let mut buckets = Vec::new();
        if order != EvidenceOrder::Member {
            for b in 0..BUCKETS {
                let path = dir.join(format!(".evidence-bucket-{b:03}.tmp"));
                let w = BufWriter::with_capacity(64 << 10, File::create(&path)?);
                buckets.push((path, w));
            }
        }
        Ok(EvidenceOut {
            file,
            order,
            buckets,
            shuffle: SplitMix64::new(seed ^ 0x0050_FF1E),
        })
    }

    /// Takes one row (ending in its line feed) at instant `key` (nanoseconds).
    fn push(&mut self, key: i64, row: &[u8]) -> io::Result<()> {
        let bucket = match self.order {
            EvidenceOrder::Member => return self.file.write_all(row),
            EvidenceOrder::Time => ((key / NANOS - FIRST_SECOND) / BUCKET_SECONDS)
                .clamp(0, BUCKETS as i64 - 1) as usize,
            EvidenceOrder::Shuffled => self.shuffle.below(BUCKETS as u64) as usize,
        };
        let w = &mut self.buckets[bucket].1;
        write!(w, "{key} ")?;
        w.write_all(row)
    }

    /// Orders each bucket and appends it to `evidence.csv`; removes the bucket files.
    fn finish(mut self) -> io::Result<()> {
        for (path, w) in std::mem::take(&mut self.buckets) {
            drop(w.into_inner().map_err(|e| e.into_error())?);
            let text = fs::read(&path)?;
            let mut rows: Vec<(i64, &[u8])> = Vec::new();
            for line in text.split_inclusive(|&b| b == b'\n') {
                let space = line.iter().position(|&b| b == b' ').unwrap_or(0);
                let key = std::str::from_utf8(&line[..space])
                    .ok()
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(0);
                rows.push((key, &line[space + 1..]));
            }
            match self.order {
                // Stable: rows of one instant stay in the order they were made.
                EvidenceOrder::Time => rows.sort_by_key(|&(key, _)| key),
                _ => {
                    for i in (1..rows.len()).rev() {
                        let j = self.shuffle.below(i as u64 + 1) as usize;
                        rows.swap(i, j);
                    }
                }
            }
            for (_, row) in rows {
                self.file.write_all(row)?;
            }
            fs::remove_file(&path)?;
        }
        self.file.flush()
    }
}

/// Rows written to the distribution's files by [`generate_distribution`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DistributionWritten {
    /// payment_events.csv rows.
    pub payment_events: u64,
    /// tax_forms.csv rows.
    pub tax_forms: u64,
    /// notices.csv rows.
    pub notices: u64,
    /// objections.csv rows.
    pub objections: u64,
}

/// The `[distribution]` table the generated distribution follows.
const DISTRIBUTION_TABLE: &str = r#"
[distribution]
first_issue_date = "2026-07-15"
check_void_days = 180
second_issue_date = "2027-06-01"
second_distribution_minimum = "5.00"
"#;

/// Adds a distribution to a folder written by [`generate`]: a `[distribution]` table in its
/// `case.toml`, and `payment_events.csv` (most electronic payments delivered with no event, a few
/// returned and reissued by check; about a fifth of checks never cashed, a few lost and
/// reissued; the second distribution's checks cashed or not alike), `tax_forms.csv`,
/// `notices.csv` (every member emailed, undeliverable ones sent a postcard) and
/// `objections.csv`. The payments are those the rules decide on the folder, so the folder is
/// decided once here. The same plan always gives the same bytes.
///
/// # Errors
/// Any I/O error; a folder the rules cannot decide (an error in words).
///
/// # Examples
///
/// ```
/// use premium_claims::{generate, generate_distribution, Plan};
///
/// let dir = std::env::temp_dir().join(format!("pc-generate-distribution-{}", std::process::id()));
/// let plan = Plan::new(2_000, 7);
/// generate(&dir, plan)?;
/// let written = generate_distribution(&dir, plan)?;
/// assert!(written.payment_events > 0 && written.notices >= 2_000);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate_distribution(dir: &Path, plan: Plan) -> io::Result<DistributionWritten> {
    let seed = plan.seed;
    use crate::distribution::{EventKind, Ledger, PaymentEvent, Round};
    use crate::model::PaymentMethod;
    let case_path = dir.join("case.toml");
    let mut case = fs::read_to_string(&case_path)?;
    if !case.contains("[distribution]") {
        case.push_str(DISTRIBUTION_TABLE);
        fs::write(&case_path, &case)?;
    }
    let in_words = |e: crate::decide::Error| io::Error::other(e.to_string());
    let data = crate::ingest::folder::DataFolder::new(dir)
        .load(&mut crate::ingest::folder::NoProgress)
        .map_err(in_words)?;
    let decisions = crate::decide::decide(&data).map_err(in_words)?;
    let paid = crate::report::payments(&data, &decisions);
    let config = data
        .case
        .distribution
        .clone()
        .ok_or_else(|| io::Error::other("case.toml has no [distribution] table"))?;
    let mut rng = SplitMix64::new(seed ^ 0x0D15_7B1B_u64);
    let mut written = DistributionWritten::default();
    let after = |d: NaiveDate, days: u64| d + Duration::days(days as i64);

    // One claim's events, in date order: what happens to an instrument issued on `issued`.
    let history = |rng: &mut SplitMix64,
                   method: PaymentMethod,
                   issued: NaiveDate,
                   out: &mut Vec<(EventKind, NaiveDate, Option<PaymentMethod>)>| {
        if method == PaymentMethod::Check {
            match rng.below(1000) {
                // Lost in the mail: stopped and reissued; most replacements are cashed.
                0..=49 => {
                    let again = after(issued, 20 + rng.below(80));
                    out.push((EventKind::Reissued, again, None));
                    if rng.chance(750) {
                        out.push((EventKind::Cashed, after(again, 3 + rng.below(60)), None));
                    }
                }
                // Never cashed: void.
                50..=249 => {}
                _ => out.push((EventKind::Cashed, after(issued, 3 + rng.below(150)), None)),
            }
        } else if rng.chance(40) {
            let back = after(issued, 1 + rng.below(10));
            out.push((EventKind::Returned, back, None));
            if rng.chance(600) {
                let again = after(back, 5 + rng.below(30));
                out.push((EventKind::Reissued, again, Some(PaymentMethod::Check)));
                if rng.chance(800) {
                    out.push((EventKind::Cashed, after(again, 3 + rng.below(60)), None));
                }
            }
        }
    };
    let mut events: Vec<PaymentEvent> = Vec::new();
    let mut steps = Vec::new();
    for p in &paid {
        steps.clear();
        let method = p.payment_method.unwrap_or(PaymentMethod::Check);
        history(&mut rng, method, config.first_issue_date, &mut steps);
        for &(kind, on, method) in &steps {
            let mut e = PaymentEvent::new(p.claim_id, Round::First, kind, on, 0);
            e.method = method;
            events.push(e);
        }
    }
    // The second distribution, as the ledger makes it on its date; then its own events.
    if let Some(second_on) = config.second_issue_date {
        let ledger = Ledger::build(&data.case, &decisions, &paid, &events, &[], second_on)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let mut second = Vec::new();
        for &(payment, _) in &ledger.second.payments {
            steps.clear();
            let method = ledger
                .instruments_of(payment)
                .iter()
                .find(|i| i.distribution == Round::Second)
                .map_or(PaymentMethod::Check, |i| i.method);
            history(&mut rng, method, second_on, &mut steps);
            for &(kind, on, method) in &steps {
                let mut e = PaymentEvent::new(paid[payment].claim_id, Round::Second, kind, on, 0);
                e.method = method;
                second.push(e);
            }
        }
        events.extend(second);
    }
    let mut w = create(dir, "payment_events.csv")?;
    writeln!(w, "claim_id,distribution,event,on,method,reference")?;
    for (k, e) in events.iter().enumerate() {
        let method = e.method.map_or("", |m| m.as_str());
        writeln!(
            w,
            "{},{},{},{},{method},ref-{k:08}",
            e.claim_id,
            e.distribution.number(),
            e.kind.as_str(),
            e.on
        )?;
        written.payment_events += 1;
    }
    w.flush()?;

    let mut w = create(dir, "tax_forms.csv")?;
    writeln!(w, "member_id,tin_status,received_on")?;
    let received = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
    for member in paid.iter().filter_map(|p| p.member_id) {
        if !rng.chance(700) {
            continue;
        }
        let status = match rng.below(100) {
            0..=89 => "certified",
            90..=96 => "missing",
            _ => "invalid",
        };
        writeln!(
            w,
            "{},{status},{}",
            member.0,
            after(received, rng.below(60))
        )?;
        written.tax_forms += 1;
        if status != "certified" && rng.chance(300) {
            writeln!(
                w,
                "{},certified,{}",
                member.0,
                after(received, 60 + rng.below(60))
            )?;
            written.tax_forms += 1;
        }
    }
    w.flush()?;

    let mut notices = create(dir, "notices.csv")?;
    let mut objections = create(dir, "objections.csv")?;
    writeln!(notices, "member_id,method,sent_on,undeliverable")?;
    writeln!(objections, "member_id,filed_on")?;
    for i in 1..=plan.members {
        // The generated members are m-00000001, m-00000002...: every accepted one is notified.
        let id = format!("m-{i:08}");
        if crate::ingest::KnownMembers::find(&data.class, id.as_bytes()).is_none() {
            continue;
        }
        let bounced = rng.chance(70);
        writeln!(notices, "{id},email,2025-11-03,{bounced}")?;
        written.notices += 1;
        if bounced {
            let lost = rng.chance(100);
            writeln!(notices, "{id},postcard,2025-12-01,{lost}")?;
            written.notices += 1;
        }
        if rng.chance(1) && rng.chance(100) {
            writeln!(objections, "{id},2026-02-{:02}", 1 + rng.below(28))?;
            written.objections += 1;
        }
    }
    notices.flush()?;
    objections.flush()?;
    Ok(written)
}

fn uuid_from(rng: &mut SplitMix64) -> uuid::Uuid {
    let bits = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_its_published_first_outputs() {
        // Reference values of SplitMix64 seeded with 0.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
