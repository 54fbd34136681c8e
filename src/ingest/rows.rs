//! Reading the administrator's CSV files: headers, fields, and the typed records of each file.
//!
//! A bad row is data, not a failure: each parser returns the record or the list of problems
//! (`column: what is wrong`), and the caller writes the row to `rejected_rows.csv`. Only problems
//! with a file as a whole (missing, unreadable, no header, missing or repeated column) are fatal.

use std::fmt;
use std::io::{self, Read};
use std::ops::Range;

use chrono::Utc;
use serde::Serialize;
use wide::u8x16;

use crate::distribution::records::{
    EventKind, Notice, NoticeMethod, Objection, PaymentEvent, Round, TaxForm, TinStatus,
};
use crate::model::{
    Channel, Claim, ClaimId, Cure, EvidenceKind, Filing, Member, MemberId, PaymentMethod,
    Subscription,
};
use crate::money::Cents;
use crate::time::{parse_date, parse_instant, CheckedTimestamp};

pub use super::records::{Record, RecordReader};

/// The input files, in the order they are read and their rejected rows are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum InputFile {
    /// `members.csv`
    Members,
    /// `subscriptions.csv`
    Subscriptions,
    /// `evidence.csv`
    Evidence,
    /// `opt_outs.csv`
    OptOuts,
    /// `claims.csv`
    Claims,
    /// `cures.csv`
    Cures,
    /// `payment_events.csv` (read by `distribute` only)
    PaymentEvents,
    /// `tax_forms.csv` (read by `distribute` only)
    TaxForms,
    /// `notices.csv` (read by `distribute` only)
    Notices,
    /// `objections.csv` (read by `distribute` only)
    Objections,
}

impl InputFile {
    /// Every input file in reading order.
    pub const ALL: [InputFile; 6] = [
        InputFile::Members,
        InputFile::Subscriptions,
        InputFile::Evidence,
        InputFile::OptOuts,
        InputFile::Claims,
        InputFile::Cures,
    ];

    /// The distribution's files, all optional, in the order their rejected rows are listed
    /// (after those of [`InputFile::ALL`]).
    pub const DISTRIBUTION: [InputFile; 4] = [
        InputFile::PaymentEvents,
        InputFile::TaxForms,
        InputFile::Notices,
        InputFile::Objections,
    ];

    /// The file name.
    pub fn name(self) -> &'static str {
        match self {
            InputFile::Members => "members.csv",
            InputFile::Subscriptions => "subscriptions.csv",
            InputFile::Evidence => "evidence.csv",
            InputFile::OptOuts => "opt_outs.csv",
            InputFile::Claims => "claims.csv",
            InputFile::Cures => "cures.csv",
            InputFile::PaymentEvents => "payment_events.csv",
            InputFile::TaxForms => "tax_forms.csv",
            InputFile::Notices => "notices.csv",
            InputFile::Objections => "objections.csv",
        }
    }

    /// Whether a data folder may leave the file out.
    pub fn optional(self) -> bool {
        !matches!(
            self,
            InputFile::Members | InputFile::Subscriptions | InputFile::Evidence | InputFile::Claims
        )
    }

    /// The columns the file knows, with whether the header must name them.
    pub fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            InputFile::Members => &[
                ("member_id", true),
                ("full_name", false),
                ("email", false),
                ("country", true),
                ("ai_training_opt_out_at", false),
                ("excluded_category", false),
            ],
            InputFile::Subscriptions => &[
                ("member_id", true),
                ("tier", true),
                ("start_date", true),
                ("end_date", false),
            ],
            InputFile::Evidence => &[
                ("evidence_id", true),
                ("member_id", true),
                ("kind", true),
                ("occurred_at", true),
                ("counterparty", false),
                ("reference", false),
            ],
            InputFile::OptOuts => &[("member_id", true), ("submitted_on", true)],
            InputFile::Claims => &[
                ("claim_id", true),
                ("member_id", false),
                ("email", false),
                ("full_name", false),
                ("channel", true),
                ("submitted_at", false),
                ("postmarked_on", false),
                ("attested", true),
                ("actual_damages", false),
                ("payment_method", false),
                ("payment_account", false),
                ("ip_address", false),
            ],
            InputFile::Cures => &[
                ("claim_id", true),
                ("cured_on", true),
                ("member_id", false),
                ("email", false),
                ("attested", false),
            ],
            InputFile::PaymentEvents => &[
                ("claim_id", true),
                ("distribution", true),
                ("event", true),
                ("on", true),
                ("method", false),
                ("reference", false),
            ],
            InputFile::TaxForms => &[
                ("member_id", true),
                ("tin_status", true),
                ("received_on", true),
            ],
            InputFile::Notices => &[
                ("member_id", true),
                ("method", true),
                ("sent_on", true),
                ("undeliverable", false),
            ],
            InputFile::Objections => &[("member_id", true), ("filed_on", true)],
        }
    }
}

impl fmt::Display for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem that stops the run: the file as a whole is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A required file is absent.
    #[error("{file}: required file is missing")]
    Missing {
        /// The file.
        file: String,
    },
    /// Reading failed (`line` 0 when the failure is not tied to a line).
    #[error("{file}{}: cannot read: {source}", if *line > 0 { format!(":{line}") } else { String::new() })]
    Io {
        /// The file.
        file: String,
        /// Line reached.
        line: u64,
        /// The underlying error.
        source: io::Error,
    },
    /// The file has no header row.
    #[error("{file}:1: no header row (the file is empty)")]
    NoHeader {
        /// The file.
        file: String,
    },
    /// The header is not text.
    #[error("{file}:1: not a CSV file: the header row is not UTF-8 text")]
    HeaderNotText {
        /// The file.
        file: String,
    },
    /// A required column is not in the header.
    #[error("{file}:1: missing required column '{column}'")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: String,
    },
    /// The path is not a regular file (a folder, a FIFO, a device such as `/dev/zero`).
    #[error("{file}: not a regular file")]
    NotAFile {
        /// The file.
        file: String,
    },
    /// A header names a column twice.
    #[error("{file}:1: {column} appears more than once in the header")]
    RepeatedColumn {
        /// The file.
        file: String,
        /// The column: its name between apostrophes when it reads like a column name; otherwise
        /// its positions, the name withheld (a header that is really a data row would show a
        /// claimant's email).
        column: String,
    },
}

/// A rejected row's message with every quoted value withheld, for terminals and logs: a value in
/// the wrong column may be a name or an email. `rejected_rows.csv` keeps the full message.
pub fn withhold_values(error: &str) -> String {
    let mut out = String::with_capacity(error.len());
    let mut quoted = false;
    let mut chars = error.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('\'', false) => {
                quoted = true;
                out.push_str("(value withheld)");
            }
            // A doubled apostrophe inside a value is part of it.
            ('\'', true) if chars.peek() == Some(&'\'') => {
                chars.next();
            }
            ('\'', true) => quoted = false,
            (_, false) => out.push(c),
            (_, true) => {}
        }
    }
    out
}

/// A row left out of the computation, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RejectedRow {
    /// The file.
    pub file: InputFile,
    /// Line where the record starts (the header is line 1).
    pub line: u64,
    /// The problems, `column: what is wrong`, joined with `; `.
    pub error: String,
}

/// Counts and fingerprint of one input file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct FileStats {
    /// SHA-256 of the file's bytes, lower-case hex; empty when the load did without it
    /// ([`crate::DataFolder::with_fingerprints`]) and for a [`crate::DatasetBuilder`]'s dataset.
    pub sha256: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows used.
    pub accepted: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Header columns the file does not use.
    pub unknown_columns: Vec<String>,
}

impl FileStats {
    /// These counts with `rejected` of the rows rejected and the rest accepted.
    pub fn with_rejected(self, rejected: u64) -> FileStats {
        FileStats {
            rejected,
            accepted: self.rows - rejected,
            ..self
        }
    }
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The columns of a file as its header names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// For each of the file's known columns ([`InputFile::columns`]), its index in the records.
    pub columns: Vec<Option<usize>>,
    /// Number of header fields: every record must have as many.
    pub width: usize,
    /// Header names the file does not use.
    pub unknown: Vec<String>,
}

impl Header {
    /// Maps a header record to the file's columns.
    ///
    /// # Errors
    /// [`InputError`] when the header is not text, repeats a name or lacks a required column.
    pub fn parse(file: InputFile, header: &Record) -> Result<Header, InputError> {
        let name = file.name().to_string();
        let mut names = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let field = if i == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            let text = std::str::from_utf8(field)
                .map_err(|_| InputError::HeaderNotText { file: name.clone() })?;
            names.push(text.trim().to_string());
        }
        // Unnamed columns (trailing commas of a spreadsheet export) are not duplicates of each other.
        // A map keeps this linear: a hostile header may have a million columns.
        let mut seen = std::collections::HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
            if let Some(first) = seen.insert(n.as_str(), i) {
                // Shown when it is one of the file's columns or reads like a column name (letters,
                // digits, underscores): not an email, an id or a name from a data row.
                let known = file.columns().iter().any(|(c, _)| c == n)
                    || (n.len() <= 40
                        && n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
                let column = if known {
                    format!("column {}", crate::model::quote(n))
                } else {
                    format!(
                        "the name of columns {} and {} (withheld: not a column name)",
                        first + 1,
                        i + 1
                    )
                };
                return Err(InputError::RepeatedColumn { file: name, column });
            }
        }
        let mut columns = Vec::new();
        for (column, required) in file.columns() {
            let index = names.iter().position(|n| n == column);
            if index.is_none() && *required {
                return Err(InputError::MissingColumn {
                    file: name,
                    column: (*column).to_string(),
                });
            }
            columns.push(index);
        }
        let unknown = names
            .iter()
            .filter(|n| !n.is_empty() && !file.columns().iter().any(|(c, _)| c == n))
            .cloned()
            .collect();
        Ok(Header {
            columns,
            width: header.len(),
            unknown,
        })
    }

    /// The header of a record whose fields are the file's known columns in their usual order
    /// ([`InputFile::columns`]): used for values that do not come from a CSV file.
    pub fn canonical(file: InputFile) -> Header {
        let width = file.columns().len();
        Header {
            columns: (0..width).map(Some).collect(),
            width,
            unknown: Vec::new(),
        }
    }

    /// A data record of this file, ready to be checked.
    pub fn row<'a>(&'a self, record: &'a Record, line: u64) -> Row<'a> {
        Row {
            record,
            utf8: std::str::from_utf8(record.bytes()).ok(),
            columns: &self.columns,
            line,
            width: self.width,
            errors: Vec::new(),
        }
    }
}

/// A CSV file being read record by record, with its header mapped to the file's known columns.
pub struct CsvTable<R: Read> {
    file: InputFile,
    reader: RecordReader<R>,
    header: Header,
    rows: u64,
}

impl<R: Read> CsvTable<R> {
    /// Reads the header of `file` from `source`.
    ///
    /// # Errors
    /// [`InputError`] when the header is missing, not text, repeats a name or lacks a required column.
    pub fn open(file: InputFile, source: R) -> Result<Self, InputError> {
        let mut reader = RecordReader::new(source, 0, true);
        if !reader.read().map_err(|e| read_error(file, 1, e))? {
            return Err(InputError::NoHeader {
                file: file.name().to_string(),
            });
        }
        let header = Header::parse(file, reader.record())?;
        Ok(CsvTable {
            file,
            reader,
            header,
            rows: 0,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Header columns this file does not use.
    pub fn unknown_columns(&self) -> &[String] {
        &self.header.unknown
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position()
    }

    /// The next record: `Ok(None)` at the end. A record with the wrong number of fields comes back
    /// as a [`Row`] whose [`Row::width_error`] is set.
    ///
    /// # Errors
    /// [`InputError::Io`] when the source cannot be read.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, InputError> {
        let line = self.reader.breaks_before_record() + 1;
        if !self
            .reader
            .read()
            .map_err(|e| read_error(self.file, line, e))?
        {
            return Ok(None);
        }
        self.rows += 1;
        let line = self.reader.breaks_before_record() + 1;
        Ok(Some(self.header.row(self.reader.record(), line)))
    }

    /// Reads to the end (so the whole file is hashed) and returns the SHA-256 of its bytes.
    ///
    /// # Errors
    /// [`InputError::Io`] when the source cannot be read.
    pub fn finish(self) -> Result<String, InputError> {
        let line = self.reader.breaks_before_record() + 1;
        let hash = self
            .reader
            .finish()
            .map_err(|e| read_error(self.file, line, e))?;
        Ok(hash.map(|h| hex(&h)).unwrap_or_default())
    }
}

/// An I/O error while reading `file` near `line`.
pub fn read_error(file: InputFile, line: u64, source: io::Error) -> InputError {
    InputError::Io {
        file: file.name().into(),
        line,
        source,
    }
}

/// One data record, with the problems found in it so far.
pub struct Row<'a> {
    record: &'a Record,
    /// The whole record as text, when it is valid UTF-8.
    utf8: Option<&'a str>,
    columns: &'a [Option<usize>],
    /// Line where the record starts.
    pub line: u64,
    width: usize,
    errors: Vec<Problem>,
}

/// One problem with one value of a row: the column and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// The column (`submitted_at`); `row` for a problem with the row as a whole (its field count).
    pub column: &'static str,
    /// What is wrong, in words (`required value is absent`). Quoted values appear between `'`.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(column: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == "row" {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.column, self.message)
        }
    }
}

/// Every problem of one rejected record, in column order: what a row of `rejected_rows.csv`
/// says, as values. Its text is the problems joined with `; `.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// The problems, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// The columns with a problem.
    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|p| p.column)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

impl From<Problems> for String {
    fn from(p: Problems) -> String {
        p.to_string()
    }
}

impl<'a> Row<'a> {
    /// `Some(message)` when the record's field count differs from the header's. With too few
    /// fields, one of which runs over several lines, the message asks about a missing closing
    /// quote: by CSV rules a quote never closed runs its field on to the end of the file.
    pub fn width_error(&self) -> Option<String> {
        (self.record.len() != self.width).then(|| {
            let fields = self.record.len();
            let plural = if fields == 1 { "" } else { "s" };
            let mut message = format!(
                "row has {fields} field{plural}, the header has {}",
                self.width
            );
            let over_lines = (0..self.record.len()).find(|&i| {
                self.record
                    .get(i)
                    .is_some_and(|f| f.iter().any(|&b| b == b'\n' || b == b'\r'))
            });
            if let (true, Some(i)) = (self.record.len() < self.width, over_lines) {
                message.push_str(&format!(
                    " (field {} runs over several lines: is a closing quote missing?)",
                    i + 1
                ));
            }
            message
        })
    }

    /// The trimmed text of a column (by its position in [`InputFile::columns`]); `None` when
    /// absent or empty. A field that is not UTF-8 is recorded as a problem.
    fn text(&mut self, col: usize, name: &'static str) -> Option<&'a str> {
        let record: &'a Record = self.record;
        let index = self.columns[col]?;
        // One UTF-8 check for the whole record (fields split at ASCII commas, so each field of
        // valid text is valid text); per field only when the record as a whole is not text.
        let field = match self.utf8 {
            Some(whole) => {
                let (start, end) = record.range(index)?;
                whole.get(start..end).ok_or(())
            }
            None => std::str::from_utf8(record.get(index)?).map_err(|_| ()),
        };
        let raw = record.get(index)?;
        match field {
            // Most fields need no trimming: skip the Unicode-aware trim for them.
            Ok(s) if !raw.is_empty() && needs_no_trim(raw) => Some(s),
            Ok(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            Err(()) => {
                self.errors.push(Problem::new(name, "not valid UTF-8 text"));
                None
            }
        }
    }

    fn optional<T>(
        &mut self,
        col: usize,
        name: &'static str,
        parse: impl FnOnce(&'a str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.text(col, name)?;
        match parse(value) {
            Ok(v) => Some(v),
            Err(message) => {
                self.errors.push(Problem::new(name, message));
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        col: usize,
        name: &'static str,
        parse: impl FnOnce(&'a str) -> Result<T, String>,
    ) -> Option<T> {
        let before = self.errors.len();
        if self.text(col, name).is_none() {
            // A field that is not text has already been reported.
            if self.errors.len() == before {
                self.errors
                    .push(Problem::new(name, "required value is absent"));
            }
            return None;
        }
        self.optional(col, name, parse)
    }

    /// The value of a column read before the row is checked (for uniqueness), leaving no trace.
    fn peek(&mut self, col: usize) -> Option<&'a str> {
        let errors = self.errors.len();
        let value = self.text(col, "");
        self.errors.truncate(errors);
        value
    }

    fn problem(&mut self, column: &'static str, message: String) {
        self.errors.push(Problem::new(column, message));
    }

    fn done<T>(self, value: Option<T>) -> Result<T, Problems> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(Problems(self.errors)),
        }
    }
}

fn string(s: &str) -> Result<String, String> {
    Ok(s.to_string())
}

use crate::model::quoted;

fn timestamp(s: &str) -> Result<chrono::DateTime<Utc>, String> {
    parse_instant(s.as_bytes()).map_err(|e| quoted(s, e))
}

fn date(s: &str) -> Result<chrono::NaiveDate, String> {
    parse_date(s).map_err(|e| quoted(s, e))
}

fn amount(s: &str) -> Result<Cents, String> {
    Cents::parse(s).map_err(|e| quoted(s, e))
}

fn boolean(s: &str) -> Result<bool, String> {
    crate::model::parse_boolean(s).map_err(|e| e.message)
}

fn claim_id(s: &str) -> Result<ClaimId, String> {
    s.parse::<ClaimId>().map_err(|e| e.message)
}

/// A member of the class list, as the other files refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// A member whose facts are kept (position in the class list's facts).
    Kept(usize),
    /// A member known to be listed, whose facts no claim needs.
    Listed,
}

/// Looks up members while rows are checked.
pub trait KnownMembers {
    /// The member with this id, if the class list accepted one.
    fn find(&self, member_id: &[u8]) -> Option<Known>;
}

fn known_member<'k>(
    known: &'k impl KnownMembers,
) -> impl FnOnce(&str) -> Result<Known, String> + 'k {
    move |s| {
        known
            .find(s.as_bytes())
            .ok_or_else(|| format!("unknown member {}", crate::model::quote(s)))
    }
}

/// A valid `members.csv` row, borrowed from the record: most members are only validated and
/// counted, so nothing is copied until the class list decides to keep one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberRow<'a> {
    /// Member id.
    pub member_id: &'a str,
    /// Name.
    pub full_name: Option<&'a str>,
    /// Email as given (trimmed).
    pub email: Option<&'a str>,
    /// Two ASCII letters, as given.
    pub country: &'a str,
    /// AI-training opt-out instant.
    pub ai_training_opt_out_at: Option<chrono::DateTime<Utc>>,
    /// Exclusion category.
    pub excluded_category: Option<&'a str>,
}

impl MemberRow<'_> {
    /// The owned record.
    pub fn to_member(&self) -> Member {
        Member {
            member_id: MemberId(self.member_id.to_string()),
            full_name: self.full_name.map(str::to_string),
            email: self.email.map(str::to_string),
            country: self.country.to_ascii_uppercase(),
            ai_training_opt_out_at: self.ai_training_opt_out_at,
            excluded_category: self.excluded_category.map(str::to_string),
        }
    }
}

/// Parses a `members.csv` row. Uniqueness is the caller's, who knows the earlier accepted rows.
///
/// # Errors
/// The row's problems, joined.
pub fn member<'a>(mut row: Row<'a>) -> Result<MemberRow<'a>, Problems> {
    let member_id = row.required(0, "member_id", Ok);
    let full_name = row.optional(1, "full_name", Ok);
    let email = row.optional(2, "email", Ok);
    let country = row.required(3, "country", |s| {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(s)
        } else {
            Err(quoted(s, "is not a two-letter country code"))
        }
    });
    let ai_training_opt_out_at = row.optional(4, "ai_training_opt_out_at", timestamp);
    let excluded_category = row.optional(5, "excluded_category", Ok);
    let value = member_id
        .zip(country)
        .map(|(member_id, country)| MemberRow {
            member_id,
            full_name,
            email,
            country,
            ai_training_opt_out_at,
            excluded_category,
        });
    row.done(value)
}

/// The member id of a `members.csv` row, read before the row is parsed, for the uniqueness check.
pub fn member_id_of<'a>(row: &mut Row<'a>) -> Option<&'a str> {
    row.peek(0)
}

/// The claim id of a `claims.csv` row, if it is a UUID, for the uniqueness check.
pub fn claim_id_of(row: &mut Row<'_>) -> Option<ClaimId> {
    row.peek(0).and_then(ClaimId::parse)
}

/// Parses a `subscriptions.csv` row: (member, subscription).
///
/// # Errors
/// The row's problems, joined.
pub fn subscription(
    mut row: Row<'_>,
    known: &impl KnownMembers,
) -> Result<(Known, Subscription), Problems> {
    let member = row.required(0, "member_id", known_member(known));
    let tier = row.required(1, "tier", |s| Ok(s.to_lowercase()));
    let start_date = row.required(2, "start_date", date);
    let end_date = row.optional(3, "end_date", date);
    if let (Some(start), Some(end)) = (start_date, end_date) {
        if end < start {
            row.problem("end_date", format!("{end} is before start_date {start}"));
        }
    }
    let value = match (member, tier, start_date) {
        (Some(m), Some(tier), Some(start_date)) => Some((
            m,
            Subscription {
                tier,
                start_date,
                end_date,
            },
        )),
        _ => None,
    };
    row.done(value)
}

/// A validated `evidence.csv` row, borrowed from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceRow<'a> {
    /// Evidence id.
    pub evidence_id: &'a str,
    /// The member.
    pub member: Known,
    /// Kind.
    pub kind: EvidenceKind,
    /// When (checked; turned into an instant only for the rows that need it).
    pub occurred_at: CheckedTimestamp,
}

/// Parses an `evidence.csv` row without copying its text.
///
/// # Errors
/// The row's problems, joined.
pub fn evidence<'a>(
    mut row: Row<'a>,
    known: &impl KnownMembers,
) -> Result<EvidenceRow<'a>, Problems> {
    let evidence_id = row.required(0, "evidence_id", Ok);
    let member = row.required(1, "member_id", known_member(known));
    let kind = row.required(2, "kind", |s| {
        EvidenceKind::parse(s).ok_or_else(|| format!("unknown kind {}", crate::model::quote(s)))
    });
    let occurred_at = row.required(3, "occurred_at", |s| {
        CheckedTimestamp::parse(s.as_bytes()).map_err(|e| quoted(s, e))
    });
    // counterparty and reference are not used by any rule, so they are not validated.
    let value = match (evidence_id, member, kind, occurred_at) {
        (Some(evidence_id), Some(member), Some(kind), Some(occurred_at)) => Some(EvidenceRow {
            evidence_id,
            member,
            kind,
            occurred_at,
        }),
        _ => None,
    };
    row.done(value)
}

/// The common case of [`evidence`], straight from a line without quotes (see
/// [`super::parallel::RowSink::plain_line`]): the right number of fields, the four used ones present and
/// with nothing to trim, every value valid. `None` for anything else, which [`evidence`] then
/// checks (and explains) in full; `Some(None)` for a valid row of a member whose facts are not
/// kept (nothing comes of it), `Some(Some(row))` for a valid row of a kept member. Whatever this
/// accepts, [`evidence`] accepts identically.
pub fn evidence_line<'a>(
    header: &Header,
    line: &'a str,
    known: &impl KnownMembers,
) -> Option<Option<EvidenceRow<'a>>> {
    // The fields as bytes: only a kept member's evidence id is wanted as text (slicing text
    // checks that each end lies between two characters, a cost on every row).
    let [evidence_id, member_id, kind, occurred_at] = field_ranges::<4>(header, line.as_bytes())?;
    let bytes = line.as_bytes();
    let (member_id, kind, occurred_at) = (
        bytes.get(member_id)?,
        bytes.get(kind)?,
        bytes.get(occurred_at)?,
    );
    let fields = [
        bytes.get(evidence_id.clone())?,
        member_id,
        kind,
        occurred_at,
    ];
    if !fields.iter().all(|f| !f.is_empty() && needs_no_trim(f)) {
        return None;
    }
    let kind = EvidenceKind::parse_bytes(kind)?;
    let occurred_at = CheckedTimestamp::parse(occurred_at).ok()?;
    let member = known.find(member_id)?;
    if member == Known::Listed {
        // Nothing comes of the row.
        return Some(None);
    }
    Some(Some(EvidenceRow {
        evidence_id: line.get(evidence_id)?,
        member,
        kind,
        occurred_at,
    }))
}

/// The common case of [`member`], straight from a line without quotes, for a member whose facts
/// are not wanted (`wants(member_id, email)` is false): the right number of fields, nothing to
/// trim, every value valid. Returns the member id, or `None` for anything else (which [`member`]
/// then checks in full).
pub fn listed_member_line<'a>(
    header: &Header,
    line: &'a str,
    wants: impl FnOnce(&str, Option<&str>) -> bool,
) -> Option<&'a str> {
    let row = member_line(header, line)?;
    (!wants(row.member_id, row.email)).then_some(row.member_id)
}

/// The common case of [`member`], straight from a line without quotes: the right number of
/// fields, nothing to trim, every value valid. `None` for anything else, which [`member`] then
/// checks in full. Whatever this accepts, [`member`] accepts with the same values.
pub fn member_line<'a>(header: &Header, line: &'a str) -> Option<MemberRow<'a>> {
    let fields: [&str; 6] = plain_text_fields(header, line)?;
    let [member_id, full_name, email, country, opt_out_at, excluded] = fields;
    if member_id.is_empty() || !fields.iter().all(needs_no_trim) {
        return None;
    }
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let ai_training_opt_out_at = match opt_out_at {
        "" => None,
        text => Some(
            CheckedTimestamp::parse(text.as_bytes())
                .ok()?
                .instant()
                .to_utc(),
        ),
    };
    let present = |s: &'a str| (!s.is_empty()).then_some(s);
    Some(MemberRow {
        member_id,
        full_name: present(full_name),
        email: present(email),
        country,
        ai_training_opt_out_at,
        excluded_category: present(excluded),
    })
}

/// The common case of [`subscription`], straight from a line without quotes, for a member whose
/// facts are not kept: true when the row is valid (the right number of fields, nothing to trim,
/// every value valid) and its member is [`Known::Listed`]: nothing then comes of it. False for
/// anything else, which [`subscription`] then checks in full.
pub fn listed_subscription_line(header: &Header, line: &str, known: &impl KnownMembers) -> bool {
    matches!(
        subscription_line(header, line, known),
        Some((Known::Listed, ..))
    )
}

/// The common case of [`subscription`], straight from a line without quotes: the member, the
/// tier as written (not yet lower-cased) and the dates of a valid row; `None` for anything else,
/// which [`subscription`] then checks in full. Whatever this accepts, [`subscription`] accepts
/// with the same values.
pub fn subscription_line<'a>(
    header: &Header,
    line: &'a str,
    known: &impl KnownMembers,
) -> Option<(Known, &'a str, chrono::NaiveDate, Option<chrono::NaiveDate>)> {
    let fields = plain_text_fields::<4>(header, line)?;
    let [member_id, tier, start, end] = fields;
    if member_id.is_empty() || tier.is_empty() || !fields.iter().all(needs_no_trim) {
        return None;
    }
    let start = parse_date(start).ok()?;
    let end = match end {
        "" => None,
        end => Some(parse_date(end).ok().filter(|end| *end >= start)?),
    };
    let member = known.find(member_id.as_bytes())?;
    Some((member, tier, start, end))
}

/// True when trimming cannot change the field: empty, or printable ASCII at both ends.
fn needs_no_trim(field: impl AsRef<[u8]>) -> bool {
    let field = field.as_ref();
    match (field.first(), field.last()) {
        (Some(a), Some(z)) => a.is_ascii_graphic() && z.is_ascii_graphic(),
        _ => true,
    }
}

/// Where field `column` of a line without quotes (split at every comma) lies, or `None` when the
/// line has fewer fields. For the evidence file's look-ahead, which wants one field of a hundred
/// lines before they are parsed: the commas of the first 32 bytes, where the member id lies, are
/// found in two vector comparisons rather than in two calls to `memchr` per line.
pub(crate) fn field_span(line: &[u8], column: usize) -> Option<std::ops::Range<usize>> {
    if let (Some(low), Some(high)) = (line.get(..16), line.get(16..32)) {
        let commas = u8x16::splat(b',');
        let low = u8x16::new(<[u8; 16]>::try_from(low).ok()?);
        let high = u8x16::new(<[u8; 16]>::try_from(high).ok()?);
        let mut mask =
            low.cmp_eq(commas).move_mask() as u32 | (high.cmp_eq(commas).move_mask() as u32) << 16;
        let mut start = 0;
        let mut skipped = 0;
        while skipped < column && mask != 0 {
            start = mask.trailing_zeros() as usize + 1;
            mask &= mask - 1;
            skipped += 1;
        }
        if skipped == column && mask != 0 {
            let end = mask.trailing_zeros() as usize;
            return (start <= end).then_some(start..end);
        }
    }
    // The field does not end within the first 32 bytes: comma by comma.
    let mut start = 0;
    for _ in 0..column {
        start += memchr::memchr(b',', line.get(start..)?)? + 1;
    }
    let rest = line.get(start..)?;
    Some(start..start + memchr::memchr(b',', rest).unwrap_or(rest.len()))
}

/// The first `N` known columns of a line of text without quote or line break, untrimmed (a
/// column the header lacks is empty), if the line has as many fields as the header.
pub fn plain_text_fields<'a, const N: usize>(
    header: &Header,
    line: &'a str,
) -> Option<[&'a str; N]> {
    let ranges = field_ranges::<N>(header, line.as_bytes())?;
    let mut out: [&str; N] = [""; N];
    for (field, range) in out.iter_mut().zip(ranges) {
        *field = line.get(range)?;
    }
    Some(out)
}

/// Where the first `N` known columns of a line without quote or line break are (an empty range
/// for a column the header lacks), if the line has as many fields as the header.
fn field_ranges<const N: usize>(header: &Header, line: &[u8]) -> Option<[Range<usize>; N]> {
    // Starts of the first fields (one past their commas); later ones are only counted.
    const TRACKED: usize = 16;
    let mut starts = [0usize; TRACKED];
    let mut fields = 1;
    let mut note = |at: usize| {
        if let Some(start) = starts.get_mut(fields) {
            *start = at + 1;
        }
        fields += 1;
    };
    // Sixteen bytes at a time: one comparison gives a bit per comma.
    let commas = u8x16::splat(b',');
    let mut scan = |chunk: [u8; 16], base: usize, skip: u32| {
        let mut mask = (u8x16::new(chunk).cmp_eq(commas).move_mask() as u32) >> skip;
        while mask != 0 {
            note(base + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
    };
    let mut chunks = line.chunks_exact(16);
    let mut base = 0;
    for chunk in &mut chunks {
        scan(chunk.try_into().unwrap_or_default(), base, 0);
        base += 16;
    }
    let rest = chunks.remainder().len();
    if rest > 0 {
        // The line's last sixteen bytes, less those already seen (a shorter line is padded
        // with zeros, never commas): no copy of a few bytes through `memcpy`.
        match line.len().checked_sub(16).and_then(|from| line.get(from..)) {
            Some(last) => scan(last.try_into().unwrap_or_default(), base, 16 - rest as u32),
            None => {
                let mut bytes = [0u8; 16];
                bytes[..rest].copy_from_slice(chunks.remainder());
                scan(bytes, base, 0);
            }
        }
    }
    if fields != header.width {
        return None;
    }
    let mut out: [Range<usize>; N] = std::array::from_fn(|_| 0..0);
    for (field, column) in out.iter_mut().zip(header.columns.get(..N)?) {
        if let Some(i) = *column {
            if i >= fields {
                return None; // not a column of this header
            }
            let start = *starts.get(i)?;
            let end = if i + 1 == fields {
                line.len()
            } else {
                starts.get(i + 1)? - 1
            };
            *field = start..end;
        }
    }
    Some(out)
}

/// Parses an `opt_outs.csv` row: (member, submitted on).
///
/// # Errors
/// The row's problems, joined.
pub fn opt_out(
    mut row: Row<'_>,
    known: &impl KnownMembers,
) -> Result<(Known, chrono::NaiveDate), Problems> {
    let member = row.required(0, "member_id", known_member(known));
    let submitted_on = row.required(1, "submitted_on", date);
    let value = member.zip(submitted_on);
    row.done(value)
}
/// Parses a `claims.csv` row. Uniqueness of the claim id is the caller's.
///
/// # Errors
/// The row's problems, joined.
pub fn claim(mut row: Row<'_>) -> Result<Claim, Problems> {
    let claim_id = row.required(0, "claim_id", claim_id);
    let member_id = row.optional(1, "member_id", string);
    let email = row.optional(2, "email", string);
    let full_name = row.optional(3, "full_name", string);
    let channel = row.required(4, "channel", |s| {
        Channel::parse(s).ok_or_else(|| format!("unknown channel {}", crate::model::quote(s)))
    });
    // Only the date field the channel uses is read; with no valid channel, neither is.
    let filing = match channel {
        Some(Channel::Online) => row
            .required(5, "submitted_at", timestamp)
            .map(Filing::Online),
        Some(Channel::Mail) => row.required(6, "postmarked_on", date).map(Filing::Mail),
        None => None,
    };
    if filing.is_none() {
        for e in row.errors.iter_mut() {
            if e.message == "required value is absent" {
                match e.column {
                    "submitted_at" => e.message = "required for an online claim, absent".into(),
                    "postmarked_on" => e.message = "required for a mailed claim, absent".into(),
                    _ => {}
                }
            }
        }
    }
    let attested = row.required(7, "attested", boolean);
    let actual_damages = row.optional(8, "actual_damages", amount);
    let payment_method = row.optional(9, "payment_method", |s| {
        PaymentMethod::parse(s)
            .ok_or_else(|| format!("unknown payment method {}", crate::model::quote(s)))
    });
    let payment_account = row.optional(10, "payment_account", string);
    let ip_address = row.optional(11, "ip_address", string);
    let value = match (claim_id, filing, attested) {
        (Some(claim_id), Some(filing), Some(attested)) => Some(Claim {
            claim_id,
            member_id,
            email,
            full_name,
            filing,
            attested,
            actual_damages,
            payment_method,
            payment_account,
            ip_address,
        }),
        _ => None,
    };
    row.done(value)
}

/// Checks a record of `file` given as `(column, value)` pairs (a web form, a JSON object, a
/// database row) exactly as a row of the file is checked. Values are trimmed; an empty value is
/// absent, as is a column not given; names the file does not know are ignored.
pub(crate) fn check_fields<'v, T>(
    file: InputFile,
    fields: impl IntoIterator<Item = (&'v str, &'v str)>,
    check: impl FnOnce(Row<'_>) -> Result<T, Problems>,
) -> Result<T, Problems> {
    let columns = file.columns();
    let mut values: Vec<&[u8]> = vec![&[]; columns.len()];
    for (name, value) in fields {
        if let Some(i) = columns.iter().position(|(c, _)| *c == name) {
            values[i] = value.as_bytes();
        }
    }
    let record = Record::from_fields(values);
    let header = Header::canonical(file);
    check(header.row(&record, 0))
}

/// Checks a claim given as `(column, value)` pairs, with the column names of `claims.csv`, as a
/// row of `claims.csv` is checked (uniqueness of the claim id aside).
///
/// # Errors
/// Every problem found, column by column.
pub(crate) fn claim_from_fields<'v>(
    fields: impl IntoIterator<Item = (&'v str, &'v str)>,
) -> Result<Claim, Problems> {
    check_fields(InputFile::Claims, fields, claim)
}

/// Looks up claims while cure rows are checked.
pub trait KnownClaims {
    /// True when the claim id belongs to an accepted claim.
    fn is_known(&self, claim_id: &ClaimId) -> bool;
}

/// Parses a `cures.csv` row.
///
/// # Errors
/// The row's problems, joined.
pub fn cure(mut row: Row<'_>, known: &impl KnownClaims) -> Result<Cure, Problems> {
    let id = row.required(0, "claim_id", |s| {
        let id = claim_id(s)?;
        if known.is_known(&id) {
            Ok(id)
        } else {
            Err(format!("unknown claim {id}"))
        }
    });
    let cured_on = row.required(1, "cured_on", date);
    let member_id = row.optional(2, "member_id", string);
    let email = row.optional(3, "email", string);
    let attested = row.optional(4, "attested", boolean);
    let value = id.zip(cured_on).map(|(claim_id, cured_on)| Cure {
        claim_id,
        cured_on,
        member_id,
        email,
        attested,
    });
    row.done(value)
}

/// Parses a `payment_events.csv` row. Whether the event fits the payment it names is the
/// ledger's to judge.
///
/// # Errors
/// The row's problems, joined.
pub fn payment_event(mut row: Row<'_>) -> Result<PaymentEvent, Problems> {
    let line = row.line;
    let claim_id = row.required(0, "claim_id", claim_id);
    let distribution = row.required(1, "distribution", |s| {
        Round::parse(s).ok_or_else(|| quoted(s, "is not a distribution (1 or 2)"))
    });
    let kind = row.required(2, "event", |s| {
        EventKind::parse(s).ok_or_else(|| format!("unknown event {}", crate::model::quote(s)))
    });
    let on = row.required(3, "on", date);
    // The method is read only for a reissue, the one event that uses it.
    let method = match kind {
        Some(EventKind::Reissued) => row.optional(4, "method", |s| {
            PaymentMethod::parse(s)
                .ok_or_else(|| format!("unknown payment method {}", crate::model::quote(s)))
        }),
        _ => None,
    };
    let reference = row.optional(5, "reference", string);
    let value = match (claim_id, distribution, kind, on) {
        (Some(claim_id), Some(distribution), Some(kind), Some(on)) => Some(PaymentEvent {
            claim_id,
            distribution,
            kind,
            on,
            method,
            reference,
            line,
        }),
        _ => None,
    };
    row.done(value)
}

/// The member of a row, as the class list knows it.
fn member_named(row: &mut Row<'_>, known: &impl KnownMembers) -> Option<MemberId> {
    let text = row.text(0, "member_id");
    match text {
        None => {
            if !row.errors.iter().any(|e| e.column == "member_id") {
                row.problem("member_id", "required value is absent".into());
            }
            None
        }
        Some(s) if known.find(s.as_bytes()).is_some() => Some(MemberId(s.to_string())),
        Some(s) => {
            row.problem(
                "member_id",
                format!("unknown member {}", crate::model::quote(s)),
            );
            None
        }
    }
}

/// Parses a `tax_forms.csv` row.
///
/// # Errors
/// The row's problems, joined.
pub fn tax_form(mut row: Row<'_>, known: &impl KnownMembers) -> Result<TaxForm, Problems> {
    let member_id = member_named(&mut row, known);
    let tin_status = row.required(1, "tin_status", |s| {
        TinStatus::parse(s).ok_or_else(|| format!("unknown TIN status {}", crate::model::quote(s)))
    });
    let received_on = row.required(2, "received_on", date);
    let value = match (member_id, tin_status, received_on) {
        (Some(m), Some(t), Some(r)) => Some(TaxForm::new(m, t, r)),
        _ => None,
    };
    row.done(value)
}

/// Parses a `notices.csv` row (`undeliverable` absent: delivered).
///
/// # Errors
/// The row's problems, joined.
pub fn notice(mut row: Row<'_>, known: &impl KnownMembers) -> Result<Notice, Problems> {
    let member_id = member_named(&mut row, known);
    let method = row.required(1, "method", |s| {
        NoticeMethod::parse(s)
            .ok_or_else(|| format!("unknown notice method {}", crate::model::quote(s)))
    });
    let sent_on = row.required(2, "sent_on", date);
    let undeliverable = row.optional(3, "undeliverable", boolean).unwrap_or(false);
    let value = match (member_id, method, sent_on) {
        (Some(m), Some(method), Some(sent_on)) => {
            Some(Notice::new(m, method, sent_on, undeliverable))
        }
        _ => None,
    };
    row.done(value)
}

/// Parses an `objections.csv` row.
///
/// # Errors
/// The row's problems, joined.
pub fn objection(mut row: Row<'_>, known: &impl KnownMembers) -> Result<Objection, Problems> {
    let member_id = member_named(&mut row, known);
    let filed_on = row.required(1, "filed_on", date);
    let value = member_id
        .zip(filed_on)
        .map(|(m, filed_on)| Objection::new(m, filed_on));
    row.done(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]

        /// The look-ahead's one field agrees with splitting at every comma, whether the field
        /// ends in the first 32 bytes or later, and is missing when the line has fewer fields.
        #[test]
        fn one_field_is_that_of_a_plain_split(
            line in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b'7']), 0..80),
            column in 0usize..8,
        ) {
            let expected = line.split(|&b| b == b',').nth(column);
            let field = field_span(&line, column).and_then(|span| line.get(span));
            proptest::prop_assert_eq!(field, expected);
        }

        /// The word-at-a-time field split agrees with splitting at every comma, for lines with
        /// any number of commas (several to a word, more than are tracked) and any columns.
        #[test]
        fn plain_fields_split_like_a_plain_split(
            line in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b' ', 0xc3, 0xa9]), 0..200),
            columns in proptest::collection::vec(proptest::option::of(0usize..24), 4),
            width in 1usize..24,
            exact in proptest::bool::ANY,
        ) {
            let pieces: Vec<&[u8]> = line.split(|&b| b == b',').collect();
            // Half the headers as wide as the line (a random width seldom is).
            let width = if exact { pieces.len() } else { width };
            // As a parsed header has them: every column inside the width.
            let columns: Vec<Option<usize>> = columns.iter().map(|c| c.filter(|&i| i < width)).collect();
            let header = Header { columns: columns.clone(), width, unknown: Vec::new() };
            let got = field_ranges::<4>(&header, &line)
                .map(|ranges| ranges.map(|range| &line[range]));
            if pieces.len() != width {
                proptest::prop_assert_eq!(got, None);
            } else if let Some(fields) = got {
                for (field, column) in fields.iter().zip(&columns) {
                    let expected: &[u8] = column.map_or(&[], |i| pieces[i]);
                    proptest::prop_assert_eq!(*field, expected);
                }
            } else {
                // Declined only for columns past the tracked ones.
                proptest::prop_assert!(columns.iter().flatten().any(|&i| i + 1 >= 16));
            }
        }
    }

    #[test]
    fn withheld_messages_keep_the_column_and_the_problem_only() {
        assert_eq!(
            withhold_values(
                "claim_id: 'ann@example.com' is not a UUID; channel: unknown channel 'Ann One'"
            ),
            "claim_id: (value withheld) is not a UUID; channel: unknown channel (value withheld)"
        );
        assert_eq!(
            withhold_values("attested: required value is absent"),
            "attested: required value is absent"
        );
    }

    #[test]
    fn unnamed_header_columns_are_neither_duplicates_nor_listed() {
        let mut reader = RecordReader::new(&b"member_id,country,,\n"[..], 0, false);
        assert!(reader.read().unwrap());
        let header = Header::parse(InputFile::Members, reader.record()).unwrap();
        assert!(header.unknown.is_empty());
        let mut reader = RecordReader::new(&b"m-1,US,,\n"[..], 0, false);
        assert!(reader.read().unwrap());
        match Header::parse(InputFile::Members, reader.record()) {
            Err(InputError::MissingColumn { column, .. }) => assert_eq!(column, "member_id"),
            other => panic!("expected a missing column, got {other:?}"),
        }
    }
}
