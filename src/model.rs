//! Typed records: what a row of each input file means once it has been validated.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Cents;

/// A class member's identifier, as in the defendant's records (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberId(pub String);

impl From<&str> for MemberId {
    fn from(id: &str) -> MemberId {
        MemberId(id.to_string())
    }
}

impl From<String> for MemberId {
    fn from(id: String) -> MemberId {
        MemberId(id)
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A claim's identifier: a UUID, written lower-case hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimId(pub Uuid);

impl ClaimId {
    /// Parses the UUID spellings claims forms produce: hyphenated or 32 hex digits, either of them
    /// braced (`{...}`) or after `urn:uuid:`, in any case.
    pub fn parse(text: &str) -> Option<ClaimId> {
        let inner = match text.get(..9) {
            Some(prefix) if prefix.eq_ignore_ascii_case("urn:uuid:") => &text[9..],
            _ => text
                .strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(text),
        };
        // Only the two bare forms from here: no nested braces or prefixes.
        match inner.len() {
            32 | 36 => Uuid::try_parse(inner).ok().map(ClaimId),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_bytes_are_the_three_names_in_any_case_and_nothing_else() {
        assert_eq!(
            EvidenceKind::parse_bytes(b"inmail_received"),
            Some(EvidenceKind::InmailReceived)
        );
        assert_eq!(
            EvidenceKind::parse_bytes(b"InMail_Sent"),
            Some(EvidenceKind::InmailSent)
        );
        assert_eq!(
            EvidenceKind::parse_bytes(b"DISCLOSURE"),
            Some(EvidenceKind::Disclosure)
        );
        for text in [
            &b""[..],
            b"inmail",
            b"inmail_receivec",
            b"jnmail_received",
            b"inmail_sent ",
            b"inmail-sent",
            b"disclosurf",
            b"xisclosure",
            b"disclosures",
            // Bytes one bit away from `_` or from a letter, which a case-blind word comparison
            // could take for them.
            b"inmail\x7fsent",
            b"INMAIL\x7fRECEIVED",
            b"@isclosure",
            b"inmail_sen\x14",
        ] {
            assert_eq!(EvidenceKind::parse_bytes(text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        /// The byte parser agrees with the text parser on the names in any case, with any one
        /// byte changed, and on other words of their lengths.
        #[test]
        fn kinds_from_bytes_agree_with_kinds_from_text(
            name in proptest::sample::select(vec!["inmail_received", "inmail_sent", "disclosure"]),
            upper in proptest::collection::vec(proptest::bool::ANY, 15),
            change in proptest::option::of((
                0usize..15,
                proptest::sample::select(vec![b'a', b'E', b'_', b'-', b' ', b'@', b'`', 0x7f, 0xff]),
            )),
            other in "[a-zA-Z_]{8,16}",
        ) {
            let mut text: Vec<u8> = name
                .bytes()
                .zip(&upper)
                .map(|(b, &up)| if up { b.to_ascii_uppercase() } else { b })
                .collect();
            if let Some((at, byte)) = change {
                if let Some(b) = text.get_mut(at) {
                    *b = byte;
                }
            }
            let as_text = std::str::from_utf8(&text).ok().and_then(EvidenceKind::parse);
            proptest::prop_assert_eq!(EvidenceKind::parse_bytes(&text), as_text);
            proptest::prop_assert_eq!(
                EvidenceKind::parse_bytes(other.as_bytes()),
                EvidenceKind::parse(&other)
            );
        }
    }

    #[test]
    fn claim_ids_accept_every_documented_spelling() {
        let id = ClaimId::parse("6fa02b68-169a-4acc-b682-963f613f5be1").unwrap();
        for text in [
            "6FA02B68-169A-4ACC-B682-963F613F5BE1",
            "6fa02b68169a4accb682963f613f5be1",
            "{6fa02b68-169a-4acc-b682-963f613f5be1}",
            "{6fa02b68169a4accb682963f613f5be1}",
            "urn:uuid:6fa02b68-169a-4acc-b682-963f613f5be1",
            "URN:UUID:6fa02b68169a4accb682963f613f5be1",
        ] {
            assert_eq!(ClaimId::parse(text), Some(id), "{text}");
        }
        for text in [
            "not-a-uuid",
            "12345",
            "{urn:uuid:6fa02b68169a4accb682963f613f5be1}",
            "{6fa02b68169a4accb682963f613f5be1",
            "6fa02b68-169a-4acc-b682-963f613f5be",
            "",
        ] {
            assert_eq!(ClaimId::parse(text), None, "{text}");
        }
        assert_eq!(id.to_string(), "6fa02b68-169a-4acc-b682-963f613f5be1");
    }
}

impl fmt::Display for ClaimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

impl Serialize for ClaimId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a single value could not be read (a claim id, a channel, a payment method, an evidence
/// kind, a boolean): the text is named, as a rejected row's message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct ValueError {
    /// What is wrong, quoting the value (`'12345' is not a UUID`).
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(message: String) -> ValueError {
        ValueError { message }
    }
}

/// Quotes a value in a message (at most 60 characters of it), followed by what is wrong with it.
pub(crate) fn quoted<E: fmt::Display>(s: &str, e: E) -> String {
    let shown: String = s.chars().take(60).collect();
    let more = if shown.len() < s.len() { "..." } else { "" };
    format!("{} {e}", quote(&format!("{shown}{more}")))
}

/// A value between apostrophes, an apostrophe inside it doubled (`'pat.o''neil@example.com'`):
/// messages can then be read back unambiguously, which withholding values from a terminal
/// needs.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl std::str::FromStr for ClaimId {
    type Err = ValueError;

    /// Any spelling [`ClaimId::parse`] accepts.
    fn from_str(text: &str) -> Result<ClaimId, ValueError> {
        ClaimId::parse(text).ok_or_else(|| ValueError::new(quoted(text, "is not a UUID")))
    }
}

impl std::str::FromStr for Channel {
    type Err = ValueError;

    /// `online` or `mail`, in any case.
    fn from_str(text: &str) -> Result<Channel, ValueError> {
        Channel::parse(text)
            .ok_or_else(|| ValueError::new(format!("unknown channel {}", quote(text))))
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = ValueError;

    /// `check`, `ach`, `paypal`, `venmo`, `zelle` or `virtual_card`, in any case.
    fn from_str(text: &str) -> Result<PaymentMethod, ValueError> {
        PaymentMethod::parse(text)
            .ok_or_else(|| ValueError::new(format!("unknown payment method {}", quote(text))))
    }
}

impl std::str::FromStr for EvidenceKind {
    type Err = ValueError;

    /// `inmail_sent`, `inmail_received` or `disclosure`, in any case.
    fn from_str(text: &str) -> Result<EvidenceKind, ValueError> {
        EvidenceKind::parse(text)
            .ok_or_else(|| ValueError::new(format!("unknown kind {}", quote(text))))
    }
}

/// Reads a boolean as input files write it: `true/false/yes/no/1/0`, in any case.
///
/// # Errors
/// [`ValueError`] quoting anything else.
///
/// # Examples
///
/// ```
/// assert_eq!(premium_claims::parse_boolean("Yes"), Ok(true));
/// assert!(premium_claims::parse_boolean("maybe").is_err());
/// ```
pub fn parse_boolean(text: &str) -> Result<bool, ValueError> {
    // Compared in place: files of a million rows call this once a row.
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || text == "1" {
        Ok(true)
    } else if is("false") || is("no") || text == "0" {
        Ok(false)
    } else {
        Err(ValueError::new(quoted(
            text,
            "is not a boolean (true/false/yes/no/1/0)",
        )))
    }
}

/// Trims and lower-cases ASCII letters: the comparison form of emails, payment accounts and IPs.
pub fn normalise(text: &str) -> String {
    text.trim().to_ascii_lowercase()
}

/// A row of `members.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// Identifier.
    pub member_id: MemberId,
    /// Name on the account.
    pub full_name: Option<String>,
    /// Email on the account, as given (trimmed).
    pub email: Option<String>,
    /// Country, upper-case alpha-2.
    pub country: String,
    /// When the member switched AI training off.
    pub ai_training_opt_out_at: Option<DateTime<Utc>>,
    /// Why the person is excluded from the class (employee, judge...), if at all.
    pub excluded_category: Option<String>,
}

impl Member {
    /// A member with an id and a country and nothing else (no name, email, AI-training opt-out
    /// or exclusion).
    pub fn new(member_id: impl Into<MemberId>, country: impl Into<String>) -> Member {
        Member {
            member_id: member_id.into(),
            full_name: None,
            email: None,
            country: country.into(),
            ai_training_opt_out_at: None,
            excluded_category: None,
        }
    }
}

/// A row of `subscriptions.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscription {
    /// Tier, lower case.
    pub tier: String,
    /// First day (inclusive).
    pub start_date: NaiveDate,
    /// Last day (inclusive); `None` while active.
    pub end_date: Option<NaiveDate>,
}

impl Subscription {
    /// A subscription of `tier` from `start_date` to `end_date` (both included; `None`: still
    /// active).
    pub fn new(
        tier: impl Into<String>,
        start_date: NaiveDate,
        end_date: Option<NaiveDate>,
    ) -> Subscription {
        Subscription {
            tier: tier.into(),
            start_date,
            end_date,
        }
    }

    /// True when `date` falls inside the subscription, both ends included.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.start_date <= date && self.end_date.is_none_or(|e| date <= e)
    }
}

/// What an evidence row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvidenceKind {
    /// The member sent an InMail.
    InmailSent,
    /// The member received an InMail.
    InmailReceived,
    /// The member's data went to a third party for AI training.
    Disclosure,
}

impl EvidenceKind {
    /// Parses a kind in any case.
    pub fn parse(text: &str) -> Option<EvidenceKind> {
        // Runs once per evidence row: compare without allocating a lower-case copy.
        [
            ("inmail_received", EvidenceKind::InmailReceived),
            ("inmail_sent", EvidenceKind::InmailSent),
            ("disclosure", EvidenceKind::Disclosure),
        ]
        .into_iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, kind)| kind)
    }

    /// Parses a kind from bytes, in any case.
    #[inline]
    pub fn parse_bytes(text: &[u8]) -> Option<EvidenceKind> {
        // The three names differ in length: the length picks the one name to compare with,
        // from a table rather than through branches (kinds alternate at random in a log).
        const BY_LENGTH: [Option<(&[u8], EvidenceKind)>; 16] = {
            let mut table: [Option<(&[u8], EvidenceKind)>; 16] = [None; 16];
            table[15] = Some((b"inmail_received", EvidenceKind::InmailReceived));
            table[11] = Some((b"inmail_sent", EvidenceKind::InmailSent));
            table[10] = Some((b"disclosure", EvidenceKind::Disclosure));
            table
        };
        // Each name sits at its own length, and is 8 bytes long at least: its first and last 8
        // bytes, as two words, cover it (a byte-by-byte comparison branches on each byte).
        const _: () = {
            let mut length = 0;
            while length < BY_LENGTH.len() {
                if let Some((name, _)) = BY_LENGTH[length] {
                    assert!(name.len() == length && length >= 8);
                }
                length += 1;
            }
        };
        // Names are lower-case letters and `_`. A letter's byte has the 0x20 bit set and `_`'s
        // has not: setting that bit in the text's bytes where the name has a letter makes an
        // upper-case letter lower-case and leaves any other byte unlike the name's, so the
        // words are equal exactly when the text is the name in any case.
        const CASE: u64 = 0x2020_2020_2020_2020;
        let &(name, kind) = BY_LENGTH.get(text.len())?.as_ref()?;
        let word = |bytes: &[u8], at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes)
        };
        let matches = |at: usize| {
            let name = word(name, at);
            (word(text, at) | (name & CASE)) == name
        };
        (matches(0) && matches(text.len() - 8)).then_some(kind)
    }

    /// The name written in `evidence.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::InmailSent => "inmail_sent",
            EvidenceKind::InmailReceived => "inmail_received",
            EvidenceKind::Disclosure => "disclosure",
        }
    }

    /// True for the two InMail kinds.
    pub fn is_message(self) -> bool {
        !matches!(self, EvidenceKind::Disclosure)
    }
}

/// How a claim arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// Submitted on the settlement website.
    Online,
    /// Sent by post.
    Mail,
}

impl Channel {
    /// Parses a channel in any case.
    pub fn parse(text: &str) -> Option<Channel> {
        match text.to_ascii_lowercase().as_str() {
            "online" => Some(Channel::Online),
            "mail" => Some(Channel::Mail),
            _ => None,
        }
    }
}

/// When a claim was filed, as the channel defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Filing {
    /// An online submission instant.
    Online(DateTime<Utc>),
    /// A postmark date.
    Mail(NaiveDate),
}

/// How a claimant wants to be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentMethod {
    /// Paper check.
    Check,
    /// Bank transfer.
    Ach,
    /// PayPal.
    Paypal,
    /// Venmo.
    Venmo,
    /// Zelle.
    Zelle,
    /// Prepaid virtual card.
    VirtualCard,
}

impl PaymentMethod {
    /// Parses a method in any case.
    pub fn parse(text: &str) -> Option<PaymentMethod> {
        Some(match text.to_ascii_lowercase().as_str() {
            "check" => PaymentMethod::Check,
            "ach" => PaymentMethod::Ach,
            "paypal" => PaymentMethod::Paypal,
            "venmo" => PaymentMethod::Venmo,
            "zelle" => PaymentMethod::Zelle,
            "virtual_card" => PaymentMethod::VirtualCard,
            _ => return None,
        })
    }

    /// The lower-case name written to `payments.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Check => "check",
            PaymentMethod::Ach => "ach",
            PaymentMethod::Paypal => "paypal",
            PaymentMethod::Venmo => "venmo",
            PaymentMethod::Zelle => "zelle",
            PaymentMethod::VirtualCard => "virtual_card",
        }
    }
}

/// A row of `claims.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claim {
    /// Identifier.
    pub claim_id: ClaimId,
    /// Member id as the claimant gave it.
    pub member_id: Option<String>,
    /// Email as the claimant gave it (trimmed).
    pub email: Option<String>,
    /// Name as the claimant gave it.
    pub full_name: Option<String>,
    /// Online submission instant or postmark date.
    pub filing: Filing,
    /// Signed under penalty of perjury.
    pub attested: bool,
    /// Documented actual damages claimed.
    pub actual_damages: Option<Cents>,
    /// Requested payment method.
    pub payment_method: Option<PaymentMethod>,
    /// Payment account as given (trimmed).
    pub payment_account: Option<String>,
    /// IP address recorded at submission.
    pub ip_address: Option<String>,
}

impl Cure {
    /// A cure of `claim_id` dated `cured_on` that corrects nothing yet: set the fields it corrects.
    pub fn new(claim_id: ClaimId, cured_on: NaiveDate) -> Cure {
        Cure {
            claim_id,
            cured_on,
            member_id: None,
            email: None,
            attested: None,
        }
    }
}

impl Claim {
    /// A claim with an id and a filing and nothing else: not attested, no identity, no payment
    /// details. Set the other fields, or check text with [`Claim::from_fields`].
    pub fn new(claim_id: ClaimId, filing: Filing) -> Claim {
        Claim {
            claim_id,
            member_id: None,
            email: None,
            full_name: None,
            filing,
            attested: false,
            actual_damages: None,
            payment_method: None,
            payment_account: None,
            ip_address: None,
        }
    }

    /// Checks a claim given as `(column, value)` pairs named as the columns of `claims.csv`
    /// (a web form, a JSON object, a database row) exactly as a row of that file is checked:
    /// values are trimmed, an empty or missing value is absent, unknown names are ignored.
    ///
    /// # Errors
    /// [`Problems`](crate::Problems): every column with a bad value, as `rejected_rows.csv` would
    /// word it.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{Channel, Claim};
    ///
    /// let claim = Claim::from_fields([
    ///     ("claim_id", "{6FA02B68-169A-4ACC-B682-963F613F5BE1}"),
    ///     ("email", " Ada@Example.com "),
    ///     ("channel", "Mail"),
    ///     ("postmarked_on", "2026-03-31"),
    ///     ("attested", "yes"),
    /// ])?;
    /// assert_eq!(claim.claim_id.to_string(), "6fa02b68-169a-4acc-b682-963f613f5be1");
    /// assert_eq!(claim.channel(), Channel::Mail);
    /// assert_eq!(claim.email.as_deref(), Some("Ada@Example.com"));
    ///
    /// let bad = Claim::from_fields([("claim_id", "12345"), ("channel", "online")]).unwrap_err();
    /// assert_eq!(bad.columns().collect::<Vec<_>>(), ["claim_id", "submitted_at", "attested"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_fields<'v>(
        fields: impl IntoIterator<Item = (&'v str, &'v str)>,
    ) -> Result<Claim, crate::ingest::Problems> {
        crate::ingest::claim_from_fields(fields)
    }

    /// The claim's channel.
    pub fn channel(&self) -> Channel {
        match self.filing {
            Filing::Online(_) => Channel::Online,
            Filing::Mail(_) => Channel::Mail,
        }
    }
}

/// A row of `cures.csv`: a claimant's answer to a deficiency notice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cure {
    /// The claim being cured.
    pub claim_id: ClaimId,
    /// Date of the answer.
    pub cured_on: NaiveDate,
    /// Replacement member id.
    pub member_id: Option<String>,
    /// Replacement email.
    pub email: Option<String>,
    /// Replacement attestation.
    pub attested: Option<bool>,
}
