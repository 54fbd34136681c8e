//! Reading the distribution's files of a data folder: `payment_events.csv`, `tax_forms.csv`,
//! `notices.csv` and `objections.csv`, all optional, each row checked like the other files'.

use std::cell::RefCell;
use std::path::Path;

use crate::class::{CachedLookup, ClassRecords, RecentMember};
use crate::decide::Error;
use crate::distribution::records::{Notice, Objection, PaymentEvent, TaxForm};
use crate::distribution::EventRejection;
use crate::ingest::fingerprint::Fingerprints;
use crate::ingest::folder::{DataFolder, Dataset};
use crate::ingest::parallel::{read_parallel, Counters, Parallelism, RangeSink};
use crate::ingest::{
    self, FileStats, Header, InputError, InputFile, Problems, Record, RejectedRow,
};

/// The distribution's records read from a data folder, with every rejected row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DistributionFiles {
    /// Accepted rows of `payment_events.csv`, in file order.
    pub events: Vec<PaymentEvent>,
    /// Accepted rows of `tax_forms.csv`, in file order.
    pub tax_forms: Vec<TaxForm>,
    /// Accepted rows of `notices.csv`, in file order.
    pub notices: Vec<Notice>,
    /// Accepted rows of `objections.csv`, in file order.
    pub objections: Vec<Objection>,
    /// Counts and fingerprint of each file present.
    pub inputs: Vec<(InputFile, FileStats)>,
    /// Rejected rows, by file then line.
    pub rejected: Vec<RejectedRow>,
}

impl DistributionFiles {
    /// Rows of `payment_events.csv` read, rejected ones included.
    pub fn event_rows(&self) -> u64 {
        self.inputs
            .iter()
            .find(|(f, _)| *f == InputFile::PaymentEvents)
            .map_or(0, |(_, s)| s.rows)
    }

    /// Lists events a ledger could not apply as rejected rows of `payment_events.csv`.
    pub fn reject_events(&mut self, rejections: &[EventRejection]) {
        if rejections.is_empty() {
            return;
        }
        for r in rejections {
            self.rejected.push(RejectedRow {
                file: InputFile::PaymentEvents,
                line: r.line,
                error: r.problem.to_string(),
            });
        }
        self.rejected.sort_by_key(|r| (r.file, r.line));
        if let Some((_, stats)) = self
            .inputs
            .iter_mut()
            .find(|(f, _)| *f == InputFile::PaymentEvents)
        {
            let rejected = stats.rejected + rejections.len() as u64;
            *stats = std::mem::take(stats).with_rejected(rejected);
        }
    }
}

/// Checks the rows of one distribution file in parallel: each range keeps, in order, the line
/// breaks before a row and the row's record or problems. Members are looked up through a cache
/// of the last one found (rows of a member, or of consecutive members, are often together).
struct Sink<'c, F> {
    class: &'c ClassRecords,
    parse: F,
}

/// What one range of a distribution file produced.
struct SinkPart<T> {
    rows: Vec<(u64, Result<T, String>)>,
    recent: RefCell<RecentMember>,
}

impl<T> Default for SinkPart<T> {
    fn default() -> Self {
        SinkPart {
            rows: Vec::new(),
            recent: RefCell::default(),
        }
    }
}

impl<T, F> RangeSink for Sink<'_, F>
where
    T: Send,
    F: Fn(crate::ingest::Row<'_>, &CachedLookup<'_>) -> Result<T, Problems> + Sync,
{
    type Part = SinkPart<T>;
    fn row(&self, header: &Header, record: &Record, breaks: u64, part: &mut Self::Part) {
        let row = header.row(record, 0);
        let outcome = match row.width_error() {
            Some(problem) => Err(problem),
            None => (self.parse)(row, &self.class.cached(&part.recent)).map_err(String::from),
        };
        part.rows.push((breaks, outcome));
    }
}

/// One distribution file to read: where, which, how, and the class list its members are in.
struct FileReading<'a> {
    path: &'a Path,
    file: InputFile,
    parallelism: Parallelism,
    class: &'a ClassRecords,
}

impl FileReading<'_> {
    /// Reads the file with `parse`, appending each accepted record to `into` in file order (after
    /// `at_line` gives it its line), and listing the rejected rows.
    fn read<T: Send>(
        &self,
        parse: impl Fn(crate::ingest::Row<'_>, &CachedLookup<'_>) -> Result<T, Problems> + Sync,
        rejected: &mut Vec<RejectedRow>,
        into: &mut Vec<T>,
        at_line: fn(&mut T, u64),
    ) -> Result<FileStats, Error> {
        let file = self.file;
        let sink = Sink {
            class: self.class,
            parse,
        };
        let read = read_parallel(
            self.path,
            file,
            &sink,
            self.parallelism,
            &Counters::default(),
            &mut |_, _| {},
        )?;
        let stats = read.stats();
        let before = rejected.len();
        into.reserve(stats.rows as usize);
        for part in read.parts {
            for (breaks, outcome) in part.value.rows {
                let line = part.lines_before + breaks + 1;
                match outcome {
                    Ok(mut value) => {
                        at_line(&mut value, line);
                        into.push(value);
                    }
                    Err(error) => rejected.push(RejectedRow { file, line, error }),
                }
            }
        }
        Ok(stats.with_rejected((rejected.len() - before) as u64))
    }
}

impl DataFolder {
    /// Reads the distribution's optional files of the folder: payment events, tax forms, notices
    /// and objections. Members are looked up in `data`'s class list (an unknown member rejects
    /// the row); whether an event fits its payment is for [`crate::Ledger::build`] to judge.
    /// Their SHA-256 are computed unless the folder does without
    /// ([`DataFolder::with_fingerprints`]).
    ///
    /// # Errors
    /// [`Error::Input`] for a file that is present but unusable (not a regular file, unreadable,
    /// no header, a required column missing) or changed while it was read; bad rows are
    /// [`DistributionFiles::rejected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use premium_claims::{DataFolder, NoProgress};
    ///
    /// let folder = DataFolder::new("examples/data/distribution");
    /// let data = folder.load(&mut NoProgress)?;
    /// let files = folder.load_distribution(&data)?;
    /// assert_eq!(files.events.len(), 14);
    /// assert_eq!(files.events[0].line, 2); // the line of each event, for its rejection
    /// assert_eq!(files.notices.len(), 15);
    /// assert!(files.rejected.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_distribution(&self, data: &Dataset) -> Result<DistributionFiles, Error> {
        let mut out = DistributionFiles::default();
        let mut present = Vec::new();
        for file in InputFile::DISTRIBUTION {
            let path = self.dir().join(file.name());
            match std::fs::metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ingest::read_error(file, 0, source).into()),
                Ok(m) if !m.is_file() => {
                    return Err(InputError::NotAFile {
                        file: file.name().into(),
                    }
                    .into())
                }
                Ok(_) => present.push((file, path)),
            }
        }
        // Fingerprinted on the side while read (unless the folder does without), and checked
        // unchanged at the end.
        let fingerprints = Fingerprints::start(present.clone(), self.fingerprints())?;
        let parallelism = self.parallelism();
        let class = &data.class;
        for (file, path) in &present {
            let file = *file;
            let reading = FileReading {
                path,
                file,
                parallelism,
                class,
            };
            let rejected = &mut out.rejected;
            let stats = match file {
                InputFile::PaymentEvents => reading.read(
                    |row, _| ingest::payment_event(row),
                    rejected,
                    &mut out.events,
                    |e, line| e.line = line,
                )?,
                InputFile::TaxForms => reading.read(
                    |row, known| ingest::tax_form(row, known),
                    rejected,
                    &mut out.tax_forms,
                    |_, _| {},
                )?,
                InputFile::Notices => reading.read(
                    |row, known| ingest::notice(row, known),
                    rejected,
                    &mut out.notices,
                    |_, _| {},
                )?,
                _ => reading.read(
                    |row, known| ingest::objection(row, known),
                    rejected,
                    &mut out.objections,
                    |_, _| {},
                )?,
            };
            out.inputs.push((file, stats));
        }
        for (file, sha256) in fingerprints.finish()? {
            if let Some((_, stats)) = out.inputs.iter_mut().find(|(f, _)| *f == file) {
                stats.sha256 = sha256;
            }
        }
        Ok(out)
    }
}
