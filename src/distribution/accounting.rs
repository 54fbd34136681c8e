//! The post-distribution accounting the N.D. Cal. Procedural Guidance for Class Action
//! Settlements asks for, as values: what `accounting.json` and `accounting.md` state.

use chrono::NaiveDate;
use serde::Serialize;

use super::{InstrumentState, Ledger, Notice, NoticeMethod, Objection, Reconciliation, Round};
use super::{SecondDistribution, SecondStatus};
use crate::decide::Decisions;
use crate::ingest::folder::Dataset;
use crate::ingest::InputFile;
use crate::model::PaymentMethod;
use crate::money::{div_round_half_away, Cents};
use crate::report::{percent, PaymentStats};
use crate::rules::Status;

/// A number of people or claims, and its share of the class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CountShare {
    /// How many.
    pub count: u64,
    /// As a share of the class members, two decimals half away from zero (`"12.50%"`; `"n/a"`
    /// for an empty class).
    pub share_of_class: String,
}

impl CountShare {
    fn of(count: u64, class: u64) -> CountShare {
        CountShare {
            count,
            share_of_class: percent(count as i128, class as i128),
        }
    }
}

/// Notices sent by one method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NoticeCount {
    /// The method.
    pub method: NoticeMethod,
    /// Notices sent.
    pub sent: u64,
    /// Of which returned undeliverable.
    pub undeliverable: u64,
}

/// A number of payments or instruments and their amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CountAmount {
    /// How many.
    pub count: u64,
    /// Their total.
    pub amount: Cents,
}

impl CountAmount {
    fn add(&mut self, amount: Cents) {
        self.count += 1;
        self.amount += amount;
    }
}

/// The payments made by one method (current instruments, both distributions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MethodTotals {
    /// The method.
    pub method: PaymentMethod,
    /// Every current instrument by this method.
    pub issued: CountAmount,
    /// Those cashed or delivered.
    pub completed: CountAmount,
}

/// Checks by state (current instruments, both distributions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CheckTotals {
    /// Issued, not yet cashed, before their void date.
    pub outstanding: CountAmount,
    /// Cashed.
    pub cashed: CountAmount,
    /// Not cashed by their void date.
    pub void: CountAmount,
}

/// One distribution's instruments by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RoundTotals {
    /// The issue date, when issued by the accounting's date.
    pub issued_on: Option<NaiveDate>,
    /// The day it was final, if it was by the accounting's date.
    pub final_on: Option<NaiveDate>,
    /// Current instruments per state, every state listed.
    #[serde(serialize_with = "by_state")]
    pub by_state: [CountAmount; 7],
    /// Instruments replaced by a reissue.
    pub reissued: u64,
}

fn by_state<S: serde::Serializer>(counts: &[CountAmount; 7], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(
        InstrumentState::ALL
            .iter()
            .map(|st| (st.as_str(), counts[*st as usize])),
    )
}

/// Attorney fees and costs, as the court reviews them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FeesAndCosts {
    /// Attorney fees.
    pub attorney_fees: Cents,
    /// Litigation costs.
    pub litigation_costs: Cents,
    /// Fees as a share of the gross fund (`"25.00%"`), with a fund.
    pub fee_share_of_fund: Option<String>,
    /// Class counsel's lodestar, when the case file gives it.
    pub lodestar: Option<Cents>,
    /// Fees / lodestar, two decimals half away from zero (`"1.87"`).
    pub multiplier: Option<String>,
}

/// Tax reporting totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TaxTotals {
    /// Forms 1099-MISC due (member and year).
    pub forms_due: u64,
    /// Payments they report.
    pub reported: Cents,
    /// Of those forms, the ones without a certified TIN.
    pub without_certified_tin: u64,
    /// Backup withholding reported on them.
    pub backup_withholding: Cents,
}

/// Payment events: applied, ignored, rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventTotals {
    /// Rows of `payment_events.csv` (or events given).
    pub rows: u64,
    /// Applied to an instrument.
    pub applied: u64,
    /// Dated after the accounting's date, ignored.
    pub after_as_of: u64,
    /// Rejected rows (bad values, or events that cannot apply).
    pub rejected: u64,
}

/// The post-distribution accounting of a run as of a date.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, payments, Accounting, DataFolder, Ledger, NaiveDate, NoProgress};
///
/// let folder = DataFolder::new("examples/data/distribution");
/// let data = folder.load(&mut NoProgress)?;
/// let files = folder.load_distribution(&data)?;
/// let decisions = decide(&data)?;
/// let paid = payments(&data, &decisions);
/// let as_of: NaiveDate = "2027-06-30".parse()?;
/// let ledger = Ledger::build(&data.case, &decisions, &paid, &files.events, &files.tax_forms, as_of)?;
/// let accounting = Accounting::of(&data, &decisions, &ledger, &files);
/// assert_eq!(accounting.reconciliation.accounted(), accounting.reconciliation.total);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Accounting {
    /// The date it stands at.
    pub as_of: NaiveDate,
    /// The gross settlement fund, with a fund.
    pub total_fund: Option<Cents>,
    /// Net fund, with a fund.
    pub net_fund: Option<Cents>,
    /// Accepted class-list rows.
    pub class_members: u64,
    /// Notices sent, by method.
    pub notices: Vec<NoticeCount>,
    /// Notices sent, all methods.
    pub notices_sent: u64,
    /// Notices returned undeliverable, all methods.
    pub notices_undeliverable: u64,
    /// Claims received (rows of `claims.csv`).
    pub claims_received: CountShare,
    /// Claims approved.
    pub claims_approved: CountShare,
    /// Claimants paid (a completed payment in either distribution).
    pub claimants_paid: CountShare,
    /// Timely opt-outs.
    pub opt_outs: CountShare,
    /// Objections filed.
    pub objections: CountShare,
    /// Payments by method.
    pub payments_by_method: Vec<MethodTotals>,
    /// Recovery per paid claimant, both distributions added.
    pub recovery: PaymentStats,
    /// Checks outstanding, cashed and void.
    pub checks: CheckTotals,
    /// Void and returned payments (both distributions), whatever became of the money since.
    pub unclaimed: Cents,
    /// The first distribution.
    pub first_distribution: RoundTotals,
    /// The second distribution.
    pub second_distribution: SecondDistribution,
    /// Its instruments.
    pub second_instruments: RoundTotals,
    /// Who receives the residual (cy pres), if named.
    pub residual_recipient: Option<String>,
    /// Paid or due to the residual recipient.
    pub to_residual_recipient: Cents,
    /// Administration costs.
    pub administration_costs: Cents,
    /// Service awards.
    pub service_awards: Cents,
    /// Fees, costs, fee share, multiplier.
    pub fees_and_costs: FeesAndCosts,
    /// Forms 1099-MISC.
    pub tax: TaxTotals,
    /// Payment events.
    pub events: EventTotals,
    /// Every cent of the fund in one bucket.
    pub reconciliation: Reconciliation,
}

impl Accounting {
    /// The accounting of `ledger`, the distribution of `decisions` made on `data`, with the
    /// notices and objections of `files`.
    pub fn of(
        data: &Dataset,
        decisions: &Decisions,
        ledger: &Ledger<'_>,
        files: &DistributionFiles,
    ) -> Accounting {
        Accounting::from_records(
            data,
            decisions,
            ledger,
            &files.notices,
            &files.objections,
            files.event_rows(),
        )
    }

    /// [`Accounting::of`] from the notices and objections as values; `event_rows` is the number
    /// of event rows read (rejected ones included).
    pub fn from_records(
        data: &Dataset,
        decisions: &Decisions,
        ledger: &Ledger<'_>,
        notices: &[Notice],
        objections: &[Objection],
        event_rows: u64,
    ) -> Accounting {
        let class = data.class.len() as u64;
        let received = data
            .inputs
            .iter()
            .find(|(f, _)| *f == InputFile::Claims)
            .map_or(0, |(_, s)| s.rows);
        let approved = decisions
            .determinations
            .iter()
            .filter(|d| d.status() == Status::Approved)
            .count() as u64;
        let mut notice_counts: Vec<NoticeCount> = NoticeMethod::ALL
            .iter()
            .map(|&method| NoticeCount {
                method,
                sent: 0,
                undeliverable: 0,
            })
            .collect();
        for n in notices {
            let c = &mut notice_counts[n.method as usize];
            c.sent += 1;
            c.undeliverable += u64::from(n.undeliverable);
        }
        let mut methods: Vec<MethodTotals> = Vec::new();
        let mut checks = CheckTotals::default();
        let mut unclaimed = Cents::ZERO;
        for i in ledger.instruments.iter().filter(|i| i.current) {
            let at = match methods.iter().position(|m| m.method == i.method) {
                Some(at) => at,
                None => {
                    methods.push(MethodTotals {
                        method: i.method,
                        issued: CountAmount::default(),
                        completed: CountAmount::default(),
                    });
                    methods.len() - 1
                }
            };
            methods[at].issued.add(i.amount);
            if i.state.is_completed() {
                methods[at].completed.add(i.amount);
            }
            if i.state.is_unclaimed() {
                unclaimed += i.amount;
            }
            match i.state {
                InstrumentState::Outstanding => checks.outstanding.add(i.amount),
                InstrumentState::Cashed => checks.cashed.add(i.amount),
                InstrumentState::Void => checks.void.add(i.amount),
                _ => {}
            }
        }
        methods.sort_by_key(|m| m.method as u8);
        let recoveries = ledger.recoveries();
        let recovery = PaymentStats::of(recoveries.iter().copied());
        let fund = data.case.fund.as_ref();
        let w = decisions.money.waterfall.as_ref();
        let fees = w.map_or(Cents::ZERO, |w| w.attorney_fees);
        let lodestar = fund.and_then(|f| f.lodestar);
        let multiplier = lodestar.filter(|l| l.is_positive()).map(|l| {
            let hundredths = div_round_half_away(fees.0 * 100, l.0);
            format!("{}.{:02}", hundredths / 100, hundredths % 100)
        });
        let round = |r: Round, final_on: Option<NaiveDate>| {
            let states = ledger.by_state(r);
            let issued_on = ledger
                .instruments
                .iter()
                .filter(|i| i.distribution == r && i.number == 1)
                .find_map(|i| i.issued_on);
            RoundTotals {
                issued_on,
                final_on,
                by_state: states.map(|(count, amount)| CountAmount { count, amount }),
                reissued: ledger
                    .instruments
                    .iter()
                    .filter(|i| i.distribution == r && !i.current)
                    .count() as u64,
            }
        };
        let r = &ledger.reconciliation;
        Accounting {
            as_of: ledger.as_of,
            total_fund: w.map(|w| w.gross),
            net_fund: w.map(|w| w.net),
            class_members: class,
            notices_sent: notices.len() as u64,
            notices_undeliverable: notices.iter().filter(|n| n.undeliverable).count() as u64,
            notices: notice_counts,
            claims_received: CountShare::of(received, class),
            claims_approved: CountShare::of(approved, class),
            claimants_paid: CountShare::of(recovery.count, class),
            opt_outs: CountShare::of(data.opt_outs.timely, class),
            objections: CountShare::of(objections.len() as u64, class),
            payments_by_method: methods,
            recovery,
            checks,
            unclaimed,
            first_distribution: round(Round::First, ledger.first_final_on),
            second_distribution: ledger.second.clone(),
            second_instruments: round(Round::Second, ledger.second_final_on),
            residual_recipient: fund.and_then(|f| f.residual_recipient.clone()),
            to_residual_recipient: r.residual_recipient,
            administration_costs: r.administration_costs,
            service_awards: r.service_awards,
            fees_and_costs: FeesAndCosts {
                attorney_fees: fees,
                litigation_costs: r.litigation_costs,
                fee_share_of_fund: w.map(|w| percent(fees.0, w.gross.0)),
                lodestar,
                multiplier,
            },
            tax: TaxTotals {
                forms_due: ledger.tax.len() as u64,
                reported: ledger.tax.iter().map(|t| t.total).sum(),
                without_certified_tin: ledger
                    .tax
                    .iter()
                    .filter(|t| t.tin_status != super::TinStatus::Certified)
                    .count() as u64,
                backup_withholding: ledger.tax.iter().map(|t| t.backup_withholding).sum(),
            },
            events: EventTotals {
                rows: event_rows,
                applied: ledger.events_applied,
                after_as_of: ledger.events_after_as_of,
                rejected: event_rows
                    .saturating_sub(ledger.events_applied + ledger.events_after_as_of),
            },
            reconciliation: r.clone(),
        }
    }

    /// True when the second distribution was issued.
    pub fn second_issued(&self) -> bool {
        self.second_distribution.status == SecondStatus::Issued
    }
}

pub use crate::ingest::distribution::DistributionFiles;
