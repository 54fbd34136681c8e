//! Records as text fields: how a typed record is written as a row of its file, and how a row
//! given as `(column, value)` pairs becomes a typed record through the file's checks.
//!
//! The serde form of [`Member`], [`Claim`] and [`Cure`] is this row: a map from the file's column
//! names to text, absent values left out. Deserialising one (a web form's JSON, say) runs the
//! same checks as a CSV row, so a claim that `claims.csv` would reject cannot be built from JSON
//! either; the error names every column at fault.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ingest::builder::Evidence;
use crate::ingest::{check_fields, claim, member, InputFile, KnownClaims};
use crate::model::{Claim, ClaimId, Cure, Filing, Member, MemberId, Subscription};

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A member as a `members.csv` row, in the file's column order.
pub(crate) fn member_values(m: &Member) -> Vec<String> {
    vec![
        m.member_id.0.clone(),
        text(m.full_name.as_deref()),
        text(m.email.as_deref()),
        m.country.clone(),
        m.ai_training_opt_out_at.map(instant).unwrap_or_default(),
        text(m.excluded_category.as_deref()),
    ]
}

/// A subscription as a `subscriptions.csv` row, in the file's column order.
pub(crate) fn subscription_values(member_id: &MemberId, s: &Subscription) -> Vec<String> {
    vec![
        member_id.0.clone(),
        s.tier.clone(),
        s.start_date.to_string(),
        s.end_date.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// An evidence record as an `evidence.csv` row, in the file's column order.
pub(crate) fn evidence_values(e: &Evidence) -> Vec<String> {
    vec![
        e.evidence_id.clone(),
        e.member_id.0.clone(),
        e.kind.as_str().to_string(),
        instant(e.occurred_at),
        text(e.counterparty.as_deref()),
        text(e.reference.as_deref()),
    ]
}

/// A claim as a `claims.csv` row, in the file's column order.
pub(crate) fn claim_values(c: &Claim) -> Vec<String> {
    let (channel, submitted_at, postmarked_on) = match c.filing {
        Filing::Online(at) => ("online", instant(at), String::new()),
        Filing::Mail(on) => ("mail", String::new(), on.to_string()),
    };
    vec![
        c.claim_id.to_string(),
        text(c.member_id.as_deref()),
        text(c.email.as_deref()),
        text(c.full_name.as_deref()),
        channel.to_string(),
        submitted_at,
        postmarked_on,
        c.attested.to_string(),
        c.actual_damages.map(|d| d.to_string()).unwrap_or_default(),
        c.payment_method
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        text(c.payment_account.as_deref()),
        text(c.ip_address.as_deref()),
    ]
}

/// A cure as a `cures.csv` row, in the file's column order.
pub(crate) fn cure_values(c: &Cure) -> Vec<String> {
    vec![
        c.claim_id.to_string(),
        c.cured_on.to_string(),
        text(c.member_id.as_deref()),
        text(c.email.as_deref()),
        c.attested.map(|a| a.to_string()).unwrap_or_default(),
    ]
}

/// Writes a row as a map from column names to text, leaving absent values out.
fn serialize_row<S: Serializer>(
    file: InputFile,
    values: &[String],
    s: S,
) -> Result<S::Ok, S::Error> {
    let present = values.iter().filter(|v| !v.is_empty()).count();
    let mut map = s.serialize_map(Some(present))?;
    for ((column, _), value) in file.columns().iter().zip(values) {
        if !value.is_empty() {
            map.serialize_entry(column, value)?;
        }
    }
    map.end()
}

/// One value of a record given as a map: text, a boolean (read as `true`/`false`), or nothing.
/// Numbers are refused: a JSON number has already lost its text (`12.30`, `1e3` and
/// `999999999999999.99` are not what was typed), and amounts are exact.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, a boolean or null")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(Some(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Reads a map of column names to values as `(column, text)` pairs; a value of another kind is
/// an error naming its column.
fn deserialize_row<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    struct Row;
    impl<'de> serde::de::Visitor<'de> for Row {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of column names to text values")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut row: BTreeMap<String, String> = BTreeMap::new();
            while let Some(column) = map.next_key::<String>()? {
                let value = map.next_value::<Scalar>().map_err(|_| {
                    A::Error::custom(format!(
                        "{column}: the value must be text (a JSON string), a boolean or null"
                    ))
                })?;
                match value.0 {
                    Some(text) => row.insert(column, text),
                    None => row.remove(&column),
                };
            }
            Ok(row.into_iter().collect())
        }
    }
    d.deserialize_map(Row)
}

impl Serialize for Member {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_row(InputFile::Members, &member_values(self), s)
    }
}

impl Serialize for Claim {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_row(InputFile::Claims, &claim_values(self), s)
    }
}

impl Serialize for Cure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_row(InputFile::Cures, &cure_values(self), s)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Member, D::Error> {
        let row = deserialize_row(d)?;
        let pairs = row.iter().map(|(c, v)| (c.as_str(), v.as_str()));
        check_fields(InputFile::Members, pairs, |row| {
            member(row).map(|m| m.to_member())
        })
        .map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Claim {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Claim, D::Error> {
        let row = deserialize_row(d)?;
        let pairs = row.iter().map(|(c, v)| (c.as_str(), v.as_str()));
        check_fields(InputFile::Claims, pairs, claim).map_err(D::Error::custom)
    }
}

/// Any claim id is known: a cure on its own is checked for its values only; whether its claim
/// exists is the dataset's question.
struct AnyClaim;

impl KnownClaims for AnyClaim {
    fn is_known(&self, _: &ClaimId) -> bool {
        true
    }
}

impl<'de> Deserialize<'de> for Cure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cure, D::Error> {
        let row = deserialize_row(d)?;
        let pairs = row.iter().map(|(c, v)| (c.as_str(), v.as_str()));
        check_fields(InputFile::Cures, pairs, |row| {
            crate::ingest::cure(row, &AnyClaim)
        })
        .map_err(D::Error::custom)
    }
}
