//! The case file: the parameters a court sets (class definition, windows, deadlines, damages and
//! an optional settlement fund), read from TOML and validated key by key.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;
use toml::{Table, Value};

use crate::money::{Cents, FeeRate};
use crate::time::{parse_date, CaseClock, InclusiveDates};

/// A fatal problem in the case file, located by its dotted key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The text is not TOML.
    #[error("not valid TOML: {0}")]
    Syntax(String),
    /// A key is missing, unknown or holds a bad value.
    #[error("{key}: {message}")]
    Key {
        /// Dotted path of the key (`claims.deadline`, `fund` for the fund as a whole).
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

impl CaseError {
    fn key(key: impl Into<String>, message: impl Into<String>) -> Self {
        CaseError::Key {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Who belongs to the class, and when the conduct happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClassDefinition {
    /// ISO 3166-1 alpha-2 codes, upper case.
    pub countries: Vec<String>,
    /// Eligible Premium tiers, lower case.
    pub premium_tiers: Vec<String>,
    /// InMail sent or received in this local-date range, while Premium.
    pub message_window: InclusiveDates,
    /// Disclosure for AI training in this local-date range.
    pub disclosure_window: InclusiveDates,
}

/// Deadlines and fraud thresholds from the court's claims order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClaimsOrder {
    /// Last local filing date of a timely claim.
    pub deadline: NaiveDate,
    /// Court-approved cut-off for late claims, if any.
    pub late_claims_accepted_until: Option<NaiveDate>,
    /// Opt-out requests dated on or before this are timely.
    pub opt_out_deadline: NaiveDate,
    /// Cures dated after this are ignored; `None` means no cut-off.
    pub cure_deadline: Option<NaiveDate>,
    /// Distinct identities allowed on one payment account before review.
    pub max_identities_per_payment_account: u64,
    /// Distinct identities allowed from one IP address before review.
    pub max_identities_per_ip: u64,
}

/// Damages under 18 U.S.C. § 2707(c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Damages {
    /// The statutory floor per person.
    pub statutory_minimum: Cents,
    /// Whether the floor needs proof of some actual damages (Fourth and Eleventh Circuits).
    pub require_actual_damages: bool,
    /// Punitive damages added to every approved claim.
    pub punitive_per_person: Cents,
}

/// A service award to a named class representative, paid from the fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServiceAward {
    /// The representative's member id (a label; not checked against the class list).
    pub member_id: String,
    /// The award.
    pub amount: Cents,
}

/// A common settlement fund and its deductions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Fund {
    /// The gross fund.
    pub gross: Cents,
    /// Attorney fees as a fraction of the gross, in [0, 1].
    pub attorney_fee_rate: FeeRate,
    /// Litigation costs.
    pub litigation_costs: Cents,
    /// Claims administration costs.
    pub administration_costs: Cents,
    /// Service awards to class representatives.
    pub service_awards: Vec<ServiceAward>,
    /// Payments below this are not made (0: no minimum).
    pub minimum_payment: Cents,
    /// Who receives the residual (cy pres), if named.
    pub residual_recipient: Option<String>,
    /// Class counsel's lodestar (hours x rates), for the fee multiplier of the final accounting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lodestar: Option<Cents>,
}

/// A Form 1099-MISC reporting threshold and the first day it is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TaxThreshold {
    /// First day the threshold applies (a calendar year uses the one in force on 1 January).
    pub from: NaiveDate,
    /// Completed payments to one member in a year at or above this need a form.
    pub amount: Cents,
}

impl TaxThreshold {
    /// A threshold in force from `from`.
    pub fn new(from: NaiveDate, amount: Cents) -> TaxThreshold {
        TaxThreshold { from, amount }
    }
}

/// How the payments are carried out: issue and void dates, the second distribution, tax reporting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Distribution {
    /// The first distribution's payments are issued that day.
    pub first_issue_date: NaiveDate,
    /// A check not cashed by its issue date plus this many days is void (cashing on that day counts).
    pub check_void_days: u32,
    /// The day unclaimed money is distributed a second time, if the settlement provides for it.
    pub second_issue_date: Option<NaiveDate>,
    /// A second distribution is made only if every eligible claimant would get at least this.
    pub second_distribution_minimum: Cents,
    /// Form 1099-MISC thresholds by date in force, in increasing order of `from`.
    pub tax_thresholds: Vec<TaxThreshold>,
    /// Backup withholding rate where no certified TIN is on file (reported, not deducted).
    pub backup_withholding_rate: FeeRate,
}

impl Distribution {
    /// The Form 1099-MISC threshold in force on 1 January of `year` (the entry with the latest
    /// `from` not after that day; the earliest entry for a year before every entry).
    pub fn tax_threshold(&self, year: i32) -> Cents {
        let first_of_year = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        self.tax_thresholds
            .iter()
            .rev()
            .find(|t| t.from <= first_of_year)
            .or(self.tax_thresholds.first())
            .map_or(Cents::ZERO, |t| t.amount)
    }

    /// The defaults of the optional keys, around a first issue date and a void period.
    pub fn new(first_issue_date: NaiveDate, check_void_days: u32) -> Distribution {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        Distribution {
            first_issue_date,
            check_void_days,
            second_issue_date: None,
            second_distribution_minimum: Cents(500),
            // $600 through 2025; $2,000 from 2026 (One Big Beautiful Bill Act § 70433).
            tax_thresholds: vec![
                TaxThreshold::new(date(2000, 1, 1), Cents(60_000)),
                TaxThreshold::new(date(2026, 1, 1), Cents(200_000)),
            ],
            backup_withholding_rate: FeeRate::parse("0.24").unwrap_or_else(|_| FeeRate::zero()),
        }
    }
}

/// A validated case file. It serialises with its time zone under `timezone` and its other parts
/// as the case file names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Case {
    /// Case name.
    pub name: String,
    /// Docket number and court.
    pub docket: String,
    /// The case's time zone, through which every local date is computed.
    #[serde(rename = "timezone")]
    pub clock: CaseClock,
    /// The class definition.
    pub class: ClassDefinition,
    /// The claims order.
    pub claims: ClaimsOrder,
    /// Damages.
    pub damages: Damages,
    /// The settlement fund, when there is one; without it payment equals entitlement.
    pub fund: Option<Fund>,
    /// How payments are carried out, when the case file says (needed by `distribute`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
}

impl FromStr for Case {
    type Err = CaseError;

    fn from_str(text: &str) -> Result<Case, CaseError> {
        let root: Table = text.parse().map_err(|e: toml::de::Error| {
            CaseError::Syntax(e.to_string().trim().replace('\n', " "))
        })?;
        let mut root = Section::new("", &root);
        let case = {
            let mut s = root.table("case")?;
            let name = s.string("name")?;
            let docket = s.string("docket")?;
            let zone = s.string("timezone")?;
            let tz: Tz = zone.parse().map_err(|_| {
                CaseError::key(s.path("timezone"), format!("unknown time zone '{zone}'"))
            })?;
            s.finish()?;
            (name, docket, tz)
        };
        let class = {
            let mut s = root.table("class")?;
            let countries = s.strings("countries", |c| {
                if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
                    Ok(c.to_ascii_uppercase())
                } else {
                    Err(format!("'{c}' is not a two-letter country code"))
                }
            })?;
            let premium_tiers = s.strings("premium_tiers", |t| Ok(t.trim().to_lowercase()))?;
            let message_window = s.window("message_window")?;
            let disclosure_window = s.window("disclosure_window")?;
            s.finish()?;
            ClassDefinition {
                countries,
                premium_tiers,
                message_window,
                disclosure_window,
            }
        };
        let claims = {
            let mut s = root.table("claims")?;
            let order = ClaimsOrder {
                deadline: s.date("deadline")?,
                late_claims_accepted_until: s.optional_date("late_claims_accepted_until")?,
                opt_out_deadline: s.date("opt_out_deadline")?,
                cure_deadline: s.optional_date("cure_deadline")?,
                max_identities_per_payment_account: s
                    .optional_count("max_identities_per_payment_account")?
                    .unwrap_or(3),
                max_identities_per_ip: s.optional_count("max_identities_per_ip")?.unwrap_or(10),
            };
            s.finish()?;
            order
        };
        let damages = {
            let mut s = root.table("damages")?;
            let d = Damages {
                statutory_minimum: s.amount("statutory_minimum")?,
                require_actual_damages: s.boolean("require_actual_damages")?,
                punitive_per_person: s
                    .optional_amount("punitive_per_person")?
                    .unwrap_or(Cents::ZERO),
            };
            s.finish()?;
            d
        };
        let fund = match root.optional_table("fund")? {
            None => None,
            Some(mut s) => {
                let gross = s.amount("gross")?;
                let attorney_fee_rate = s.rate("attorney_fee_rate")?;
                let litigation_costs = s.amount("litigation_costs")?;
                let administration_costs = s.amount("administration_costs")?;
                let service_awards = s.awards("service_awards")?;
                let minimum_payment = s.optional_amount("minimum_payment")?.unwrap_or(Cents::ZERO);
                let residual_recipient = s.optional_string("residual_recipient")?;
                let lodestar = s.optional_amount("lodestar")?;
                s.finish()?;
                let fund = Fund {
                    gross,
                    attorney_fee_rate,
                    litigation_costs,
                    administration_costs,
                    service_awards,
                    minimum_payment,
                    residual_recipient,
                    lodestar,
                };
                let deductions = crate::allocation::attorney_fees(&fund)
                    + fund.litigation_costs
                    + fund.administration_costs
                    + fund.service_awards.iter().map(|a| a.amount).sum();
                if deductions > fund.gross {
                    return Err(CaseError::key(
                        "fund",
                        format!("deductions {deductions} (fees, costs, administration, awards) exceed the gross fund {}", fund.gross),
                    ));
                }
                Some(fund)
            }
        };
        let distribution = match root.optional_table("distribution")? {
            None => None,
            Some(mut s) => {
                let distribution = s.distribution()?;
                s.finish()?;
                Some(distribution)
            }
        };
        root.finish()?;
        Ok(Case {
            name: case.0,
            docket: case.1,
            clock: CaseClock::new(case.2),
            class,
            claims,
            damages,
            fund,
            distribution,
        })
    }
}

/// One TOML table being read: remembers the keys taken so that leftovers are reported as unknown.
struct Section<'a> {
    prefix: String,
    table: &'a Table,
    seen: BTreeSet<&'a str>,
}

fn type_name(v: &Value) -> &'static str {
    v.type_str()
}

impl<'a> Section<'a> {
    fn new(prefix: &str, table: &'a Table) -> Self {
        Section {
            prefix: prefix.to_string(),
            table,
            seen: BTreeSet::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn get(&mut self, key: &str) -> Option<&'a Value> {
        let (k, v) = self.table.get_key_value(key)?;
        self.seen.insert(k.as_str());
        Some(v)
    }

    fn required(&mut self, key: &str) -> Result<&'a Value, CaseError> {
        self.get(key)
            .ok_or_else(|| CaseError::key(self.path(key), "required key is missing"))
    }

    fn finish(self) -> Result<(), CaseError> {
        match self.table.keys().find(|k| !self.seen.contains(k.as_str())) {
            Some(k) => Err(CaseError::key(self.path(k), "unknown key")),
            None => Ok(()),
        }
    }

    fn table(&mut self, key: &str) -> Result<Section<'a>, CaseError> {
        match self.required(key)? {
            Value::Table(t) => Ok(Section::new(&self.path(key), t)),
            other => Err(CaseError::key(
                self.path(key),
                format!("expected a table, found {}", type_name(other)),
            )),
        }
    }

    fn optional_table(&mut self, key: &str) -> Result<Option<Section<'a>>, CaseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(Section::new(&self.path(key), t))),
            Some(other) => Err(CaseError::key(
                self.path(key),
                format!("expected a table, found {}", type_name(other)),
            )),
        }
    }

    fn string(&mut self, key: &str) -> Result<String, CaseError> {
        match self.required(key)? {
            Value::String(s) => Ok(s.trim().to_string()),
            other => Err(CaseError::key(
                self.path(key),
                format!("expected a string, found {}", type_name(other)),
            )),
        }
    }

    fn optional_string(&mut self, key: &str) -> Result<Option<String>, CaseError> {
        if self.table.contains_key(key) {
            self.string(key).map(Some)
        } else {
            Ok(None)
        }
    }

    fn boolean(&mut self, key: &str) -> Result<bool, CaseError> {
        match self.required(key)? {
            Value::Boolean(b) => Ok(*b),
            other => Err(CaseError::key(
                self.path(key),
                format!("expected true or false, found {}", type_name(other)),
            )),
        }
    }

    fn strings(
        &mut self,
        key: &str,
        each: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Vec<String>, CaseError> {
        let path = self.path(key);
        let Value::Array(items) = self.required(key)? else {
            return Err(CaseError::key(path, "expected an array of strings"));
        };
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => each(s).map_err(|m| CaseError::key(&path, m)),
                other => Err(CaseError::key(
                    &path,
                    format!("expected strings, found {}", type_name(other)),
                )),
            })
            .collect()
    }

    fn date(&mut self, key: &str) -> Result<NaiveDate, CaseError> {
        let path = self.path(key);
        date_value(self.required(key)?).map_err(|m| CaseError::key(path, m))
    }

    fn optional_date(&mut self, key: &str) -> Result<Option<NaiveDate>, CaseError> {
        if self.table.contains_key(key) {
            self.date(key).map(Some)
        } else {
            Ok(None)
        }
    }

    fn window(&mut self, key: &str) -> Result<InclusiveDates, CaseError> {
        let path = self.path(key);
        let mut s = self.table(key)?;
        let start = s.date("start")?;
        let end = s.date("end")?;
        s.finish()?;
        if end < start {
            return Err(CaseError::key(
                path,
                format!("end {end} precedes start {start}"),
            ));
        }
        Ok(InclusiveDates { start, end })
    }

    fn optional_count(&mut self, key: &str) -> Result<Option<u64>, CaseError> {
        let path = self.path(key);
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) if *n >= 0 => Ok(Some(*n as u64)),
            Some(Value::Integer(n)) => Err(CaseError::key(path, format!("{n} is negative"))),
            Some(other) => Err(CaseError::key(
                path,
                format!("expected a whole number, found {}", type_name(other)),
            )),
        }
    }

    fn amount(&mut self, key: &str) -> Result<Cents, CaseError> {
        let path = self.path(key);
        amount_value(self.required(key)?).map_err(|m| CaseError::key(path, m))
    }

    fn optional_amount(&mut self, key: &str) -> Result<Option<Cents>, CaseError> {
        if self.table.contains_key(key) {
            self.amount(key).map(Some)
        } else {
            Ok(None)
        }
    }

    fn rate(&mut self, key: &str) -> Result<FeeRate, CaseError> {
        let path = self.path(key);
        let text = match self.required(key)? {
            Value::String(s) => s.trim().to_string(),
            Value::Integer(n) => n.to_string(),
            Value::Float(f) if f.is_finite() => f.to_string(),
            other => {
                return Err(CaseError::key(
                    path,
                    format!("expected a number, found {}", type_name(other)),
                ))
            }
        };
        FeeRate::parse(&text).map_err(|m| CaseError::key(path, m))
    }

    /// The `[distribution]` table.
    fn distribution(&mut self) -> Result<Distribution, CaseError> {
        let first_issue_date = self.date("first_issue_date")?;
        let days_path = self.path("check_void_days");
        let check_void_days = match self.get("check_void_days") {
            Some(Value::Integer(n)) if (0..=3660).contains(n) => *n as u32,
            Some(Value::Integer(n)) => {
                return Err(CaseError::key(
                    days_path,
                    format!("{n} is not a number of days from 0 to 3660"),
                ))
            }
            Some(other) => {
                return Err(CaseError::key(
                    days_path,
                    format!(
                        "expected a whole number of days, found {}",
                        type_name(other)
                    ),
                ))
            }
            None => return Err(CaseError::key(days_path, "required key is missing")),
        };
        let mut d = Distribution::new(first_issue_date, check_void_days);
        d.second_issue_date = self.optional_date("second_issue_date")?;
        if let Some(second) = d.second_issue_date {
            if second <= first_issue_date {
                return Err(CaseError::key(
                    self.path("second_issue_date"),
                    format!("{second} is not after first_issue_date {first_issue_date}"),
                ));
            }
        }
        if let Some(minimum) = self.optional_amount("second_distribution_minimum")? {
            d.second_distribution_minimum = minimum;
        }
        if self.table.contains_key("tax_thresholds") {
            d.tax_thresholds = self.thresholds("tax_thresholds")?;
        }
        if self.table.contains_key("backup_withholding_rate") {
            d.backup_withholding_rate = self.rate("backup_withholding_rate")?;
        }
        Ok(d)
    }

    fn thresholds(&mut self, key: &str) -> Result<Vec<TaxThreshold>, CaseError> {
        let path = self.path(key);
        let Some(Value::Array(items)) = self.get(key) else {
            return Err(CaseError::key(
                path,
                "expected an array of { from, amount } tables",
            ));
        };
        if items.is_empty() {
            return Err(CaseError::key(path, "needs at least one threshold"));
        }
        let mut out: Vec<TaxThreshold> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let Value::Table(t) = v else {
                return Err(CaseError::key(
                    item_path,
                    "expected a { from, amount } table",
                ));
            };
            let mut s = Section::new(&item_path, t);
            let threshold = TaxThreshold::new(s.date("from")?, s.amount("amount")?);
            s.finish()?;
            if let Some(last) = out.last() {
                if threshold.from <= last.from {
                    return Err(CaseError::key(
                        format!("{item_path}.from"),
                        format!(
                            "{} is not after the previous entry's {}",
                            threshold.from, last.from
                        ),
                    ));
                }
            }
            out.push(threshold);
        }
        Ok(out)
    }

    fn awards(&mut self, key: &str) -> Result<Vec<ServiceAward>, CaseError> {
        let path = self.path(key);
        let Value::Array(items) = self.required(key)? else {
            return Err(CaseError::key(
                path,
                "expected an array of { member_id, amount } tables",
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let item_path = format!("{path}[{i}]");
                let Value::Table(t) = v else {
                    return Err(CaseError::key(
                        item_path,
                        "expected a { member_id, amount } table",
                    ));
                };
                let mut s = Section::new(&item_path, t);
                let award = ServiceAward {
                    member_id: s.string("member_id")?,
                    amount: s.amount("amount")?,
                };
                s.finish()?;
                Ok(award)
            })
            .collect()
    }
}

fn date_value(v: &Value) -> Result<NaiveDate, String> {
    match v {
        Value::String(s) => parse_date(s.trim()).map_err(|e| format!("'{s}' {e}")),
        Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| format!("{dt} is not a valid calendar date"))
            }
            _ => Err(format!("{dt} is not a plain date (YYYY-MM-DD)")),
        },
        other => Err(format!("expected a date, found {}", type_name(other))),
    }
}

fn amount_value(v: &Value) -> Result<Cents, String> {
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Integer(n) => n.to_string(),
        // The shortest decimal text that reads back as the same float: 23457.2 -> "23457.2".
        Value::Float(f) if f.is_finite() => f.to_string(),
        other => return Err(format!("expected an amount, found {}", type_name(other))),
    };
    Cents::parse(&text).map_err(|e| format!("'{text}' {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINIMAL: &str = r#"
[case]
name = "Test v. Case"
docket = "1:00-cv-00001"
timezone = "America/Los_Angeles"
[class]
countries = ["us"]
premium_tiers = ["Career", "business"]
message_window = { start = "2021-01-21", end = "2024-09-17" }
disclosure_window = { start = 2024-08-01, end = "2024-09-17" }
[claims]
deadline = "2026-03-31"
opt_out_deadline = "2026-03-02"
[damages]
statutory_minimum = 1000
require_actual_damages = false
"#;

    fn error_key(text: &str) -> String {
        match text.parse::<Case>() {
            Err(CaseError::Key { key, .. }) => key,
            other => panic!("expected a key error, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_minimal_case_with_defaults() {
        let case: Case = MINIMAL.parse().unwrap();
        assert_eq!(case.class.countries, vec!["US"]);
        assert_eq!(case.class.premium_tiers, vec!["career", "business"]);
        assert_eq!(case.claims.max_identities_per_payment_account, 3);
        assert_eq!(case.claims.max_identities_per_ip, 10);
        assert_eq!(case.damages.statutory_minimum, Cents(100_000));
        assert_eq!(case.damages.punitive_per_person, Cents::ZERO);
        assert_eq!(
            case.class.disclosure_window.start,
            NaiveDate::from_ymd_opt(2024, 8, 1).unwrap()
        );
        assert!(case.fund.is_none());
    }

    #[test]
    fn bare_float_amounts_read_by_their_shortest_text() {
        let text = format!("{MINIMAL}\n[fund]\ngross = 23457.2\nattorney_fee_rate = 0.3333\nlitigation_costs = \"0\"\nadministration_costs = 0\nservice_awards = []\n");
        let case: Case = text.parse().unwrap();
        let fund = case.fund.unwrap();
        assert_eq!(fund.gross, Cents(2_345_720));
        assert_eq!(fund.attorney_fee_rate.to_string(), "0.3333");
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(
            error_key(&MINIMAL.replace("America/Los_Angeles", "Mars/Olympus")),
            "case.timezone"
        );
        assert_eq!(
            error_key(&MINIMAL.replace(
                "end = \"2024-09-17\" }\ndisclosure",
                "end = \"2020-09-17\" }\ndisclosure"
            )),
            "class.message_window"
        );
        assert_eq!(
            error_key(&MINIMAL.replace("deadline = \"2026-03-31\"", "deadline = \"2026-02-30\"")),
            "claims.deadline"
        );
        assert_eq!(
            error_key(
                &MINIMAL.replace("statutory_minimum = 1000", "statutory_minimum = \"-1.00\"")
            ),
            "damages.statutory_minimum"
        );
        assert_eq!(
            error_key(
                &MINIMAL.replace("statutory_minimum = 1000", "statutory_minimum = \"1.005\"")
            ),
            "damages.statutory_minimum"
        );
        assert_eq!(
            error_key(&format!("{MINIMAL}surprise = 1\n")),
            "damages.surprise"
        );
        assert_eq!(
            error_key(&MINIMAL.replace("docket = \"1:00-cv-00001\"\n", "")),
            "case.docket"
        );
        assert_eq!(error_key(&MINIMAL.replace("[class]", "[klass]")), "class");
    }

    #[test]
    fn distribution_table_has_defaults_and_names_bad_keys() {
        let with = |table: &str| format!("{MINIMAL}\n[distribution]\n{table}\n");
        let case: Case = with("first_issue_date = \"2026-07-15\"\ncheck_void_days = 180")
            .parse()
            .unwrap();
        let d = case.distribution.unwrap();
        assert_eq!(d.check_void_days, 180);
        assert_eq!(d.second_issue_date, None);
        assert_eq!(d.second_distribution_minimum, Cents(500));
        assert_eq!(d.backup_withholding_rate.to_string(), "0.24");
        // $600 through 2025, $2,000 from 2026 (the threshold in force on 1 January).
        assert_eq!(d.tax_threshold(2025), Cents(60_000));
        assert_eq!(d.tax_threshold(2026), Cents(200_000));
        assert_eq!(d.tax_threshold(1990), Cents(60_000));
        let base = "first_issue_date = \"2026-07-15\"\ncheck_void_days = 180\n";
        assert_eq!(
            error_key(&with("check_void_days = 180")),
            "distribution.first_issue_date"
        );
        assert_eq!(
            error_key(&with("first_issue_date = \"2026-07-15\"")),
            "distribution.check_void_days"
        );
        assert_eq!(
            error_key(&with(
                "first_issue_date = \"2026-07-15\"\ncheck_void_days = -1"
            )),
            "distribution.check_void_days"
        );
        assert_eq!(
            error_key(&with(&format!("{base}second_issue_date = \"2026-07-15\""))),
            "distribution.second_issue_date"
        );
        assert_eq!(
            error_key(&with(&format!(
                "{base}second_distribution_minimum = \"-5\""
            ))),
            "distribution.second_distribution_minimum"
        );
        assert_eq!(
            error_key(&with(&format!("{base}backup_withholding_rate = 1.5"))),
            "distribution.backup_withholding_rate"
        );
        assert_eq!(
            error_key(&with(&format!("{base}tax_thresholds = []"))),
            "distribution.tax_thresholds"
        );
        assert_eq!(
            error_key(&with(&format!(
                "{base}tax_thresholds = [{{ from = \"2026-01-01\", amount = \"1\" }}, {{ from = \"2025-01-01\", amount = \"1\" }}]"
            ))),
            "distribution.tax_thresholds[1].from"
        );
        assert_eq!(
            error_key(&with(&format!(
                "{base}tax_thresholds = [{{ from = \"2026-01-01\", amount = \"1\", note = 1 }}]"
            ))),
            "distribution.tax_thresholds[0].note"
        );
        assert_eq!(
            error_key(&with(&format!("{base}void_days = 1"))),
            "distribution.void_days"
        );
        let lodestar = format!("{MINIMAL}\n[fund]\ngross = 100\nattorney_fee_rate = 0.25\nlitigation_costs = 0\nadministration_costs = 0\nservice_awards = []\nlodestar = \"x\"\n");
        assert_eq!(error_key(&lodestar), "fund.lodestar");
        let ok: Case = lodestar.replace("\"x\"", "\"20.00\"").parse().unwrap();
        assert_eq!(ok.fund.unwrap().lodestar, Some(Cents(2000)));
    }

    #[test]
    fn fund_checks_rate_and_deductions() {
        let fund = |rate: &str, costs: &str| {
            format!("{MINIMAL}\n[fund]\ngross = \"100.00\"\nattorney_fee_rate = {rate}\nlitigation_costs = \"{costs}\"\nadministration_costs = \"0\"\nservice_awards = [{{ member_id = \"m-1\", amount = \"10.00\" }}]\n")
        };
        assert_eq!(error_key(&fund("1.5", "0")), "fund.attorney_fee_rate");
        assert_eq!(error_key(&fund("-0.1", "0")), "fund.attorney_fee_rate");
        assert_eq!(
            error_key(&fund("\"1.00000000000000000000000000001\"", "0")),
            "fund.attorney_fee_rate"
        );
        assert_eq!(
            error_key(&fund("\"-0.00000000000000000000000000001\"", "0")),
            "fund.attorney_fee_rate"
        );
        assert!(fund("\"1.00000000000000000000000000000\"", "0")
            .parse::<Case>()
            .is_err()); // fees 100 + awards 10 > 100
        assert!(fund("\"0.90000000000000000000000000001\"", "0")
            .parse::<Case>()
            .is_ok());
        assert_eq!(error_key(&fund("\"0.25\"", "65.01")), "fund");
        let exact: Case = fund("\"0.25\"", "65.00").parse().unwrap();
        assert_eq!(exact.fund.unwrap().gross, Cents(10_000));
        assert_eq!(
            error_key(
                &fund("\"0.25\"", "0")
                    .replace("amount = \"10.00\"", "amount = \"10.00\", extra = 1")
            ),
            "fund.service_awards[0].extra"
        );
    }
}
