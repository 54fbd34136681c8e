//! The distribution's records: payment events from the bank and the mail room, tax forms,
//! notices and objections, as `payment_events.csv`, `tax_forms.csv`, `notices.csv` and
//! `objections.csv` give them (or a tool gives them from its own files).

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{ClaimId, MemberId, PaymentMethod};

/// The value among `choices` whose name `text` spells, in any case (compared in place: the
/// distribution's files run to a row per class member).
fn one_of<T: Copy>(text: &str, choices: &[(&str, T)]) -> Option<T> {
    choices
        .iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|&(_, value)| value)
}

/// Which distribution a payment belongs to: the first, or the second one of unclaimed money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum Round {
    /// The first distribution: the payments `process` allocates.
    First,
    /// The second distribution of unclaimed money, in equal shares.
    Second,
}

impl Round {
    /// `1` or `2`, as the files write it.
    pub fn number(self) -> u8 {
        match self {
            Round::First => 1,
            Round::Second => 2,
        }
    }

    /// Reads `1` or `2`.
    pub fn parse(text: &str) -> Option<Round> {
        match text {
            "1" => Some(Round::First),
            "2" => Some(Round::Second),
            _ => None,
        }
    }
}

/// What happened to a payment's instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A check was cashed.
    Cashed,
    /// An electronic payment came back (a closed account, a wrong address).
    Returned,
    /// The instrument was replaced by a new one issued that day.
    Reissued,
}

impl EventKind {
    /// Parses `cashed`, `returned` or `reissued`, in any case.
    pub fn parse(text: &str) -> Option<EventKind> {
        use EventKind::*;
        one_of(
            text,
            &[
                ("cashed", Cashed),
                ("returned", Returned),
                ("reissued", Reissued),
            ],
        )
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Cashed => "cashed",
            EventKind::Returned => "returned",
            EventKind::Reissued => "reissued",
        }
    }
}

/// One row of `payment_events.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PaymentEvent {
    /// The paid claim.
    pub claim_id: ClaimId,
    /// The distribution whose payment it concerns.
    pub distribution: Round,
    /// What happened.
    pub kind: EventKind,
    /// The day it happened.
    pub on: NaiveDate,
    /// For a reissue, the new instrument's method (absent: the old one's).
    pub method: Option<PaymentMethod>,
    /// The bank's or mail room's reference, kept as given.
    pub reference: Option<String>,
    /// The row's line in its file (or any sequence number of the source): rejections name it.
    pub line: u64,
}

impl PaymentEvent {
    /// An event without a method or reference, on `line` of its source.
    pub fn new(
        claim_id: ClaimId,
        distribution: Round,
        kind: EventKind,
        on: NaiveDate,
        line: u64,
    ) -> PaymentEvent {
        PaymentEvent {
            claim_id,
            distribution,
            kind,
            on,
            method: None,
            reference: None,
            line,
        }
    }

    /// The same event reissuing by `method`.
    pub fn with_method(mut self, method: PaymentMethod) -> PaymentEvent {
        self.method = Some(method);
        self
    }
}

/// The state of a member's taxpayer identification number, from the W-9 on file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TinStatus {
    /// A TIN certified under penalty of perjury: no backup withholding.
    Certified,
    /// No TIN given (also written for a member without any tax form on file).
    Missing,
    /// A TIN the IRS reported as not matching.
    Invalid,
}

impl TinStatus {
    /// Parses `certified`, `missing` or `invalid`, in any case.
    pub fn parse(text: &str) -> Option<TinStatus> {
        use TinStatus::*;
        one_of(
            text,
            &[
                ("certified", Certified),
                ("missing", Missing),
                ("invalid", Invalid),
            ],
        )
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TinStatus::Certified => "certified",
            TinStatus::Missing => "missing",
            TinStatus::Invalid => "invalid",
        }
    }
}

/// One row of `tax_forms.csv`: a W-9 (or its absence) as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TaxForm {
    /// The member.
    pub member_id: MemberId,
    /// The TIN's state.
    pub tin_status: TinStatus,
    /// When the form was received; a member's latest form wins (then the later row).
    pub received_on: NaiveDate,
}

impl TaxForm {
    /// A form received on `received_on`.
    pub fn new(member_id: MemberId, tin_status: TinStatus, received_on: NaiveDate) -> TaxForm {
        TaxForm {
            member_id,
            tin_status,
            received_on,
        }
    }
}

/// How a class notice was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeMethod {
    /// Email.
    Email,
    /// A long-form notice by mail.
    Mail,
    /// A postcard summary notice.
    Postcard,
}

impl NoticeMethod {
    /// Every method, in the order reports list them.
    pub const ALL: [NoticeMethod; 3] = [
        NoticeMethod::Email,
        NoticeMethod::Mail,
        NoticeMethod::Postcard,
    ];

    /// Parses `email`, `mail` or `postcard`, in any case.
    pub fn parse(text: &str) -> Option<NoticeMethod> {
        use NoticeMethod::*;
        one_of(
            text,
            &[("email", Email), ("mail", Mail), ("postcard", Postcard)],
        )
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeMethod::Email => "email",
            NoticeMethod::Mail => "mail",
            NoticeMethod::Postcard => "postcard",
        }
    }
}

/// One row of `notices.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Notice {
    /// The member notified.
    pub member_id: MemberId,
    /// How.
    pub method: NoticeMethod,
    /// When.
    pub sent_on: NaiveDate,
    /// True when it came back undelivered.
    pub undeliverable: bool,
}

impl Notice {
    /// A notice sent to `member_id`.
    pub fn new(
        member_id: MemberId,
        method: NoticeMethod,
        sent_on: NaiveDate,
        undeliverable: bool,
    ) -> Notice {
        Notice {
            member_id,
            method,
            sent_on,
            undeliverable,
        }
    }
}

/// One row of `objections.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Objection {
    /// The objector.
    pub member_id: MemberId,
    /// When the objection was filed.
    pub filed_on: NaiveDate,
}

impl Objection {
    /// An objection filed on `filed_on`.
    pub fn new(member_id: MemberId, filed_on: NaiveDate) -> Objection {
        Objection {
            member_id,
            filed_on,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerated_values_match_in_any_case_and_nothing_else() {
        assert_eq!(EventKind::parse("CASHED"), Some(EventKind::Cashed));
        assert_eq!(EventKind::parse("Reissued"), Some(EventKind::Reissued));
        assert_eq!(EventKind::parse("cashed "), None); // fields are trimmed before this
        assert_eq!(TinStatus::parse("Certified"), Some(TinStatus::Certified));
        assert_eq!(TinStatus::parse("certify"), None);
        assert_eq!(
            NoticeMethod::parse("PostCard"),
            Some(NoticeMethod::Postcard)
        );
        assert_eq!(NoticeMethod::parse("e-mail"), None);
        assert_eq!(Round::parse("1"), Some(Round::First));
        assert_eq!(Round::parse("01"), None);
        assert_eq!(crate::model::parse_boolean("YES"), Ok(true));
        assert_eq!(crate::model::parse_boolean("0"), Ok(false));
        assert!(crate::model::parse_boolean("00").is_err());
    }
}
