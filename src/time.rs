//! Instants, civil dates and the one place where an instant becomes a local date of the case.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a text is not a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
#[non_exhaustive]
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
///
/// # Examples
///
/// ```
/// use premium_claims::parse_date;
///
/// assert_eq!(parse_date("2024-02-29")?.to_string(), "2024-02-29");
/// assert!(parse_date("2023-02-29").is_err());
/// assert!(parse_date("03/02/2026").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let (y, m, d) = date_parts(text.as_bytes()).ok_or(DateError::Shape)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::Calendar)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), for a date already checked valid.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Eight bytes from `b[at..]`, the first in the lowest byte.
#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// `'0'` in every byte: XOR-ed with it, a digit byte becomes its value.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// True when every byte of `t` (a word XOR-ed with [`ZEROS`]) selected by `mask` is 0 to 9. A
/// byte is: its high nibble is 0 and adding 6 leaves it below 16. (Adding 6 can carry out of a
/// byte only when that byte is already out of range, so no carry makes a bad byte look good.)
#[inline(always)]
fn all_digits(t: u64, mask: u64) -> bool {
    let bad = (t & 0xf0f0_f0f0_f0f0_f0f0)
        | (t.wrapping_add(0x0606_0606_0606_0606) & 0x1010_1010_1010_1010);
    bad & mask == 0
}

/// Byte `i` of a word, as a number.
#[inline(always)]
fn byte(word: u64, i: u32) -> u32 {
    ((word >> (8 * i)) & 0xff) as u32
}

/// Two ASCII digits at `b[i..i + 2]` as a number.
#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let (tens, ones) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then(|| u32::from(tens) * 10 + u32::from(ones))
}

/// A timestamp checked valid but not yet turned into an instant: checking every evidence row is
/// required, computing the instant only for the rows of the members that claims name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedTimestamp {
    year: i32,
    month: u32,
    day: u32,
    /// Seconds since local midnight.
    second_of_day: u32,
    nanos: u32,
    /// Offset from UTC in seconds.
    offset: i32,
}

impl CheckedTimestamp {
    /// Checks an RFC 3339 timestamp with an offset, without computing its instant.
    ///
    /// # Errors
    /// [`TimestampError`] saying which part is wrong.
    pub fn parse(b: &[u8]) -> Result<CheckedTimestamp, TimestampError> {
        let shape = TimestampError::Shape;
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(shape);
        }
        // `YYYY-MM-`, `DDTHH:MM` and `HH:MM:SS` as words whose digit bytes become their values.
        let date = word(b, 0) ^ ZEROS;
        let day_time = word(b, 8) ^ ZEROS;
        let time = word(b, 11) ^ ZEROS;
        if !all_digits(date, 0x00ff_ff00_ffff_ffff)
            || !all_digits(day_time, 0xffff_00ff_ff00_ffff)
            || !all_digits(time, 0xffff_0000_0000_0000)
        {
            return Err(shape);
        }
        let year = byte(date, 0) * 1000 + byte(date, 1) * 100 + byte(date, 2) * 10 + byte(date, 3);
        let month = byte(date, 5) * 10 + byte(date, 6);
        let day = byte(day_time, 0) * 10 + byte(day_time, 1);
        let hour = byte(day_time, 3) * 10 + byte(day_time, 4);
        let minute = byte(day_time, 6) * 10 + byte(day_time, 7);
        let second = byte(time, 6) * 10 + byte(time, 7);
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return Err(shape);
            }
            for digit in &b[start..end.min(start + 9)] {
                nanos = nanos * 10 + u32::from(digit - b'0');
            }
            for _ in (end - start)..9 {
                nanos *= 10;
            }
            i = end;
        }
        let offset = match &b[i..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let oh = two_digits(b, i + 1).ok_or(shape)?;
                let om = two_digits(b, i + 4).ok_or(shape)?;
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
            _ => return Err(shape),
        };
        let year = year as i32;
        if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
            return Err(TimestampError::Date);
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(TimestampError::Time);
        }
        Ok(CheckedTimestamp {
            year,
            month,
            day,
            second_of_day: hour * 3600 + minute * 60 + second,
            nanos,
            offset,
        })
    }

    /// The instant.
    pub fn instant(self) -> UnixTime {
        let local = days_from_civil(i64::from(self.year), self.month, self.day) * 86_400
            + i64::from(self.second_of_day);
        UnixTime {
            seconds: local - i64::from(self.offset),
            nanos: self.nanos,
        }
    }
}

/// Parses an RFC 3339 timestamp with an offset into Unix seconds (UTC), nanoseconds and the
/// offset in seconds, without building intermediate calendar values.
///
/// # Errors
/// [`TimestampError`] saying which part is wrong.
pub fn parse_instant_parts(b: &[u8]) -> Result<(i64, u32, i32), TimestampError> {
    let checked = CheckedTimestamp::parse(b)?;
    let instant = checked.instant();
    Ok((instant.seconds, instant.nanos, checked.offset))
}

/// Parses an RFC 3339 timestamp with an offset: `T`, `t` or a space between date and time, `Z`/`z`
/// or `+HH:MM`/`-HH:MM`, a fraction of any length (kept to the nanosecond, further digits dropped).
///
/// # Errors
/// [`TimestampError`] saying which part is wrong.
///
/// # Examples
///
/// ```
/// use premium_claims::{parse_timestamp, Utc};
///
/// let t = parse_timestamp("2024-09-17 23:30:00.5-07:00")?;
/// assert_eq!(t.with_timezone(&Utc).to_rfc3339(), "2024-09-18T06:30:00.500+00:00");
/// assert!(parse_timestamp("2024-09-17T23:30:00").is_err()); // no offset
/// assert!(parse_timestamp("2024-09-17T23:59:60Z").is_err()); // a leap second
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_timestamp(text: &str) -> Result<DateTime<FixedOffset>, TimestampError> {
    let (seconds, nanos, offset) = parse_instant_parts(text.as_bytes())?;
    let utc = DateTime::from_timestamp(seconds, nanos).ok_or(TimestampError::Date)?;
    let offset = FixedOffset::east_opt(offset).ok_or(TimestampError::Offset)?;
    Ok(utc.with_timezone(&offset))
}

/// An instant as Unix seconds and nanoseconds: what an evidence row needs to be checked, before
/// (and unless) its calendar form is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl UnixTime {
    /// A chrono instant as Unix seconds and nanoseconds (ordered as the instants are).
    pub fn of(instant: DateTime<Utc>) -> UnixTime {
        UnixTime {
            seconds: instant.timestamp(),
            nanos: instant.timestamp_subsec_nanos(),
        }
    }

    /// The instant as a chrono value (years 0000-9999 always fit).
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.seconds, self.nanos).unwrap_or_default()
    }
}

/// Parses an RFC 3339 timestamp with an offset into its UTC instant.
///
/// # Errors
/// [`TimestampError`] saying which part is wrong.
pub fn parse_instant(text: &[u8]) -> Result<DateTime<Utc>, TimestampError> {
    let (seconds, nanos, _) = parse_instant_parts(text)?;
    DateTime::from_timestamp(seconds, nanos).ok_or(TimestampError::Date)
}

/// The zone's UTC offsets between 1900 and 2100 as a sorted list of changes, so that the local
/// date of an instant is a binary search and an addition instead of a time-zone database
/// look-up. The zone's offset changes a couple of times a year; the list has a few hundred entries.
#[derive(Debug)]
struct OffsetTable {
    /// `starts[i]` is the first Unix second at which `offsets[i]` applies.
    starts: Vec<i64>,
    offsets: Vec<i32>,
    /// The civil date of each day of the table's range, by day number from its first day: a
    /// look-up instead of a calendar computation for every evidence row.
    dates: Vec<NaiveDate>,
    /// The offset of each UTC day of the range (by day number from its first day), or
    /// `MIXED_DAY` for the few days with a change of offset, which are searched.
    day_offsets: Vec<i32>,
}

/// Marks a UTC day in which the zone's offset changes.
const MIXED_DAY: i32 = i32::MIN;

/// Day number (days since 1970-01-01) of the table's first local day; a day before it (a
/// negative offset on its first instant) falls back to the calendar.
const DAY_FROM: i64 = TABLE_FROM.div_euclid(86_400) - 1;

/// Table range: 1900-01-01 to 2100-01-01 UTC; instants outside use the zone database directly.
const TABLE_FROM: i64 = -2_208_988_800;
const TABLE_TO: i64 = 4_102_444_800;

fn offset_at(tz: Tz, seconds: i64) -> i32 {
    let t = DateTime::from_timestamp(seconds, 0).unwrap_or_default();
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

impl OffsetTable {
    fn build(tz: Tz) -> Self {
        // Sample every twelve hours and bisect each change to the second. Zones change offset at
        // most a few times a year and never twice within twelve hours, so no change is missed
        // (the tests compare with the zone database around every change and at a stride).
        const STEP: i64 = 12 * 3600;
        let mut starts = vec![TABLE_FROM];
        let mut offsets = vec![offset_at(tz, TABLE_FROM)];
        let mut t = TABLE_FROM;
        let mut current = offsets[0];
        while t < TABLE_TO {
            let next = t + STEP;
            let offset = offset_at(tz, next);
            if offset != current {
                let (mut lo, mut hi) = (t, next); // offset(lo) == current, offset(hi) != current
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(tz, mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                starts.push(hi);
                offsets.push(offset);
                current = offset;
            }
            t = next;
        }
        let last_day = TABLE_TO.div_euclid(86_400) + 1;
        let dates = (DAY_FROM..=last_day)
            .map(|d| NaiveDate::from_num_days_from_ce_opt(d as i32 + 719_163).unwrap_or_default())
            .collect();
        let mut table = OffsetTable {
            starts,
            offsets,
            dates,
            day_offsets: Vec::new(),
        };
        table.day_offsets = (DAY_FROM..=last_day)
            .map(|d| {
                let (first, last) = (d * 86_400, d * 86_400 + 86_399);
                let offset = table.search(first);
                if offset == table.search(last) && !table.changes_within(first, last) {
                    offset
                } else {
                    MIXED_DAY
                }
            })
            .collect();
        table
    }

    /// True when an offset change falls strictly after `first` and at or before `last`.
    fn changes_within(&self, first: i64, last: i64) -> bool {
        let i = self.starts.partition_point(|&s| s <= first);
        self.starts.get(i).is_some_and(|&s| s <= last)
    }

    fn offset(&self, seconds: i64) -> i32 {
        let day = seconds.div_euclid(86_400) - DAY_FROM;
        match usize::try_from(day)
            .ok()
            .and_then(|d| self.day_offsets.get(d))
        {
            Some(&offset) if offset != MIXED_DAY => offset,
            _ => self.search(seconds),
        }
    }

    fn search(&self, seconds: i64) -> i32 {
        let i = self.starts.partition_point(|&s| s <= seconds);
        self.offsets[i.saturating_sub(1)]
    }
}

/// The case's clock: turns instants into local dates and local dates into instants, in the case's
/// IANA time zone. Every such conversion in the crate goes through here.
#[derive(Debug, Clone)]
pub struct CaseClock {
    tz: Tz,
    table: Arc<OnceLock<OffsetTable>>,
}

impl serde::Serialize for CaseClock {
    /// The zone's IANA name.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tz.name())
    }
}

impl PartialEq for CaseClock {
    fn eq(&self, other: &Self) -> bool {
        self.tz == other.tz
    }
}

impl Eq for CaseClock {}

impl CaseClock {
    /// A clock for the given zone.
    pub fn new(tz: Tz) -> Self {
        CaseClock {
            tz,
            table: Arc::new(OnceLock::new()),
        }
    }

    /// The zone.
    pub fn zone(&self) -> Tz {
        self.tz
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        self.local_date_of(instant.timestamp(), || instant)
    }

    /// As [`CaseClock::local_date`], for an instant in Unix seconds (an evidence row's, whose
    /// calendar form is then made only if wanted).
    pub(crate) fn local_date_unix(&self, instant: UnixTime) -> NaiveDate {
        self.local_date_of(instant.seconds, || instant.to_utc())
    }

    /// The local date of the instant `seconds` from the tables, or of `instant()` from the zone
    /// database outside them.
    #[inline]
    fn local_date_of(&self, seconds: i64, instant: impl FnOnce() -> DateTime<Utc>) -> NaiveDate {
        if !(TABLE_FROM..TABLE_TO).contains(&seconds) {
            return instant().with_timezone(&self.tz).date_naive();
        }
        let table = self.table.get_or_init(|| OffsetTable::build(self.tz));
        let days = (seconds + i64::from(table.offset(seconds))).div_euclid(86_400);
        match usize::try_from(days - DAY_FROM)
            .ok()
            .and_then(|i| table.dates.get(i))
        {
            Some(&date) => date,
            None => instant().with_timezone(&self.tz).date_naive(),
        }
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
        start <= self.end && end.is_none_or(|e| e >= self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix instants order as chrono's do, a leap second (nanoseconds past 1e9) included.
    #[test]
    fn unix_instants_order_as_chrono_instants() {
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        let instants = [
            leap - chrono::Duration::nanoseconds(1),
            leap,
            leap + chrono::Duration::nanoseconds(1),
            NaiveDate::from_ymd_opt(2017, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc(),
            NaiveDate::from_ymd_opt(1969, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 5)
                .unwrap()
                .and_utc(),
        ];
        for a in instants {
            for b in instants {
                assert_eq!(UnixTime::of(a).cmp(&UnixTime::of(b)), a.cmp(&b), "{a} {b}");
            }
        }
    }

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

    #[test]
    fn offset_table_agrees_with_the_zone_database_every_hour() {
        for zone in [
            chrono_tz::America::Los_Angeles,
            chrono_tz::America::St_Johns,
            chrono_tz::Europe::London,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Apia,
            chrono_tz::UTC,
        ] {
            let clock = CaseClock::new(zone);
            let check = |probe: i64| {
                let instant = DateTime::from_timestamp(probe, 0).unwrap();
                assert_eq!(
                    clock.local_date(instant),
                    instant.with_timezone(&zone).date_naive(),
                    "{zone} at {instant}"
                );
            };
            // Around every change the table found...
            clock.local_date(DateTime::from_timestamp(0, 0).unwrap());
            let table = clock.table.get().unwrap();
            for &start in &table.starts {
                for delta in [-3601, -1, 0, 1, 3600] {
                    check(start + delta);
                }
            }
            // ...and at an irregular stride (25h 7m 3s) over 1960-2045, so a change the table
            // missed would show up as a wrong date somewhere.
            let mut t = -315_619_200i64;
            while t < 2_366_841_600 {
                check(t);
                t += 90_423;
            }
        }
    }

    /// The per-day offsets agree with a search of the changes: at both ends of every day of the
    /// range, and a second either side of every change.
    #[test]
    fn day_offsets_agree_with_the_search_of_changes() {
        for zone in [
            chrono_tz::America::Los_Angeles,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Apia,
            chrono_tz::Asia::Kolkata,
        ] {
            let table = OffsetTable::build(zone);
            let mut probes: Vec<i64> = table
                .starts
                .iter()
                .flat_map(|&s| [s - 1, s, s + 1])
                .collect();
            let mut day = TABLE_FROM.div_euclid(86_400);
            while day * 86_400 < TABLE_TO {
                probes.extend([day * 86_400, day * 86_400 + 43_200, day * 86_400 + 86_399]);
                day += 1;
            }
            for t in probes
                .into_iter()
                .filter(|t| (TABLE_FROM..TABLE_TO).contains(t))
            {
                assert_eq!(table.offset(t), table.search(t), "{zone} at {t}");
            }
        }
    }

    #[test]
    fn instants_outside_the_table_use_the_zone_database() {
        let clock = CaseClock::new(chrono_tz::America::Los_Angeles);
        let early = parse_timestamp("1850-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            clock.local_date(early),
            early
                .with_timezone(&chrono_tz::America::Los_Angeles)
                .date_naive()
        );
        let late = parse_timestamp("2999-06-01T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            clock.local_date(late),
            NaiveDate::from_ymd_opt(2999, 5, 31).unwrap()
        );
    }

    #[test]
    fn instant_parts_match_chrono_for_a_spread_of_dates() {
        for text in [
            "0001-01-01T00:00:00Z",
            "1600-02-29T12:00:00+05:30",
            "1969-12-31T23:59:59-00:01",
            "2000-02-29T00:00:00Z",
            "2100-02-28T23:59:59Z",
            "9999-12-31T23:59:59+23:59",
        ] {
            let ours = parse_timestamp(text).unwrap();
            let theirs = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(ours.offset(), theirs.offset());
        }
        assert_eq!(
            parse_timestamp("2100-02-29T00:00:00Z"),
            Err(TimestampError::Date)
        );
        assert_eq!(
            parse_timestamp("2024-04-31T00:00:00Z"),
            Err(TimestampError::Date)
        );
    }

    /// The plain byte-by-byte reading of the same format, to check the word-at-a-time one.
    fn reference(b: &[u8]) -> Result<(i64, u32, i32), TimestampError> {
        use TimestampError::*;
        let digit = |i: usize| b[i].is_ascii_digit().then(|| u32::from(b[i] - b'0'));
        let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(Shape);
        }
        let year = two(0).zip(two(2)).map(|(h, l)| h * 100 + l).ok_or(Shape)?;
        let (month, day) = (two(5).ok_or(Shape)?, two(8).ok_or(Shape)?);
        let (hour, minute) = (two(11).ok_or(Shape)?, two(14).ok_or(Shape)?);
        let second = two(17).ok_or(Shape)?;
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(Shape);
            }
            for k in 0..9 {
                nanos = nanos * 10
                    + if k < digits {
                        digit(i + 1 + k).ok_or(Shape)?
                    } else {
                        0
                    };
            }
            i += 1 + digits;
        }
        let offset = match &b[i..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (oh, om) = (two(i + 1).ok_or(Shape)?, two(i + 4).ok_or(Shape)?);
                if oh > 23 || om > 59 {
                    return Err(Offset);
                }
                let s = (oh * 3600 + om * 60) as i32;
                if *sign == b'-' {
                    -s
                } else {
                    s
                }
            }
            _ => return Err(Shape),
        };
        let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(Date)?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(Time);
        }
        let local = date
            .and_hms_opt(hour, minute, second)
            .ok_or(Time)?
            .and_utc()
            .timestamp();
        Ok((local - i64::from(offset), nanos, offset))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Any byte of a valid timestamp replaced by a byte near the digits, separators or the
        /// top of the range: the word-at-a-time reading agrees with the plain one.
        #[test]
        fn word_reading_agrees_with_byte_reading(
            base in proptest::sample::select(vec![
                "2024-09-17T23:30:00-07:00", "1999-12-31t00:00:59.5z", "2000-02-29 12:34:56+14:00",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.123456789123-23:59",
            ]),
            changes in proptest::collection::vec((0usize..40, proptest::sample::select(vec![
                b'0', b'9', b'/', b':', b'-', b'+', b'.', b'T', b' ', b'Z', 0xca, 0xcf, 0xfa, 0xff,
                b'\x7f', b'\0', b'a', b'3',
            ])), 0..3),
        ) {
            let mut bytes = base.as_bytes().to_vec();
            for (at, value) in changes {
                if let Some(b) = bytes.get_mut(at) {
                    *b = value;
                }
            }
            proptest::prop_assert_eq!(parse_instant_parts(&bytes), reference(&bytes));
        }
    }
}
