//! The evidence file, streamed in parallel into per-member summaries.
//!
//! Evidence is by far the largest input (hundreds of millions of rows in real cases). Each row is
//! checked, and a row about a member whose facts are kept is folded into that member's summary:
//! the earliest qualifying InMail and the latest qualifying disclosure (rules 9-11). No row is
//! kept in memory, only rejected rows and the summaries.
//!
//! Logs come in time order, so consecutive rows are of unrelated members. Members are found in a
//! flat table of their ids, each in one of two cache lines. The reader looks ahead three runs of
//! about a hundred lines: it has the first line of each of a run's members fetched (prefetch
//! instructions, which do not hold the processor up); a run later it finds most members there,
//! has their rule tests and summaries fetched, and has the second line fetched for the others
//! (about one in eight); a run later it finds those, and has theirs fetched; and a run later still
//! the rows take their members from what it found. Rules 9 and 10 are applied
//! through a compact test per member; and each reading thread folds into one compact summary per
//! kept member, merged into the facts at the end.

use std::cell::{Cell, RefCell};
use std::path::Path;

use crate::case::Case;
use crate::class::{
    same_bytes, CachedLookup, ClassRecords, FlatIds, FlatTable, Homes, Key, Near, RecentMember,
};
use crate::huge::HugeArray;
use crate::ingest::parallel::{read_parallel, Counters, Parallelism, RowSink};
use crate::ingest::{
    self, EvidenceRow, FileStats, Header, InputError, InputFile, Known, KnownMembers, Record,
    RejectedRow,
};
use crate::model::EvidenceKind;
use crate::rules::{
    earlier_message, later_disclosure, EvidenceFact, EvidenceSummary, EvidenceTest,
};
use crate::time::UnixTime;

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
    /// `None` for a list no such table could hold: then rows are looked up in its own tables,
    /// without looking ahead.
    flat: Option<FlatIds<'a>>,
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
    /// The members of the run seen last, whose first buckets in the id table were fetched then,
    /// and their ids: read at the next look-ahead.
    pending: Vec<(Homes, Key)>,
    /// The members of the run seen before, answered from their first buckets, in the order of
    /// its lines (a member's run of rows once; ids not listed, or longer than a key holds, left
    /// out), with those whose second bucket was fetched to be answered at the next look-ahead.
    found_later: Vec<(Key, Known)>,
    /// Where those are in `found_later` (each held there as [`Known::Listed`] until answered),
    /// and their buckets.
    seconds: Vec<(usize, Homes)>,
    /// The same, every one answered, for the run handed over after the next look-ahead (their
    /// tests and summaries fetched).
    found_next: Vec<(Key, Known)>,
    /// The same for the run handed over now.
    found_now: Vec<(Key, Known)>,
    /// Where in `found_now` the last row's member was.
    cursor: Cell<usize>,
}

/// Member look-ups that first try the members the look-ahead found for the run being read, in
/// the order of its lines: the last row's member, the next one or the one after. Any other, or
/// any id longer than a key holds, is looked up as usual.
struct Ahead<'a> {
    found: &'a [(Key, Known)],
    cursor: &'a Cell<usize>,
    lookup: CachedLookup<'a>,
}

impl KnownMembers for Ahead<'_> {
    #[inline]
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        if self.found.is_empty() {
            return self.lookup.find(member_id);
        }
        // The next member but one too: a line whose id the look-ahead could not read as the row
        // has it (a quoted id, say) has none.
        let at = self.cursor.get();
        for i in [at, at + 1, at + 2] {
            if let Some((key, known)) = self.found.get(i) {
                if key.is(member_id) {
                    self.cursor.set(i);
                    return Some(*known);
                }
            }
        }
        self.lookup.find(member_id)
    }
}

/// An evidence row a reading thread keeps for a member: its instant and its id, the id in place
/// when it is short (as ids are), so that a thread's million summaries cost no allocation each.
/// The instant is kept as Unix seconds and nanoseconds: rows are compared in that form, and only
/// the pieces of evidence kept at the end are given their calendar form.
#[derive(Debug, Clone, Copy, Default, bytemuck::Zeroable, bytemuck::Pod)]
#[repr(C)]
struct Found {
    seconds: i64,
    nanos: u32,
    /// The id's length; 0 when nothing was found; [`LONG_ID`] when the id is among the thread's
    /// long ids, at the index held in the first four bytes of `id`.
    len: u8,
    id: [u8; INLINE_ID],
}

/// Id bytes a [`Found`] holds in place.
const INLINE_ID: usize = 19;

const _: () = assert!(std::mem::size_of::<Found>() == 32);

impl Found {
    fn at(&self) -> UnixTime {
        UnixTime {
            seconds: self.seconds,
            nanos: self.nanos,
        }
    }
}

/// [`Found::len`] of an id kept apart.
const LONG_ID: u8 = u8::MAX;

/// A thread's summary of one kept member under one case: rules 9 and 10's two pieces of
/// evidence, as [`EvidenceSummary`] has them. 64 bytes, aligned so that one cache line holds
/// it whole.
#[derive(Debug, Clone, Copy, Default, bytemuck::Zeroable, bytemuck::Pod)]
#[repr(C, align(64))]
struct Kept {
    earliest_inmail: Found,
    latest_disclosure: Found,
}

const _: () = assert!(std::mem::size_of::<Kept>() == 64);

/// Which of a member's two pieces of evidence, and which of two candidates is better (rules 9
/// and 10's tie-breaks, from [`crate::rules`]).
#[derive(Debug, Clone, Copy)]
enum Piece {
    Inmail,
    Disclosure,
}

impl Piece {
    fn of(self, kept: &Kept) -> &Found {
        match self {
            Piece::Inmail => &kept.earliest_inmail,
            Piece::Disclosure => &kept.latest_disclosure,
        }
    }

    fn of_mut(self, kept: &mut Kept) -> &mut Found {
        match self {
            Piece::Inmail => &mut kept.earliest_inmail,
            Piece::Disclosure => &mut kept.latest_disclosure,
        }
    }

    fn better(self, a: (UnixTime, &[u8]), b: (UnixTime, &[u8])) -> bool {
        match self {
            Piece::Inmail => earlier_message(a, b),
            Piece::Disclosure => later_disclosure(a, b),
        }
    }

    /// Whether evidence at `at` cannot be [`Piece::better`] than `kept`, whatever its id: its
    /// instant lies strictly on the wrong side of the kept one's (later for an InMail, earlier
    /// for a disclosure; equal instants go to the ids, so they are not decided here).
    fn cannot_beat(self, at: UnixTime, kept: UnixTime) -> bool {
        match self {
            Piece::Inmail => at > kept,
            Piece::Disclosure => at < kept,
        }
    }
}

/// One reading thread's summaries: for each case, one per kept member (by facts index). The
/// earliest and the latest do not depend on the order rows come in, so a thread folds every
/// range it reads into the same summaries, and the threads' summaries are merged at the end,
/// with the tie-breaks of [`EvidenceSummary`].
#[derive(Debug, Default)]
struct Summaries {
    cases: Vec<HugeArray<Kept>>,
    long_ids: LongIds,
}

/// A thread's evidence ids too long to be kept in place (see [`Found::len`]).
#[derive(Debug, Default)]
struct LongIds(Vec<Box<str>>);

impl LongIds {
    /// The id `found` holds.
    fn id<'s>(&'s self, found: &'s Found) -> &'s [u8] {
        if found.len == LONG_ID {
            let index = u32::from_le_bytes([found.id[0], found.id[1], found.id[2], found.id[3]]);
            self.0.get(index as usize).map_or(&[], |id| id.as_bytes())
        } else {
            &found.id[..usize::from(found.len)]
        }
    }

    /// What a summary keeps of evidence `evidence_id` at `at` (a long id kept here).
    fn found(&mut self, evidence_id: &str, at: UnixTime) -> Found {
        let mut found = Found {
            seconds: at.seconds,
            nanos: at.nanos,
            len: evidence_id.len() as u8,
            id: [0; INLINE_ID],
        };
        if evidence_id.len() <= INLINE_ID {
            found.id[..evidence_id.len()].copy_from_slice(evidence_id.as_bytes());
        } else {
            found.len = LONG_ID;
            found.id[..4].copy_from_slice(&(self.0.len() as u32).to_le_bytes());
            self.0.push(evidence_id.into());
        }
        found
    }
}

/// Keeps this piece of evidence as the `piece` of the member at `index` among one case's
/// summaries `kept` if it is better than the one kept (the earlier InMail, the later disclosure,
/// the smaller id on a tie), as [`EvidenceSummary::offer_message`] and
/// [`EvidenceSummary::offer_disclosure`].
fn offer(
    kept: &mut [Kept],
    long_ids: &mut LongIds,
    piece: Piece,
    index: usize,
    evidence_id: &str,
    at: UnixTime,
) {
    let Some(kept) = kept.get_mut(index) else {
        return;
    };
    let current = piece.of(kept);
    let better = current.len == 0
        || piece.better(
            (at, evidence_id.as_bytes()),
            (current.at(), long_ids.id(current)),
        );
    if better {
        *piece.of_mut(kept) = long_ids.found(evidence_id, at);
    }
}

/// Whether the member at `index` among one case's summaries `kept` has a `piece` that evidence
/// at `at` cannot replace (see [`Piece::cannot_beat`]).
#[inline]
fn kept_beats(kept: &[Kept], piece: Piece, index: usize, at: UnixTime) -> bool {
    kept.get(index)
        .map(|kept| piece.of(kept))
        .is_some_and(|found| found.len != 0 && piece.cannot_beat(at, found.at()))
}

impl Summaries {
    /// Case `case`'s summaries, as one slice (looked up once for a row), and the long ids.
    #[inline]
    fn case_mut(&mut self, case: usize) -> Option<(&mut [Kept], &mut LongIds)> {
        let Summaries { cases, long_ids } = self;
        Some((cases.get_mut(case)?, long_ids))
    }

    /// The earliest InMail and the latest disclosure that any of `workers` found for the member
    /// at `index` under `case`, with the tie-breaks of [`EvidenceSummary`] (as if each thread's
    /// summary were merged in turn).
    fn best(workers: &[Summaries], case: usize, index: usize) -> EvidenceSummary {
        EvidenceSummary {
            earliest_inmail: Summaries::best_of(workers, Piece::Inmail, case, index),
            latest_disclosure: Summaries::best_of(workers, Piece::Disclosure, case, index),
        }
    }

    /// The best `piece` any of `workers` found for the member at `index` under `case`.
    fn best_of(
        workers: &[Summaries],
        piece: Piece,
        case: usize,
        index: usize,
    ) -> Option<EvidenceFact> {
        let mut best: Option<(&Summaries, &Found)> = None;
        for worker in workers {
            let Some(kept) = worker.cases.get(case).and_then(|c| c.get(index)) else {
                continue;
            };
            let found = piece.of(kept);
            if found.len != 0
                && best.is_none_or(|(best_worker, best)| {
                    piece.better(
                        (found.at(), worker.long_ids.id(found)),
                        (best.at(), best_worker.long_ids.id(best)),
                    )
                })
            {
                best = Some((worker, found));
            }
        }
        best.and_then(|(worker, found)| worker.fact(found))
    }

    /// What was found, as the rules keep it.
    fn fact(&self, found: &Found) -> Option<EvidenceFact> {
        let id = self.long_ids.id(found);
        (found.len != 0).then(|| EvidenceFact {
            // Ids were kept from text, so the lossy conversion never replaces anything.
            evidence_id: std::str::from_utf8(id)
                .map_or_else(|_| String::from_utf8_lossy(id).into_owned(), str::to_owned),
            occurred_at: found.at().to_utc(),
        })
    }
}

impl RowSink for Sink<'_> {
    type Part = Part;
    type Worker = Summaries;
    const FOLDS_IN_WORKERS: bool = true;

    fn worker(&self) -> Summaries {
        Summaries {
            cases: self
                .classes
                .iter()
                .map(|class| HugeArray::zeroed(class.kept()))
                .collect(),
            long_ids: LongIds::default(),
        }
    }

    fn row(
        &self,
        header: &Header,
        record: &Record,
        breaks: u64,
        part: &mut Part,
        summaries: &mut Summaries,
    ) {
        let lookup = Ahead {
            found: &part.found_now,
            cursor: &part.cursor,
            lookup: self.classes[0].cached_flat(&part.recent, self.flat.as_ref()),
        };
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
        // Three steps a run apart, so that no read waits for the one before it: the first
        // buckets of the run seen last time have arrived, and answer for most of its members;
        // the second buckets of the run seen before that have arrived too, and answer for the
        // rest. Each member answered has its test and summary fetched, a run before its rows
        // are handed over.
        std::mem::swap(&mut part.found_now, &mut part.found_next);
        part.cursor.set(0);
        part.found_next.clear();
        std::mem::swap(&mut part.found_next, &mut part.found_later);
        // Each case's summaries as a plain slice, once for the run.
        let kept: Vec<&[Kept]> = worker.cases.iter().map(|kept| &kept[..]).collect();
        self.settle(&mut part.found_next, &part.seconds, &kept);
        part.seconds.clear();
        self.fetch_facts(
            &part.pending,
            &kept,
            &mut part.found_later,
            &mut part.seconds,
        );
        part.pending.clear();
        // Worth it when rows of different members alternate (a log in time order); for a file
        // listed member by member, the look-ups are already few: look again only now and then.
        if lines.is_empty() {
            return;
        }
        if part.skip_runs > 0 {
            part.skip_runs -= 1;
            return;
        }
        let (lines, members) = self.fetch_slots(header, lines, &mut part.pending);
        if members * 4 < lines {
            part.skip_runs = 16;
        }
    }

    fn plain_line(
        &self,
        header: &Header,
        line: &str,
        _breaks: u64,
        part: &mut Part,
        summaries: &mut Summaries,
    ) -> bool {
        let lookup = Ahead {
            found: &part.found_now,
            cursor: &part.cursor,
            lookup: self.classes[0].cached_flat(&part.recent, self.flat.as_ref()),
        };
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
    /// Fetches the first buckets in the id table of the member ids of `lines`, all at once (one
    /// member's run of rows counts once), and notes them in `pending`. Returns the numbers of
    /// lines and of members fetched.
    fn fetch_slots(
        &self,
        header: &Header,
        lines: &[u8],
        pending: &mut Vec<(Homes, Key)>,
    ) -> (usize, usize) {
        let (Some(Some(column)), Some(flat)) = (header.columns.get(MEMBER_ID).copied(), &self.flat)
        else {
            return (0, 0);
        };
        let mut count = 0;
        let mut last: &[u8] = &[];
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', lines) {
            let line = &lines[from..end];
            let Some(span) = ingest::field_span(line, column) else {
                from = end + 1;
                count += 1;
                continue;
            };
            let (at, len) = (from + span.start, span.len());
            from = end + 1;
            count += 1;
            let id = &line[span];
            if !same_bytes(id, last) {
                pending.push((flat.homes(id), FlatIds::key_at(lines, at, len)));
                last = id;
            }
        }
        let homes = pending.iter().map(|&(homes, _)| homes);
        flat.fetch(homes);
        (count, pending.len())
    }

    /// Answers for the members whose first buckets [`Sink::fetch_slots`] fetched, into `found`,
    /// and has the tests and summaries of those whose facts are kept fetched (without waiting
    /// for them); for the members those buckets do not settle, has their second bucket fetched
    /// and notes them in `seconds`.
    fn fetch_facts(
        &self,
        pending: &[(Homes, Key)],
        kept: &[&[Kept]],
        found: &mut Vec<(Key, Known)>,
        seconds: &mut Vec<(usize, Homes)>,
    ) {
        let Some(flat) = &self.flat else {
            return;
        };
        for (homes, key) in pending {
            match flat.near(*homes, key) {
                Near::Is(Some(known)) => {
                    found.push((*key, known));
                    self.fetch_kept(known, kept);
                }
                Near::Second => {
                    seconds.push((found.len(), *homes));
                    found.push((*key, Known::Listed));
                    flat.fetch_second(*homes);
                }
                Near::Is(None) | Near::Long => {}
            }
        }
    }

    /// Answers for the members of `found` at `seconds` from their second buckets, and has the
    /// tests and summaries of those whose facts are kept fetched.
    fn settle(&self, found: &mut Vec<(Key, Known)>, seconds: &[(usize, Homes)], kept: &[&[Kept]]) {
        let Some(flat) = &self.flat else {
            return;
        };
        let mut not_listed = false;
        for &(i, homes) in seconds {
            if let Some((key, known)) = found.get_mut(i) {
                match flat.near_second(homes, key) {
                    Some(answer) => {
                        *known = answer;
                        self.fetch_kept(answer, kept);
                    }
                    None => {
                        // Not listed: left out, as are those the first bucket ruled out.
                        *key = Key::default();
                        not_listed = true;
                    }
                }
            }
        }
        if not_listed {
            found.retain(|(key, _)| *key != Key::default());
        }
    }

    /// Has the rule tests and summaries of a member whose facts are kept fetched.
    #[inline]
    fn fetch_kept(&self, known: Known, kept: &[&[Kept]]) {
        let Known::Kept(index) = known else {
            return;
        };
        for (tests, kept) in self.tests.iter().zip(kept) {
            if let (Some(test), Some(kept)) = (tests.get(index), kept.get(index)) {
                mem_prefetch::prefetch_read_data::<_, 3>(test);
                mem_prefetch::prefetch_write_data::<_, 3>(kept);
            }
        }
    }

    /// Folds an accepted row into its member's summary, for each case, if the member's facts are
    /// kept and the row qualifies under that case.
    fn fold(&self, ev: &EvidenceRow<'_>, summaries: &mut Summaries) {
        let Known::Kept(index) = ev.member else {
            return;
        };
        // The instant in Unix seconds gives the local date, and is what is compared and kept.
        let unix = ev.occurred_at.instant();
        let piece = match ev.kind {
            EvidenceKind::Disclosure => Piece::Disclosure,
            EvidenceKind::InmailSent | EvidenceKind::InmailReceived => Piece::Inmail,
        };
        let cases = self.cases.iter().zip(self.classes).zip(&self.tests);
        for (k, ((case, class), tests)) in cases.enumerate() {
            let Some(test) = tests.get(index) else {
                continue;
            };
            // A row that could not replace what is kept, whatever the rules say of it, is not
            // tested (most rows of a log in time order: a member's first InMail is its earliest).
            let Some((kept, long_ids)) = summaries.case_mut(k) else {
                continue;
            };
            if kept_beats(kept, piece, index, unix) {
                continue;
            }
            let local = case.clock.local_date_unix(unix);
            let qualifies = match piece {
                Piece::Disclosure => test.disclosure(case, unix, local),
                Piece::Inmail => test.message(local).unwrap_or_else(|| {
                    class
                        .facts_at(index)
                        .is_some_and(|facts| facts.message_qualifies(case, local))
                }),
            };
            if qualifies {
                offer(kept, long_ids, piece, index, ev.evidence_id, unix);
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
    let table = FlatTable::of(&classes[0]);
    let sink = Sink {
        cases,
        classes: &*classes,
        flat: table.as_ref().map(FlatTable::ids),
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
    // The id table and the rule tests are done with: their memory is free for the facts' text.
    drop(sink);
    drop(table);
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
    // The threads' summaries of a member are compared in place, and only the best of them is
    // made into the facts' text (one allocation per piece of evidence kept, not per thread).
    // Each member's on its own: the members are shared among the threads.
    let workers = &read.workers;
    for (case, class) in classes.iter_mut().enumerate() {
        class.for_each_facts_mut(parallelism.threads, |index, facts| {
            let summary = Summaries::best(workers, case, index);
            if summary != EvidenceSummary::default() {
                facts.merge(summary);
            }
        });
    }
    Ok(EvidenceOutcome {
        stats: stats.with_rejected(rejected.len() as u64),
        rejected,
        rereads: read.rereads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::{hash_id, RowBatch, RowKind};
    use crate::ingest::Record;

    /// The look-ahead's answers for a run are ready three calls after it saw the run: each
    /// listed member of the run in the order of its lines (a member's rows in a row once), and
    /// nothing for an unknown id, an empty one or one longer than a slot holds; members in
    /// their second bucket, and unknown ids whose first bucket is full, included.
    #[test]
    fn the_look_ahead_answers_a_run_three_calls_after_seeing_it() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/linkedin-premium/case.toml"
        );
        let case: Case = std::fs::read_to_string(path).unwrap().parse().unwrap();
        let mut class = ClassRecords::new();
        let mut batch = RowBatch::default();
        for i in 0..3000u64 {
            let id = format!("m-{i}");
            batch.push(
                id.as_bytes(),
                hash_id(id.as_bytes()),
                i + 2,
                RowKind::Listed,
            );
        }
        class.list_rows(batch, 2);
        let (classes, cases) = ([class], [&case]);
        let table = FlatTable::of(&classes[0]);
        let sink = Sink {
            cases: &cases,
            classes: &classes,
            flat: table.as_ref().map(FlatTable::ids),
            tests: vec![Vec::new()],
        };
        let columns = [
            "evidence_id",
            "member_id",
            "kind",
            "occurred_at",
            "counterparty",
            "reference",
        ];
        let header = Header::parse(
            InputFile::Evidence,
            &Record::from_fields(columns.map(str::as_bytes)),
        )
        .unwrap();
        let id = |n: usize| match n % 10 {
            3 => format!("u-{n}"),
            5 if n % 20 == 5 => String::new(),
            9 => format!("urn:li:member:long-enough-{n}"),
            // Now and then the same member as the row before.
            6 => format!("m-{}", ((n - 1) * 7919) % 3000),
            _ => format!("m-{}", (n * 7919) % 3000),
        };
        let runs: Vec<Vec<String>> = (0..30)
            .map(|r| (r * 40..r * 40 + 40).map(id).collect())
            .collect();
        let flat = sink.flat.as_ref().unwrap();
        let second = |id: &String| {
            let homes = flat.homes(id.as_bytes());
            flat.near(homes, &FlatIds::key(id.as_bytes())) == Near::Second
        };
        let all = runs.iter().flatten();
        assert!(
            all.clone()
                .filter(|id| id.starts_with("m-") && second(id))
                .count()
                > 50
        );
        assert!(all.filter(|id| id.starts_with("u-") && second(id)).count() > 5);
        let (mut part, mut worker) = (Part::default(), sink.worker());
        for k in 0..runs.len() + 3 {
            let lines: String = runs.get(k).map_or_else(String::new, |run| {
                run.iter()
                    .map(|id| format!("ev-{k},{id},inmail_sent,2024-01-01T00:00:00Z,,\n"))
                    .collect()
            });
            sink.look_ahead(&header, lines.as_bytes(), &mut part, &mut worker);
            let Some(seen) = k.checked_sub(3).map(|r| &runs[r]) else {
                assert!(part.found_now.is_empty());
                continue;
            };
            let mut expected = Vec::new();
            for (j, id) in seen.iter().enumerate() {
                if j > 0 && seen[j - 1] == *id {
                    continue;
                }
                if id.starts_with("m-") {
                    expected.push((FlatIds::key(id.as_bytes()), Known::Listed));
                }
            }
            assert_eq!(part.found_now, expected, "run {}", k - 3);
        }
    }

    /// A row's member comes from the look-ahead's answers when its id is the last one's, the
    /// next one's or the one after, and from the id table otherwise. The answers here are made
    /// unlike the table's (kept where the table lists the member only), to see which one is used.
    #[test]
    fn rows_take_their_member_from_the_look_ahead_or_else_the_table() {
        let mut class = ClassRecords::new();
        let mut batch = RowBatch::default();
        for (line, id) in (2..).zip(["m-1", "m-2", "m-3"]) {
            batch.push(id.as_bytes(), hash_id(id.as_bytes()), line, RowKind::Listed);
        }
        class.list_rows(batch, 2);
        let table = FlatTable::of(&class);
        let flat = table.as_ref().map(FlatTable::ids);
        let recent = RefCell::default();
        let found = [
            (FlatIds::key(b"m-1"), Known::Kept(7)),
            (FlatIds::key(b"m-2"), Known::Kept(8)),
            (FlatIds::key(b"m-3"), Known::Kept(9)),
            (FlatIds::key(b"m-4"), Known::Kept(10)),
        ];
        let cursor = Cell::new(0);
        let ahead = Ahead {
            found: &found,
            cursor: &cursor,
            lookup: class.cached_flat(&recent, flat.as_ref()),
        };
        assert_eq!(ahead.find(b"m-1"), Some(Known::Kept(7)));
        assert_eq!(ahead.find(b"m-1"), Some(Known::Kept(7)));
        // The next member but one (a row between them had no answer).
        assert_eq!(ahead.find(b"m-3"), Some(Known::Kept(9)));
        assert_eq!(cursor.get(), 2);
        // Behind the cursor, or not among the answers: the table's.
        assert_eq!(ahead.find(b"m-2"), Some(Known::Listed));
        assert_eq!(ahead.find(b"m-9"), None);
        assert_eq!(ahead.find(b"m-4"), Some(Known::Kept(10)));
        assert_eq!(cursor.get(), 3);
    }

    /// Summaries of a class large enough to be on huge pages (a map of their own, zeroed by the
    /// system) start empty and keep what the rules keep, at either end of the map.
    #[test]
    fn mapped_summaries_keep_what_the_rules_keep() {
        let members = 70_000;
        let mut summaries = Summaries {
            cases: vec![HugeArray::zeroed(members)],
            long_ids: LongIds::default(),
        };
        assert!(summaries.cases[0].is_mapped());
        let at = |s: i64| UnixTime {
            seconds: 1_700_000_000 + s,
            nanos: 0,
        };
        let long = "a-".repeat(20);
        let (kept, long_ids) = summaries.case_mut(0).unwrap();
        for index in [0, members / 2, members - 1] {
            offer(kept, long_ids, Piece::Inmail, index, "e-9", at(5));
            offer(kept, long_ids, Piece::Inmail, index, "e-8", at(3));
            offer(kept, long_ids, Piece::Inmail, index, "e-7", at(4));
            offer(kept, long_ids, Piece::Disclosure, index, "e-2", at(9));
            offer(kept, long_ids, Piece::Disclosure, index, "e-3", at(10));
            offer(kept, long_ids, Piece::Disclosure, index, &long, at(10));
            offer(kept, long_ids, Piece::Disclosure, index, "e-1", at(8));
        }
        let workers = [summaries];
        for index in [0, members / 2, members - 1] {
            let summary = Summaries::best(&workers, 0, index);
            let inmail = summary.earliest_inmail.unwrap();
            assert_eq!(
                (inmail.evidence_id.as_str(), inmail.occurred_at),
                ("e-8", at(3).to_utc())
            );
            // Equal instants: the smaller id (a long one, kept apart).
            let disclosure = summary.latest_disclosure.unwrap();
            assert_eq!(
                (disclosure.evidence_id, disclosure.occurred_at),
                (long.clone(), at(10).to_utc())
            );
        }
        assert_eq!(Summaries::best(&workers, 0, 1), EvidenceSummary::default());
    }

    proptest::proptest! {
        /// What `cannot_beat` rules out, the rules' order never keeps: for either piece, any
        /// instants (equal ones included) and any ids.
        #[test]
        fn what_cannot_beat_is_never_better(
            at in (0i64..4, 0u32..3),
            kept in (0i64..4, 0u32..3),
            ids in (0u8..3, 0u8..3),
            disclosure in proptest::bool::ANY,
        ) {
            let instant = |(s, n): (i64, u32)| UnixTime { seconds: 1_700_000_000 + s, nanos: n };
            let (at, kept) = (instant(at), instant(kept));
            let (a, b) = ([ids.0], [ids.1]);
            let piece = if disclosure { Piece::Disclosure } else { Piece::Inmail };
            // The reader compares Unix instants where the facts compare calendar ones.
            proptest::prop_assert_eq!(at.cmp(&kept), at.to_utc().cmp(&kept.to_utc()));
            if piece.cannot_beat(at, kept) {
                proptest::prop_assert!(!piece.better((at, &a), (kept, &b)));
            }
        }

        /// The threads' compact summaries, merged, keep what the rules' summary keeps, for any
        /// rows spread over the threads in any way: ties on the instant, ids short and long
        /// (kept apart), in any order.
        #[test]
        fn compact_summaries_keep_what_the_rules_keep(
            rows in proptest::collection::vec(
                (proptest::bool::ANY, 0i64..5, 0u32..3, 0usize..6, 0u8..4, 0usize..3),
                0..60,
            ),
        ) {
            let worker = || Summaries {
                cases: vec![HugeArray::zeroed(2)],
                long_ids: LongIds::default(),
            };
            let mut workers = [worker(), worker(), worker()];
            let mut rules = [EvidenceSummary::default(), EvidenceSummary::default()];
            for (disclosure, secs, nanos, id, member, thread) in rows {
                let member = usize::from(member % 2);
                // Ids of 1, 19, 20 and 40 bytes, sharing their first bytes.
                let id = match id % 4 {
                    0 => format!("{id}"),
                    1 => format!("{id:0>19}"),
                    2 => format!("{id:0>20}"),
                    _ => format!("{id:0>40}"),
                };
                let unix = UnixTime { seconds: 1_700_000_000 + secs, nanos };
                let at = unix.to_utc();
                let (kept, long_ids) = workers[thread].case_mut(0).unwrap();
                if disclosure {
                    offer(kept, long_ids, Piece::Disclosure, member, &id, unix);
                    EvidenceSummary::offer_disclosure(&mut rules[member].latest_disclosure, &id, at);
                } else {
                    offer(kept, long_ids, Piece::Inmail, member, &id, unix);
                    EvidenceSummary::offer_message(&mut rules[member].earliest_inmail, &id, at);
                }
            }
            for (member, expected) in rules.iter().enumerate() {
                proptest::prop_assert_eq!(&Summaries::best(&workers, 0, member), expected);
            }
        }
    }
}
