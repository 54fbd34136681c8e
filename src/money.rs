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
#[non_exhaustive]
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

    /// An amount of `cents` cents.
    pub const fn from_cents(cents: i64) -> Cents {
        Cents(cents as i128)
    }

    /// The amount in dollars as a decimal with two places (`12.30`).
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{Cents, Decimal};
    ///
    /// let fee: Cents = "1234.50".parse()?;
    /// assert_eq!(fee.to_decimal(), Decimal::new(123450, 2));
    /// assert_eq!(Cents::try_from(Decimal::new(5, 1))?, Cents::from_cents(50));
    /// assert!(Cents::try_from(Decimal::new(12345, 3)).is_err()); // 12.345: not whole cents
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_decimal(self) -> rust_decimal::Decimal {
        // Every amount this crate forms is far inside the 96 bits of a Decimal's mantissa.
        rust_decimal::Decimal::from_i128_with_scale(self.0, 2)
    }
}

impl std::str::FromStr for Cents {
    type Err = AmountError;

    /// The text of an amount as input files write it (see [`Cents::parse`]).
    fn from_str(text: &str) -> Result<Cents, AmountError> {
        Cents::parse(text)
    }
}

impl From<Cents> for rust_decimal::Decimal {
    fn from(amount: Cents) -> rust_decimal::Decimal {
        amount.to_decimal()
    }
}

impl TryFrom<rust_decimal::Decimal> for Cents {
    type Error = AmountError;

    /// Whole cents only: a decimal with a fraction of a cent is refused, never rounded.
    fn try_from(amount: rust_decimal::Decimal) -> Result<Cents, AmountError> {
        let cents = amount * rust_decimal::Decimal::ONE_HUNDRED;
        if !cents.fract().is_zero() {
            return Err(AmountError::Malformed);
        }
        let whole = cents.trunc().mantissa() / 10i128.pow(cents.trunc().scale());
        if whole.abs() > Cents::MAX_INPUT {
            return Err(AmountError::TooLarge);
        }
        Ok(Cents(whole))
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

/// A fraction in [0, 1], kept exactly as written however many digits it has: fees are computed
/// from every digit, never from a rounded copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeeRate {
    one: bool,
    /// Digits after the decimal point, trailing zeros removed.
    fraction: Vec<u8>,
}

impl FeeRate {
    /// The rate 0.
    pub fn zero() -> FeeRate {
        FeeRate {
            one: false,
            fraction: Vec::new(),
        }
    }

    /// Parses a plain decimal (`0.25`, `1`, `.3333`, `+0.5`) or scientific notation (`2.5e-1`).
    ///
    /// # Errors
    /// A message when the text is not a number or lies outside [0, 1].
    pub fn parse(text: &str) -> Result<FeeRate, String> {
        let plain = match text.strip_prefix('+').unwrap_or(text) {
            t if t.contains(['e', 'E']) => rust_decimal::Decimal::from_scientific(t)
                .map_err(|_| format!("'{text}' is not a number"))?
                .to_string(),
            t => t.to_string(),
        };
        let (negative, digits) = match plain.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, plain.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(format!("'{text}' is not a number"));
        }
        let whole = whole.trim_start_matches('0');
        let fraction: Vec<u8> = fraction
            .trim_end_matches('0')
            .bytes()
            .map(|b| b - b'0')
            .collect();
        let zero = whole.is_empty() && fraction.is_empty();
        if negative && !zero || !whole.is_empty() && (whole != "1" || !fraction.is_empty()) {
            return Err(format!("{text} is outside [0, 1]"));
        }
        Ok(FeeRate {
            one: whole == "1",
            fraction,
        })
    }

    /// `amount` x rate, rounded to the cent half away from zero, from every digit of the rate.
    pub fn apply(&self, amount: Cents) -> Cents {
        if self.one {
            return amount;
        }
        let multiplier = amount.0.unsigned_abs();
        // amount x digits as a whole number, little-endian decimal; the last `k` digits are the
        // fraction of a cent.
        let mut product: Vec<u8> = Vec::with_capacity(self.fraction.len() + 40);
        let mut carry: u128 = 0;
        for &d in self.fraction.iter().rev() {
            let v = multiplier * u128::from(d) + carry;
            product.push((v % 10) as u8);
            carry = v / 10;
        }
        while carry > 0 {
            product.push((carry % 10) as u8);
            carry /= 10;
        }
        let k = self.fraction.len();
        let whole = product
            .iter()
            .skip(k)
            .rev()
            .fold(0i128, |acc, &d| acc * 10 + i128::from(d));
        let half_or_more = k > 0 && product.get(k - 1).is_some_and(|&d| d >= 5);
        let cents = whole + i128::from(half_or_more);
        Cents(if amount.0 < 0 { -cents } else { cents })
    }
}

impl Serialize for FeeRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for FeeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.one {
            return f.write_str("1");
        }
        if self.fraction.is_empty() {
            return f.write_str("0");
        }
        f.write_str("0.")?;
        for d in &self.fraction {
            write!(f, "{d}")?;
        }
        Ok(())
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
    fn fee_rates_keep_every_digit() {
        let rate = |t: &str| FeeRate::parse(t).unwrap();
        assert_eq!(rate("0.25").apply(Cents(10_002)), Cents(2_501)); // 2500.5 -> 2501
                                                                     // 31 digits: just below a quarter, so just below half a cent: rounds down.
        assert_eq!(
            rate("0.2499999999999999999999999999999").apply(Cents(10_002)),
            Cents(2_500)
        );
        assert_eq!(
            rate("0.2500000000000000000000000000001").apply(Cents(10_002)),
            Cents(2_501)
        );
        assert_eq!(rate("1").apply(Cents(12_345)), Cents(12_345));
        assert_eq!(rate("1.000").to_string(), "1");
        assert_eq!(rate("0").apply(Cents(12_345)), Cents(0));
        assert_eq!(rate("-0").to_string(), "0");
        assert_eq!(rate(".3333").to_string(), "0.3333");
        assert_eq!(rate("2.5e-1").apply(Cents(10)), Cents(3));
        assert_eq!(
            rate("0.5").apply(Cents(100_000_000_000_000_001)),
            Cents(50_000_000_000_000_001)
        );
        for bad in [
            "1.00000000000000000000000000001",
            "-0.1",
            "2",
            "abc",
            "",
            ".",
            "0.2.5",
            "1e1",
        ] {
            assert!(FeeRate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rounds_halves_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(3, 2), 2);
        assert_eq!(div_round_half_away(4, 3), 1);
        assert_eq!(div_round_half_away(5, 3), 2);
    }
}
