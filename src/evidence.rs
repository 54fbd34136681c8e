//! The evidence file, streamed in parallel into per-member summaries.
//!
//! Evidence is by far the largest input (hundreds of millions of rows in real cases). It is split
//! into byte ranges at line starts and each range is read by its own thread. A split can fall
//! inside a quoted field that spans lines, so each range is first read *speculatively*: the range
//! before it, which starts at a true record boundary, reports where its records end; if that is
//! not where the next range's first record began, the next range is read again from the right
//! place. The result is therefore the same as a single sequential read, whatever the number of
//! threads or ranges, and no row is held in memory: only rejected rows and, for members some
//! claim names, the earliest qualifying InMail and latest qualifying disclosure.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::case::Case;
use crate::class::ClassRecords;
use crate::input::{
    self, read_error, FileStats, Header, InputError, InputFile, Known, RecordReader, RejectedRow,
};
use crate::model::EvidenceKind;
use crate::rules::EvidenceSummary;

/// How to split the reading of a large file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism {
    /// Threads reading at once.
    pub threads: usize,
    /// Smallest byte range worth a thread of its own.
    pub min_chunk_bytes: u64,
}

impl Default for Parallelism {
    fn default() -> Self {
        Parallelism {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            min_chunk_bytes: 8 << 20,
        }
    }
}

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

/// Bytes and rows read so far, for progress reports from any thread.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes.
    pub bytes: AtomicU64,
    /// Rows.
    pub rows: AtomicU64,
}

/// One byte range's results.
#[derive(Debug, Default)]
struct Chunk {
    /// First byte of the first record at or after where parsing began (the end of the file if none).
    first: u64,
    /// First byte of the first record at or after the range's end (the end of the file if none).
    stop: u64,
    /// Line breaks in the range.
    breaks: u64,
    rows: u64,
    /// (line breaks before the row within the range, problems)
    rejected: Vec<(u64, String)>,
    summaries: FxHashMap<u32, EvidenceSummary>,
}

struct Plan<'a> {
    path: &'a Path,
    header: Header,
    /// Range starts; the last entry is the end of the file.
    bounds: Vec<u64>,
    len: u64,
    case: &'a Case,
    class: &'a ClassRecords,
    counters: &'a Counters,
}

/// Reads `evidence.csv` at `path`, folding qualifying evidence into the facts of the members
/// `class` keeps.
///
/// # Errors
/// [`InputError`] when the file cannot be read or its header is unusable.
pub fn read_evidence(
    path: &Path,
    case: &Case,
    class: &mut ClassRecords,
    parallelism: Parallelism,
    counters: &Counters,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<EvidenceOutcome, InputError> {
    let file = InputFile::Evidence;
    let io = |line: u64| move |e: io::Error| read_error(file, line, e);
    let len = std::fs::metadata(path).map_err(io(0))?.len();
    let mut head = RecordReader::new(File::open(path).map_err(io(0))?, 0, false);
    if !head.read().map_err(io(1))? {
        return Err(InputError::NoHeader {
            file: file.name().into(),
        });
    }
    let header = Header::parse(file, head.record())?;
    let header_breaks = head.skip_terminators().map_err(io(1))?;
    let data_start = head.position();
    drop(head);

    let bounds = split(path, data_start, len, parallelism).map_err(io(header_breaks + 1))?;
    let chunks = bounds.len() - 1;
    let plan = Plan {
        path,
        header,
        bounds,
        len,
        case,
        class: &*class,
        counters,
    };
    let results: Vec<Mutex<Option<io::Result<Chunk>>>> =
        (0..chunks).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let (finished, chunk_done) = mpsc::channel::<()>();
    let workers = parallelism.threads.clamp(1, chunks);
    let sha256 = std::thread::scope(|scope| {
        for _ in 0..workers {
            let finished = finished.clone();
            let (plan, results, next) = (&plan, &results, &next);
            scope.spawn(move || loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= chunks {
                    break;
                }
                let result = plan.scan(j, plan.bounds[j]);
                if let Ok(mut slot) = results[j].lock() {
                    *slot = Some(result);
                }
                let _ = finished.send(());
            });
        }
        drop(finished);
        // Meanwhile this thread fingerprints the file, which has to be read in order.
        let sha256 = hash_file(path, &mut || {
            on_progress(
                counters.bytes.load(Ordering::Relaxed),
                counters.rows.load(Ordering::Relaxed),
            )
        });
        // Wait for the readers (the channel closes when the last one ends), reporting progress.
        while let Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) =
            chunk_done.recv_timeout(Duration::from_millis(100))
        {
            on_progress(
                counters.bytes.load(Ordering::Relaxed),
                counters.rows.load(Ordering::Relaxed),
            );
        }
        sha256
    })
    .map_err(io(0))?;

    let mut scanned = Vec::with_capacity(chunks);
    for slot in results {
        let result = slot
            .into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| Err(io::Error::other("a reading thread stopped early")));
        scanned.push(result.map_err(io(0))?);
    }
    // Check each speculative range against the one before it; re-read those that started inside a record.
    let mut rereads = 0;
    for j in 1..chunks {
        if scanned[j - 1].stop != scanned[j].first {
            scanned[j] = plan.scan(j, scanned[j - 1].stop).map_err(io(0))?;
            rereads += 1;
        }
    }

    let mut stats = FileStats {
        sha256,
        unknown_columns: plan.header.unknown.clone(),
        ..FileStats::default()
    };
    let mut rejected = Vec::new();
    let mut lines_before = header_breaks;
    for chunk in scanned {
        stats.rows += chunk.rows;
        for (breaks, error) in chunk.rejected {
            rejected.push(RejectedRow {
                file,
                line: lines_before + breaks + 1,
                error,
            });
        }
        lines_before += chunk.breaks;
        for (index, summary) in chunk.summaries {
            if let Some(facts) = class.facts_at_mut(index as usize) {
                facts.merge(summary);
            }
        }
    }
    stats.rejected = rejected.len() as u64;
    stats.accepted = stats.rows - stats.rejected;
    Ok(EvidenceOutcome {
        stats,
        rejected,
        rereads,
    })
}

/// Range starts: `data_start`, then line starts near equal shares of the rest, then the end.
fn split(path: &Path, data_start: u64, len: u64, parallelism: Parallelism) -> io::Result<Vec<u64>> {
    let span = len.saturating_sub(data_start);
    let wanted = (span / parallelism.min_chunk_bytes.max(1))
        .clamp(1, 64 * parallelism.threads.max(1) as u64);
    let mut bounds = vec![data_start];
    let mut file = File::open(path)?;
    let mut window = vec![0u8; 64 * 1024];
    for j in 1..wanted {
        let guess = data_start + span * j / wanted;
        if guess <= *bounds.last().unwrap_or(&0) {
            continue;
        }
        // The first byte after the next line feed at or after the guess.
        file.seek(SeekFrom::Start(guess))?;
        let mut at = guess;
        let start = loop {
            let n = file.read(&mut window)?;
            if n == 0 {
                break None;
            }
            if let Some(i) = memchr::memchr(b'\n', &window[..n]) {
                break Some(at + i as u64 + 1);
            }
            at += n as u64;
        };
        match start {
            Some(s) if s < len && s > *bounds.last().unwrap_or(&0) => bounds.push(s),
            _ => {}
        }
    }
    bounds.push(len.max(data_start));
    Ok(bounds)
}

fn hash_file(path: &Path, tick: &mut dyn FnMut()) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        tick();
    }
    Ok(input::hex(&hasher.finalize()))
}

impl Plan<'_> {
    /// Reads range `j`, starting to parse at `parse_from` (the range start, or later when the
    /// range start proved to lie inside a record).
    fn scan(&self, j: usize, parse_from: u64) -> io::Result<Chunk> {
        let (start, end) = (self.bounds[j], self.bounds[j + 1]);
        let mut file = File::open(self.path)?;
        file.seek(SeekFrom::Start(start))?;
        let mut reader = RecordReader::new(file, start, false);
        reader.set_mark(end);
        reader.skip_to(parse_from)?;
        let mut chunk = Chunk::default();
        let mut first = None;
        let mut reported = parse_from;
        let stop = loop {
            if !reader.read()? {
                break self.len;
            }
            let at = reader.record_offset();
            first.get_or_insert(at);
            if at >= end {
                break at;
            }
            chunk.rows += 1;
            let breaks = reader.breaks_before_record();
            if let Err(problems) = self.fold(reader.record(), &mut chunk.summaries) {
                chunk.rejected.push((breaks, problems));
            }
            if chunk.rows % 65_536 == 0 {
                let position = reader.position();
                self.counters
                    .bytes
                    .fetch_add(position - reported, Ordering::Relaxed);
                self.counters.rows.fetch_add(65_536, Ordering::Relaxed);
                reported = position;
            }
        };
        self.counters
            .bytes
            .fetch_add(end.saturating_sub(reported), Ordering::Relaxed);
        self.counters
            .rows
            .fetch_add(chunk.rows % 65_536, Ordering::Relaxed);
        chunk.first = first.unwrap_or(self.len);
        chunk.stop = stop;
        chunk.breaks = reader
            .breaks_at_mark()
            .unwrap_or_else(|| reader.breaks_before_record());
        Ok(chunk)
    }

    /// Checks one row and, if it qualifies for a kept member, folds it into that member's summary.
    fn fold(
        &self,
        record: &input::Record,
        summaries: &mut FxHashMap<u32, EvidenceSummary>,
    ) -> Result<(), String> {
        let row = self.header.row(record, 0);
        if let Some(problem) = row.width_error() {
            return Err(problem);
        }
        let ev = input::evidence(row, self.class)?;
        let Known::Kept(index) = ev.member else {
            return Ok(());
        };
        let Some(facts) = self.class.facts_at(index) else {
            return Ok(());
        };
        let local = self.case.clock.local_date(ev.occurred_at);
        match ev.kind {
            EvidenceKind::Disclosure => {
                if facts.disclosure_qualifies(self.case, ev.occurred_at, local) {
                    let summary = summaries.entry(index as u32).or_default();
                    EvidenceSummary::offer_disclosure(
                        &mut summary.latest_disclosure,
                        ev.evidence_id,
                        ev.occurred_at,
                    );
                }
            }
            EvidenceKind::InmailSent | EvidenceKind::InmailReceived => {
                if facts.message_qualifies(self.case, local) {
                    let summary = summaries.entry(index as u32).or_default();
                    EvidenceSummary::offer_message(
                        &mut summary.earliest_inmail,
                        ev.evidence_id,
                        ev.occurred_at,
                    );
                }
            }
        }
        Ok(())
    }
}
