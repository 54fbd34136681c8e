//! Exact money: amounts are whole cents held in an `i128`, never floating point.
//!
//! Input amounts are limited to [`Cents::MAX_INPUT`] so that every sum and every product the
//! allocation forms (net fund x entitlement) stays far inside `i128`.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Serialize, Serializer};

/// An amount of US money in whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i128);

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// A leading minus sign.
    #[error("is negative")]
    Negative,
    /// Anything other than digits with at most two decimal places.
    #[error("is not an amount (digits, at most 2 decimal places)")]
    Malformed,
    /// More than the supported maximum.
    #[error("exceeds the largest supported amount (10^15 dollars)")]
    TooLarge,
}

impl Cents {
    /// Zero dollars.
    pub const ZERO: Cents = Cents(0);
    /// The largest amount an input may state: one quadrillion dollars, in cents.
    pub const MAX_INPUT: i128 = 100_000_000_000_000_000;

    /// Parses `[0-9]+(\.[0-9]{1,2})?` exactly: no sign, no separators, no exponent.
    ///
    /// # Errors
    /// [`AmountError`] when the text breaks that pattern or exceeds [`Cents::MAX_INPUT`].
    pub fn parse(text: &str) -> Result<Cents, AmountError> {
        let bytes = text.as_bytes();
        if bytes.first() == Some(&b'-')
            && bytes.len() > 1
            && bytes[1..].iter().all(|b| b.is_ascii_digit() || *b == b'.')
        {
            return Err(AmountError::Negative);
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::Malformed);
        }
        let frac_cents = match frac {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i128 = f.parse().map_err(|_| AmountError::Malformed)?;
                if f.len() == 1 {
                    v * 10
                } else {
                    v
                }
            }
            Some(_) => return Err(AmountError::Malformed),
        };
        let digits = whole.trim_start_matches('0');
        if digits.len() > 16 {
            return Err(AmountError::TooLarge);
        }
        let dollars: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| AmountError::Malformed)?
        };
        let cents = dollars * 100 + frac_cents;
        if cents > Cents::MAX_INPUT {
            return Err(AmountError::TooLarge);
        }
        Ok(Cents(cents))
    }

    /// True for a positive amount.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

/// `numerator / denominator` rounded to the nearest integer, halves away from zero.
/// Both operands must be non-negative and the denominator positive.
pub(crate) fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator) / (2 * denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_whole_and_one_or_two_decimals() {
        assert_eq!(Cents::parse("0"), Ok(Cents(0)));
        assert_eq!(Cents::parse("5"), Ok(Cents(500)));
        assert_eq!(Cents::parse("5.5"), Ok(Cents(550)));
        assert_eq!(Cents::parse("1000.05"), Ok(Cents(100_005)));
        assert_eq!(Cents::parse("007.10"), Ok(Cents(710)));
    }

    #[test]
    fn rejects_everything_outside_the_pattern() {
        for bad in [
            "+5", "5.", ".5", "1e3", "$5", "1,000.00", "12.345", "", " 5", "5 ", "0x10", "1.2.3",
        ] {
            assert_eq!(Cents::parse(bad), Err(AmountError::Malformed), "{bad:?}");
        }
        assert_eq!(Cents::parse("-0"), Err(AmountError::Negative));
        assert_eq!(Cents::parse("-5.00"), Err(AmountError::Negative));
        assert_eq!(
            Cents::parse("99999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            Cents::parse("1000000000000000.00"),
            Ok(Cents(Cents::MAX_INPUT))
        );
        assert_eq!(
            Cents::parse("1000000000000000.01"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Cents(0).to_string(), "0.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(123_456).to_string(), "1234.56");
        assert_eq!(Cents(-5).to_string(), "-0.05");
    }

    #[test]
    fn rounds_halves_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(3, 2), 2);
        assert_eq!(div_round_half_away(4, 3), 1);
        assert_eq!(div_round_half_away(5, 3), 2);
    }
}
