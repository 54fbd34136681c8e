//! The run: reads a data folder into typed records and member summaries, applies the rules to every
//! claim, allocates the money, and checks that every cent is accounted for.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::case::{Case, CaseError};
use crate::class::Interest;
use crate::distribution::{allocate, Share, Waterfall};
use crate::evidence::{self, Counters, Parallelism};
use crate::input::{
    self, CsvTable, FileStats, InputError, InputFile, Known, KnownClaims, RejectedRow,
};
use crate::model::{Claim, ClaimId, Cure, MemberId};
use crate::money::Cents;
use crate::rules::{self, CrossClaimFacts, Reason, Reasons, Status};

/// A fatal error: the run stops and writes nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The case file is unreadable or invalid.
    #[error("{file}: {source}")]
    Case {
        /// The case file's name.
        file: String,
        /// What is wrong.
        source: CaseError,
    },
    /// The case file cannot be read.
    #[error("{file}: cannot read: {source}")]
    CaseIo {
        /// The case file's name.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input file is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Money does not add up: a bug, never a number to sign.
    #[error("conservation check failed: {0}")]
    Conservation(String),
}

pub use crate::class::ClassRecords;

/// A claim row accepted from `claims.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    /// The claim.
    pub claim: Claim,
    /// Its line in `claims.csv`.
    pub line: u64,
}

/// Opt-out rows by timeliness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct OptOutCounts {
    /// Dated on or before the opt-out deadline.
    pub timely: u64,
    /// Dated after it.
    pub untimely: u64,
}

/// Everything read from a data folder.
#[derive(Debug)]
pub struct Dataset {
    /// The case.
    pub case: Case,
    /// The case file's name and SHA-256.
    pub case_file: (String, String),
    /// The class list and member facts.
    pub class: ClassRecords,
    /// Accepted claims, in file order.
    pub claims: Vec<ClaimRecord>,
    /// Accepted cure rows by claim, each list in file order.
    pub cures: HashMap<ClaimId, Vec<Cure>>,
    /// Per-file counts, in reading order (absent optional files are left out).
    pub inputs: Vec<(InputFile, FileStats)>,
    /// Rejected rows, by file then line.
    pub rejected: Vec<RejectedRow>,
    /// Opt-out rows by timeliness.
    pub opt_outs: OptOutCounts,
}

/// Reads and validates a case file.
///
/// # Errors
/// [`Error::CaseIo`] or [`Error::Case`], naming the file (and key).
pub fn read_case(path: &Path) -> Result<(Case, String), Error> {
    let file = file_name(path);
    let bytes = std::fs::read(path).map_err(|source| Error::CaseIo {
        file: file.clone(),
        source,
    })?;
    let sha = input::hex(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|_| Error::Case {
        file: file.clone(),
        source: CaseError::Syntax("the file is not UTF-8 text".into()),
    })?;
    let case = text
        .parse()
        .map_err(|source| Error::Case { file, source })?;
    Ok((case, sha))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Where a run reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFolder {
    /// The folder with the CSV files.
    pub dir: PathBuf,
    /// The case file (by default `case.toml` in the folder).
    pub case_file: PathBuf,
    /// How the evidence file is split among threads (results never depend on it).
    pub parallelism: Parallelism,
}

/// The order files are read in: claims first, so that only the members claims name keep their
/// facts; members before the files that refer to them.
const READING_ORDER: [InputFile; 6] = [
    InputFile::Claims,
    InputFile::Cures,
    InputFile::Members,
    InputFile::Subscriptions,
    InputFile::Evidence,
    InputFile::OptOuts,
];

impl DataFolder {
    /// A folder whose case file is `case.toml` inside it, unless `case_file` is given.
    pub fn new(dir: impl Into<PathBuf>, case_file: Option<PathBuf>) -> Self {
        let dir = dir.into();
        let case_file = case_file.unwrap_or_else(|| dir.join("case.toml"));
        DataFolder {
            dir,
            case_file,
            parallelism: Parallelism::default(),
        }
    }

    /// Reads the case file and every input file.
    ///
    /// # Errors
    /// [`Error`] for a bad case file or an unusable input file; bad rows are not errors but
    /// [`Dataset::rejected`] entries.
    pub fn load(&self, progress: &mut dyn Progress) -> Result<Dataset, Error> {
        let (case, case_sha) = read_case(&self.case_file)?;
        let mut loader = Loader {
            case,
            class: ClassRecords::new(),
            claims: Vec::new(),
            claim_index: HashMap::new(),
            cures: HashMap::new(),
            inputs: Vec::new(),
            rejected: Vec::new(),
            opt_outs: OptOutCounts::default(),
        };
        for file in READING_ORDER {
            let path = self.dir.join(file.name());
            let handle = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.optional() => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(InputError::Missing {
                        file: file.name().into(),
                    }
                    .into())
                }
                Err(source) => return Err(input::read_error(file, 0, source).into()),
            };
            if file == InputFile::Members {
                loader.class = ClassRecords::with_interest(loader.interest());
            }
            let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
            progress.start(file, size);
            let stats = if file == InputFile::Evidence {
                drop(handle);
                let counters = Counters::default();
                let outcome = evidence::read_evidence(
                    &path,
                    &loader.case,
                    &mut loader.class,
                    self.parallelism,
                    &counters,
                    &mut |bytes, rows| progress.advance(bytes, rows),
                )?;
                loader.rejected.extend(outcome.rejected);
                outcome.stats
            } else {
                loader.read(file, handle, progress)?
            };
            progress.finish(file, &stats);
            loader.inputs.push((file, stats));
        }
        // Report in the contract's file order, whatever the reading order.
        loader.inputs.sort_by_key(|(file, _)| *file);
        loader.rejected.sort_by_key(|r| r.file);
        Ok(Dataset {
            case_file: (file_name(&self.case_file), case_sha),
            case: loader.case,
            class: loader.class,
            claims: loader.claims,
            cures: loader.cures,
            inputs: loader.inputs,
            rejected: loader.rejected,
            opt_outs: loader.opt_outs,
        })
    }
}

/// Receives reading progress; the command line draws a bar from it.
pub trait Progress {
    /// A file of `bytes` bytes is about to be read.
    fn start(&mut self, _file: InputFile, _bytes: u64) {}
    /// `bytes` bytes and `rows` rows of the current file have been read.
    fn advance(&mut self, _bytes: u64, _rows: u64) {}
    /// The file is done.
    fn finish(&mut self, _file: InputFile, _stats: &FileStats) {}
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {}

struct Loader {
    case: Case,
    class: ClassRecords,
    claims: Vec<ClaimRecord>,
    claim_index: HashMap<ClaimId, u64>,
    cures: HashMap<ClaimId, Vec<Cure>>,
    inputs: Vec<(InputFile, FileStats)>,
    rejected: Vec<RejectedRow>,
    opt_outs: OptOutCounts,
}

struct ClaimLines<'a>(&'a HashMap<ClaimId, u64>);

impl KnownClaims for ClaimLines<'_> {
    fn is_known(&self, claim_id: &ClaimId) -> bool {
        self.0.contains_key(claim_id)
    }
}

impl Loader {
    /// The members that claims and cures name, by id or email: only they keep their facts.
    fn interest(&self) -> Interest {
        let mut interest = Interest::default();
        for record in &self.claims {
            interest.add(
                record.claim.member_id.as_deref(),
                record.claim.email.as_deref(),
            );
        }
        for cure in self.cures.values().flatten() {
            interest.add(cure.member_id.as_deref(), cure.email.as_deref());
        }
        interest
    }

    /// Reads one file, folding each accepted row into the dataset.
    fn read(
        &mut self,
        file: InputFile,
        source: impl Read,
        progress: &mut dyn Progress,
    ) -> Result<FileStats, Error> {
        let mut table = CsvTable::open(file, source)?;
        let mut stats = FileStats {
            unknown_columns: table.unknown_columns().to_vec(),
            ..FileStats::default()
        };
        let mut rejected = Vec::new();
        while let Some(row) = table.next_row()? {
            let line = row.line;
            let outcome = match row.width_error() {
                Some(e) => Err(e),
                None => self.accept(file, row),
            };
            if let Err(error) = outcome {
                rejected.push(RejectedRow { file, line, error });
            }
            if table.rows_read() % 65_536 == 0 {
                progress.advance(table.bytes_read(), table.rows_read());
            }
        }
        stats.rows = table.rows_read();
        stats.rejected = rejected.len() as u64;
        stats.accepted = stats.rows - stats.rejected;
        progress.advance(table.bytes_read(), table.rows_read());
        stats.sha256 = table.finish()?;
        self.rejected.extend(rejected);
        Ok(stats)
    }

    /// Validates one row and folds it in.
    fn accept(&mut self, file: InputFile, row: input::Row<'_>) -> Result<(), String> {
        let case = &self.case;
        let line = row.line;
        match file {
            InputFile::Members => {
                let mut row = row;
                let earlier = input::member_id_of(&mut row)
                    .and_then(|id| self.class.line_of(id).map(|l| (id, l)));
                match (input::member(row), earlier) {
                    (Ok(_), Some((id, first))) => Err(format!(
                        "member_id: duplicate '{id}' (first on line {first})"
                    )),
                    (Err(e), Some((id, first))) => Err(format!(
                        "member_id: duplicate '{id}' (first on line {first}); {e}"
                    )),
                    (Err(e), None) => Err(e),
                    (Ok(member), None) => self
                        .class
                        .insert(member, line)
                        .map_err(|first| format!("member_id: duplicate (first on line {first})")),
                }
            }
            InputFile::Subscriptions => {
                let (member, sub) = input::subscription(row, &self.class)?;
                if let Known::Kept(i) = member {
                    if let Some(f) = self.class.facts_at_mut(i) {
                        f.add_subscription(case, sub);
                    }
                }
                Ok(())
            }
            InputFile::OptOuts => {
                let (member, on) = input::opt_out(row, &self.class)?;
                let timely = on <= case.claims.opt_out_deadline;
                if let Known::Kept(i) = member {
                    if let Some(f) = self.class.facts_at_mut(i) {
                        f.add_opt_out(case, on);
                    }
                }
                if timely {
                    self.opt_outs.timely += 1;
                } else {
                    self.opt_outs.untimely += 1;
                }
                Ok(())
            }
            InputFile::Evidence => Err("evidence rows are read by the evidence module".into()),
            InputFile::Claims => {
                let mut row = row;
                let earlier = input::claim_id_of(&mut row)
                    .and_then(|id| self.claim_index.get(&id).map(|&first| (id, first)));
                let repeated = |(id, first): (ClaimId, u64)| {
                    format!("claim_id: repeated claim_id {id} (first on line {first})")
                };
                let claim = match (input::claim(row), earlier) {
                    (Ok(_), Some(e)) => return Err(repeated(e)),
                    (Err(problems), Some(e)) => return Err(format!("{}; {problems}", repeated(e))),
                    (Err(problems), None) => return Err(problems),
                    (Ok(claim), None) => claim,
                };
                self.claim_index.insert(claim.claim_id, line);
                self.claims.push(ClaimRecord { claim, line });
                Ok(())
            }
            InputFile::Cures => {
                let cure = input::cure(row, &ClaimLines(&self.claim_index))?;
                self.cures.entry(cure.claim_id).or_default().push(cure);
                Ok(())
            }
        }
    }
}

/// The decision on one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Determination {
    /// The claim as evaluated (with any applied cures).
    pub claim: Claim,
    /// Its line in `claims.csv`.
    pub line: u64,
    /// The resolved member.
    pub member: Option<MemberId>,
    /// Reason codes.
    pub reasons: Reasons,
    /// Entitlement (zero unless approved).
    pub entitlement: Cents,
    /// Payment (after the fund's allocation, if any).
    pub payment: Cents,
}

impl Determination {
    /// The claim's status.
    pub fn status(&self) -> Status {
        self.reasons.status()
    }
}

/// The money of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// Sum of entitlements.
    pub entitled: Cents,
    /// The waterfall, when the case has a fund.
    pub waterfall: Option<Waterfall>,
    /// Sum of payments.
    pub paid: Cents,
    /// Net fund minus payments (zero without a fund).
    pub residual: Cents,
    /// Allocation rounds run (zero without a fund or approved claims).
    pub rounds: usize,
}

/// All decisions of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decisions {
    /// One per accepted claim, in file order.
    pub determinations: Vec<Determination>,
    /// Cure rows applied.
    pub cures_applied: u64,
    /// Cure rows ignored (late, or for claims that were not deficient).
    pub cures_ignored: u64,
    /// The money.
    pub money: Money,
}

/// Applies every rule to every claim and allocates the money.
///
/// # Errors
/// [`Error::Conservation`] if the cents do not add up (which would be a defect in this crate).
pub fn decide(data: &Dataset) -> Result<Decisions, Error> {
    let case = &data.case;
    let mut determinations = Vec::with_capacity(data.claims.len());
    let mut facts = Vec::with_capacity(data.claims.len());
    let (mut cures_applied, mut cures_ignored) = (0u64, 0u64);
    for record in &data.claims {
        let cures = data
            .cures
            .get(&record.claim.claim_id)
            .map_or(&[][..], Vec::as_slice);
        let result = rules::evaluate_with_cures(case, &data.class, &record.claim, cures);
        cures_applied += result.cures.applied.len() as u64;
        cures_ignored += result.cures.ignored as u64;
        facts.push(CrossClaimFacts::of(
            case,
            &result.claim,
            result.evaluation.member,
        ));
        determinations.push(Determination {
            member: result.evaluation.member.map(|m| m.member.member_id.clone()),
            reasons: result.evaluation.reasons,
            claim: result.claim,
            line: record.line,
            entitlement: Cents::ZERO,
            payment: Cents::ZERO,
        });
    }
    let mut reasons: Vec<Reasons> = determinations.iter().map(|d| d.reasons).collect();
    rules::apply_cross_claim_rules(case, &facts, &mut reasons);
    for (d, r) in determinations.iter_mut().zip(reasons) {
        d.reasons = r;
        d.entitlement = rules::entitlement(case, &d.claim, r.status());
    }
    let money = distribute(case, &mut determinations)?;
    Ok(Decisions {
        determinations,
        cures_applied,
        cures_ignored,
        money,
    })
}

/// Payments: entitlements without a fund; the fund's allocation with one. Checks conservation.
fn distribute(case: &Case, determinations: &mut [Determination]) -> Result<Money, Error> {
    let entitled: Cents = determinations.iter().map(|d| d.entitlement).sum();
    let Some(fund) = &case.fund else {
        for d in determinations.iter_mut() {
            d.payment = d.entitlement;
        }
        return Ok(Money {
            entitled,
            waterfall: None,
            paid: entitled,
            residual: Cents::ZERO,
            rounds: 0,
        });
    };
    let waterfall = Waterfall::of(fund);
    let approved: Vec<usize> = (0..determinations.len())
        .filter(|&i| determinations[i].status() == Status::Approved)
        .collect();
    let shares: Vec<Share> = approved
        .iter()
        .map(|&i| Share {
            claim_id: determinations[i].claim.claim_id,
            entitlement: determinations[i].entitlement,
        })
        .collect();
    let allocation = allocate(waterfall.net, &shares, fund.minimum_payment);
    for (k, &i) in approved.iter().enumerate() {
        determinations[i].payment = allocation.payments[k];
        if allocation.below_minimum[k] {
            determinations[i]
                .reasons
                .insert(Reason::BelowMinimumPayment);
        }
    }
    let paid: Cents = allocation.payments.iter().copied().sum();
    let residual = waterfall.net - paid;
    let accounted = waterfall.attorney_fees
        + waterfall.litigation_costs
        + waterfall.administration_costs
        + waterfall.service_awards
        + paid
        + residual;
    let over_paid = determinations.iter().any(|d| d.payment > d.entitlement);
    if accounted != waterfall.gross || residual < Cents::ZERO || over_paid {
        return Err(Error::Conservation(format!(
            "gross {} != fees {} + costs {} + administration {} + awards {} + payments {} + residual {}",
            waterfall.gross, waterfall.attorney_fees, waterfall.litigation_costs, waterfall.administration_costs, waterfall.service_awards, paid, residual
        )));
    }
    Ok(Money {
        entitled,
        waterfall: Some(waterfall),
        paid,
        residual,
        rounds: allocation.rounds,
    })
}
