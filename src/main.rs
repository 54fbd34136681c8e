//! The `premium-claims` command: parses arguments, draws progress, prints. Every decision is made
//! by the library.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

// Loading a class of millions allocates millions of small strings on several threads; mimalloc
// does that markedly faster than the system allocator (see README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use premium_claims::internals::input::{FileStats, InputFile};
use premium_claims::internals::output;
use premium_claims::rules::Status;
use premium_claims::ClaimId;
use premium_claims::{DataFolder, Dataset, NoProgress, Progress};

/// Prints a line on stdout; a closed pipe (`| head`) ends the program quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        stdout_line(format_args!($($arg)*), true)
    };
}

/// Prints on stdout without a newline, like [`out!`].
macro_rules! out_raw {
    ($($arg:tt)*) => {
        stdout_line(format_args!($($arg)*), false)
    };
}

fn stdout_line(text: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(text).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// Claims administration for the LinkedIn Premium InMail class action.
#[derive(Parser)]
#[command(name = "premium-claims", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide every claim and write determinations, payments, rejected rows, summary and report.
    Process {
        /// Folder holding members.csv, subscriptions.csv, evidence.csv, claims.csv (and optionally
        /// opt_outs.csv, cures.csv).
        data_dir: PathBuf,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        /// Output folder, of the tool's own: replaced as a whole, in one atomic step, only when the
        /// run succeeds (a folder holding other files is refused).
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// Exit 3 and write nothing if any input row is rejected.
        #[arg(long)]
        strict: bool,
        /// No progress bar and no summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        threads: Threads,
        /// Print the wall time of each phase (reading each file, deciding, writing) on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Decide and allocate as `process`, then carry the payments out as of a date: the payment
    /// events (payment_events.csv), the second distribution of unclaimed money, Forms 1099-MISC
    /// (tax_forms.csv) and the post-distribution accounting (notices.csv, objections.csv). Writes
    /// the five outputs of `process` and ledger.csv, second_payments.csv, tax_1099.csv,
    /// accounting.json and accounting.md, all or nothing.
    Distribute {
        /// Data folder (the files of `process`, and optionally payment_events.csv,
        /// tax_forms.csv, notices.csv, objections.csv).
        data_dir: PathBuf,
        /// The date the ledger stands at (YYYY-MM-DD): events dated after it are ignored.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: String,
        /// Case file [default: DATA_DIR/case.toml]; it needs a [distribution] table.
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        /// Output folder, of the tool's own, replaced as a whole when the run succeeds.
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// No progress bar and no summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        threads: Threads,
        /// Print the wall time of each phase on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Validate every file and print rows read, accepted and rejected per file (exit 3 if any
    /// row is rejected).
    Check {
        /// Data folder.
        data_dir: PathBuf,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        #[command(flatten)]
        threads: Threads,
    },
    /// Show the rule-by-rule trace of one claim: each rule's id, legal source, outcome and the
    /// facts it used.
    Explain {
        /// Data folder.
        data_dir: PathBuf,
        /// The claim's id (any UUID spelling).
        claim_id: String,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// For a paid claim of a folder with payment_events.csv: the date its payment history
        /// stands at [default: the date of the latest event].
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: Option<String>,
        #[command(flatten)]
        threads: Threads,
    },
    /// Re-run the rules on DATA_DIR and check that OUT_DIR holds exactly what they produce, and
    /// that its files match the fingerprints its summary.json recorded (exit 0 only if all match).
    /// A folder written by `distribute` is re-made as of the date its accounting.json records; one
    /// written by `exposure` is re-made by the census and compared byte for byte (it records no
    /// fingerprints).
    Verify {
        /// An output folder written by `process`, `distribute` or `exposure`.
        out_dir: PathBuf,
        /// The data folder it was produced from.
        data_dir: PathBuf,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        #[command(flatten)]
        threads: Threads,
    },
    /// Claims desk: read new claims as JSON Lines on standard input and answer each on standard
    /// output, as `process` would decide it with the claims before it appended to claims.csv.
    ///
    /// Each input line is a JSON object whose keys are claims.csv column names and whose values
    /// are strings. Each output line is the answer
    /// (`{"claim_id":..,"status":..,"reasons":[..],"member_id":..,"entitlement":..,"notices":[..],"to_fix":[..]}`)
    /// or, for a claim that cannot be received, `{"line":N,"error":"COLUMN: problem"}`.
    Intake {
        /// Data folder (class list, evidence and the claims already received).
        data_dir: PathBuf,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        #[command(flatten)]
        threads: Threads,
        /// Print the wall time of loading each file and of setting up the desk on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Counsel's census: every class member evaluated as a would-be claimant (one timely, attested
    /// claim by member id, no actual damages), and the exposure at claims rates of 1%, 4%, 9%,
    /// 25% and 100%. Writes exposure.csv, exposure.json and report.md into OUT.
    Exposure {
        /// Data folder.
        data_dir: PathBuf,
        /// Case file [default: DATA_DIR/case.toml].
        #[arg(long = "case", value_name = "FILE")]
        case_file: Option<PathBuf>,
        /// Output folder, of the tool's own, replaced as a whole when the run succeeds.
        #[arg(long, value_name = "DIR", default_value = "out-exposure")]
        out: PathBuf,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        threads: Threads,
        /// Print the wall time of each phase (reading each file, the census, writing) on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// What-if: decide every claim under two case files on one reading of the data, and write
    /// comparison.csv (the claims whose status, reasons or payment differ) and comparison.json
    /// (each case's totals, and the changes by pair of statuses) into OUT.
    Compare {
        /// Data folder.
        data_dir: PathBuf,
        /// The two case files, A then B: `--case A.toml --case B.toml`.
        #[arg(long = "case", value_name = "FILE", required = true, num_args = 1)]
        cases: Vec<PathBuf>,
        /// Output folder, of the tool's own, replaced as a whole when the run succeeds.
        #[arg(long, value_name = "DIR", default_value = "out-compare")]
        out: PathBuf,
        /// No table of changes on the terminal.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        threads: Threads,
        /// Print the wall time of each phase (reading each file, deciding, writing) on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Write a deterministic synthetic data folder (with a case.toml) of N members.
    Generate {
        /// Folder to write (created if needed; files in it are replaced).
        out_dir: PathBuf,
        /// Number of class members.
        #[arg(long)]
        members: u64,
        /// Seed: the same seed and size always give the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Average evidence rows per member (to measure how memory follows the evidence size).
        #[arg(long, value_name = "N", default_value_t = 20)]
        evidence_per_member: u64,
        /// Order of evidence.csv's rows: time (as logs are exported), member (each member's rows
        /// together) or shuffled.
        #[arg(long, value_name = "ORDER", default_value = "time")]
        evidence_order: premium_claims::EvidenceOrder,
        /// Evidence rows in one tidy form (Z or -07:00 offsets, whole seconds, lower-case kinds,
        /// no quotes) instead of the mix of forms real exports have.
        #[arg(long)]
        tidy: bool,
        /// Also add a distribution: a [distribution] table in case.toml, and payment_events.csv,
        /// tax_forms.csv, notices.csv and objections.csv made from the decisions on the folder
        /// (the other files are the same bytes with or without it).
        #[arg(long)]
        distribution: bool,
    },
}

/// Exit code for rejected rows (`check`, and `process --strict`).
const REJECTED_ROWS: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process {
            data_dir,
            case_file,
            out,
            strict,
            quiet,
            threads,
            timings,
        } => {
            let folder = threads.on(data_folder(data_dir, case_file));
            let options = Options {
                strict,
                quiet,
                timings,
            };
            process(&folder, &out, options)
        }
        Command::Distribute {
            data_dir,
            as_of,
            case_file,
            out,
            quiet,
            threads,
            timings,
        } => {
            let Ok(as_of) = premium_claims::parse_date(as_of.trim()) else {
                eprintln!("error: --as-of: '{as_of}' is not a date (YYYY-MM-DD)");
                return ExitCode::from(2);
            };
            let options = Options {
                strict: false,
                quiet,
                timings,
            };
            let folder = threads.on(data_folder(data_dir, case_file));
            distribute(&folder, as_of, &out, options)
        }
        Command::Check {
            data_dir,
            case_file,
            threads,
        } => check(&threads.on(data_folder(data_dir, case_file))),
        Command::Explain {
            data_dir,
            claim_id,
            case_file,
            json,
            as_of,
            threads,
        } => {
            let as_of = match as_of.map(|d| premium_claims::parse_date(d.trim())) {
                None => None,
                Some(Ok(d)) => Some(d),
                Some(Err(_)) => {
                    eprintln!("error: --as-of: not a date (YYYY-MM-DD)");
                    return ExitCode::from(2);
                }
            };
            // The trace names no input file's SHA-256.
            let folder = threads
                .on(data_folder(data_dir, case_file))
                .with_fingerprints(false);
            explain(&folder, &claim_id, json, as_of)
        }
        Command::Intake {
            data_dir,
            case_file,
            threads,
            timings,
        } => intake(&threads.on(data_folder(data_dir, case_file)), timings),
        Command::Exposure {
            data_dir,
            case_file,
            out,
            quiet,
            threads,
            timings,
        } => exposure(
            &threads.on(data_folder(data_dir, case_file)),
            &out,
            quiet,
            timings,
        ),
        Command::Compare {
            data_dir,
            cases,
            out,
            quiet,
            threads,
            timings,
        } => compare(
            &threads.on(DataFolder::new(data_dir)),
            &cases,
            &out,
            quiet,
            timings,
        ),
        Command::Generate {
            out_dir,
            members,
            seed,
            evidence_per_member,
            evidence_order,
            tidy,
            distribution,
        } => {
            let mut plan = premium_claims::Plan::new(members, seed);
            plan.evidence_per_member = evidence_per_member;
            plan.evidence_order = evidence_order;
            plan.tidy = tidy;
            generate(&out_dir, plan, distribution)
        }
        Command::Verify {
            out_dir,
            data_dir,
            case_file,
            threads,
        } => verify(&out_dir, &threads.on(data_folder(data_dir, case_file))),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// The data folder, with its own case.toml unless `--case` names another.
fn data_folder(dir: PathBuf, case_file: Option<PathBuf>) -> DataFolder {
    let folder = DataFolder::new(dir);
    match case_file {
        Some(file) => folder.with_case_file(file),
        None => folder,
    }
}

/// `--threads`, taken by every command that reads the data folder.
#[derive(Args, Clone, Copy)]
struct Threads {
    /// Threads reading the large files and deciding the claims or taking the census [default:
    /// the number of cores]. Results never depend on it.
    #[arg(long = "threads", value_name = "N")]
    count: Option<usize>,
}

impl Threads {
    /// `folder` read, and its data decided, on this many threads when given (the number of
    /// cores otherwise).
    fn on(self, folder: DataFolder) -> DataFolder {
        match self.count {
            Some(n) => folder.with_threads(n),
            None => folder,
        }
    }
}

/// How `process` runs.
#[derive(Clone, Copy)]
struct Options {
    strict: bool,
    quiet: bool,
    timings: bool,
}

fn process(folder: &DataFolder, out: &Path, options: Options) -> Result<ExitCode, String> {
    let Options {
        strict,
        quiet,
        timings,
    } = options;
    require_folder(folder)?;
    output::check_out_dir(out)?;
    let mut clock = Stopwatch::new(timings);
    let data = if quiet {
        folder.load(&mut clock.watch(&mut NoProgress))
    } else {
        folder.load(&mut clock.watch(&mut Bar::new()))
    }
    .map_err(|e| e.to_string())?;
    if strict && !data.rejected.is_empty() {
        eprintln!(
            "error: {} input rows rejected (--strict: nothing written)",
            data.rejected.len()
        );
        print_rejected(
            &data,
            10,
            "`process` without --strict lists every one in rejected_rows.csv",
        );
        return Ok(ExitCode::from(REJECTED_ROWS));
    }
    let decisions = premium_claims::decide(&data).map_err(|e| e.to_string())?;
    clock.lap("decide");
    let files = output::render(&data, &decisions).map_err(|e| e.to_string())?;
    clock.lap("render");
    output::write_atomically(out, &files).map_err(|e| format!("cannot write outputs: {e}"))?;
    clock.lap("write");
    if !quiet {
        let counts = output::ClaimCounts::of(&decisions);
        let m = &decisions.money;
        out!("{} ({})", data.case.name, data.case.docket);
        out!("claims determined: {}", decisions.determinations.len());
        for s in Status::ALL {
            out!("  {:<10} {}", s.as_str(), counts.status(s));
        }
        out!("rejected input rows: {}", data.rejected.len());
        if let Some(w) = &m.waterfall {
            out!("gross fund:           {:>16}", w.gross);
            out!("  attorney fees:      {:>16}", w.attorney_fees);
            out!("  litigation costs:   {:>16}", w.litigation_costs);
            out!("  administration:     {:>16}", w.administration_costs);
            out!("  service awards:     {:>16}", w.service_awards);
            out!("net fund:             {:>16}", w.net);
            out!("  paid to claimants:  {:>16}", m.paid);
            out!("  residual:           {:>16}", m.residual);
        } else {
            out!("entitled = paid:      {:>16}", m.paid);
        }
        out!("outputs written to {}", out.display());
    }
    // The process ends here: the operating system takes the memory back at once, where freeing
    // millions of records one by one would take a second or more on a large class.
    std::mem::forget(files);
    std::mem::forget(decisions);
    std::mem::forget(data);
    Ok(ExitCode::SUCCESS)
}

fn distribute(
    folder: &DataFolder,
    as_of: premium_claims::NaiveDate,
    out: &Path,
    options: Options,
) -> Result<ExitCode, String> {
    let Options { quiet, timings, .. } = options;
    require_folder(folder)?;
    output::check_out_dir(out)?;
    let mut clock = Stopwatch::new(timings);
    let mut data = if quiet {
        folder.load(&mut clock.watch(&mut NoProgress))
    } else {
        folder.load(&mut clock.watch(&mut Bar::new()))
    }
    .map_err(|e| e.to_string())?;
    if data.case.distribution.is_none() {
        return Err(format!(
            "{}: the case file has no [distribution] table (first_issue_date, check_void_days)",
            folder
                .case_file()
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ));
    }
    // The distribution's files are read while the claims are decided: neither needs the other.
    let (files, decisions) = std::thread::scope(|scope| {
        let files = scope.spawn(|| folder.load_distribution(&data));
        let decisions = premium_claims::decide(&data);
        let files = files
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (files, decisions)
    });
    let mut files = files.map_err(|e| e.to_string())?;
    let decisions = decisions.map_err(|e| e.to_string())?;
    clock.lap("read distribution files and decide");
    let (outputs, accounting) =
        output::distribute(&mut data, &decisions, &mut files, as_of).map_err(|e| e.to_string())?;
    clock.lap("ledger and render");
    output::write_atomically(out, &outputs).map_err(|e| format!("cannot write outputs: {e}"))?;
    clock.lap("write");
    if !quiet {
        let r = &accounting.reconciliation;
        out!("{} ({})", data.case.name, data.case.docket);
        out!("as of {}", accounting.as_of);
        out!(
            "payments: {} first, {} second",
            accounting.first_distribution.by_state[..6]
                .iter()
                .map(|c| c.count)
                .sum::<u64>(),
            accounting.second_distribution.payments.len()
        );
        out!(
            "payment events: {} applied, {} after the date, {} rejected",
            accounting.events.applied,
            accounting.events.after_as_of,
            accounting.events.rejected
        );
        out!("rejected input rows: {}", data.rejected.len());
        for (name, amount) in r.buckets() {
            out!("  {:<34} {:>16}", name, amount);
        }
        out!("  {:<34} {:>16}", "total", r.total);
        out!("outputs written to {}", out.display());
    }
    std::mem::forget(outputs);
    std::mem::forget(decisions);
    std::mem::forget(data);
    Ok(ExitCode::SUCCESS)
}

fn compare(
    folder: &DataFolder,
    cases: &[PathBuf],
    out: &Path,
    quiet: bool,
    timings: bool,
) -> Result<ExitCode, String> {
    if cases.len() != 2 {
        eprintln!(
            "error: compare takes exactly two case files (--case A.toml --case B.toml), got {}",
            cases.len()
        );
        return Ok(ExitCode::from(2));
    }
    require_folder(folder)?;
    output::check_out_dir(out)?;
    let mut clock = Stopwatch::new(timings);
    // comparison.json names the case files by their SHA-256, never the data's files.
    let both = folder
        .clone()
        .with_fingerprints(false)
        .load_cases(cases, &mut clock.watch(&mut NoProgress))
        .map_err(|e| e.to_string())?;
    let (a, b) = (&both[0], &both[1]);
    let decisions_a = premium_claims::decide(a).map_err(|e| e.to_string())?;
    let decisions_b = premium_claims::decide(b).map_err(|e| e.to_string())?;
    clock.lap("decide");
    let comparison = premium_claims::Comparison::of((a, &decisions_a), (b, &decisions_b));
    let files = comparison.render().map_err(|e| e.to_string())?;
    clock.lap("compare and render");
    output::write_atomically(out, &files).map_err(|e| format!("cannot write outputs: {e}"))?;
    clock.lap("write");
    if !quiet {
        let name = |t: &premium_claims::CaseTotals| t.file.clone().unwrap_or_default();
        out!("A: {}", name(&comparison.a));
        out!("B: {}", name(&comparison.b));
        out!("{:<12} {:>10} {:>10}", "", "A", "B");
        for s in Status::ALL {
            let i = s as usize;
            out!(
                "{:<12} {:>10} {:>10}",
                s.as_str(),
                comparison.a.by_status[i],
                comparison.b.by_status[i]
            );
        }
        out!(
            "{:<12} {:>16} {:>16}",
            "entitled",
            comparison.a.entitled,
            comparison.b.entitled
        );
        out!(
            "{:<12} {:>16} {:>16}",
            "paid",
            comparison.a.paid,
            comparison.b.paid
        );
        out!("claims decided differently: {}", comparison.changes.len());
        for (pair, n) in comparison.change_counts() {
            out!("  {pair:<26} {n:>8}");
        }
        out!("outputs written to {}", out.display());
    }
    std::mem::forget(both);
    Ok(ExitCode::SUCCESS)
}

/// `folder` loaded with every member kept, and its census.
fn census_of(
    folder: &DataFolder,
    clock: &mut Stopwatch,
) -> Result<(premium_claims::Dataset, premium_claims::Exposure), String> {
    // The census's report names each input by its SHA-256, as `process`'s does.
    let folder = folder
        .clone()
        .with_loading(premium_claims::Loading::EveryMember);
    let data = folder
        .load(&mut clock.watch(&mut NoProgress))
        .map_err(|e| e.to_string())?;
    let census = premium_claims::exposure(&data).map_err(|e| e.to_string())?;
    clock.lap("census");
    Ok((data, census))
}

fn exposure(
    folder: &DataFolder,
    out: &Path,
    quiet: bool,
    timings: bool,
) -> Result<ExitCode, String> {
    require_folder(folder)?;
    output::check_out_dir(out)?;
    let mut clock = Stopwatch::new(timings);
    let (data, census) = census_of(folder, &mut clock)?;
    let files = census.render().map_err(|e| e.to_string())?;
    clock.lap("render");
    output::write_atomically(out, &files).map_err(|e| format!("cannot write outputs: {e}"))?;
    clock.lap("write");
    if !quiet {
        out!("{} ({})", data.case.name, data.case.docket);
        out!("class members:        {:>12}", census.class_members());
        if !data.rejected.is_empty() {
            out!(
                "rejected input rows:  {:>12}  (`check` lists the first; `process` writes them all to rejected_rows.csv)",
                data.rejected.len()
            );
        }
        out!("eligible:             {:>12}", census.eligible);
        for reason in premium_claims::census_rules() {
            let n = census.by_reason[reason as usize];
            if n > 0 {
                out!("  {:<28} {n:>10}", reason.code());
            }
        }
        out!("statutory exposure:   {:>16}", census.statutory_exposure);
        out!("claims rate  claimants      entitlement   per claimant (fund)");
        for s in &census.scenarios {
            let per = s
                .per_claimant
                .map(|p| format!("{} - {}", p.smallest, p.largest))
                .unwrap_or_default();
            out!(
                "  {:>6}  {:>10}  {:>16}   {per}",
                s.rate,
                s.claimants,
                s.total_entitlement
            );
        }
        out!("outputs written to {}", out.display());
    }
    // As in `process`: exit without freeing a million records one by one.
    std::mem::forget(files);
    std::mem::forget(census);
    std::mem::forget(data);
    Ok(ExitCode::SUCCESS)
}

/// Longest input line `intake` reads whole; a longer one is answered with an error.
const MAX_INTAKE_LINE: usize = 1 << 20;

fn intake(folder: &DataFolder, timings: bool) -> Result<ExitCode, String> {
    require_folder(folder)?;
    let mut clock = Stopwatch::new(timings);
    // The desk's answers never name the input files: their SHA-256 would be a second reading of
    // every file for nothing.
    let folder = folder
        .clone()
        .with_loading(premium_claims::Loading::EveryMember)
        .with_fingerprints(false);
    let data = folder
        .load(&mut clock.watch(&mut NoProgress))
        .map_err(|e| e.to_string())?;
    let mut desk = premium_claims::Desk::new(data).map_err(|e| e.to_string())?;
    clock.lap("desk");
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut buffer = Vec::new();
    let mut number = 0u64;
    loop {
        buffer.clear();
        let (read, complete) = read_bounded_line(&mut input, &mut buffer, MAX_INTAKE_LINE)
            .map_err(|e| format!("standard input: {e}"))?;
        if read == 0 {
            break;
        }
        number += 1;
        let answer = if !complete {
            Err(format!("line longer than {MAX_INTAKE_LINE} bytes"))
        } else {
            intake_line(&mut desk, &buffer)
        };
        let json = match answer {
            Ok(answer) => serde_json::to_string(&answer),
            Err(error) => {
                serde_json::to_string(&serde_json::json!({"line": number, "error": error}))
            }
        }
        .map_err(|e| e.to_string())?;
        out!("{json}");
    }
    // As in `process`: the operating system takes the memory back at once, where freeing every
    // member's facts one by one takes about a second on a class of a million.
    std::mem::forget(desk);
    Ok(ExitCode::SUCCESS)
}

/// Reads one line (without its `\n` or `\r\n`) into `buffer`, keeping at most `limit` bytes and
/// skipping the rest. Returns the bytes consumed and whether the line fit.
fn read_bounded_line(
    input: &mut impl std::io::BufRead,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut fits = true;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        let (chunk, done) = match memchr_newline(available) {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if buffer.len() + chunk.len() <= limit {
            buffer.extend_from_slice(chunk);
        } else {
            fits = false;
        }
        let used = done.unwrap_or(available.len());
        input.consume(used);
        consumed += used;
        if done.is_some() {
            break;
        }
    }
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Ok((consumed, fits))
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// One JSON object of claim fields, checked and filed at the desk.
fn intake_line(
    desk: &mut premium_claims::Desk,
    line: &[u8],
) -> Result<premium_claims::Answer, String> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("not a JSON object: {e}"))?;
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    // The same checks as a claims.csv row, through the claim's own deserialisation.
    let claim: premium_claims::Claim = serde_json::from_value(value).map_err(|e| e.to_string())?;
    desk.file(claim).map_err(|p| p.to_string())
}

fn check(folder: &DataFolder) -> Result<ExitCode, String> {
    require_folder(folder)?;
    // What is checked is every row; the files' SHA-256 is printed by nothing here.
    let folder = folder.clone().with_fingerprints(false);
    let mut data = folder.load(&mut NoProgress).map_err(|e| e.to_string())?;
    // The distribution's files too, row by row (whether events fit their payments depends on a
    // date: `distribute` judges that).
    let files = folder.load_distribution(&data).map_err(|e| e.to_string())?;
    let distribution_rejected = !files.rejected.is_empty();
    data.rejected.extend(files.rejected);
    out!(
        "{:<20} {:>12} {:>12} {:>12}",
        "file",
        "rows",
        "accepted",
        "rejected"
    );
    for (file, s) in data.inputs.iter().chain(&files.inputs) {
        out!(
            "{:<20} {:>12} {:>12} {:>12}",
            file.name(),
            s.rows,
            s.accepted,
            s.rejected
        );
    }
    if data.rejected.is_empty() {
        out!("no rows rejected");
        Ok(ExitCode::SUCCESS)
    } else {
        // The distribution's files are read by `distribute`, not by `process`.
        let rest = if distribution_rejected {
            "`process` lists every one of the six input files' in rejected_rows.csv, `distribute` those of the distribution's files"
        } else {
            "`process` lists every one in rejected_rows.csv"
        };
        print_rejected(&data, 20, rest);
        Ok(ExitCode::from(REJECTED_ROWS))
    }
}

fn explain(
    folder: &DataFolder,
    claim_id: &str,
    json: bool,
    as_of: Option<premium_claims::NaiveDate>,
) -> Result<ExitCode, String> {
    let id = ClaimId::parse(claim_id.trim())
        .ok_or_else(|| format!("claim id '{claim_id}' is not a UUID"))?;
    let data = folder.load(&mut NoProgress).map_err(|e| e.to_string())?;
    let decisions = premium_claims::decide(&data).map_err(|e| e.to_string())?;
    let explanation = premium_claims::explain(&data, &decisions, id)
        .ok_or_else(|| format!("claims.csv: no accepted claim has id {id}"))?;
    let history = payment_history(folder, &data, &decisions, id, as_of)?;
    if json {
        let mut value = serde_json::to_value(&explanation).map_err(|e| e.to_string())?;
        if let Some(history) = &history {
            value["payment_history"] = serde_json::to_value(history).map_err(|e| e.to_string())?;
        }
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        out!("{text}");
    } else {
        out_raw!("{explanation}");
        if let Some(history) = &history {
            out_raw!("{history}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The payment history of a paid claim, when the folder has payment events and the case a
/// [distribution] table; as of `as_of`, by default the date of the folder's latest event.
fn payment_history(
    folder: &DataFolder,
    data: &Dataset,
    decisions: &premium_claims::Decisions,
    id: ClaimId,
    as_of: Option<premium_claims::NaiveDate>,
) -> Result<Option<premium_claims::PaymentHistory>, String> {
    let Some(config) = &data.case.distribution else {
        return Ok(None);
    };
    if !folder.dir().join("payment_events.csv").exists() {
        return Ok(None);
    }
    let files = folder.load_distribution(data).map_err(|e| e.to_string())?;
    let as_of = as_of.unwrap_or_else(|| {
        files
            .events
            .iter()
            .map(|e| e.on)
            .max()
            .unwrap_or(config.first_issue_date)
            .max(config.first_issue_date)
    });
    let paid = premium_claims::payments(data, decisions);
    let ledger = premium_claims::Ledger::build(
        &data.case,
        decisions,
        &paid,
        &files.events,
        &files.tax_forms,
        as_of,
    )
    .map_err(|e| e.to_string())?;
    Ok(premium_claims::PaymentHistory::of(
        &ledger,
        &files.events,
        id,
    ))
}

fn verify(out: &Path, folder: &DataFolder) -> Result<ExitCode, String> {
    require_folder(folder)?;
    // A folder written by `exposure` is re-made by the census, every member kept.
    if out.join("exposure.json").is_file() {
        let (_data, census) = census_of(folder, &mut Stopwatch::new(false))?;
        let files = census.render().map_err(|e| e.to_string())?;
        return verified(out, folder.dir(), &files);
    }
    let mut data = folder.load(&mut NoProgress).map_err(|e| e.to_string())?;
    let decisions = premium_claims::decide(&data).map_err(|e| e.to_string())?;
    // A folder written by `distribute` says in its accounting.json the date it stood at: all ten
    // files are then re-made as of that date.
    let as_of = std::fs::read(out.join("accounting.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|json| json["as_of"].as_str().map(str::to_string))
        .and_then(|date| premium_claims::parse_date(&date).ok());
    let files = match as_of {
        Some(as_of) => {
            let mut distribution = folder.load_distribution(&data).map_err(|e| e.to_string())?;
            output::distribute(&mut data, &decisions, &mut distribution, as_of)
                .map_err(|e| e.to_string())?
                .0
        }
        None => output::render(&data, &decisions).map_err(|e| e.to_string())?,
    };
    verified(out, folder.dir(), &files)
}

/// Compares the output folder `out` with `files`, re-made from `data_dir`, and says so.
fn verified(out: &Path, data_dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<ExitCode, String> {
    let v = output::verify(out, files).map_err(|e| e.to_string())?;
    for d in &v.differences {
        out!("DIFFERENT {d}");
    }
    if v.differences.is_empty() {
        out!(
            "verified: {} match a re-run of the rules on {}{}",
            v.checked.join(", "),
            data_dir.display(),
            if files.iter().any(|(name, _)| *name == "summary.json") {
                " and the recorded fingerprints"
            } else {
                ""
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {}: {} difference(s) from a re-run of the rules",
            out.display(),
            v.differences.len()
        );
        Ok(ExitCode::from(1))
    }
}

fn generate(
    dir: &Path,
    plan: premium_claims::Plan,
    distribution: bool,
) -> Result<ExitCode, String> {
    let written =
        premium_claims::generate(dir, plan).map_err(|e| format!("{}: {e}", dir.display()))?;
    if distribution {
        let d = premium_claims::generate_distribution(dir, plan)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        out!(
            "distribution: {} payment events, {} tax forms, {} notices, {} objections",
            d.payment_events,
            d.tax_forms,
            d.notices,
            d.objections
        );
    }
    out!(
        "wrote {}: {} members, {} subscriptions, {} evidence rows, {} opt-outs, {} claims, {} cures",
        dir.display(),
        written.members,
        written.subscriptions,
        written.evidence,
        written.opt_outs,
        written.claims,
        written.cures
    );
    Ok(ExitCode::SUCCESS)
}

fn require_folder(folder: &DataFolder) -> Result<(), String> {
    if folder.dir().is_dir() {
        Ok(())
    } else {
        Err(format!("{}: data folder not found", folder.dir().display()))
    }
}

/// Prints the first `limit` rejected rows on stderr, then how many more there are and where
/// the whole list is written (`rest`: neither `check` nor `process --strict` writes it).
fn print_rejected(data: &Dataset, limit: usize, rest: &str) {
    for r in data.rejected.iter().take(limit) {
        // Values are withheld on the terminal: a misplaced one may be personal data.
        eprintln!(
            "rejected: {}:{}: {}",
            r.file,
            r.line,
            premium_claims::internals::input::withhold_values(&r.error)
        );
    }
    if data.rejected.len() > limit {
        eprintln!(
            "rejected: ... and {} more ({rest})",
            data.rejected.len() - limit
        );
    }
}

/// Wall time per phase, printed on stderr when asked for (`--timings`).
struct Stopwatch {
    on: bool,
    started: Instant,
    last: Instant,
}

impl Stopwatch {
    fn new(on: bool) -> Self {
        let now = Instant::now();
        Stopwatch {
            on,
            started: now,
            last: now,
        }
    }

    /// Prints the time since the previous lap.
    fn lap(&mut self, phase: &str) {
        let now = Instant::now();
        if self.on {
            use std::io::Write;
            // A closed stderr (`2>&1 | head`) is no reason to stop the run.
            let _ = writeln!(
                std::io::stderr(),
                "timing: {phase:<18} {:>8.3} s (total {:.3} s)",
                (now - self.last).as_secs_f64(),
                (now - self.started).as_secs_f64()
            );
        }
        self.last = now;
    }

    /// Progress that also times each file.
    fn watch<'a>(&'a mut self, inner: &'a mut dyn Progress) -> Watched<'a> {
        Watched { clock: self, inner }
    }
}

/// Progress passed on to `inner`, with a lap at the end of each file.
struct Watched<'a> {
    clock: &'a mut Stopwatch,
    inner: &'a mut dyn Progress,
}

impl Progress for Watched<'_> {
    fn start(&mut self, file: InputFile, bytes: u64) {
        self.inner.start(file, bytes);
    }

    fn advance(&mut self, bytes: u64, rows: u64) {
        self.inner.advance(bytes, rows);
    }

    fn finish(&mut self, file: InputFile, stats: &FileStats) {
        self.inner.finish(file, stats);
        self.clock.lap(file.name());
    }
}

/// A progress bar on stderr, shown only on a terminal and only once a run passes one second.
struct Bar {
    bar: ProgressBar,
    started: Instant,
    visible: bool,
    terminal: bool,
    file: &'static str,
}

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>18} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Bar {
            bar,
            started: Instant::now(),
            visible: false,
            file: "",
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&mut self, file: InputFile, bytes: u64) {
        self.file = file.name();
        self.bar.set_length(bytes);
        self.bar.set_position(0);
        self.bar.set_message(file.name());
    }

    fn advance(&mut self, bytes: u64, rows: u64) {
        if !self.visible && self.terminal && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.visible = true;
        }
        self.bar.set_position(bytes);
        if self.visible {
            self.bar.set_message(format!("{} {rows} rows", self.file));
        }
    }

    fn finish(&mut self, _file: InputFile, _stats: &FileStats) {
        self.bar.set_position(self.bar.length().unwrap_or(0));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
