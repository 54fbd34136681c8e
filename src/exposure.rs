//! Counsel's census: every class member evaluated as a would-be claimant, and the exposure at
//! realistic claims rates.
//!
//! Before and during a settlement both sides ask how many members meet the class definition and
//! what a judgment or a fund would cost at the claims rates class actions see. Each accepted
//! member is treated as if they had filed one timely, attested claim by member id, without actual
//! damages, and rules 5-11 are applied (rule 12 too when the case requires actual damages: then
//! every member fails it, and the census says so). The claims rates follow the FTC's 2019 study
//! of consumer class actions (median claims rate 9%, weighted mean 4%).

use chrono::NaiveDate;
use serde::Serialize;

use crate::allocation::{allocate, Share, Waterfall};
use crate::decide::Error;
use crate::ingest::folder::Dataset;
use crate::model::{Claim, ClaimId, Filing, MemberId};
use crate::money::Cents;
use crate::report::percent;
use crate::rules::{self, ClassList, EmailMatch, MemberFacts, Reason, Reasons};
use crate::shares;

/// The claims rates of the scenarios, in percent: 1%, 4% (FTC 2019 weighted mean), 9% (FTC 2019
/// median), 25% and every eligible member.
pub const CLAIMS_RATES_PERCENT: [u32; 5] = [1, 4, 9, 25, 100];

/// One member as a would-be claimant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MemberCensus {
    /// The member.
    pub member_id: MemberId,
    /// The codes of the class rules (5-12) the member fails, in rule order; empty when eligible.
    pub reasons: Reasons,
}

impl MemberCensus {
    /// True when the member meets the class definition (no rule failed).
    pub fn eligible(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// What a claims rate would cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scenario {
    /// The claims rate, as a decimal (`"0.09"`).
    pub rate: String,
    /// Claimants: the eligible members times the rate, rounded down.
    pub claimants: u64,
    /// Their entitlements under the judgment: claimants x (statutory minimum + punitive).
    pub total_entitlement: Cents,
    /// The fund's net, when the case has a fund.
    pub net_fund: Option<Cents>,
    /// The smallest and largest payment of the fund's allocation among that many equal
    /// entitlements (rule 19's minimum applied), when the case has a fund.
    pub per_claimant: Option<PerClaimant>,
    /// What the fund would have left, when the case has a fund.
    pub residual: Option<Cents>,
}

/// The range of one scenario's payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PerClaimant {
    /// The smallest payment, over every claimant of the scenario: zero when the minimum payment
    /// leaves some of them unpaid.
    pub smallest: Cents,
    /// The largest payment.
    pub largest: Cents,
}

/// The census of the class and the exposure it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exposure {
    /// Every accepted member, in the class list's order.
    pub members: Vec<MemberCensus>,
    /// Members failing each rule, in [`Reason::ALL`] order.
    pub by_reason: [u64; 20],
    /// Eligible members.
    pub eligible: u64,
    /// Eligible x (statutory minimum + punitive award per person).
    pub statutory_exposure: Cents,
    /// One per rate of [`CLAIMS_RATES_PERCENT`].
    pub scenarios: Vec<Scenario>,
    /// `report.md`, made with the census from the same dataset (see [`Exposure::report`]).
    report: String,
}

/// The rules a census claim can fail: the class rules 5-11 and actual damages (12). The others
/// cannot fire on a claim made by member id, attested and on time.
pub fn census_rules() -> impl Iterator<Item = Reason> {
    Reason::ALL
        .into_iter()
        .filter(|r| (5..=12).contains(&r.rule().number))
}

impl Exposure {
    /// Accepted members of the class list.
    pub fn class_members(&self) -> u64 {
        self.members.len() as u64
    }
}

/// A claim as a member would file it for the census: by member id, attested, postmarked on the
/// claims deadline (timely), without actual damages.
fn census_claim(member_id: &MemberId, deadline: NaiveDate) -> Claim {
    let mut claim = Claim::new(ClaimId(uuid::Uuid::nil()), Filing::Mail(deadline));
    claim.member_id = Some(member_id.0.clone());
    claim.attested = true;
    claim
}

/// Evaluates every accepted member of `data` as a would-be claimant and prices the claims-rate
/// scenarios.
///
/// # Errors
/// [`Error::FactsNotKept`] when `data` was loaded for its claimants only: the census needs every
/// member's facts ([`crate::Loading::EveryMember`]).
///
/// # Examples
///
/// ```
/// use premium_claims::{exposure, DataFolder, Loading, NoProgress};
///
/// let folder = DataFolder::new("examples/data/linkedin-premium").with_loading(Loading::EveryMember);
/// let census = exposure(&folder.load(&mut NoProgress)?)?;
/// assert_eq!(census.class_members(), census.members.len() as u64);
/// assert!(census.eligible <= census.class_members());
/// let full = census.scenarios.last().ok_or("no scenarios")?;
/// assert_eq!(full.claimants, census.eligible); // the 100% scenario
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn exposure(data: &Dataset) -> Result<Exposure, Error> {
    if !data.class.keeps_every_member() {
        return Err(Error::FactsNotKept);
    }
    let case = &data.case;
    // Each member is evaluated on its own: shares of the class on several threads, put back in
    // the class list's order.
    let members = census_in_shares(data, shares::share_size(data.class.kept(), data.threads));
    let mut by_reason = [0u64; 20];
    let mut eligible = 0u64;
    for member in &members {
        for reason in member.reasons.iter() {
            by_reason[reason as usize] += 1;
        }
        if member.reasons.is_empty() {
            eligible += 1;
        }
    }
    let per_person = case.damages.statutory_minimum + case.damages.punitive_per_person;
    let scenarios = CLAIMS_RATES_PERCENT
        .iter()
        .map(|&percent| scenario(data, eligible, percent, per_person))
        .collect();
    let mut census = Exposure {
        members,
        by_reason,
        eligible,
        statutory_exposure: Cents(per_person.0 * i128::from(eligible)),
        scenarios,
        report: String::new(),
    };
    census.report = census.make_report(data);
    Ok(census)
}

/// Every member of `data` evaluated as a would-be claimant, in shares of `share` members, one
/// thread per share, in the class list's order.
fn census_in_shares(data: &Dataset, share: usize) -> Vec<MemberCensus> {
    let every: Vec<&MemberFacts> = data.class.every_member().collect();
    let mut members = Vec::with_capacity(every.len());
    for evaluated in shares::map_shares(&every, share, |members| census_of(data, members)) {
        members.extend(evaluated);
    }
    members
}

/// Each of `members` evaluated as a would-be claimant, in order.
fn census_of(data: &Dataset, members: &[&MemberFacts]) -> Vec<MemberCensus> {
    let case = &data.case;
    members
        .iter()
        .map(|facts| {
            let id = &facts.member.member_id;
            let claim = census_claim(id, case.claims.deadline);
            let class = Claimant {
                class: &data.class,
                facts,
            };
            MemberCensus {
                member_id: id.clone(),
                reasons: rules::evaluate(case, &class, &claim).reasons,
            }
        })
        .collect()
}

/// The class list as a census claim sees it: the claim's own member, whose facts are at hand,
/// found without looking its id up (a million look-ups at random in the id tables); any other id
/// or email looked up in the list.
struct Claimant<'a, C> {
    class: &'a C,
    facts: &'a MemberFacts,
}

impl<C: ClassList> ClassList for Claimant<'_, C> {
    fn member(&self, member_id: &str) -> Option<&MemberFacts> {
        if member_id == self.facts.member.member_id.0 {
            Some(self.facts)
        } else {
            self.class.member(member_id)
        }
    }

    fn members_with_email(&self, email_key: &str) -> EmailMatch<'_> {
        self.class.members_with_email(email_key)
    }
}

fn scenario(data: &Dataset, eligible: u64, percent: u32, per_person: Cents) -> Scenario {
    let claimants = eligible * u64::from(percent) / 100;
    let rate = format!("{}.{:02}", percent / 100, percent % 100);
    let total_entitlement = Cents(per_person.0 * i128::from(claimants));
    let Some(fund) = &data.case.fund else {
        return Scenario {
            rate,
            claimants,
            total_entitlement,
            net_fund: None,
            per_claimant: None,
            residual: None,
        };
    };
    let net = Waterfall::of(fund).net;
    let shares: Vec<Share> = (0..claimants)
        .map(|i| Share {
            claim_id: ClaimId(uuid::Uuid::from_u128(u128::from(i))),
            entitlement: per_person,
        })
        .collect();
    let allocation = allocate(net, &shares, fund.minimum_payment);
    let paid: Cents = allocation.payments.iter().copied().sum();
    let per_claimant = (claimants > 0).then(|| PerClaimant {
        smallest: allocation
            .payments
            .iter()
            .copied()
            .min()
            .unwrap_or(Cents::ZERO),
        largest: allocation
            .payments
            .iter()
            .copied()
            .max()
            .unwrap_or(Cents::ZERO),
    });
    Scenario {
        rate,
        claimants,
        total_entitlement,
        net_fund: Some(net),
        per_claimant,
        residual: Some(net - paid),
    }
}

impl Exposure {
    /// The files of `premium-claims exposure`, name and bytes: `exposure.csv`
    /// (`member_id,eligible,reasons`, every accepted member in the class list's order),
    /// `exposure.json` (this value's serialisation) and `report.md` ([`Exposure::report`]).
    ///
    /// # Errors
    /// Only if writing to memory fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{exposure, DataFolder, Loading, NoProgress};
    ///
    /// let folder = DataFolder::new("examples/data/linkedin-premium").with_loading(Loading::EveryMember);
    /// let data = folder.load(&mut NoProgress)?;
    /// let files = exposure(&data)?.render()?;
    /// let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    /// assert_eq!(names, ["exposure.csv", "exposure.json", "report.md"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn render(&self) -> std::io::Result<Vec<(&'static str, Vec<u8>)>> {
        let mut json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        json.push(b'\n');
        Ok(vec![
            ("exposure.csv", exposure_csv(self)?),
            ("exposure.json", json),
            ("report.md", self.report.clone().into_bytes()),
        ])
    }

    /// The census as a person reads it (`report.md` of an exposure run): the class, the members
    /// failing each class rule, the statutory exposure, the claims-rate scenarios and the inputs
    /// with their SHA-256. Made with the census, from the same dataset.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{exposure, DataFolder, Loading, NoProgress};
    ///
    /// let folder = DataFolder::new("examples/data/linkedin-premium").with_loading(Loading::EveryMember);
    /// let census = exposure(&folder.load(&mut NoProgress)?)?;
    /// assert!(census.report().contains("| Class members (accepted class-list rows) | 47 |"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self) -> &str {
        &self.report
    }

    /// Writes [`Exposure::report`] for the census just made from `data`.
    fn make_report(&self, data: &Dataset) -> String {
        use std::fmt::Write as _;
        let case = &data.case;
        let members = self.class_members();
        let per_person = case.damages.statutory_minimum + case.damages.punitive_per_person;
        let mut r = String::new();
        let _ = writeln!(r, "# Census of the class and exposure\n");
        let _ = writeln!(r, "**{}**, {}\n", case.name, case.docket);
        let _ = writeln!(
            r,
            "Rule version: {}; premium-claims {}.\n",
            rules::RULE_VERSION,
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            r,
            "Every accepted member of the class list is treated as if they had filed one timely, \
             attested claim by member id, without actual damages, and the class rules are applied \
             to it. No claim is decided by this census.\n"
        );
        let _ = writeln!(r, "## Class\n\n| Item | Count |\n|---|---:|");
        let _ = writeln!(
            r,
            "| Class members (accepted class-list rows) | {members} |"
        );
        let _ = writeln!(
            r,
            "| Eligible (no class rule failed) | {} ({}) |",
            self.eligible,
            percent(i128::from(self.eligible), i128::from(members))
        );
        if case.damages.require_actual_damages {
            let but_for_damages = self
                .members
                .iter()
                .filter(|m| m.reasons.iter().eq([Reason::NoActualDamages]))
                .count() as u64;
            let _ = writeln!(
                r,
                "| Failing only rule 12 (no actual damages claimed) | {but_for_damages} |"
            );
        }
        let _ = writeln!(
            r,
            "| Not eligible | {} |",
            members.saturating_sub(self.eligible)
        );
        let _ = writeln!(
            r,
            "\n## Members failing each class rule\n\nA member failing several rules is counted \
             under each.\n\n| Rule | Code | Members |\n|---:|---|---:|"
        );
        for reason in census_rules() {
            let _ = writeln!(
                r,
                "| {} | {} | {} |",
                reason.rule().number,
                reason.code(),
                self.by_reason[reason as usize]
            );
        }
        if case.damages.require_actual_damages {
            let _ = writeln!(
                r,
                "\nThe case file requires actual damages (rule 12) and a census claim claims none: \
                 every member fails rule 12. The members failing only rule 12 are those who meet \
                 the rest of the class definition and would be eligible with proof of actual \
                 damages."
            );
        }
        let _ = writeln!(
            r,
            "\n## Statutory exposure\n\n{} eligible members x ${} (statutory minimum ${} + \
             punitive award ${}) = **${}**.",
            self.eligible,
            per_person,
            case.damages.statutory_minimum,
            case.damages.punitive_per_person,
            self.statutory_exposure
        );
        let _ = writeln!(
            r,
            "\n## Claims-rate scenarios\n\nClaimants are the eligible members times the rate, \
             rounded down (FTC 2019 study of consumer class actions: median claims rate 9%, \
             weighted mean 4%).\n"
        );
        match &case.fund {
            None => {
                let _ = writeln!(
                    r,
                    "No settlement fund: each claimant would be paid ${per_person}.\n\n\
                     | Claims rate | Claimants | Entitlement |\n|---:|---:|---:|"
                );
                for s in &self.scenarios {
                    let _ = writeln!(
                        r,
                        "| {} | {} | ${} |",
                        s.rate, s.claimants, s.total_entitlement
                    );
                }
            }
            Some(_) => {
                let _ = writeln!(
                    r,
                    "The net settlement fund allocated among that many equal entitlements, rule \
                     19's minimum payment applied.\n\n| Claims rate | Claimants | Entitlement | \
                     Net fund | Smallest payment | Largest payment | Residual |\n\
                     |---:|---:|---:|---:|---:|---:|---:|"
                );
                let money = |c: Option<Cents>| c.map_or_else(String::new, |c| format!("${c}"));
                for s in &self.scenarios {
                    let _ = writeln!(
                        r,
                        "| {} | {} | ${} | {} | {} | {} | {} |",
                        s.rate,
                        s.claimants,
                        s.total_entitlement,
                        money(s.net_fund),
                        money(s.per_claimant.map(|p| p.smallest)),
                        money(s.per_claimant.map(|p| p.largest)),
                        money(s.residual)
                    );
                }
            }
        }
        crate::report::inputs_table(data, &mut r);
        r
    }
}

fn exposure_csv(census: &Exposure) -> std::io::Result<Vec<u8>> {
    use std::fmt::Write as _;
    // Sized for the usual row (id, `false`, one code) up front: a buffer of tens of megabytes
    // grown by doubling, or put together from pieces, would hold two copies at once, at the
    // run's peak memory.
    let estimate: usize = census
        .members
        .iter()
        .map(|m| m.member_id.0.len() + 32)
        .sum();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(estimate));
    w.write_record(["member_id", "eligible", "reasons"])?;
    // One string for every row's reasons, not one made per row.
    let mut reasons = String::new();
    for m in &census.members {
        let eligible = if m.eligible() { "true" } else { "false" };
        reasons.clear();
        let _ = write!(reasons, "{}", m.reasons);
        w.write_record([m.member_id.0.as_str(), eligible, &reasons])?;
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

impl Serialize for Exposure {
    /// As `exposure.json`: `class_members`, `eligible`, `by_reason` (every class rule's code),
    /// `statutory_exposure`, `scenarios`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Exposure", 5)?;
        out.serialize_field("class_members", &self.class_members())?;
        out.serialize_field("eligible", &self.eligible)?;
        let by_reason: serde_json::Map<String, serde_json::Value> = census_rules()
            .map(|r| (r.code().to_string(), self.by_reason[r as usize].into()))
            .collect();
        out.serialize_field("by_reason", &by_reason)?;
        out.serialize_field("statutory_exposure", &self.statutory_exposure)?;
        out.serialize_field("scenarios", &self.scenarios)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataFolder, Loading, NoProgress};

    /// Each member's row as written by hand: an id that needs quoting quoted, reasons joined by
    /// `;` in the canonical order, the rows in the census's order.
    #[test]
    fn exposure_rows_are_as_written_by_hand() {
        let member = |id: &str, reasons: &[Reason]| MemberCensus {
            member_id: MemberId(id.to_string()),
            reasons: reasons.iter().fold(Reasons::NONE, |mut r, &code| {
                r.insert(code);
                r
            }),
        };
        let census = Exposure {
            members: vec![
                member("m-1", &[]),
                member("m,2", &[Reason::NoEligiblePremium]),
                member("m-3", &[Reason::NoEligiblePremium, Reason::OptedOutOfClass]),
                member("m-4", &[]),
            ],
            by_reason: [0; 20],
            eligible: 2,
            statutory_exposure: Cents::ZERO,
            scenarios: Vec::new(),
            report: String::new(),
        };
        // Codes in the canonical order, whatever order they were found in.
        let expected = "member_id,eligible,reasons\n\
                        m-1,true,\n\
                        \"m,2\",false,NO_ELIGIBLE_PREMIUM\n\
                        m-3,false,OPTED_OUT_OF_CLASS;NO_ELIGIBLE_PREMIUM\n\
                        m-4,true,\n";
        let file = exposure_csv(&census).unwrap();
        assert_eq!(String::from_utf8(file).unwrap(), expected);
    }

    /// However the class is shared among threads, each member keeps its own evaluation, in the
    /// class list's order.
    #[test]
    fn the_census_does_not_depend_on_how_members_are_shared() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
        let data = DataFolder::new(&dir)
            .with_loading(Loading::EveryMember)
            .load(&mut NoProgress)
            .unwrap();
        let whole = census_in_shares(&data, usize::MAX);
        let ids: Vec<&str> = data
            .class
            .every_member()
            .map(|f| f.member.member_id.0.as_str())
            .collect();
        assert_eq!(ids.len(), 47);
        assert_eq!(
            whole
                .iter()
                .map(|m| m.member_id.0.as_str())
                .collect::<Vec<_>>(),
            ids
        );
        // Both kinds of answer are there to be put out of order.
        assert!(whole.iter().any(MemberCensus::eligible));
        assert!(!whole.iter().all(MemberCensus::eligible));
        for share in [1, 2, 7, 46] {
            let shared = census_in_shares(&data, share);
            assert_eq!(shared.len(), whole.len(), "shares of {share}");
            for (a, b) in shared.iter().zip(&whole) {
                assert_eq!(
                    (&a.member_id, a.reasons),
                    (&b.member_id, b.reasons),
                    "shares of {share}"
                );
            }
        }
    }
}
