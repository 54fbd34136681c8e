//! Reading a data folder: the case file, then every CSV file into typed records, the class list
//! and per-member facts, with every rejected row listed.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::case::{Case, CaseError};
use crate::class::{hash_id, ClassRecords, Interest, RecentMember, RowBatch, RowKind};
use crate::decide::Error;
use crate::hashing::Map;
use crate::ingest::evidence;
use crate::ingest::fingerprint::Fingerprints;
use crate::ingest::parallel::{read_parallel, Counters, ParallelRead, Parallelism, RangeSink};
use crate::ingest::{
    self, CsvTable, FileStats, Header, InputError, InputFile, Known, KnownClaims, Record,
    RejectedRow,
};
use crate::model::{Claim, ClaimId, Cure, Subscription};

/// A claim row accepted from `claims.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimRecord {
    /// The claim (shared with the determination made of it).
    pub claim: Arc<Claim>,
    /// Its line in `claims.csv`.
    pub line: u64,
}

impl ClaimRecord {
    /// A claim received on `line` of its source.
    pub fn new(claim: Claim, line: u64) -> ClaimRecord {
        ClaimRecord {
            claim: Arc::new(claim),
            line,
        }
    }
}

impl Dataset {
    /// Appends a claim to the claims received, as a row added at the end of `claims.csv` (its line
    /// is one past the file's last record, accepted or rejected). It is decided with the others
    /// by the next [`crate::decide`]; the claims file's counts include it.
    ///
    /// # Errors
    /// - [`Error::FactsNotKept`] when the data was loaded for its claimants only: a new claim may
    ///   name any member, whose facts must be kept ([`Loading::EveryMember`]).
    /// - [`Error::Claim`] naming `claim_id` when a claim with that id was already received;
    ///   nothing is appended then.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{decide, Claim, DataFolder, Loading, NoProgress, Status};
    ///
    /// let folder = DataFolder::new("examples/data/linkedin-premium").with_loading(Loading::EveryMember);
    /// let mut data = folder.load(&mut NoProgress)?;
    /// let claim = Claim::from_fields([
    ///     ("claim_id", "4f1e2d3c-5b6a-4789-8a0b-1c2d3e4f5a6b"),
    ///     ("member_id", "m-002"),
    ///     ("channel", "online"),
    ///     ("submitted_at", "2026-03-01T12:00:00-08:00"),
    ///     ("attested", "yes"),
    /// ])?;
    /// data.receive(claim.clone())?;
    /// assert!(data.receive(claim).is_err()); // the same claim id twice
    /// let last = decide(&data)?.determinations.pop().ok_or("no claims")?;
    /// assert_eq!(last.status(), Status::Approved);
    /// assert_eq!(last.line, 64); // claims.csv ends on line 63
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(&mut self, claim: Claim) -> Result<(), Error> {
        if !self.class.keeps_every_member() {
            return Err(Error::FactsNotKept);
        }
        if let Some(first) = self
            .claims
            .iter()
            .find(|c| c.claim.claim_id == claim.claim_id)
        {
            return Err(Error::Claim(crate::Problems(vec![crate::Problem::new(
                "claim_id",
                format!(
                    "repeated claim_id {} (first on line {})",
                    claim.claim_id, first.line
                ),
            )])));
        }
        let line = self.next_claim_line();
        self.push_claim(claim, line);
        Ok(())
    }

    /// The line a claim appended to `claims.csv` would have.
    pub(crate) fn next_claim_line(&self) -> u64 {
        let last_accepted = self.claims.last().map_or(1, |c| c.line);
        // Rejected rows are in file order, then line order: the claims file's last one is found
        // by bisection (a desk asks this for every new claim).
        let end = self
            .rejected
            .partition_point(|r| r.file <= InputFile::Claims);
        let last_rejected = match end.checked_sub(1).map(|i| &self.rejected[i]) {
            Some(r) if r.file == InputFile::Claims => r.line,
            _ => 1,
        };
        last_accepted.max(last_rejected) + 1
    }

    /// Appends a checked claim with a new id, counting it as a row of `claims.csv`.
    pub(crate) fn push_claim(&mut self, claim: Claim, line: u64) {
        self.claims.push(ClaimRecord::new(claim, line));
        match self
            .inputs
            .iter_mut()
            .find(|(f, _)| *f == InputFile::Claims)
        {
            Some((_, stats)) => {
                stats.rows += 1;
                stats.accepted += 1;
            }
            None => self.inputs.push((
                InputFile::Claims,
                FileStats {
                    rows: 1,
                    accepted: 1,
                    ..FileStats::default()
                },
            )),
        }
    }

    /// Every accepted cure row, claim by claim.
    pub fn cures(&self) -> impl Iterator<Item = &Cure> {
        self.cures.values().flatten()
    }

    /// The accepted cure rows of a claim, in their order (empty when it has none).
    pub fn cures_of(&self, claim_id: &ClaimId) -> &[Cure] {
        self.cures.get(claim_id).map_or(&[], Vec::as_slice)
    }
}

/// Opt-out rows by timeliness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct OptOutCounts {
    /// Dated on or before the opt-out deadline.
    pub timely: u64,
    /// Dated after it.
    pub untimely: u64,
}

/// Everything read from a data folder.
#[derive(Debug)]
#[non_exhaustive]
pub struct Dataset {
    /// The case.
    pub case: Case,
    /// The case file's name and SHA-256, when the case came from a file.
    pub case_file: Option<(String, String)>,
    /// The class list and member facts.
    pub class: ClassRecords,
    /// Accepted claims, in file order.
    pub claims: Vec<ClaimRecord>,
    /// Accepted cure rows by claim, each list in file order (see [`Dataset::cures_of`]).
    pub(crate) cures: Map<ClaimId, Vec<Cure>>,
    /// Per-file counts, in reading order (absent optional files are left out).
    pub inputs: Vec<(InputFile, FileStats)>,
    /// Rejected rows, by file then line.
    pub rejected: Vec<RejectedRow>,
    /// Opt-out rows by timeliness.
    pub opt_outs: OptOutCounts,
    /// Threads deciding the claims and taking the census share the work among (see
    /// [`Dataset::with_threads`]).
    pub(crate) threads: usize,
}

/// The largest case file read: a case file is a page of settings.
const MAX_CASE_FILE: u64 = 1 << 20;

/// Reads and validates a case file.
///
/// Returns the case and the file's SHA-256 (lower-case hex).
///
/// # Errors
/// [`Error::CaseIo`] or [`Error::Case`], naming the file (and key).
///
/// # Examples
///
/// ```
/// use premium_claims::read_case;
///
/// let (case, sha256) = read_case("examples/data/linkedin-premium/case.toml".as_ref())?;
/// assert_eq!(case.docket, "5:25-cv-00709 (N.D. Cal.)");
/// assert_eq!(sha256.len(), 64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_case(path: &Path) -> Result<(Case, String), Error> {
    let file = file_name(path);
    let io_error = |source| Error::CaseIo {
        file: file.clone(),
        source,
    };
    // A case file is a page of text: refuse devices and FIFOs, and read at most a mebibyte.
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        let not_a_file =
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
        return Err(io_error(not_a_file));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CASE_FILE + 1).read_to_end(&mut bytes))
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_CASE_FILE {
        return Err(Error::Case {
            file,
            source: CaseError::Syntax(format!("larger than {MAX_CASE_FILE} bytes")),
        });
    }
    let sha = ingest::hex(&Sha256::digest(&bytes));
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

/// Which members keep their facts (subscriptions, opt-outs, evidence summary) when a data folder
/// is loaded. Every member is validated and counted either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Loading {
    /// Only the members the claims and cures name, by member id or email: what deciding the
    /// claims of the folder needs, and the fastest load. A claim naming anyone else cannot be
    /// evaluated against such a class list ([`crate::ClassRecords::lookup`] answers
    /// [`crate::MemberLookup::FactsNotKept`]).
    #[default]
    Claimants,
    /// Every accepted member: for a claims desk taking new claims, or the census of the class.
    EveryMember,
}

/// Where a run reads from: a folder of CSV files and a case file.
///
/// # Examples
///
/// ```
/// use premium_claims::{DataFolder, Loading, NoProgress};
///
/// let folder = DataFolder::new("examples/data/linkedin-premium")
///     .with_case_file("examples/data/linkedin-premium/settlement.toml")
///     .with_loading(Loading::EveryMember);
/// let data = folder.load(&mut NoProgress)?;
/// assert_eq!(data.class.kept(), data.class.len()); // every member's facts are kept
/// assert!(data.case.fund.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFolder {
    dir: PathBuf,
    case_file: PathBuf,
    parallelism: Parallelism,
    loading: Loading,
    fingerprints: bool,
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
    /// The folder `dir`, with its case file `case.toml` inside it.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        DataFolder {
            case_file: dir.join("case.toml"),
            dir,
            parallelism: Parallelism::default(),
            loading: Loading::default(),
            fingerprints: true,
        }
    }

    /// Reads the case from `case_file` instead of the folder's `case.toml`.
    pub fn with_case_file(mut self, case_file: impl Into<PathBuf>) -> Self {
        self.case_file = case_file.into();
        self
    }

    /// Which members keep their facts (by default the claimants only).
    pub fn with_loading(mut self, loading: Loading) -> Self {
        self.loading = loading;
        self
    }

    /// Whether loading computes each input file's SHA-256 (by default it does). The hashes are
    /// what `summary.json` and the reports name the inputs by, and cost about a fifth of the
    /// processor time of a load on two cores (a second reading of every file, hashed at about
    /// 1 GB/s); a load whose results never name the files, such as a claims desk or a check of
    /// the rows, can do without them. Without, every [`FileStats::sha256`] of the dataset is
    /// empty (and of [`DataFolder::load_distribution`]'s files), and the files are still checked
    /// at the end to be as they were when the load began (length, times and identity).
    ///
    /// Outputs written from such a dataset name no input: `summary.json`, `report.md` and the
    /// distribution's `accounting.json` carry empty hashes, and the `verify` command, which
    /// always computes them, reports them as differences. Load with fingerprints whatever will be
    /// written, filed or verified.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{DataFolder, NoProgress};
    ///
    /// let folder = DataFolder::new("examples/data/linkedin-premium");
    /// let hashed = folder.load(&mut NoProgress)?;
    /// let quick = folder.clone().with_fingerprints(false).load(&mut NoProgress)?;
    /// assert_eq!(hashed.inputs[0].1.sha256.len(), 64);
    /// assert!(quick.inputs.iter().all(|(_, stats)| stats.sha256.is_empty()));
    /// assert_eq!(hashed.inputs[0].1.rows, quick.inputs[0].1.rows);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_fingerprints(mut self, fingerprints: bool) -> Self {
        self.fingerprints = fingerprints;
        self
    }

    /// Whether loading computes each input file's SHA-256.
    pub fn fingerprints(&self) -> bool {
        self.fingerprints
    }

    /// Reads each large file with `threads` threads (by default one per core), and gives the
    /// dataset as many to decide the claims and take the census with (see
    /// [`Dataset::with_threads`]). Results never depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.parallelism.threads = threads.max(1);
        self
    }

    /// Sets how the large files are split among threads (tests of the splitting use it).
    #[doc(hidden)]
    pub fn with_parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// The folder with the CSV files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The case file.
    pub fn case_file(&self) -> &Path {
        &self.case_file
    }

    /// How the large files are split among threads.
    pub(crate) fn parallelism(&self) -> Parallelism {
        self.parallelism
    }

    /// Which members keep their facts.
    pub fn loading(&self) -> Loading {
        self.loading
    }

    /// Reads the case file and every input file.
    ///
    /// # Errors
    /// [`Error`] for a bad case file or an unusable input file (missing, unreadable, without a
    /// header, missing a required column); bad rows are not errors but [`Dataset::rejected`]
    /// entries.
    pub fn load(&self, progress: &mut dyn Progress) -> Result<Dataset, Error> {
        let mut each = self.load_cases(std::slice::from_ref(&self.case_file), progress)?;
        each.pop().ok_or(Error::FactsNotKept)
    }

    /// Reads the folder once for several case files: one [`Dataset`] per case file, in order.
    /// The input files are read a single time; each row is folded into each case's facts (the
    /// windows, tiers, deadlines and zone of each). What a what-if comparison of two readings of
    /// the law needs, at little more than the cost of one load.
    ///
    /// # Errors
    /// As [`DataFolder::load`], for any of the case files.
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{decide, DataFolder, NoProgress};
    ///
    /// let dir = "examples/data/linkedin-premium";
    /// let cases = [format!("{dir}/case.toml"), format!("{dir}/case-require-actual-damages.toml")];
    /// let cases: Vec<std::path::PathBuf> = cases.iter().map(Into::into).collect();
    /// let both = DataFolder::new(dir).load_cases(&cases, &mut NoProgress)?;
    /// let (a, b) = (decide(&both[0])?, decide(&both[1])?);
    /// // Requiring actual damages (as the Fourth and Eleventh Circuits do) approves fewer claims.
    /// assert!(b.money.entitled < a.money.entitled);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_cases(
        &self,
        case_files: &[PathBuf],
        progress: &mut dyn Progress,
    ) -> Result<Vec<Dataset>, Error> {
        let mut cases = Vec::with_capacity(case_files.len());
        let mut case_shas = Vec::with_capacity(case_files.len());
        // Each case file's length, times and identity before it is read, checked at the end: a
        // case file changed during the run fails it, as any input does.
        let mut case_stamps = Vec::with_capacity(case_files.len());
        for path in case_files {
            case_stamps.push((path, crate::ingest::fingerprint::stamp(path).ok()));
        }
        for path in case_files {
            let (case, sha) = read_case(path)?;
            cases.push(case);
            case_shas.push(Some((file_name(path), sha)));
        }
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let mut loader = Loader {
            classes: vec![ClassRecords::new()],
            opt_outs: vec![OptOutCounts::default(); cases.len()],
            cases,
            claims: Vec::new(),
            claim_index: Map::default(),
            cures: Map::default(),
            inputs: Vec::new(),
            rejected: Vec::new(),
        };
        // Only regular files, checked before anything is opened: a FIFO would block and a device
        // such as /dev/zero never ends.
        for file in READING_ORDER {
            if let Ok(m) = std::fs::metadata(self.dir.join(file.name())) {
                if !m.is_file() {
                    return Err(InputError::NotAFile {
                        file: file.name().into(),
                    }
                    .into());
                }
            }
        }
        // Every input file is fingerprinted in the background while everything is read (unless
        // the caller has no use for the hashes), and checked at the end to be as it was when the
        // run began.
        let large = [
            InputFile::Claims,
            InputFile::Cures,
            InputFile::Members,
            InputFile::Subscriptions,
            InputFile::Evidence,
            InputFile::OptOuts,
        ];
        let present = large
            .iter()
            .map(|&f| (f, self.dir.join(f.name())))
            .filter(|(_, path)| path.exists())
            .collect();
        let fingerprints = Fingerprints::start(present, self.fingerprints())?;
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
                Err(source) => return Err(ingest::read_error(file, 0, source).into()),
            };
            if file == InputFile::Members && self.loading == Loading::Claimants {
                loader.classes[0] = ClassRecords::with_interest(loader.interest());
            }
            let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
            progress.start(file, size);
            let counters = Counters::default();
            let mut advance = |bytes, rows| progress.advance(bytes, rows);
            let stats = match file {
                InputFile::Evidence => {
                    let cases: Vec<&Case> = loader.cases.iter().collect();
                    let outcome = evidence::read_evidence(
                        &path,
                        &cases,
                        &mut loader.classes,
                        self.parallelism,
                        &counters,
                        &mut advance,
                    )?;
                    loader.rejected.extend(outcome.rejected);
                    outcome.stats
                }
                InputFile::Members => {
                    let sink = MemberSink {
                        class: &loader.classes[0],
                    };
                    let read = read_parallel(
                        &path,
                        file,
                        &sink,
                        self.parallelism,
                        &counters,
                        &mut advance,
                    )?;
                    let stats = loader.add_members(read, self.parallelism.threads);
                    // Each further case gets its own copy of the class list, to fold its facts in
                    // (none is made for a single case: a copy of a million members' facts is
                    // half a gigabyte and a quarter of a second).
                    if loader.cases.len() > 1 {
                        let first = loader.classes[0].clone();
                        loader.classes.resize(loader.cases.len(), first);
                    }
                    stats
                }
                InputFile::Subscriptions => {
                    let mut tiers: Vec<String> = Vec::new();
                    for case in &loader.cases {
                        for tier in &case.class.premium_tiers {
                            if !tiers.contains(tier) {
                                tiers.push(tier.clone());
                            }
                        }
                    }
                    let sink = SubscriptionSink {
                        tiers: &tiers,
                        class: &loader.classes[0],
                    };
                    let read = read_parallel(
                        &path,
                        file,
                        &sink,
                        self.parallelism,
                        &counters,
                        &mut advance,
                    )?;
                    loader.add_subscriptions(read)
                }
                InputFile::Claims => {
                    let read = read_parallel(
                        &path,
                        file,
                        &ClaimSink,
                        self.parallelism,
                        &counters,
                        &mut advance,
                    )?;
                    loader.add_claims(read)
                }
                _ => loader.read(file, handle, progress)?,
            };
            progress.finish(file, &stats);
            loader.inputs.push((file, stats));
        }
        for (file, sha256) in fingerprints.finish()? {
            if let Some((_, stats)) = loader.inputs.iter_mut().find(|(f, _)| *f == file) {
                stats.sha256 = sha256;
            }
        }
        for (path, before) in case_stamps {
            if crate::ingest::fingerprint::stamp(path).ok() != before {
                return Err(Error::CaseIo {
                    file: file_name(path),
                    source: std::io::Error::other("the file changed while it was being read"),
                });
            }
        }
        // Report in the contract's file order, whatever the reading order.
        loader.inputs.sort_by_key(|(file, _)| *file);
        loader.rejected.sort_by_key(|r| r.file);
        let Loader {
            cases,
            classes,
            claims,
            cures,
            inputs,
            rejected,
            opt_outs,
            ..
        } = loader;
        // A folder without members.csv never gets here, so there is a class list per case.
        let mut each = Vec::with_capacity(cases.len());
        for (((case, class), opt_outs), case_file) in
            cases.into_iter().zip(classes).zip(opt_outs).zip(case_shas)
        {
            each.push(Dataset {
                case_file,
                case,
                class,
                claims: claims.clone(),
                cures: cures.clone(),
                inputs: inputs.clone(),
                rejected: rejected.clone(),
                opt_outs,
                threads: self.parallelism.threads.max(1),
            });
        }
        Ok(each)
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

/// A folder being read for one or more cases: the class list (one copy per case once members are
/// listed, each receiving its case's facts), and what does not depend on the case.
struct Loader {
    cases: Vec<Case>,
    classes: Vec<ClassRecords>,
    claims: Vec<ClaimRecord>,
    claim_index: Map<ClaimId, u64>,
    cures: Map<ClaimId, Vec<Cure>>,
    inputs: Vec<(InputFile, FileStats)>,
    rejected: Vec<RejectedRow>,
    opt_outs: Vec<OptOutCounts>,
}

struct ClaimLines<'a>(&'a Map<ClaimId, u64>);

impl KnownClaims for ClaimLines<'_> {
    fn is_known(&self, claim_id: &ClaimId) -> bool {
        self.0.contains_key(claim_id)
    }
}

/// Checks `claims.csv` rows in parallel; repeated claim ids are found afterwards, in file order.
struct ClaimSink;

/// One checked claim row: line breaks before it in its range, its claim id if it has a valid one,
/// and the claim or the row's problems.
type ClaimOutcome = (u64, Option<ClaimId>, Result<Claim, String>);

impl RangeSink for ClaimSink {
    type Part = Vec<ClaimOutcome>;
    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut Self::Part) {
        let mut row = header.row(record, 0);
        if let Some(problem) = row.width_error() {
            part.push((breaks, None, Err(problem)));
            return;
        }
        let id = ingest::claim_id_of(&mut row);
        part.push((breaks, id, ingest::claim(row).map_err(String::from)));
    }
}

/// Checks `members.csv` rows in parallel; the class list takes them in file order afterwards.
struct MemberSink<'a> {
    class: &'a ClassRecords,
}

/// What one range of `members.csv` produced: its rows ready to be listed (lines counted from the
/// range's start) and the problems of the rejected ones.
#[derive(Default)]
struct MemberPart {
    rows: RowBatch,
    /// (row in `rows`, problems), in order.
    problems: Vec<(usize, String)>,
}

impl MemberPart {
    fn push(&mut self, breaks: u64, id: Option<&str>, kind: RowKind) {
        let id = id.unwrap_or_default().as_bytes();
        self.rows.push(id, hash_id(id), breaks, kind);
    }

    fn reject(&mut self, breaks: u64, id: Option<&str>, problem: String) {
        self.problems.push((self.rows.len(), problem));
        self.push(breaks, id, RowKind::Rejected);
    }
}

impl RangeSink for MemberSink<'_> {
    type Part = MemberPart;
    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut MemberPart) {
        let mut row = header.row(record, 0);
        if let Some(problem) = row.width_error() {
            part.reject(breaks, None, problem);
            return;
        }
        let id = ingest::member_id_of(&mut row);
        match ingest::member(row) {
            Ok(m) if self.class.wants(m.member_id, m.email) => {
                part.push(breaks, id, RowKind::Kept(m.to_member()))
            }
            Ok(_) => part.push(breaks, id, RowKind::Listed),
            Err(problem) => part.reject(breaks, id, problem.to_string()),
        }
    }

    fn plain_line(&self, header: &Header, line: &str, breaks: u64, part: &mut MemberPart) -> bool {
        let Some(m) = ingest::member_line(header, line) else {
            return false;
        };
        let kind = if self.class.wants(m.member_id, m.email) {
            RowKind::Kept(m.to_member())
        } else {
            RowKind::Listed
        };
        part.push(breaks, Some(m.member_id), kind);
        true
    }
}

/// A checked subscription row: line breaks before it in its range, and the kept member's
/// subscription or the row's problems.
type SubscriptionOutcome = (u64, Result<(usize, Subscription), String>);

/// Checks `subscriptions.csv` rows in parallel, keeping the eligible ones of kept members.
struct SubscriptionSink<'a> {
    /// The tiers eligible in any of the cases being read.
    tiers: &'a [String],
    class: &'a ClassRecords,
}

/// One range of `subscriptions.csv`: the kept rows and the problems, in order.
#[derive(Default)]
struct SubscriptionPart {
    outcomes: Vec<SubscriptionOutcome>,
    recent: RefCell<RecentMember>,
}

impl RangeSink for SubscriptionSink<'_> {
    type Part = SubscriptionPart;
    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut SubscriptionPart) {
        let row = header.row(record, 0);
        let result = match row.width_error() {
            Some(problem) => Err(problem),
            None => {
                ingest::subscription(row, &self.class.cached(&part.recent)).map_err(String::from)
            }
        };
        match result {
            Ok((Known::Kept(i), sub)) if self.tiers.contains(&sub.tier) => {
                part.outcomes.push((breaks, Ok((i, sub))))
            }
            Ok(_) => {}
            Err(problem) => part.outcomes.push((breaks, Err(problem))),
        }
    }

    fn plain_line(
        &self,
        header: &Header,
        line: &str,
        breaks: u64,
        part: &mut SubscriptionPart,
    ) -> bool {
        let lookup = self.class.cached(&part.recent);
        match ingest::subscription_line(header, line, &lookup) {
            // A member whose facts are not kept, or a tier the case does not cover: nothing to keep.
            Some((Known::Listed, ..)) => true,
            Some((Known::Kept(i), tier, start_date, end_date)) => {
                if let Some(tier) = eligible_tier(self.tiers, tier) {
                    let sub = Subscription::new(tier.clone(), start_date, end_date);
                    part.outcomes.push((breaks, Ok((i, sub))));
                }
                true
            }
            None => false,
        }
    }
}

/// The eligible tier a subscription row's `tier` names, if any: the one equal to the row's tier
/// in lower case (as a case file's tiers are written), found without making a lower-case copy
/// of each row's tier when it is ASCII, as exported tier names are.
fn eligible_tier<'t>(tiers: &'t [String], tier: &str) -> Option<&'t String> {
    if tier.is_ascii() {
        let lower = |t: &&String| {
            t.len() == tier.len()
                && t.bytes()
                    .zip(tier.bytes())
                    .all(|(t, row)| t == row.to_ascii_lowercase())
        };
        tiers.iter().find(lower)
    } else {
        let tier = tier.to_lowercase();
        tiers.iter().find(|t| **t == tier)
    }
}

impl Loader {
    /// Takes the checked claims in file order: a repeated claim id rejects the later rows.
    fn add_claims(&mut self, read: ParallelRead<Vec<ClaimOutcome>>) -> FileStats {
        let stats = read.stats();
        let rejected_before = self.rejected.len();
        self.claims.reserve(stats.rows as usize);
        self.claim_index.reserve(stats.rows as usize);
        for part in read.parts {
            for (breaks, id, result) in part.value {
                let line = part.lines_before + breaks + 1;
                let earlier = id.and_then(|id| self.claim_index.get(&id).map(|&first| (id, first)));
                let repeated = |(id, first): (ClaimId, u64)| {
                    format!("claim_id: repeated claim_id {id} (first on line {first})")
                };
                let error = match (result, earlier) {
                    (Ok(_), Some(e)) => repeated(e),
                    (Err(problems), Some(e)) => format!("{}; {problems}", repeated(e)),
                    (Err(problems), None) => problems,
                    (Ok(claim), None) => {
                        self.claim_index.insert(claim.claim_id, line);
                        self.claims.push(ClaimRecord {
                            claim: Arc::new(claim),
                            line,
                        });
                        continue;
                    }
                };
                self.rejected.push(RejectedRow {
                    file: InputFile::Claims,
                    line,
                    error,
                });
            }
        }
        stats.with_rejected((self.rejected.len() - rejected_before) as u64)
    }

    /// Lists the checked members in file order: the first accepted row of an id wins.
    fn add_members(&mut self, read: ParallelRead<MemberPart>, threads: usize) -> FileStats {
        let stats = read.stats();
        let rejected_before = self.rejected.len();
        let mut batch = RowBatch::default();
        // The problems of the rejected rows, with their rows, in order.
        let mut problems = Vec::new();
        for part in read.parts {
            let MemberPart {
                rows,
                problems: part_problems,
            } = part.value;
            let first = batch.len();
            problems.extend(part_problems.into_iter().map(|(row, p)| (first + row, p)));
            batch.append(rows, part.lines_before + 1);
        }
        let listing = self.classes[0].list_rows(batch, threads);
        let mut problems = problems.into_iter().peekable();
        for (row, earlier) in listing.earlier.into_iter().enumerate() {
            let problem = problems.next_if(|(r, _)| *r == row).map(|(_, p)| p);
            if problem.is_none() && earlier.is_none() {
                continue;
            }
            let (id, line) = self.classes[0]
                .row(listing.first_row + row)
                .unwrap_or_default();
            let duplicate = earlier.map(|first| {
                format!(
                    "member_id: duplicate {} (first on line {first})",
                    crate::model::quote(&id)
                )
            });
            let error = match (duplicate, problem) {
                (Some(d), Some(p)) => format!("{d}; {p}"),
                (d, p) => d.or(p).unwrap_or_default(),
            };
            self.rejected.push(RejectedRow {
                file: InputFile::Members,
                line,
                error,
            });
        }
        stats.with_rejected((self.rejected.len() - rejected_before) as u64)
    }

    /// Gives the kept members their eligible subscriptions, in file order.
    fn add_subscriptions(&mut self, read: ParallelRead<SubscriptionPart>) -> FileStats {
        let stats = read.stats();
        let rejected_before = self.rejected.len();
        for part in read.parts {
            for (breaks, result) in part.value.outcomes {
                match result {
                    Ok((i, sub)) => {
                        // Each case but the last gets a copy; the last (usually the only one)
                        // takes the row's own.
                        let mut sub = Some(sub);
                        let last = self.cases.len().saturating_sub(1);
                        let cases = self.cases.iter().zip(&mut self.classes).enumerate();
                        for (k, (case, class)) in cases {
                            let this = if k == last { sub.take() } else { sub.clone() };
                            if let (Some(facts), Some(this)) = (class.facts_at_mut(i), this) {
                                facts.add_subscription(case, this);
                            }
                        }
                    }
                    Err(error) => {
                        self.rejected.push(RejectedRow {
                            file: InputFile::Subscriptions,
                            line: part.lines_before + breaks + 1,
                            error,
                        });
                    }
                }
            }
        }
        stats.with_rejected((self.rejected.len() - rejected_before) as u64)
    }

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
        let stats = FileStats {
            rows: table.rows_read(),
            unknown_columns: table.unknown_columns().to_vec(),
            ..FileStats::default()
        }
        .with_rejected(rejected.len() as u64);
        progress.advance(table.bytes_read(), table.rows_read());
        let sha256 = table.finish()?;
        self.rejected.extend(rejected);
        Ok(FileStats { sha256, ..stats })
    }

    /// Validates one row and folds it in.
    fn accept(&mut self, file: InputFile, row: ingest::Row<'_>) -> Result<(), String> {
        match file {
            InputFile::Claims
            | InputFile::Members
            | InputFile::Subscriptions
            | InputFile::Evidence => Err(format!("{file} is read in parallel, not row by row")),
            InputFile::OptOuts => {
                let (member, on) = ingest::opt_out(row, &self.classes[0]).map_err(String::from)?;
                for ((case, class), counts) in self
                    .cases
                    .iter()
                    .zip(&mut self.classes)
                    .zip(&mut self.opt_outs)
                {
                    if let Known::Kept(i) = member {
                        if let Some(f) = class.facts_at_mut(i) {
                            f.add_opt_out(case, on);
                        }
                    }
                    if on <= case.claims.opt_out_deadline {
                        counts.timely += 1;
                    } else {
                        counts.untimely += 1;
                    }
                }
                Ok(())
            }
            InputFile::Cures => {
                let cure =
                    ingest::cure(row, &ClaimLines(&self.claim_index)).map_err(String::from)?;
                self.cures.entry(cure.claim_id).or_default().push(cure);
                Ok(())
            }
            _ => Err(format!(
                "{file} is read by DataFolder::load_distribution, not with the claims"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<String> {
        ["career", "sales_navigator", "équipe", "straße"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_tier_is_eligible_in_any_case() {
        let tiers = tiers();
        let found = |tier| eligible_tier(&tiers, tier).map(String::as_str);
        assert_eq!(found("career"), Some("career"));
        assert_eq!(found("CAREER"), Some("career"));
        assert_eq!(found("Sales_Navigator"), Some("sales_navigator"));
        assert_eq!(found("ÉQUIPE"), Some("équipe"));
        assert_eq!(found("basic"), None);
        assert_eq!(found("careers"), None);
        assert_eq!(found(""), None);
        // A tier not written in lower case (a case built in code) is never named, as before.
        let mixed = vec![String::from("Career")];
        assert_eq!(eligible_tier(&mixed, "Career"), None);
        assert_eq!(eligible_tier(&mixed, "career"), None);
    }

    proptest::proptest! {
        /// The same answer as lower-casing the row's tier and looking it up, for any text.
        #[test]
        fn eligible_tier_agrees_with_lower_casing(
            tier in proptest::string::string_regex(
                "(?i)(career|sales_navigator|équipe|straße|ß|[a-zé_ ]{0,12})"
            ).unwrap(),
        ) {
            let mut tiers = tiers();
            tiers.push("Sales_Navigator".into());
            let lower = tier.to_lowercase();
            proptest::prop_assert_eq!(
                eligible_tier(&tiers, &tier),
                tiers.iter().find(|t| **t == lower)
            );
        }
    }
}
