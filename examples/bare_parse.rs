//! The baseline the end-to-end benchmark compares with: a bare single-threaded
//! `csv::Reader::read_byte_record` over the five data files of a folder, doing nothing per row.
//!
//! `cargo run --release --example bare_parse -- DATA_DIR` prints rows, bytes and seconds.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: bare_parse DATA_DIR")?;
    let started = Instant::now();
    let (mut rows, mut bytes) = (0u64, 0u64);
    for name in [
        "members.csv",
        "subscriptions.csv",
        "evidence.csv",
        "opt_outs.csv",
        "claims.csv",
    ] {
        let path = std::path::Path::new(&dir).join(name);
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        bytes += file.metadata()?.len();
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            rows += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("bare_parse rows={rows} bytes={bytes} seconds={seconds:.3}");
    Ok(())
}
