//! Reading one large CSV file with several threads, with the result of a sequential read.
//!
//! The file is split into byte ranges at line starts and each range is read by a thread of its
//! own. A split can fall inside a quoted field that spans lines, so each range is read
//! *speculatively*: the range before it, which starts at a true record boundary, reports where
//! its records end; if that is not where the next range's first record began, the next range is
//! read again from the right place. Records, their physical lines and the order of the parts are
//! therefore exactly those of a single sequential read, whatever the number of threads or ranges.
//! (The file's fingerprint is computed apart: see [`crate::ingest::fingerprint`].)

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use super::{read_error, FileStats, Header, InputError, InputFile, Record, RecordReader};

/// How to split the reading of a large file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism {
    /// Threads reading at once.
    pub threads: usize,
    /// Smallest byte range worth a range of its own.
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

/// Bytes and rows read so far, updated from every reading thread.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes.
    pub bytes: AtomicU64,
    /// Rows.
    pub rows: AtomicU64,
}

/// What each reading thread does with the records of its range.
pub trait RowSink: Sync {
    /// What one range produces (merged by the caller in file order).
    type Part: Send + Default;

    /// What one reading thread carries from range to range: folds whose result depends neither
    /// on the order of the rows nor on how the file is split (an earliest, a latest), kept once
    /// a thread instead of once a range. `()` for none.
    type Worker: Send;

    /// Whether [`RowSink::Worker`] holds anything. A range read from a wrong start (inside a
    /// quoted field) may fold rows that are not in the file: then the whole file is read again
    /// from the true starts, with new workers.
    const FOLDS_IN_WORKERS: bool = false;

    /// A new reading thread's state.
    fn worker(&self) -> Self::Worker;

    /// Handles one data record; `breaks` is the number of line breaks between the range's start
    /// and the record (add [`Part::lines_before`] + 1 for its line).
    fn row(
        &self,
        header: &Header,
        record: &Record,
        breaks: u64,
        part: &mut Self::Part,
        worker: &mut Self::Worker,
    );

    /// Handles a record that is a whole line without quote or `\r` (`line`, without its line
    /// feed, checked as UTF-8 with the lines around it) straight from the reading buffer, if the
    /// sink can; false to have it split into a [`Record`] and passed to [`RowSink::row`]
    /// instead. A line that is not UTF-8 goes to [`RowSink::row`]. The default declines every
    /// line.
    fn plain_line(
        &self,
        _header: &Header,
        _line: &str,
        _breaks: u64,
        _part: &mut Self::Part,
        _worker: &mut Self::Worker,
    ) -> bool {
        false
    }

    /// Sees a run of whole lines (each ending in its line feed; quoted or not) three runs before
    /// the records that start in it are handed to [`RowSink::plain_line`] or [`RowSink::row`]
    /// one by one, to look ahead: for instance to start, all at once, the memory reads their
    /// look-ups will need, in steps a run apart. It is called as the records of each run start
    /// to be handed over, with the run three on, or with no lines when the reading buffer does
    /// not hold it yet; so the records handed over after a call are those of the run seen three
    /// calls before it. Where no run seen holds the next record (at the end of a reading buffer,
    /// or when a record spanned several lines), the runs start again from that record: four
    /// calls come at once (three to see the runs ahead, one as the record's run is reached).
    /// The default does nothing.
    fn look_ahead(
        &self,
        _header: &Header,
        _lines: &[u8],
        _part: &mut Self::Part,
        _worker: &mut Self::Worker,
    ) {
    }
}

/// Bytes of lines a sink looks ahead at, at most (and up to the end of a line): about a hundred
/// evidence rows.
const LOOK_AHEAD: usize = 8 << 10;

/// How many runs of lines ahead of the lines handed over a sink looks (see
/// [`RowSink::look_ahead`]): the run about to be handed over, and three more.
const LOOK_AHEAD_RUNS: usize = 4;

/// A [`RowSink`] that carries nothing from range to range (every file's but the evidence's):
/// its row handlers without a worker. Every `RangeSink` is a `RowSink` whose worker is `()`.
pub trait RangeSink: Sync {
    /// What one range produces (merged by the caller in file order).
    type Part: Send + Default;

    /// As [`RowSink::row`].
    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut Self::Part);

    /// As [`RowSink::plain_line`]; the default declines every line.
    fn plain_line(
        &self,
        _header: &Header,
        _line: &str,
        _breaks: u64,
        _part: &mut Self::Part,
    ) -> bool {
        false
    }
}

impl<S: RangeSink> RowSink for S {
    type Part = S::Part;
    type Worker = ();

    fn worker(&self) {}

    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut S::Part, _: &mut ()) {
        RangeSink::row(self, header, record, breaks, part);
    }

    fn plain_line(
        &self,
        header: &Header,
        line: &str,
        breaks: u64,
        part: &mut S::Part,
        _: &mut (),
    ) -> bool {
        RangeSink::plain_line(self, header, line, breaks, part)
    }
}

/// One range's product, in file order.
#[derive(Debug)]
pub struct Part<P> {
    /// Line breaks before the range's start (a record's line is this + its `breaks` + 1).
    pub lines_before: u64,
    /// Data records in the range.
    pub rows: u64,
    /// What the sink made of them.
    pub value: P,
}

/// A file read in parallel.
#[derive(Debug)]
pub struct ParallelRead<P, W = ()> {
    /// The header.
    pub header: Header,
    /// The ranges' products, in file order.
    pub parts: Vec<Part<P>>,
    /// The reading threads' states, in no particular order.
    pub workers: Vec<W>,
    /// Ranges read a second time because their start fell inside a record.
    pub rereads: usize,
}

impl<P, W> ParallelRead<P, W> {
    /// Data records in the file.
    pub fn rows(&self) -> u64 {
        self.parts.iter().map(|p| p.rows).sum()
    }

    /// The file's counts before any row is judged: its rows and unknown columns (see
    /// [`FileStats::with_rejected`]).
    pub fn stats(&self) -> FileStats {
        FileStats {
            rows: self.rows(),
            unknown_columns: self.header.unknown.clone(),
            ..FileStats::default()
        }
    }
}

/// One range read, before it is checked against the range before it.
#[derive(Debug)]
struct Scan<P> {
    /// First byte of the first record at or after where parsing began (the end of the file if none).
    first: u64,
    /// First byte of the first record at or after the range's end (the end of the file if none).
    stop: u64,
    /// Line breaks in the range.
    breaks: u64,
    rows: u64,
    value: P,
}

/// Every range's scan, in order, and the reading threads' workers.
type Run<S> = (
    Vec<io::Result<Scan<<S as RowSink>::Part>>>,
    Vec<<S as RowSink>::Worker>,
);

/// Where a reading thread leaves a range's result.
type Slot<P> = Mutex<Option<io::Result<Scan<P>>>>;

struct Plan<'a, S> {
    path: &'a Path,
    header: Header,
    /// Range starts, then the end of the file.
    bounds: Vec<u64>,
    len: u64,
    sink: &'a S,
    counters: &'a Counters,
}

/// Reads `file` at `path` with `sink`.
///
/// # Errors
/// [`InputError`] when the file cannot be read or its header is unusable.
pub fn read_parallel<S: RowSink>(
    path: &Path,
    file: InputFile,
    sink: &S,
    parallelism: Parallelism,
    counters: &Counters,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<ParallelRead<S::Part, S::Worker>, InputError> {
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
    let ranges = bounds.len() - 1;
    let plan = Plan {
        path,
        header,
        bounds,
        len,
        sink,
        counters,
    };
    let starts = plan.bounds[..ranges].to_vec();
    let (scans, mut workers) = plan.run(&starts, parallelism, on_progress);
    let mut scans = scans
        .into_iter()
        .collect::<io::Result<Vec<_>>>()
        .map_err(io(0))?;
    // Check each speculative range against the one before it; re-read those that began inside a record.
    let mut rereads = 0;
    let mut spare = sink.worker();
    for j in 1..ranges {
        if scans[j - 1].stop != scans[j].first {
            scans[j] = plan.scan(j, scans[j - 1].stop, &mut spare).map_err(io(0))?;
            rereads += 1;
        }
    }
    if rereads > 0 && S::FOLDS_IN_WORKERS {
        // The workers folded rows of ranges read from a wrong start: read everything again
        // from the true starts (rare: a quoted field with a line break across a split).
        let mut starts = vec![plan.bounds[0]];
        starts.extend(scans[..ranges - 1].iter().map(|scan| scan.stop));
        let (again, fresh) = plan.run(&starts, parallelism, &mut |_, _| {});
        scans = again
            .into_iter()
            .collect::<io::Result<Vec<_>>>()
            .map_err(io(0))?;
        workers = fresh;
    }
    let mut lines_before = header_breaks;
    let mut parts = Vec::with_capacity(ranges);
    for scan in scans {
        parts.push(Part {
            lines_before,
            rows: scan.rows,
            value: scan.value,
        });
        lines_before += scan.breaks;
    }
    Ok(ParallelRead {
        header: plan.header,
        parts,
        workers,
        rereads,
    })
}

/// Range starts: `data_start`, then line starts near equal shares of the rest, then the end.
fn split(path: &Path, data_start: u64, len: u64, parallelism: Parallelism) -> io::Result<Vec<u64>> {
    let span = len.saturating_sub(data_start);
    let wanted = (span / parallelism.min_chunk_bytes.max(1))
        .clamp(1, 512 * parallelism.threads.max(1) as u64);
    let mut bounds = vec![data_start];
    let mut file = File::open(path)?;
    let mut window = vec![0u8; 64 * 1024];
    for j in 1..wanted {
        let guess = data_start + span * j / wanted;
        let last = *bounds.last().unwrap_or(&data_start);
        if guess <= last {
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
        if let Some(s) = start.filter(|&s| s < len && s > last) {
            bounds.push(s);
        }
    }
    bounds.push(len.max(data_start));
    Ok(bounds)
}

/// The runs of lines a reading thread's sink looks ahead at (see [`RowSink::look_ahead`]): runs
/// of about [`LOOK_AHEAD`] bytes of whole lines, quoted or not, each seen three runs before the
/// records that start in it are handed over.
#[derive(Debug)]
struct Runs {
    /// Where the next run to be seen starts.
    seen: u64,
    /// The ends of the runs seen and not yet reached, in file order.
    ends: VecDeque<u64>,
    /// The end of the run whose records are being handed over.
    current: u64,
}

impl Runs {
    fn new(from: u64) -> Runs {
        Runs {
            seen: from,
            ends: VecDeque::with_capacity(LOOK_AHEAD_RUNS),
            current: from,
        }
    }

    /// Moves on to the run that holds the record starting at offset `at`, and returns its end.
    /// `lines` are the whole lines buffered from offset `base` on (`base <= at`). Each run passed
    /// calls the look-ahead once, with the run three on, or with nothing when the buffer does not
    /// hold it; a record that no run seen holds (at a buffer's end, or past a record of several
    /// lines) starts the runs again from its own.
    #[inline]
    fn reach<S: RowSink>(
        &mut self,
        at: u64,
        base: u64,
        lines: &[u8],
        plan: &Plan<'_, S>,
        part: &mut S::Part,
        worker: &mut S::Worker,
    ) -> u64 {
        while at >= self.current {
            if self.ends.is_empty() {
                self.seen = at;
                for _ in 1..LOOK_AHEAD_RUNS {
                    self.see(base, lines, plan, part, worker);
                }
                if self.ends.is_empty() {
                    // Nothing buffered to look at: the record is handed over unseen.
                    self.current = at + 1;
                    break;
                }
            }
            self.current = self.ends.pop_front().unwrap_or(at + 1);
            self.see(base, lines, plan, part, worker);
        }
        self.current
    }

    /// Shows the sink the next run, of the lines buffered from `base`, if they hold it.
    fn see<S: RowSink>(
        &mut self,
        base: u64,
        lines: &[u8],
        plan: &Plan<'_, S>,
        part: &mut S::Part,
        worker: &mut S::Worker,
    ) {
        let rest = self
            .seen
            .checked_sub(base)
            .and_then(|from| usize::try_from(from).ok())
            .and_then(|from| lines.get(from..))
            .unwrap_or_default();
        let len = match rest.get(LOOK_AHEAD..) {
            Some(after) => memchr::memchr(b'\n', after).map_or(rest.len(), |i| LOOK_AHEAD + i + 1),
            None => rest.len(),
        };
        let run = &rest[..len];
        plan.sink.look_ahead(&plan.header, run, part, worker);
        if !run.is_empty() {
            self.seen += len as u64;
            self.ends.push_back(self.seen);
        }
    }
}

impl<S: RowSink> Plan<'_, S> {
    /// Reads every range on `parallelism.threads` threads, range `j` parsed from `starts[j]`;
    /// returns the ranges' scans in order and the threads' workers.
    fn run(
        &self,
        starts: &[u64],
        parallelism: Parallelism,
        on_progress: &mut dyn FnMut(u64, u64),
    ) -> Run<S> {
        let ranges = starts.len();
        let results: Vec<Slot<S::Part>> = (0..ranges).map(|_| Mutex::new(None)).collect();
        let workers = Mutex::new(Vec::new());
        let next = AtomicUsize::new(0);
        let (sender, done) = mpsc::channel::<usize>();
        let threads = parallelism.threads.clamp(1, ranges.max(1));
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let sender = sender.clone();
                let (results, next, workers) = (&results, &next, &workers);
                scope.spawn(move || {
                    let mut worker = self.sink.worker();
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        if j >= ranges {
                            break;
                        }
                        let result = self.scan(j, starts[j], &mut worker);
                        if let Ok(mut slot) = results[j].lock() {
                            *slot = Some(result);
                        }
                        let _ = sender.send(j);
                    }
                    if let Ok(mut workers) = workers.lock() {
                        workers.push(worker);
                    }
                });
            }
            drop(sender);
            // Report progress until the last reading thread ends.
            loop {
                match done.recv_timeout(Duration::from_millis(100)) {
                    Ok(_) => {}
                    Err(mpsc::RecvTimeoutError::Timeout) => on_progress(
                        self.counters.bytes.load(Ordering::Relaxed),
                        self.counters.rows.load(Ordering::Relaxed),
                    ),
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        });
        let scans = results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| Err(io::Error::other("a reading thread stopped early")))
            })
            .collect();
        (scans, workers.into_inner().unwrap_or_default())
    }

    /// Reads range `j`, starting to parse at `parse_from` (the range start, or later when the
    /// range start proved to lie inside a record).
    fn scan(&self, j: usize, parse_from: u64, worker: &mut S::Worker) -> io::Result<Scan<S::Part>> {
        const TICK: u64 = 65_536;
        let (start, end) = (self.bounds[j], self.bounds[j + 1]);
        let mut file = File::open(self.path)?;
        file.seek(SeekFrom::Start(start))?;
        let mut reader = RecordReader::new(file, start, false);
        reader.set_mark(end);
        reader.skip_to(parse_from)?;
        let mut value = S::Part::default();
        let mut rows = 0;
        let mut first = None;
        let mut reported = (parse_from, 0);
        let mut scratch = Record::default();
        let mut runs = Runs::new(parse_from);
        let stop = loop {
            // Whole plain lines straight from the buffer, as many as are there.
            let plain = reader.plain_lines(end)?;
            if !plain.bytes.is_empty() {
                first.get_or_insert(plain.offset);
                let bytes = plain.bytes;
                let mut breaks = plain.breaks;
                let mut at = 0;
                while at < bytes.len() {
                    // The lines up to the end of the run the first of them is in (or of the
                    // stretch), their text checked as UTF-8 at once, not line by line (rarely
                    // not: then line by line).
                    let run = at;
                    let run_end = runs.reach(
                        plain.offset + run as u64,
                        plain.offset,
                        plain.buffered,
                        self,
                        &mut value,
                        worker,
                    );
                    let cut = usize::try_from(run_end - plain.offset)
                        .map_or(bytes.len(), |cut| cut.min(bytes.len()));
                    let text = std::str::from_utf8(&bytes[run..cut]).ok();
                    for nl in memchr::memchr_iter(b'\n', &bytes[run..cut]) {
                        let nl = run + nl;
                        let line = &bytes[at..nl];
                        if !line.is_empty() {
                            rows += 1;
                            let line_text = match text {
                                Some(text) => text.get(at - run..nl - run),
                                None => std::str::from_utf8(line).ok(),
                            };
                            let taken = line_text.is_some_and(|line| {
                                self.sink
                                    .plain_line(&self.header, line, breaks, &mut value, worker)
                            });
                            if !taken {
                                scratch.fill_plain(line);
                                self.sink
                                    .row(&self.header, &scratch, breaks, &mut value, worker);
                            }
                        }
                        breaks += 1;
                        at = nl + 1;
                    }
                    at = at.max(cut);
                }
                let lines = breaks - plain.breaks;
                reader.consume_plain(at, lines);
            } else {
                // Anything else, record by record.
                let next = reader.position();
                runs.reach(
                    next,
                    next,
                    reader.buffered_lines(),
                    self,
                    &mut value,
                    worker,
                );
                if !reader.read()? {
                    break self.len;
                }
                let at = reader.record_offset();
                first.get_or_insert(at);
                if at >= end {
                    break at;
                }
                rows += 1;
                self.sink.row(
                    &self.header,
                    reader.record(),
                    reader.breaks_before_record(),
                    &mut value,
                    worker,
                );
            }
            if rows - reported.1 >= TICK {
                let position = reader.position();
                self.counters
                    .bytes
                    .fetch_add(position - reported.0, Ordering::Relaxed);
                self.counters
                    .rows
                    .fetch_add(rows - reported.1, Ordering::Relaxed);
                reported = (position, rows);
            }
        };
        self.counters
            .bytes
            .fetch_add(end.saturating_sub(reported.0), Ordering::Relaxed);
        self.counters
            .rows
            .fetch_add(rows - reported.1, Ordering::Relaxed);
        Ok(Scan {
            first: first.unwrap_or(self.len),
            stop,
            breaks: reader
                .breaks_at_mark()
                .unwrap_or_else(|| reader.breaks_before_record()),
            rows,
            value,
        })
    }
}
