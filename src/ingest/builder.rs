//! Records from anywhere: a [`Dataset`] built from values instead of files.
//!
//! A claims administrator's records often live in a database or arrive through a portal. The
//! builder takes them as typed values or as `(column, value)` text pairs, in any order, and puts
//! each through exactly the checks a row of the corresponding CSV file goes through: the same
//! trimming and case rules, the same uniqueness and reference checks, the same wording of
//! problems. Typed values are written out as text and checked as such, so a value that a file
//! could not carry (a country of three letters, an end date before the start) is rejected in the
//! same words.
//!
//! The records are kept until [`DatasetBuilder::build`], which takes them in the order the rules
//! need (members, subscriptions, evidence, opt-outs, claims, cures). That makes the order of the
//! calls irrelevant, at the price of holding every record: for evidence logs of hundreds of
//! millions of rows, read a folder with [`crate::DataFolder`], which streams them.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::case::Case;
use crate::class::ClassRecords;
use crate::hashing::Map;
use crate::ingest::fields::{
    claim_values, cure_values, evidence_values, member_values, subscription_values,
};
use crate::ingest::folder::{ClaimRecord, Dataset, OptOutCounts};
use crate::ingest::parallel::Parallelism;
use crate::ingest::{
    check_fields, claim, claim_id_of, cure, evidence, member, member_id_of, opt_out, subscription,
    FileStats, InputFile, Known, KnownClaims, RejectedRow,
};
use crate::model::{Claim, ClaimId, Cure, EvidenceKind, Member, MemberId, Subscription};

/// One evidence record: a message sent or received, or a disclosure of the member's data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// The record's id in the defendant's logs (not checked for uniqueness).
    pub evidence_id: String,
    /// The member the record is about.
    pub member_id: MemberId,
    /// What happened.
    pub kind: EvidenceKind,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// The other member, or the third party that received the data.
    pub counterparty: Option<String>,
    /// Dataset or batch id.
    pub reference: Option<String>,
}

impl Evidence {
    /// An evidence record without counterparty or reference.
    pub fn new(
        evidence_id: impl Into<String>,
        member_id: impl Into<MemberId>,
        kind: EvidenceKind,
        occurred_at: DateTime<Utc>,
    ) -> Evidence {
        Evidence {
            evidence_id: evidence_id.into(),
            member_id: member_id.into(),
            kind,
            occurred_at,
            counterparty: None,
            reference: None,
        }
    }
}

/// A record waiting for [`DatasetBuilder::build`]: its line (given, or its position) and its
/// values in the file's column order.
#[derive(Debug, Clone)]
struct Pending {
    line: Option<u64>,
    values: Vec<String>,
    /// Set for a record its source could not split into fields: rejected with this message.
    unreadable: Option<String>,
}

/// Builds a [`Dataset`] from records given in any order, with the checks of the CSV files.
///
/// Rejected records are listed in [`Dataset::rejected`] under the file they would belong to. Their
/// line is the one given with [`DatasetBuilder::on_line`], else the record's position among the
/// records of its kind plus one (the line it would have in a file with a header and one record
/// per line).
///
/// A built dataset has no input files, so the summary's fingerprints are empty (`sha256: ""`,
/// no case file) and a kind of record never given is not listed among its inputs; to reproduce
/// a folder's `summary.json` byte for byte, set [`Dataset::case_file`] and each
/// [`FileStats::sha256`](crate::FileStats) yourself.
///
/// # Examples
///
/// ```
/// use premium_claims::{
///     decide, parse_timestamp, Case, Claim, Dataset, Evidence, EvidenceKind, Member, Status,
///     Subscription, Utc,
/// };
///
/// let case: Case = premium_claims::EXAMPLE_CASE.parse()?;
/// let at = |t: &str| parse_timestamp(t).map(|t| t.with_timezone(&Utc));
/// let mut builder = Dataset::builder(case);
/// // Any order: the claim and the evidence before the member they name.
/// builder.claim(Claim::from_fields([
///     ("claim_id", "5b0c6a1e-2f3d-4c5b-9a8e-7d6c5b4a3f2e"),
///     ("member_id", "m-1"),
///     ("channel", "online"),
///     ("submitted_at", "2026-02-01T09:00:00-08:00"),
///     ("attested", "true"),
/// ])?);
/// builder.evidence(Evidence::new("e-1", "m-1", EvidenceKind::InmailSent, at("2024-03-05T10:00:00Z")?));
/// builder.evidence(Evidence::new("e-2", "m-1", EvidenceKind::Disclosure, at("2024-08-15T10:00:00Z")?));
/// builder.member(Member::new("m-1", "us")); // country compared upper-cased, as in members.csv
/// builder.subscription("m-1", Subscription::new("Career", "2023-01-01".parse()?, None));
/// let data = builder.build();
/// assert!(data.rejected.is_empty());
///
/// let decisions = decide(&data)?;
/// assert_eq!(decisions.determinations[0].status(), Status::Approved);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct DatasetBuilder {
    case: Case,
    rows: [Vec<Pending>; 6],
    unknown: [Vec<String>; 6],
    next_line: Option<u64>,
}

fn slot(file: InputFile) -> usize {
    InputFile::ALL
        .iter()
        .position(|&f| f == file)
        .unwrap_or_default()
}

impl Dataset {
    /// The dataset, with `threads` threads (at least one) to share the work of deciding its
    /// claims ([`crate::decide()`], [`crate::Desk::new`]), taking its census
    /// ([`crate::exposure()`]), explaining a claim and rendering the outputs
    /// ([`crate::render()`]). By default one per core, or as many as
    /// [`crate::DataFolder::with_threads`] read the folder with. With one, that work runs on the
    /// calling thread. Results never depend on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{decide, DataFolder, NoProgress};
    ///
    /// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
    /// let on_all_cores = decide(&data)?;
    /// let data = data.with_threads(1);
    /// assert_eq!(data.threads(), 1);
    /// assert_eq!(decide(&data)?, on_all_cores);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Threads deciding the claims and taking the census share the work among (see
    /// [`Dataset::with_threads`]).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A builder of a dataset for `case` from records given one by one.
    pub fn builder(case: Case) -> DatasetBuilder {
        DatasetBuilder {
            case,
            rows: Default::default(),
            unknown: Default::default(),
            next_line: None,
        }
    }
}

impl DatasetBuilder {
    /// The line the next record comes from in its source (a CSV line, a database row number),
    /// for the rejected-rows listing.
    pub fn on_line(&mut self, line: u64) -> &mut Self {
        self.next_line = Some(line);
        self
    }

    fn push(&mut self, file: InputFile, values: Vec<String>) -> &mut Self {
        let line = self.next_line.take();
        self.rows[slot(file)].push(Pending {
            line,
            values,
            unreadable: None,
        });
        self
    }

    /// Lists a record of `file` that its source could not split into fields (a CSV line with
    /// the wrong number of fields, say): it counts as a row of the file and is rejected with
    /// `problem`, so that an adapter over another format loses no record either.
    pub fn unreadable(&mut self, file: InputFile, problem: impl Into<String>) -> &mut Self {
        let line = self.next_line.take();
        self.rows[slot(file)].push(Pending {
            line,
            values: Vec::new(),
            unreadable: Some(problem.into()),
        });
        self
    }

    /// Adds a record of `file` given as `(column, value)` text pairs, named as the file's columns:
    /// a row from a spreadsheet, a form or a database. A column not given is absent; names the
    /// file does not know are ignored (and listed, as a file's unknown columns are).
    pub fn fields<'v>(
        &mut self,
        file: InputFile,
        fields: impl IntoIterator<Item = (&'v str, &'v str)>,
    ) -> &mut Self {
        let columns = file.columns();
        let mut values = vec![String::new(); columns.len()];
        for (name, value) in fields {
            match columns.iter().position(|(c, _)| *c == name) {
                Some(i) => values[i] = value.to_string(),
                None => {
                    let unknown = &mut self.unknown[slot(file)];
                    if !name.is_empty() && !unknown.iter().any(|u| u == name) {
                        unknown.push(name.to_string());
                    }
                }
            }
        }
        self.push(file, values)
    }

    /// Adds a class member (a `members.csv` row).
    pub fn member(&mut self, m: Member) -> &mut Self {
        self.push(InputFile::Members, member_values(&m))
    }

    /// Adds a member's subscription (a `subscriptions.csv` row).
    pub fn subscription(&mut self, member_id: impl Into<MemberId>, s: Subscription) -> &mut Self {
        let values = subscription_values(&member_id.into(), &s);
        self.push(InputFile::Subscriptions, values)
    }

    /// Adds a message or disclosure record (an `evidence.csv` row).
    pub fn evidence(&mut self, e: Evidence) -> &mut Self {
        self.push(InputFile::Evidence, evidence_values(&e))
    }

    /// Adds a request for exclusion from the class (an `opt_outs.csv` row).
    pub fn opt_out(
        &mut self,
        member_id: impl Into<MemberId>,
        submitted_on: NaiveDate,
    ) -> &mut Self {
        let values = vec![member_id.into().0, submitted_on.to_string()];
        self.push(InputFile::OptOuts, values)
    }

    /// Adds a claim received (a `claims.csv` row).
    pub fn claim(&mut self, c: Claim) -> &mut Self {
        self.push(InputFile::Claims, claim_values(&c))
    }

    /// Adds a claimant's answer to a deficiency notice (a `cures.csv` row).
    pub fn cure(&mut self, c: Cure) -> &mut Self {
        self.push(InputFile::Cures, cure_values(&c))
    }

    /// Checks every record and builds the dataset: the class list with every member's facts
    /// kept, the accepted claims and cures, and every rejected record.
    pub fn build(self) -> Dataset {
        let DatasetBuilder {
            case,
            rows,
            unknown,
            ..
        } = self;
        let mut build = Build {
            case,
            class: ClassRecords::new(),
            claims: Vec::new(),
            claim_lines: Map::default(),
            cures: Map::default(),
            rejected: Vec::new(),
            inputs: Vec::new(),
            opt_outs: OptOutCounts::default(),
        };
        for ((file, pending), unknown) in InputFile::ALL.into_iter().zip(rows).zip(unknown) {
            if pending.is_empty() && file.optional() {
                continue;
            }
            let before = build.rejected.len();
            let count = pending.len() as u64;
            for (position, row) in pending.into_iter().enumerate() {
                let line = row.line.unwrap_or(position as u64 + 2);
                if let Some(error) = row.unreadable {
                    build.rejected.push(RejectedRow { file, line, error });
                    continue;
                }
                let fields = file
                    .columns()
                    .iter()
                    .map(|(c, _)| *c)
                    .zip(row.values.iter().map(String::as_str));
                if let Err(error) = build.accept(file, line, fields) {
                    build.rejected.push(RejectedRow { file, line, error });
                }
            }
            let stats = FileStats {
                rows: count,
                unknown_columns: unknown,
                ..FileStats::default()
            };
            let rejected = (build.rejected.len() - before) as u64;
            build.inputs.push((file, stats.with_rejected(rejected)));
        }
        build.rejected.sort_by_key(|r| (r.file, r.line));
        Dataset {
            case: build.case,
            case_file: None,
            class: build.class,
            claims: build.claims,
            cures: build.cures,
            inputs: build.inputs,
            rejected: build.rejected,
            opt_outs: build.opt_outs,
            threads: Parallelism::default().threads,
        }
    }
}

struct Build {
    case: Case,
    class: ClassRecords,
    claims: Vec<ClaimRecord>,
    claim_lines: Map<ClaimId, u64>,
    cures: Map<ClaimId, Vec<Cure>>,
    rejected: Vec<RejectedRow>,
    inputs: Vec<(InputFile, FileStats)>,
    opt_outs: OptOutCounts,
}

struct ClaimLines<'a>(&'a Map<ClaimId, u64>);

impl KnownClaims for ClaimLines<'_> {
    fn is_known(&self, claim_id: &ClaimId) -> bool {
        self.0.contains_key(claim_id)
    }
}

impl Build {
    /// Checks one record and folds it in; the rejected row's message otherwise.
    fn accept<'v>(
        &mut self,
        file: InputFile,
        line: u64,
        fields: impl IntoIterator<Item = (&'v str, &'v str)>,
    ) -> Result<(), String> {
        let case = &self.case;
        match file {
            InputFile::Members => {
                let mut id = None;
                let checked = check_fields(file, fields, |mut row| {
                    id = member_id_of(&mut row).map(str::to_string);
                    member(row).map(|m| m.to_member())
                });
                let earlier = |id: &Option<String>| {
                    let id = id.as_deref()?;
                    let first = self.class.line_of(id)?;
                    Some(format!(
                        "member_id: duplicate {} (first on line {first})",
                        crate::model::quote(id)
                    ))
                };
                match checked {
                    Ok(m) => match self.class.insert(m, line) {
                        Ok(()) => Ok(()),
                        Err(first) => Err(format!(
                            "member_id: duplicate {} (first on line {first})",
                            crate::model::quote(&id.unwrap_or_default())
                        )),
                    },
                    Err(problems) => Err(match earlier(&id) {
                        Some(duplicate) => format!("{duplicate}; {problems}"),
                        None => problems.to_string(),
                    }),
                }
            }
            InputFile::Subscriptions => {
                let (member, sub) =
                    check_fields(file, fields, |row| subscription(row, &self.class))?;
                if let Some(facts) = kept(&mut self.class, member) {
                    facts.add_subscription(case, sub);
                }
                Ok(())
            }
            InputFile::Evidence => {
                let (member, id, kind, at) = check_fields(file, fields, |row| {
                    evidence(row, &self.class).map(|e| {
                        let at = e.occurred_at.instant().to_utc();
                        (e.member, e.evidence_id.to_string(), e.kind, at)
                    })
                })?;
                if let Some(facts) = kept(&mut self.class, member) {
                    let local = case.clock.local_date(at);
                    if kind.is_message() {
                        facts.observe_message(case, &id, at, local);
                    } else {
                        facts.observe_disclosure(case, &id, at, local);
                    }
                }
                Ok(())
            }
            InputFile::OptOuts => {
                let (member, on) = check_fields(file, fields, |row| opt_out(row, &self.class))?;
                let timely = match kept(&mut self.class, member) {
                    Some(facts) => facts.add_opt_out(case, on),
                    None => on <= case.claims.opt_out_deadline,
                };
                if timely {
                    self.opt_outs.timely += 1;
                } else {
                    self.opt_outs.untimely += 1;
                }
                Ok(())
            }
            InputFile::Claims => {
                let mut id = None;
                let checked = check_fields(file, fields, |mut row| {
                    id = claim_id_of(&mut row);
                    claim(row)
                });
                let earlier = id.and_then(|id| self.claim_lines.get(&id).map(|&l| (id, l)));
                let repeated = |(id, first): (ClaimId, u64)| {
                    format!("claim_id: repeated claim_id {id} (first on line {first})")
                };
                match (checked, earlier) {
                    (Ok(_), Some(e)) => Err(repeated(e)),
                    (Err(problems), Some(e)) => Err(format!("{}; {problems}", repeated(e))),
                    (Err(problems), None) => Err(problems.to_string()),
                    (Ok(c), None) => {
                        self.claim_lines.insert(c.claim_id, line);
                        self.claims.push(ClaimRecord {
                            claim: Arc::new(c),
                            line,
                        });
                        Ok(())
                    }
                }
            }
            InputFile::Cures => {
                let c = check_fields(file, fields, |row| {
                    cure(row, &ClaimLines(&self.claim_lines))
                })?;
                self.cures.entry(c.claim_id).or_default().push(c);
                Ok(())
            }
            // The builder's slots are the six files of `process`.
            _ => Err(format!(
                "{file} is not one of the files a dataset is built from"
            )),
        }
    }
}

/// The facts of a member whose facts are kept (all of them, in a built dataset).
fn kept(class: &mut ClassRecords, member: Known) -> Option<&mut crate::rules::MemberFacts> {
    match member {
        Known::Kept(i) => class.facts_at_mut(i),
        Known::Listed => None,
    }
}
