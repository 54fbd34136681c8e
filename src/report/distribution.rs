//! The outputs of `premium-claims distribute` beside the five of `process`: `ledger.csv`,
//! `second_payments.csv`, `tax_1099.csv`, `accounting.json` and `accounting.md`.

use std::fmt::Write as _;
use std::io;

use serde_json::{json, Map, Value};

use super::{csv_writer, finish};
use crate::distribution::accounting::{Accounting, CountAmount, CountShare};
use crate::distribution::{InstrumentState, Ledger, SecondStatus};
use crate::ingest::distribution::DistributionFiles;
use crate::ingest::folder::Dataset;

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// `ledger.csv`: one row per instrument, by claim (in payment order), distribution and number.
///
/// # Errors
/// Only if writing to memory fails.
pub fn ledger_csv(ledger: &Ledger<'_>) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record([
        "claim_id",
        "member_id",
        "distribution",
        "instrument",
        "method",
        "amount",
        "issued_on",
        "void_on",
        "state",
        "state_on",
    ])?;
    let mut claim = String::new();
    for i in &ledger.instruments {
        let p = &ledger.payments[i.payment];
        claim.clear();
        let _ = write!(claim, "{}", i.claim_id);
        w.write_record([
            claim.as_str(),
            p.member_id.map_or("", |m| m.0.as_str()),
            if i.distribution.number() == 1 {
                "1"
            } else {
                "2"
            },
            &i.number.to_string(),
            i.method.as_str(),
            &i.amount.to_string(),
            &date(i.issued_on),
            &date(i.void_on),
            i.state.as_str(),
            &date(i.state_on),
        ])?;
    }
    finish(w)
}

/// `second_payments.csv`: the second distribution's payments, with the columns of
/// `payments.csv`; the method is that of the instrument that completed the first payment.
///
/// # Errors
/// Only if writing to memory fails.
pub fn second_payments_csv(ledger: &Ledger<'_>) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record(super::PAYMENT_COLUMNS)?;
    for &(payment, amount) in &ledger.second.payments {
        let p = &ledger.payments[payment];
        let method = ledger
            .instruments_of(payment)
            .iter()
            .find(|i| i.distribution.number() == 2 && i.number == 1)
            .map_or("", |i| i.method.as_str());
        w.write_record([
            p.claim_id.to_string().as_str(),
            p.member_id.map_or("", |m| m.0.as_str()),
            p.payee_name.unwrap_or_default(),
            p.email.unwrap_or_default(),
            method,
            p.payment_account.unwrap_or_default(),
            &amount.to_string(),
        ])?;
    }
    finish(w)
}

/// `tax_1099.csv`: a Form 1099-MISC due per row, by member then year.
///
/// # Errors
/// Only if writing to memory fails.
pub fn tax_1099_csv(ledger: &Ledger<'_>) -> io::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record([
        "member_id",
        "payee_name",
        "year",
        "total",
        "threshold",
        "tin_status",
        "backup_withholding",
    ])?;
    for t in &ledger.tax {
        w.write_record([
            t.member_id.0.as_str(),
            t.payee_name.unwrap_or_default(),
            &t.year.to_string(),
            &t.total.to_string(),
            &t.threshold.to_string(),
            t.tin_status.as_str(),
            &t.backup_withholding.to_string(),
        ])?;
    }
    finish(w)
}

/// `accounting.json`: the accounting, the case, the distribution files' counts and fingerprints.
pub fn accounting_json(
    data: &Dataset,
    accounting: &Accounting,
    files: &DistributionFiles,
) -> Value {
    let mut value = serde_json::to_value(accounting).unwrap_or(Value::Null);
    let inputs: Map<String, Value> = files
        .inputs
        .iter()
        .map(|(file, stats)| {
            (
                file.name().to_string(),
                serde_json::to_value(stats).unwrap_or(Value::Null),
            )
        })
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert(
            "case".into(),
            json!({ "name": data.case.name, "docket": data.case.docket }),
        );
        map.insert("inputs".into(), Value::Object(inputs));
        let buckets: Map<String, Value> = accounting
            .reconciliation
            .buckets()
            .iter()
            .map(|(name, c)| ((*name).to_string(), Value::String(c.to_string())))
            .collect();
        map.insert(
            "reconciliation".into(),
            json!({
                "total": accounting.reconciliation.total.to_string(),
                "from": if accounting.reconciliation.from_gross_fund { "gross_fund" } else { "total_allocated" },
                "buckets": buckets,
                "accounted": accounting.reconciliation.accounted().to_string(),
                "balanced": accounting.reconciliation.accounted() == accounting.reconciliation.total,
            }),
        );
    }
    value
}

fn share(c: &CountShare) -> String {
    format!("{} ({} of the class)", c.count, c.share_of_class)
}

fn count_amount(c: &CountAmount) -> String {
    format!("{} | ${}", c.count, c.amount)
}

/// `accounting.md`: the post-distribution accounting as a declaration a person reads, with every
/// field of the N.D. Cal. Procedural Guidance.
pub fn accounting_md(data: &Dataset, a: &Accounting) -> String {
    let case = &data.case;
    let mut r = String::new();
    let _ = writeln!(r, "# Post-distribution accounting\n");
    let _ = writeln!(r, "**{}**, {}\n", case.name, case.docket);
    let _ = writeln!(
        r,
        "As of {}. Prepared under the Northern District of California's Procedural Guidance for Class Action Settlements (post-distribution accounting). Every figure below is computed from the class list, the claims, the payment events and the case file; premium-claims {}.\n",
        a.as_of,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(r, "## Fund, class and notice\n");
    let _ = writeln!(r, "| Item | Figure |\n|---|---:|");
    match a.total_fund {
        Some(gross) => {
            let _ = writeln!(r, "| Total settlement fund | ${gross} |");
        }
        None => {
            let _ = writeln!(
                r,
                "| Total settlement fund | none (payments are the judgment's entitlements) |"
            );
        }
    }
    if let Some(net) = a.net_fund {
        let _ = writeln!(r, "| Net settlement fund | ${net} |");
    }
    let _ = writeln!(r, "| Class members | {} |", a.class_members);
    for n in &a.notices {
        let _ = writeln!(
            r,
            "| Notices sent by {} (undeliverable) | {} ({}) |",
            n.method.as_str(),
            n.sent,
            n.undeliverable
        );
    }
    let _ = writeln!(
        r,
        "| Notices sent, all methods (undeliverable) | {} ({}) |",
        a.notices_sent, a.notices_undeliverable
    );
    let _ = writeln!(r, "| Claims received | {} |", share(&a.claims_received));
    let _ = writeln!(r, "| Claims approved | {} |", share(&a.claims_approved));
    let _ = writeln!(r, "| Claimants paid | {} |", share(&a.claimants_paid));
    let _ = writeln!(r, "| Opt-outs (timely) | {} |", share(&a.opt_outs));
    let _ = writeln!(r, "| Objections | {} |\n", share(&a.objections));

    let _ = writeln!(r, "## Recovery per paid claimant (both distributions)\n");
    let s = &a.recovery;
    let _ = writeln!(
        r,
        "| Statistic | Amount |\n|---|---:|\n| Paid claimants | {} |\n| Average | ${} |\n| Median | ${} |\n| Largest | ${} |\n| Smallest | ${} |\n",
        s.count, s.mean, s.median, s.max, s.min
    );

    let _ = writeln!(r, "## Payments by method (current instruments)\n");
    let _ = writeln!(
        r,
        "| Method | Issued | Amount issued | Completed | Amount completed |\n|---|---:|---:|---:|---:|"
    );
    for m in &a.payments_by_method {
        let _ = writeln!(
            r,
            "| {} | {} | {} |",
            m.method.as_str(),
            count_amount(&m.issued),
            count_amount(&m.completed)
        );
    }
    let _ = writeln!(r, "\n## Checks\n");
    let _ = writeln!(r, "| Checks | Number | Value |\n|---|---:|---:|");
    let _ = writeln!(
        r,
        "| Outstanding | {} |",
        count_amount(&a.checks.outstanding)
    );
    let _ = writeln!(r, "| Cashed | {} |", count_amount(&a.checks.cashed));
    let _ = writeln!(
        r,
        "| Void (uncashed by the void date) | {} |",
        count_amount(&a.checks.void)
    );
    let _ = writeln!(
        r,
        "\nUnclaimed money (void checks and returned payments, both distributions): ${}.\n",
        a.unclaimed
    );

    let _ = writeln!(r, "## The distributions\n");
    let first = &a.first_distribution;
    let _ = writeln!(
        r,
        "First distribution: issued {}; {}; {} instrument(s) replaced by a reissue.",
        first
            .issued_on
            .map_or("not yet".to_string(), |d| d.to_string()),
        first
            .final_on
            .map_or("not final".to_string(), |d| format!("final on {d}")),
        first.reissued
    );
    let second = &a.second_distribution;
    let when = second.on.map_or(String::new(), |d| d.to_string());
    let line = match second.status {
        SecondStatus::NotProvided => "Second distribution: not provided for (no fund or no second issue date); unclaimed money stays unclaimed.".to_string(),
        SecondStatus::NotYet => format!("Second distribution: set for {when}, not yet reached."),
        SecondStatus::Postponed => format!("Second distribution: set for {when}, not made: a first-distribution check was still outstanding that day."),
        SecondStatus::ToResidual => format!(
            "Second distribution: not made on {when}; the pool of ${} among {} eligible claimant(s) was below the minimum share, and went to the residual recipient.",
            second.pool, second.eligible
        ),
        SecondStatus::Issued => format!(
            "Second distribution: issued {when}: a pool of ${} in equal shares among {} eligible claimant(s), ${} paid in {} payment(s), ${} to the residual recipient; {}.",
            second.pool,
            second.eligible,
            second.paid,
            second.payments.len(),
            second.to_residual,
            a.second_instruments
                .final_on
                .map_or("not final".to_string(), |d| format!("final on {d}"))
        ),
    };
    let _ = writeln!(r, "{line}\n");
    let _ = writeln!(
        r,
        "| Instruments by state | First: number | First: value | Second: number | Second: value |\n|---|---:|---:|---:|---:|"
    );
    for state in InstrumentState::ALL {
        let i = state as usize;
        let _ = writeln!(
            r,
            "| {} | {} | {} |",
            state.as_str(),
            count_amount(&first.by_state[i]),
            count_amount(&a.second_instruments.by_state[i])
        );
    }

    let _ = writeln!(r, "\n## Residual, costs and fees\n");
    let _ = writeln!(r, "| Item | Amount |\n|---|---:|");
    let recipient = a
        .residual_recipient
        .as_deref()
        .unwrap_or("(no recipient named)");
    let _ = writeln!(
        r,
        "| To the residual recipient, {recipient} | ${} |",
        a.to_residual_recipient
    );
    let _ = writeln!(r, "| Administration costs | ${} |", a.administration_costs);
    let _ = writeln!(r, "| Service awards | ${} |", a.service_awards);
    let f = &a.fees_and_costs;
    let _ = writeln!(r, "| Attorney fees | ${} |", f.attorney_fees);
    let _ = writeln!(r, "| Litigation costs | ${} |", f.litigation_costs);
    let _ = writeln!(
        r,
        "| Attorney fees as a share of the fund | {} |",
        f.fee_share_of_fund.as_deref().unwrap_or("n/a")
    );
    match (&f.lodestar, &f.multiplier) {
        (Some(l), Some(m)) => {
            let _ = writeln!(
                r,
                "| Lodestar | ${l} |\n| Multiplier (fees / lodestar) | {m} |"
            );
        }
        _ => {
            let _ = writeln!(
                r,
                "| Lodestar multiplier | n/a (no lodestar in the case file) |"
            );
        }
    }

    let _ = writeln!(r, "\n## Tax reporting\n");
    let t = &a.tax;
    let _ = writeln!(
        r,
        "Forms 1099-MISC due: {} (member and year), reporting ${}; {} without a certified TIN, with backup withholding of ${} reported (not deducted).\n",
        t.forms_due, t.reported, t.without_certified_tin, t.backup_withholding
    );

    let _ = writeln!(r, "## Reconciliation\n");
    let rec = &a.reconciliation;
    let _ = writeln!(
        r,
        "Every cent of the {} (${}) sits in exactly one bucket:\n",
        if rec.from_gross_fund {
            "gross fund"
        } else {
            "total allocated"
        },
        rec.total
    );
    let _ = writeln!(r, "| Bucket | Amount |\n|---|---:|");
    for (name, c) in rec.buckets() {
        let _ = writeln!(r, "| {} | ${c} |", name.replace('_', " "));
    }
    let _ = writeln!(r, "| **Total** | **${}** |", rec.accounted());
    let e = &a.events;
    let _ = writeln!(
        r,
        "\nPayment events: {} rows, {} applied, {} dated after {} (ignored), {} rejected (listed in rejected_rows.csv).",
        e.rows, e.applied, e.after_as_of, a.as_of, e.rejected
    );
    r
}

/// The five distribution outputs, name and bytes; `accounting.json` records the SHA-256 of the
/// other four.
///
/// # Errors
/// Only if writing to memory fails.
pub fn render_distribution(
    data: &Dataset,
    ledger: &Ledger<'_>,
    accounting: &Accounting,
    files: &DistributionFiles,
) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut out = vec![
        ("ledger.csv", ledger_csv(ledger)?),
        ("second_payments.csv", second_payments_csv(ledger)?),
        ("tax_1099.csv", tax_1099_csv(ledger)?),
        (
            "accounting.md",
            accounting_md(data, accounting).into_bytes(),
        ),
    ];
    let value = accounting_json(data, accounting, files);
    super::insert_fingerprinted(&mut out, 3, "accounting.json", value)?;
    Ok(out)
}

/// Output files, name and bytes, in the order they are listed.
pub type Outputs = Vec<(&'static str, Vec<u8>)>;

/// Everything `premium-claims distribute` writes, in memory: the five outputs of `process` (with
/// the distribution files' rejected rows added to `rejected_rows.csv` and counted in the summary
/// and report), then `ledger.csv`, `second_payments.csv`, `tax_1099.csv`, `accounting.json` and
/// `accounting.md`; and the accounting as a value. The event rows a ledger cannot apply become
/// rejected rows of `files`, and are moved with the others into `data`.
///
/// # Errors
/// [`crate::Error::Distribution`] without a `[distribution]` table or when the reconciliation
/// fails (nothing is to be written then); [`crate::Error::Render`] if rendering fails.
pub fn distribute(
    data: &mut Dataset,
    decisions: &crate::decide::Decisions,
    files: &mut DistributionFiles,
    as_of: chrono::NaiveDate,
) -> Result<(Outputs, Accounting), crate::decide::Error> {
    let render_error = |e: io::Error| crate::decide::Error::Render(e.to_string());
    let (mut outputs, accounting) = {
        let payments = super::payments(data, decisions);
        let ledger = Ledger::build(
            &data.case,
            decisions,
            &payments,
            &files.events,
            &files.tax_forms,
            as_of,
        )?;
        files.reject_events(&ledger.rejections);
        let accounting = Accounting::of(data, decisions, &ledger, files);
        let outputs =
            render_distribution(data, &ledger, &accounting, files).map_err(render_error)?;
        (outputs, accounting)
    };
    data.rejected.extend(files.rejected.iter().cloned());
    let mut all = super::render(data, decisions).map_err(render_error)?;
    all.append(&mut outputs);
    Ok((all, accounting))
}
