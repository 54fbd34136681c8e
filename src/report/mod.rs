//! The outputs: `determinations.csv`, `payments.csv`, `rejected_rows.csv`, `summary.json` and
//! `report.md`, rendered in memory and written all or nothing.

pub mod distribution;
pub mod explain;

use std::fmt::Write as _;
use std::io;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::case::ServiceAward;
use crate::decide::Decisions;
use crate::ingest::folder::Dataset;
use crate::ingest::folder::OptOutCounts;
use crate::ingest::hex;
use crate::ingest::{FileStats, InputFile};
use crate::model::{ClaimId, MemberId, PaymentMethod};
use crate::money::FeeRate;
use crate::money::{div_round_half_away, Cents};
use crate::rules::{ClassList, Reason, Status, RULE_VERSION};
use serde::Serialize;

/// Statistics of the payments above zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct PaymentStats {
    /// Number of payments.
    pub count: u64,
    /// Mean, rounded half away from zero.
    pub mean: Cents,
    /// Median (mean of the middle two for an even count, rounded half away from zero).
    pub median: Cents,
    /// Smallest.
    pub min: Cents,
    /// Largest.
    pub max: Cents,
}

impl PaymentStats {
    /// Statistics of the positive amounts among `payments`.
    pub fn of(payments: impl Iterator<Item = Cents>) -> Self {
        let mut paid: Vec<i128> = payments.filter(|p| p.is_positive()).map(|p| p.0).collect();
        if paid.is_empty() {
            return PaymentStats::default();
        }
        paid.sort_unstable();
        let n = paid.len();
        let sum: i128 = paid.iter().sum();
        let median = if n % 2 == 1 {
            paid[n / 2]
        } else {
            div_round_half_away(paid[n / 2 - 1] + paid[n / 2], 2)
        };
        PaymentStats {
            count: n as u64,
            mean: Cents(div_round_half_away(sum, n as i128)),
            median: Cents(median),
            min: Cents(paid[0]),
            max: Cents(paid[n - 1]),
        }
    }
}

/// Counts of claims by status and by reason code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimCounts {
    /// Claims per status, in [`Status::ALL`] order.
    pub by_status: [u64; 5],
    /// Claims carrying each code, in [`Reason::ALL`] order.
    pub by_reason: [u64; 20],
}

impl ClaimCounts {
    /// Counts the decisions.
    pub fn of(decisions: &Decisions) -> Self {
        let mut counts = ClaimCounts::default();
        for d in &decisions.determinations {
            counts.by_status[Status::ALL
                .iter()
                .position(|s| *s == d.status())
                .unwrap_or(0)] += 1;
            for r in d.reasons.iter() {
                counts.by_reason[r as usize] += 1;
            }
        }
        counts
    }

    /// Claims with this status.
    pub fn status(&self, status: Status) -> u64 {
        self.by_status[Status::ALL.iter().position(|s| *s == status).unwrap_or(0)]
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `determinations.csv`: one row per accepted claim, in input order.
///
/// # Errors
/// Only if writing to memory fails.
pub fn determinations_csv(decisions: &Decisions) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record([
        "claim_id",
        "member_id",
        "status",
        "reasons",
        "entitlement",
        "payment",
    ])?;
    for d in &decisions.determinations {
        w.write_record([
            d.claim.claim_id.to_string(),
            d.member.as_ref().map(|m| m.0.clone()).unwrap_or_default(),
            d.status().to_string(),
            d.reasons.to_string(),
            d.entitlement.to_string(),
            d.payment.to_string(),
        ])?;
    }
    finish(w)
}

/// The columns of `payments.csv` (and of `second_payments.csv`).
pub(crate) const PAYMENT_COLUMNS: [&str; 7] = [
    "claim_id",
    "member_id",
    "payee_name",
    "email",
    "payment_method",
    "payment_account",
    "amount",
];

/// `payments.csv`: every payment above zero, in input order; name and email are the claim's, else
/// the member's.
///
/// # Errors
/// Only if writing to memory fails.
pub fn payments_csv(data: &Dataset, decisions: &Decisions) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record(PAYMENT_COLUMNS)?;
    for p in payments(data, decisions) {
        w.write_record([
            p.claim_id.to_string(),
            p.member_id.map(|m| m.0.clone()).unwrap_or_default(),
            p.payee_name.unwrap_or_default().to_string(),
            p.email.unwrap_or_default().to_string(),
            p.payment_method
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
            p.payment_account.unwrap_or_default().to_string(),
            p.amount.to_string(),
        ])?;
    }
    finish(w)
}

/// One payment to a claimant, as `payments.csv` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Payment<'a> {
    /// The paid claim.
    pub claim_id: ClaimId,
    /// The member it resolved to.
    pub member_id: Option<&'a MemberId>,
    /// Who is paid: the name on the claim, else the member's name.
    pub payee_name: Option<&'a str>,
    /// The email on the claim, else the member's.
    pub email: Option<&'a str>,
    /// How the claimant asked to be paid.
    pub payment_method: Option<PaymentMethod>,
    /// The account, as given.
    pub payment_account: Option<&'a str>,
    /// The amount.
    pub amount: Cents,
}

/// Every payment above zero, in claim order, with the payee rule applied: the claim's name and
/// email, else the member's.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, payments, DataFolder, NoProgress};
///
/// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
/// let decisions = decide(&data)?;
/// let paid = payments(&data, &decisions);
/// assert_eq!(paid.len(), 21);
/// assert!(paid.iter().all(|p| p.amount.is_positive()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn payments<'a>(data: &'a Dataset, decisions: &'a Decisions) -> Vec<Payment<'a>> {
    decisions
        .determinations
        .iter()
        .filter(|d| d.payment.is_positive())
        .map(|d| {
            let member = d
                .member
                .as_ref()
                .and_then(|m| data.class.member(&m.0))
                .map(|f| &f.member);
            Payment {
                claim_id: d.claim.claim_id,
                member_id: d.member.as_ref(),
                payee_name: d
                    .claim
                    .full_name
                    .as_deref()
                    .or_else(|| member.and_then(|m| m.full_name.as_deref())),
                email: d
                    .claim
                    .email
                    .as_deref()
                    .or_else(|| member.and_then(|m| m.email.as_deref())),
                payment_method: d.claim.payment_method,
                payment_account: d.claim.payment_account.as_deref(),
                amount: d.payment,
            }
        })
        .collect()
}

/// `rejected_rows.csv`: file, line, error, by file then line.
///
/// # Errors
/// Only if writing to memory fails.
pub fn rejected_rows_csv(data: &Dataset) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record(["file", "line", "error"])?;
    for r in &data.rejected {
        w.write_record([r.file.name(), &r.line.to_string(), &r.error])?;
    }
    finish(w)
}

/// What a run decided, in numbers: the content of `summary.json` (which adds the fingerprints of
/// the other outputs).
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, DataFolder, NoProgress, Summary};
///
/// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
/// let decisions = decide(&data)?;
/// let summary = Summary::of(&data, &decisions);
/// assert_eq!(summary.claims.determined, decisions.determinations.len() as u64);
/// let json = serde_json::to_value(&summary)?;
/// assert_eq!(json["money"]["paid"], summary.money.paid.to_string());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The version of the rules ([`crate::rules::RULE_VERSION`]).
    pub rule_version: &'static str,
    /// This crate's version.
    pub crate_version: &'static str,
    /// The case's name and docket.
    pub case: CaseTitle,
    /// Each input: the case file (fingerprint only), then each data file's counts.
    pub inputs: Inputs,
    /// Accepted rows of the class list.
    pub class_members: u64,
    /// Claims received and determined, by status and by reason.
    pub claims: ClaimTotals,
    /// Opt-out rows by timeliness.
    pub opt_outs: OptOutCounts,
    /// Cure rows applied and ignored.
    pub cures: CureTotals,
    /// Rejected input rows, all files together.
    pub rejected_rows: u64,
    /// The money.
    pub money: MoneyTotals,
}

/// A case's name and docket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CaseTitle {
    /// The case's name.
    pub name: String,
    /// The docket number and court.
    pub docket: String,
}

/// The inputs of a run, by file name, in the order the summary lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inputs {
    /// The case file's name and SHA-256, when the case came from a file.
    pub case_file: Option<(String, String)>,
    /// Each data file's counts.
    pub files: Vec<(InputFile, FileStats)>,
}

impl Serialize for Inputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.files.len() + 1))?;
        if let Some((name, sha256)) = &self.case_file {
            map.serialize_entry(name, &json!({ "sha256": sha256 }))?;
        }
        for (file, stats) in &self.files {
            map.serialize_entry(file.name(), stats)?;
        }
        map.end()
    }
}

/// Claims received and determined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClaimTotals {
    /// Data rows of the claims (rejected ones included).
    pub received: u64,
    /// Accepted claims, each determined.
    pub determined: u64,
    /// Claims per status, every status listed.
    #[serde(serialize_with = "by_status")]
    pub by_status: [u64; 5],
    /// Claims carrying each code, every code listed.
    #[serde(serialize_with = "by_reason")]
    pub by_reason: [u64; 20],
}

impl ClaimTotals {
    /// Claims with this status.
    pub fn status(&self, status: Status) -> u64 {
        self.by_status[status as usize]
    }

    /// Claims carrying this code.
    pub fn reason(&self, reason: Reason) -> u64 {
        self.by_reason[reason as usize]
    }
}

fn by_status<S: serde::Serializer>(counts: &[u64; 5], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(
        Status::ALL
            .iter()
            .map(|st| (st.as_str(), counts[*st as usize])),
    )
}

fn by_reason<S: serde::Serializer>(counts: &[u64; 20], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(Reason::ALL.iter().map(|r| (r.code(), counts[*r as usize])))
}

/// Cure rows applied and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CureTotals {
    /// Applied to deficient claims.
    pub applied: u64,
    /// Late, or for claims that were not deficient.
    pub ignored: u64,
}

/// The money of a run, as the summary states it. Fund fields are `None` without a fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MoneyTotals {
    /// Sum of entitlements.
    pub entitled: Cents,
    /// The gross settlement fund.
    pub gross_fund: Option<Cents>,
    /// Attorney fees (zero without a fund).
    pub attorney_fees: Cents,
    /// The fee rate, as written in the case file.
    pub attorney_fee_rate: Option<FeeRate>,
    /// Litigation costs.
    pub litigation_costs: Cents,
    /// Administration costs.
    pub administration_costs: Cents,
    /// Service awards, all together.
    pub service_awards: Cents,
    /// Each service award.
    pub service_award_recipients: Vec<ServiceAward>,
    /// The net fund.
    pub net_fund: Option<Cents>,
    /// The minimum payment.
    pub minimum_payment: Option<Cents>,
    /// Paid to claimants.
    pub paid: Cents,
    /// Left for the residual recipient.
    pub residual: Cents,
    /// Who receives the residual.
    pub residual_recipient: Option<String>,
    /// Allocation rounds run.
    pub allocation_rounds: usize,
    /// Statistics of the payments above zero.
    pub payments: PaymentStats,
}

impl Summary {
    /// The summary of `decisions` made on `data`.
    pub fn of(data: &Dataset, decisions: &Decisions) -> Summary {
        let counts = ClaimCounts::of(decisions);
        let received = data
            .inputs
            .iter()
            .find(|(f, _)| *f == InputFile::Claims)
            .map_or(0, |(_, s)| s.rows);
        let m = &decisions.money;
        let fund = data.case.fund.as_ref();
        let w = m.waterfall.as_ref();
        Summary {
            rule_version: RULE_VERSION,
            crate_version: env!("CARGO_PKG_VERSION"),
            case: CaseTitle {
                name: data.case.name.clone(),
                docket: data.case.docket.clone(),
            },
            inputs: Inputs {
                case_file: data.case_file.clone(),
                files: data.inputs.clone(),
            },
            class_members: data.class.len() as u64,
            claims: ClaimTotals {
                received,
                determined: decisions.determinations.len() as u64,
                by_status: counts.by_status,
                by_reason: counts.by_reason,
            },
            opt_outs: data.opt_outs,
            cures: CureTotals {
                applied: decisions.cures_applied,
                ignored: decisions.cures_ignored,
            },
            rejected_rows: data.rejected.len() as u64,
            money: MoneyTotals {
                entitled: m.entitled,
                gross_fund: w.map(|w| w.gross),
                attorney_fees: w.map_or(Cents::ZERO, |w| w.attorney_fees),
                attorney_fee_rate: fund.map(|f| f.attorney_fee_rate.clone()),
                litigation_costs: w.map_or(Cents::ZERO, |w| w.litigation_costs),
                administration_costs: w.map_or(Cents::ZERO, |w| w.administration_costs),
                service_awards: w.map_or(Cents::ZERO, |w| w.service_awards),
                service_award_recipients: fund.map_or(Vec::new(), |f| f.service_awards.clone()),
                net_fund: w.map(|w| w.net),
                minimum_payment: fund.map(|f| f.minimum_payment),
                paid: m.paid,
                residual: m.residual,
                residual_recipient: fund.and_then(|f| f.residual_recipient.clone()),
                allocation_rounds: m.rounds,
                payments: PaymentStats::of(decisions.determinations.iter().map(|d| d.payment)),
            },
        }
    }
}

/// `summary.json` as a JSON value (without the outputs' fingerprints).
pub fn summary(data: &Dataset, decisions: &Decisions) -> Value {
    serde_json::to_value(Summary::of(data, decisions)).unwrap_or(Value::Null)
}

pub(crate) fn percent(part: i128, whole: i128) -> String {
    if whole == 0 {
        return "n/a".into();
    }
    // Two decimals, half away from zero.
    let hundredths = div_round_half_away(part * 10_000, whole);
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

/// `report.md`: a declaration-style account of the run that reads as plain text and as Markdown.
pub fn report(data: &Dataset, decisions: &Decisions) -> String {
    let case = &data.case;
    let counts = ClaimCounts::of(decisions);
    let m = &decisions.money;
    let stats = PaymentStats::of(decisions.determinations.iter().map(|d| d.payment));
    let members = data.class.len() as i128;
    let approved = counts.status(Status::Approved);
    let received = data
        .inputs
        .iter()
        .find(|(f, _)| *f == crate::ingest::InputFile::Claims)
        .map_or(0, |(_, s)| s.rows);
    let mut r = String::new();
    let _ = writeln!(r, "# Claims administration report\n");
    let _ = writeln!(r, "**{}**, {}\n", case.name, case.docket);
    let _ = writeln!(
        r,
        "Rule version: {RULE_VERSION}; premium-claims {}.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(r, "## Class and claims\n");
    let _ = writeln!(r, "| Item | Count |\n|---|---:|");
    let _ = writeln!(
        r,
        "| Class members (accepted class-list rows) | {} |",
        data.class.len()
    );
    let _ = writeln!(r, "| Claims received (rows of claims.csv) | {received} |");
    let _ = writeln!(
        r,
        "| Claims determined | {} |",
        decisions.determinations.len()
    );
    for s in Status::ALL {
        let _ = writeln!(r, "| Claims {} | {} |", s.as_str(), counts.status(s));
    }
    let _ = writeln!(
        r,
        "| Claims rate (approved / class members) | {} |",
        percent(approved as i128, members)
    );
    let _ = writeln!(
        r,
        "| Filing rate (claims received / class members) | {} |",
        percent(received as i128, members)
    );
    let _ = writeln!(r, "| Opt-outs, timely | {} |", data.opt_outs.timely);
    let _ = writeln!(
        r,
        "| Opt-outs, untimely (not honoured) | {} |",
        data.opt_outs.untimely
    );
    let _ = writeln!(
        r,
        "| Cures applied / ignored | {} / {} |",
        decisions.cures_applied, decisions.cures_ignored
    );
    let _ = writeln!(r, "| Input rows rejected | {} |\n", data.rejected.len());
    let _ = writeln!(r, "## Reasons\n\n| Code | Claims |\n|---|---:|");
    for reason in Reason::ALL {
        let _ = writeln!(
            r,
            "| {} | {} |",
            reason.code(),
            counts.by_reason[reason as usize]
        );
    }
    let _ = writeln!(r, "\n## Money\n");
    match (&m.waterfall, &case.fund) {
        (Some(w), Some(fund)) => {
            let _ = writeln!(r, "| Waterfall | Amount |\n|---|---:|");
            let _ = writeln!(r, "| Gross settlement fund | ${} |", w.gross);
            let _ = writeln!(
                r,
                "| Attorney fees ({} of the gross; {} of the fund) | ${} |",
                fund.attorney_fee_rate,
                percent(w.attorney_fees.0, w.gross.0),
                w.attorney_fees
            );
            let _ = writeln!(r, "| Litigation costs | ${} |", w.litigation_costs);
            let _ = writeln!(r, "| Administration costs | ${} |", w.administration_costs);
            for a in &fund.service_awards {
                let _ = writeln!(r, "| Service award to {} | ${} |", a.member_id, a.amount);
            }
            let _ = writeln!(r, "| Net settlement fund | ${} |", w.net);
            let _ = writeln!(r, "| Paid to claimants | ${} |", m.paid);
            let recipient = fund
                .residual_recipient
                .as_deref()
                .unwrap_or("(no recipient named)");
            let _ = writeln!(r, "| Residual, to {recipient} | ${} |", m.residual);
            let _ = writeln!(r, "\nTotal entitlement of approved claims: ${}. Minimum payment: ${}; allocation rounds: {}.", m.entitled, fund.minimum_payment, m.rounds);
        }
        _ => {
            let _ = writeln!(r, "No settlement fund: each approved claim is paid its entitlement under the judgment.\n");
            let _ = writeln!(r, "| Item | Amount |\n|---|---:|\n| Total entitlement (exposure) | ${} |\n| Paid | ${} |", m.entitled, m.paid);
        }
    }
    let _ = writeln!(r, "\n## Payments\n\n| Statistic | Amount |\n|---|---:|");
    let _ = writeln!(r, "| Number of payments | {} |", stats.count);
    let _ = writeln!(
        r,
        "| Average | ${} |\n| Median | ${} |\n| Largest | ${} |\n| Smallest | ${} |",
        stats.mean, stats.median, stats.max, stats.min
    );
    inputs_table(data, &mut r);
    r
}

/// The `## Inputs` section of a report: every file read, its rows and its SHA-256.
pub(crate) fn inputs_table(data: &Dataset, r: &mut String) {
    let _ = writeln!(
        r,
        "\n## Inputs\n\n| File | Rows | Accepted | Rejected | SHA-256 |\n|---|---:|---:|---:|---|"
    );
    if let Some((name, sha256)) = &data.case_file {
        let _ = writeln!(r, "| {name} | | | | `{sha256}` |");
    }
    for (file, s) in &data.inputs {
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | `{}` |",
            file.name(),
            s.rows,
            s.accepted,
            s.rejected,
            s.sha256
        );
    }
}

/// The five output files of `premium-claims process`, name and bytes, in memory:
/// `determinations.csv`, `payments.csv`, `rejected_rows.csv`, `summary.json` (with the SHA-256 of
/// the other four) and `report.md`.
///
/// Writing them is the caller's. `premium-claims process` writes them into a new folder and
/// switches it for the old one in one step, under a lock, so that a reader never sees half a
/// set; files written one by one (`std::fs::write`) do not have that guarantee.
///
/// # Errors
/// Only if writing to memory fails.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, render, DataFolder, NoProgress};
///
/// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
/// let files = render(&data, &decide(&data)?)?;
/// let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
/// assert_eq!(names, ["determinations.csv", "payments.csv", "rejected_rows.csv", "summary.json", "report.md"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(data: &Dataset, decisions: &Decisions) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    // The two large files are written side by side, given two threads.
    let (determinations, payments) = if data.threads > 1 {
        crate::shares::join(
            || determinations_csv(decisions),
            || payments_csv(data, decisions),
        )
    } else {
        (determinations_csv(decisions), payments_csv(data, decisions))
    };
    let mut files = vec![
        ("determinations.csv", determinations?),
        ("payments.csv", payments?),
        ("rejected_rows.csv", rejected_rows_csv(data)?),
        ("report.md", report(data, decisions).into_bytes()),
    ];
    // The summary fingerprints every other output, so a later `verify` can prove them unchanged.
    insert_fingerprinted(&mut files, 3, "summary.json", summary(data, decisions))?;
    Ok(files)
}

/// Inserts at `at` the JSON file `name` holding `value` with, under `outputs`, the SHA-256 of
/// each of `files`.
fn insert_fingerprinted(
    files: &mut Vec<(&'static str, Vec<u8>)>,
    at: usize,
    name: &'static str,
    mut value: Value,
) -> io::Result<()> {
    let outputs: Map<String, Value> = files
        .iter()
        .map(|(name, bytes)| {
            (
                (*name).to_string(),
                json!({ "sha256": hex(&Sha256::digest(bytes)) }),
            )
        })
        .collect();
    value["outputs"] = Value::Object(outputs);
    let mut bytes = serde_json::to_vec_pretty(&value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    files.insert(at, (name, bytes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_even_count_rounds_half_away() {
        let s = PaymentStats::of([Cents(1), Cents(2), Cents(0), Cents(4), Cents(8)].into_iter());
        assert_eq!(s.count, 4);
        assert_eq!(s.median, Cents(3)); // (2 + 4) / 2
        assert_eq!(s.mean, Cents(4)); // 15 / 4 = 3.75 -> 4
        let s = PaymentStats::of([Cents(1), Cents(2)].into_iter());
        assert_eq!(s.median, Cents(2)); // 1.5 -> 2
        assert_eq!(s.min, Cents(1));
        assert_eq!(s.max, Cents(2));
    }

    #[test]
    fn no_payments_give_zero_statistics() {
        assert_eq!(
            PaymentStats::of([Cents(0)].into_iter()),
            PaymentStats::default()
        );
    }
}
