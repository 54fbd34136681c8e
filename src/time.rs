//! Instants, civil dates and the one place where an instant becomes a local date of the case.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Why a text is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The shape is wrong, or the offset is missing.
    #[error("is not an RFC 3339 timestamp with an offset")]
    Shape,
    /// Month or day out of range (2024-13-01, 2023-02-29).
    #[error("has an invalid date")]
    Date,
    /// Hour 24 or above, minute or second 60 or above (leap seconds are refused).
    #[error("has an invalid time of day")]
    Time,
    /// Offset hours above 23 or minutes above 59.
    #[error("has an invalid UTC offset")]
    Offset,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `YYYY-MM-DD`.
    #[error("is not a date (YYYY-MM-DD)")]
    Shape,
    /// The right shape but no such day.
    #[error("is not a valid calendar date")]
    Calendar,
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

/// `YYYY-MM-DD` and nothing else.
fn date_parts(bytes: &[u8]) -> Option<(i32, u32, u32)> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    Some((year as i32, month, day))
}

/// Parses a civil date written `YYYY-MM-DD`.
///
/// # Errors
/// [`DateError::Shape`] for any other layout, [`DateError::Calendar`] for a day that does not exist.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let (y, m, d) = date_parts(text.as_bytes()).ok_or(DateError::Shape)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::Calendar)
}

/// Parses an RFC 3339 timestamp with an offset: `T`, `t` or a space between date and time, `Z`/`z`
/// or `+HH:MM`/`-HH:MM`, a fraction of any length (kept to the nanosecond, further digits dropped).
///
/// # Errors
/// [`TimestampError`] saying which part is wrong.
pub fn parse_timestamp(text: &str) -> Result<DateTime<FixedOffset>, TimestampError> {
    let b = text.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return Err(TimestampError::Shape);
    }
    let (y, mo, d) = date_parts(&b[..10]).ok_or(TimestampError::Shape)?;
    let hour = digits(&b[11..13]).ok_or(TimestampError::Shape)?;
    let minute = digits(&b[14..16]).ok_or(TimestampError::Shape)?;
    let second = digits(&b[17..19]).ok_or(TimestampError::Shape)?;
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return Err(TimestampError::Shape);
        }
        for (k, digit) in b[start..end].iter().enumerate() {
            if k < 9 {
                nanos = nanos * 10 + u32::from(digit - b'0');
            }
        }
        for _ in (end - start)..9 {
            nanos *= 10;
        }
        i = end;
    }
    let offset_seconds = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2]).ok_or(TimestampError::Shape)?;
            let om = digits(&[*m1, *m2]).ok_or(TimestampError::Shape)?;
            if oh > 23 || om > 59 {
                return Err(TimestampError::Offset);
            }
            let s = (oh * 3600 + om * 60) as i32;
            if *sign == b'-' {
                -s
            } else {
                s
            }
        }
        _ => return Err(TimestampError::Shape),
    };
    let date = NaiveDate::from_ymd_opt(y, mo, d).ok_or(TimestampError::Date)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimestampError::Time);
    }
    let time =
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).ok_or(TimestampError::Time)?;
    let offset = FixedOffset::east_opt(offset_seconds).ok_or(TimestampError::Offset)?;
    match offset.from_local_datetime(&NaiveDateTime::new(date, time)) {
        LocalResult::Single(t) => Ok(t),
        _ => Err(TimestampError::Date),
    }
}

/// The case's clock: turns instants into local dates and local dates into instants, in the case's
/// IANA time zone. Every such conversion in the crate goes through here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseClock {
    tz: Tz,
}

impl CaseClock {
    /// A clock for the given zone.
    pub fn new(tz: Tz) -> Self {
        CaseClock { tz }
    }

    /// The zone.
    pub fn zone(&self) -> Tz {
        self.tz
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.tz).date_naive()
    }

    /// The local wall-clock time of an instant, for display.
    pub fn local_time(&self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.tz)
    }

    /// The first instant of a local date (00:00, or the first valid time if a transition skips
    /// midnight).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let mut naive = date.and_time(NaiveTime::MIN);
        // A zone may skip local midnight; walk forward to the first time that exists.
        for _ in 0..(48 * 4) {
            match self.tz.from_local_datetime(&naive) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
                LocalResult::None => naive += chrono::Duration::minutes(15),
            }
        }
        Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
    }
}

/// A civil date range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct InclusiveDates {
    /// First day in the range.
    pub start: NaiveDate,
    /// Last day in the range (included).
    pub end: NaiveDate,
}

impl InclusiveDates {
    /// True when `date` is on or after `start` and on or before `end`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// True when the two ranges share at least one day; `None` as `end` means open-ended.
    pub fn overlaps(&self, start: NaiveDate, end: Option<NaiveDate>) -> bool {
        start <= self.end && end.map_or(true, |e| e >= self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Result<DateTime<FixedOffset>, TimestampError> {
        parse_timestamp(s)
    }

    #[test]
    fn accepts_the_rfc3339_variants() {
        let base = ts("2024-09-17T23:30:00-07:00").unwrap();
        assert_eq!(ts("2024-09-17t23:30:00-07:00").unwrap(), base);
        assert_eq!(ts("2024-09-17 23:30:00-07:00").unwrap(), base);
        assert_eq!(ts("2024-09-18T06:30:00Z").unwrap(), base);
        assert_eq!(ts("2024-09-18T06:30:00z").unwrap(), base);
        let frac = ts("2024-09-18T06:30:00.123456789123Z").unwrap();
        assert_eq!(frac.timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(
            ts("2024-09-18T06:30:00.5Z")
                .unwrap()
                .timestamp_subsec_nanos(),
            500_000_000
        );
        assert_eq!(ts("1969-07-20T20:17:40Z").unwrap().timestamp(), -14_182_940);
    }

    #[test]
    fn refuses_what_rfc3339_forbids() {
        assert_eq!(ts("2024-09-17T23:30:00"), Err(TimestampError::Shape));
        assert_eq!(ts("2024-09-17T23:30:60Z"), Err(TimestampError::Time));
        assert_eq!(ts("2024-09-17T24:00:00Z"), Err(TimestampError::Time));
        assert_eq!(ts("2024-09-17T23:00:00+24:00"), Err(TimestampError::Offset));
        assert_eq!(ts("2024-13-01T00:00:00Z"), Err(TimestampError::Date));
        assert_eq!(ts("2023-02-29T00:00:00Z"), Err(TimestampError::Date));
        assert_eq!(ts("2024-09-17T23:30:00.Z"), Err(TimestampError::Shape));
        assert_eq!(ts("2024-09-17T23:30:00+0700"), Err(TimestampError::Shape));
        assert_eq!(ts("2024-9-17T23:30:00Z"), Err(TimestampError::Shape));
        assert_eq!(ts("2024-09-17T23:30:00Zjunk"), Err(TimestampError::Shape));
        assert_eq!(ts("２０２４-09-17T23:30:00Z"), Err(TimestampError::Shape));
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2024-02-29"),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert_eq!(parse_date("2024-02-30"), Err(DateError::Calendar));
        assert_eq!(parse_date("2024/02/01"), Err(DateError::Shape));
        assert_eq!(parse_date("03/02/2026"), Err(DateError::Shape));
        assert_eq!(parse_date("2024-2-01"), Err(DateError::Shape));
        assert_eq!(parse_date("+2024-02-01"), Err(DateError::Shape));
    }

    #[test]
    fn local_dates_in_los_angeles_follow_daylight_saving() {
        let clock = CaseClock::new(chrono_tz::America::Los_Angeles);
        let d = |s: &str| clock.local_date(ts(s).unwrap().with_timezone(&Utc));
        // PDT (UTC-7)
        assert_eq!(
            d("2024-09-18T06:30:00Z"),
            NaiveDate::from_ymd_opt(2024, 9, 17).unwrap()
        );
        assert_eq!(
            d("2024-09-18T07:30:00Z"),
            NaiveDate::from_ymd_opt(2024, 9, 18).unwrap()
        );
        // PST (UTC-8)
        assert_eq!(
            d("2024-01-21T07:30:00Z"),
            NaiveDate::from_ymd_opt(2024, 1, 20).unwrap()
        );
        assert_eq!(
            d("2024-01-21T08:30:00Z"),
            NaiveDate::from_ymd_opt(2024, 1, 21).unwrap()
        );
        let midnight = clock.start_of_day(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_eq!(midnight, ts("2026-03-31T07:00:00Z").unwrap());
    }
}
