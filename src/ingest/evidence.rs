//! The evidence file, streamed in parallel into per-member summaries.
//!
//! Evidence is by far the largest input (hundreds of millions of rows in real cases). Each row is
//! checked, and a row about a member that some claim names is folded into that member's summary:
//! the earliest qualifying InMail and the latest qualifying disclosure (rules 9-11). No row is
//! kept in memory, only rejected rows and the summaries.

use std::cell::RefCell;
use std::path::Path;

use crate::case::Case;
use crate::class::{ClassRecords, FlatIds, RecentMember};
use crate::ingest::parallel::{read_parallel, Counters, Parallelism, RowSink};
use crate::ingest::{
    self, EvidenceRow, FileStats, Header, InputError, InputFile, Known, Record, RejectedRow,
};
use crate::model::EvidenceKind;
use crate::rules::{EvidenceSummary, EvidenceTest};

/// What reading the evidence file produced.
#[derive(Debug)]
pub struct EvidenceOutcome {
    /// Counts and hash.
    pub stats: FileStats,
    /// Rejected rows, by line.
    pub rejected: Vec<RejectedRow>,
    /// Ranges re-read because a split fell inside a record.
    pub rereads: usize,
}

/// Where `member_id` is among the evidence file's columns.
const MEMBER_ID: usize = 1;

/// The cases the file is read for, each with its copy of the class list (the same members at
/// the same positions; each with its own case's facts).
struct Sink<'a> {
    cases: &'a [&'a Case],
    classes: &'a [ClassRecords],
    /// The first class list's ids, for look-ups in any row order.
    flat: FlatIds<'a>,
    /// For each case, rules 9 and 10's test of each kept member (by facts index).
    tests: Vec<Vec<EvidenceTest>>,
}

/// One range's rejected rows.
#[derive(Debug, Default)]
struct Part {
    rejected: Vec<(u64, String)>,
    /// The last member looked up: exports often list one member's rows together.
    recent: RefCell<RecentMember>,
    /// Runs of lines not to look ahead at (see [`RowSink::look_ahead`]).
    skip_runs: u32,
}

/// One reading thread's summaries: for each case, one per kept member (by facts index). The
/// earliest and the latest do not depend on the order rows come in, so a thread folds every
/// range it reads into the same summaries, and the threads' summaries are merged at the end.
type Summaries = Vec<Vec<EvidenceSummary>>;

impl RowSink for Sink<'_> {
    type Part = Part;
    type Worker = Summaries;
    const FOLDS_IN_WORKERS: bool = true;

    fn worker(&self) -> Summaries {
        self.classes
            .iter()
            .map(|class| vec![EvidenceSummary::default(); class.kept()])
            .collect()
    }

    fn row(
        &self,
        header: &Header,
        record: &Record,
        breaks: u64,
        part: &mut Part,
        summaries: &mut Summaries,
    ) {
        let lookup = self.classes[0].cached_flat(&part.recent, &self.flat);
        let row = header.row(record, 0);
        let checked = match row.width_error() {
            Some(problem) => Err(problem),
            None => ingest::evidence(row, &lookup).map_err(String::from),
        };
        match checked {
            Ok(ev) => self.fold(&ev, summaries),
            Err(problems) => part.rejected.push((breaks, problems)),
        }
    }

    fn look_ahead(&self, header: &Header, lines: &[u8], part: &mut Part, worker: &mut Summaries) {
        // Worth it when rows of different members alternate (a log in time order); for a file
        // listed member by member, the look-ups are already few: look again only now and then.
        if part.skip_runs > 0 {
            part.skip_runs -= 1;
            return;
        }
        let (lines, members) = self.touch_members(header, lines, worker);
        if members * 4 < lines {
            part.skip_runs = 16;
        }
    }

    fn plain_line(
        &self,
        header: &Header,
        line: &[u8],
        _breaks: u64,
        part: &mut Part,
        summaries: &mut Summaries,
    ) -> bool {
        let lookup = self.classes[0].cached_flat(&part.recent, &self.flat);
        match ingest::evidence_line(header, line, &lookup) {
            Some(Some(ev)) => {
                self.fold(&ev, summaries);
                true
            }
            Some(None) => true,
            None => false,
        }
    }
}

impl Sink<'_> {
    /// Where the look-ups of the member ids of `lines` will start in the id table, fetched all at
    /// once (one member's run of rows counts once). Returns the numbers of lines and of members
    /// fetched.
    fn touch_members(
        &self,
        header: &Header,
        lines: &[u8],
        summaries: &[Vec<EvidenceSummary>],
    ) -> (usize, usize) {
        let Some(Some(column)) = header.columns.get(MEMBER_ID).copied() else {
            return (0, 0);
        };
        let mut count = 0;
        let mut homes = [0usize; 256];
        let mut n = 0;
        let mut last: &[u8] = &[];
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', lines) {
            let line = &lines[from..end];
            from = end + 1;
            count += 1;
            let mut start = 0;
            for _ in 0..column {
                match memchr::memchr(b',', &line[start..]) {
                    Some(i) => start += i + 1,
                    None => break,
                }
            }
            let rest = &line[start..];
            let id = &rest[..memchr::memchr(b',', rest).unwrap_or(rest.len())];
            if id != last && n < homes.len() {
                homes[n] = self.flat.home(id);
                n += 1;
                last = id;
            }
        }
        std::hint::black_box(self.flat.touch(&homes[..n]));
        // Then, for the members whose facts are kept, their tests and summaries.
        let mut sum = 0usize;
        for &home in &homes[..n] {
            let index = self.flat.facts_at_home(home) as usize;
            for (tests, summaries) in self.tests.iter().zip(summaries) {
                if let (Some(test), Some(summary)) = (tests.get(index), summaries.get(index)) {
                    sum = sum.wrapping_add(usize::from(test.spans_len()));
                    sum = sum.wrapping_add(usize::from(summary.earliest_inmail.is_some()));
                }
            }
        }
        std::hint::black_box(sum);
        (count, n)
    }

    /// Folds an accepted row into its member's summary, for each case, if the member's facts are
    /// kept and the row qualifies under that case.
    fn fold(&self, ev: &EvidenceRow<'_>, summaries: &mut Summaries) {
        let Known::Kept(index) = ev.member else {
            return;
        };
        let at = ev.occurred_at.instant().to_utc();
        let cases = self.cases.iter().zip(self.classes).zip(&self.tests);
        for (((case, class), tests), summaries) in cases.zip(summaries) {
            let (Some(test), Some(summary)) = (tests.get(index), summaries.get_mut(index)) else {
                continue;
            };
            let local = case.clock.local_date(at);
            match ev.kind {
                EvidenceKind::Disclosure => {
                    if test.disclosure(at, local) {
                        EvidenceSummary::offer_disclosure(
                            &mut summary.latest_disclosure,
                            ev.evidence_id,
                            at,
                        );
                    }
                }
                EvidenceKind::InmailSent | EvidenceKind::InmailReceived => {
                    let qualifies = test.message(local).unwrap_or_else(|| {
                        class
                            .facts_at(index)
                            .is_some_and(|facts| facts.message_qualifies(case, local))
                    });
                    if qualifies {
                        EvidenceSummary::offer_message(
                            &mut summary.earliest_inmail,
                            ev.evidence_id,
                            at,
                        );
                    }
                }
            }
        }
    }
}

/// Reads `evidence.csv` at `path`, folding qualifying evidence into the facts each class list
/// keeps, under its case (`classes[k]` belongs to `cases[k]`; all list the same members).
///
/// # Errors
/// [`InputError`] when the file cannot be read or its header is unusable.
pub fn read_evidence(
    path: &Path,
    cases: &[&Case],
    classes: &mut [ClassRecords],
    parallelism: Parallelism,
    counters: &Counters,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<EvidenceOutcome, InputError> {
    let file = InputFile::Evidence;
    let sink = Sink {
        cases,
        classes: &*classes,
        flat: FlatIds::of(&classes[0]),
        tests: cases
            .iter()
            .zip(classes.iter())
            .map(|(case, class)| {
                class
                    .every_member()
                    .map(|f| f.evidence_test(case))
                    .collect()
            })
            .collect(),
    };
    let read = read_parallel(path, file, &sink, parallelism, counters, on_progress)?;
    let stats = read.stats();
    let mut rejected = Vec::new();
    for part in read.parts {
        for (breaks, error) in part.value.rejected {
            rejected.push(RejectedRow {
                file,
                line: part.lines_before + breaks + 1,
                error,
            });
        }
    }
    for worker in read.workers {
        for (class, summaries) in classes.iter_mut().zip(worker) {
            for (index, summary) in summaries.into_iter().enumerate() {
                if summary == EvidenceSummary::default() {
                    continue;
                }
                if let Some(facts) = class.facts_at_mut(index) {
                    facts.merge(summary);
                }
            }
        }
    }
    Ok(EvidenceOutcome {
        stats: stats.with_rejected(rejected.len() as u64),
        rejected,
        rereads: read.rereads,
    })
}
