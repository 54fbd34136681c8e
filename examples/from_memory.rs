//! Records from anywhere: the bundled example folder read row by row as a database would hand
//! the rows over (files in reverse order: cures before the claims they cure, evidence before the
//! members it is about), built into a dataset, decided and rendered. The outputs are compared
//! byte for byte with those of the same folder read from its files.
//!
//! Run with `cargo run --example from_memory`. Written against the public API only.

use std::path::Path;

use premium_claims::{decide, render, Case, DataFolder, Dataset, InputFile, NoProgress};

type Outputs = Vec<(&'static str, Vec<u8>)>;

fn outputs(data: &Dataset) -> Result<Outputs, Box<dyn std::error::Error>> {
    Ok(render(data, &decide(data)?)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
    let case: Case = std::fs::read_to_string(dir.join("case.toml"))?.parse()?;

    let mut builder = Dataset::builder(case);
    let mut records = 0;
    for file in InputFile::ALL.iter().rev() {
        let bytes = std::fs::read(dir.join(file.name()))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&bytes[..]);
        let names: Vec<String> = reader
            .headers()?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut line = 1;
        let mut counted = 0;
        for record in reader.records() {
            let record = record?;
            // The record's line in the file, for the rejected-rows listing: one past the line
            // breaks before its first byte.
            let mut start = record.position().map_or(0, |p| p.byte() as usize);
            while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            line += bytes[counted..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            counted = start;
            builder.on_line(line);
            if record.len() == names.len() {
                builder.fields(*file, names.iter().map(String::as_str).zip(record.iter()));
            } else {
                // A record no table could hold: listed, not lost.
                let problem = format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    names.len()
                );
                builder.unreadable(*file, problem);
            }
            records += 1;
        }
    }
    let built = builder.build();
    let from_files = DataFolder::new(&dir).load(&mut NoProgress)?;

    let (a, b) = (outputs(&from_files)?, outputs(&built)?);
    for name in ["determinations.csv", "payments.csv", "rejected_rows.csv"] {
        let find = |files: &[(&str, Vec<u8>)]| {
            files
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.clone())
        };
        assert_eq!(find(&a), find(&b), "{name} differs");
        println!(
            "{name}: identical ({} bytes)",
            find(&a).map_or(0, |b| b.len())
        );
    }
    println!(
        "{records} records given in reverse file order; {} rejected, as from the files",
        built.rejected.len()
    );
    Ok(())
}
