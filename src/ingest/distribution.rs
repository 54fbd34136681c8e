//! Reading the distribution's files of a data folder: `payment_events.csv`, `tax_forms.csv`,
//! `notices.csv` and `objections.csv`, all optional, each row checked like the other files'.

use std::fs::File;

use crate::decide::Error;
use crate::distribution::records::{Notice, Objection, PaymentEvent, TaxForm};
use crate::distribution::EventRejection;
use crate::ingest::folder::{DataFolder, Dataset};
use crate::ingest::{self, CsvTable, FileStats, InputError, InputFile, RejectedRow};

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

impl DataFolder {
    /// Reads the distribution's optional files of the folder: payment events, tax forms, notices
    /// and objections. Members are looked up in `data`'s class list (an unknown member rejects
    /// the row); whether an event fits its payment is for [`crate::Ledger::build`] to judge.
    ///
    /// # Errors
    /// [`Error::Input`] for a file that is present but unusable (not a regular file, unreadable,
    /// no header, a required column missing); bad rows are [`DistributionFiles::rejected`].
    pub fn load_distribution(&self, data: &Dataset) -> Result<DistributionFiles, Error> {
        let mut out = DistributionFiles::default();
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
                Ok(_) => {}
            }
            let handle = File::open(&path).map_err(|e| ingest::read_error(file, 0, e))?;
            let mut table = CsvTable::open(file, std::io::BufReader::new(handle))?;
            let before = out.rejected.len();
            while let Some(row) = table.next_row()? {
                let line = row.line;
                let outcome = match row.width_error() {
                    Some(e) => Err(e),
                    None => match file {
                        InputFile::PaymentEvents => ingest::payment_event(row)
                            .map(|e| out.events.push(e))
                            .map_err(String::from),
                        InputFile::TaxForms => ingest::tax_form(row, &data.class)
                            .map(|t| out.tax_forms.push(t))
                            .map_err(String::from),
                        InputFile::Notices => ingest::notice(row, &data.class)
                            .map(|n| out.notices.push(n))
                            .map_err(String::from),
                        _ => ingest::objection(row, &data.class)
                            .map(|o| out.objections.push(o))
                            .map_err(String::from),
                    },
                };
                if let Err(error) = outcome {
                    out.rejected.push(RejectedRow { file, line, error });
                }
            }
            let stats = FileStats {
                rows: table.rows_read(),
                unknown_columns: table.unknown_columns().to_vec(),
                ..FileStats::default()
            }
            .with_rejected((out.rejected.len() - before) as u64);
            let sha256 = table.finish()?;
            out.inputs.push((file, FileStats { sha256, ..stats }));
        }
        Ok(out)
    }
}
