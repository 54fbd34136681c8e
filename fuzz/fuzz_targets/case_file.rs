//! Fuzzes the case-file parser (`str::parse::<Case>`) with arbitrary bytes (as UTF-8 when they
//! are, lossily converted otherwise). It must never panic; a case it accepts must satisfy the
//! contract's validation rules (SPEC §1, §7), and its attorney fees must equal an independent
//! computation of gross x rate rounded half away from zero (SPEC §4).
#![no_main]

use libfuzzer_sys::fuzz_target;
use premium_claims::{Case, CaseError};
use premium_claims::Waterfall;
use premium_claims::Cents;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match text.parse::<Case>() {
        Ok(case) => check(&case),
        Err(CaseError::Key { key, message }) => {
            assert!(!message.is_empty(), "empty message for key {key:?}");
        }
        Err(CaseError::Syntax(_)) => {}
        Err(other) => panic!("an error of a kind the case file cannot give: {other:?}"),
    }
});

fn check(case: &Case) {
    assert!(!case.name.trim().is_empty() && !case.docket.trim().is_empty());
    let class = &case.class;
    for w in [&class.message_window, &class.disclosure_window] {
        assert!(w.start <= w.end, "window end precedes start: {w:?}");
    }
    assert!(!class.countries.is_empty() && !class.premium_tiers.is_empty());
    for c in &class.countries {
        assert!(
            c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()),
            "country {c:?}"
        );
    }
    let in_range = |c: Cents| (0..=Cents::MAX_INPUT).contains(&c.0);
    let d = &case.damages;
    assert!(in_range(d.statutory_minimum), "statutory_minimum {:?}", d.statutory_minimum);
    assert!(in_range(d.punitive_per_person), "punitive {:?}", d.punitive_per_person);
    if let Some(fund) = &case.fund {
        // The rate as written back: "0", "1" or "0." and digits (trailing zeros removed).
        let rate = fund.attorney_fee_rate.to_string();
        let fraction = match rate.as_str() {
            "0" | "1" => "",
            r => r.strip_prefix("0.").unwrap_or_else(|| panic!("fee rate {r:?} outside [0, 1]")),
        };
        assert!(
            fraction.bytes().all(|b| b.is_ascii_digit()) && !fraction.ends_with('0'),
            "fee rate {rate:?} is not a plain decimal"
        );
        // Reference fees for rates of up to 20 decimals (gross <= 10^17 cents, so gross x digits
        // fits in an i128): floor((2 x gross x F + 10^k) / (2 x 10^k)) is half away from zero.
        if fraction.len() <= 20 {
            let k = fraction.len() as u32;
            let f: i128 = if rate == "1" { 1 } else { fraction.parse().unwrap_or(0) };
            let scale = if rate == "1" { 1 } else { 10i128.pow(k) };
            let expected = (2 * fund.gross.0 * f + scale) / (2 * scale);
            let fees = premium_claims::internals::attorney_fees(fund);
            assert_eq!(fees.0, expected, "fees of {:?} at rate {rate}", fund.gross);
        }
        for c in [
            fund.gross,
            fund.litigation_costs,
            fund.administration_costs,
            fund.minimum_payment,
        ] {
            assert!(in_range(c), "fund amount {c:?}");
        }
        for a in &fund.service_awards {
            assert!(in_range(a.amount), "service award {a:?}");
        }
        let w = Waterfall::of(fund);
        assert!(w.attorney_fees.0 >= 0 && w.attorney_fees <= fund.gross, "fees {w:?}");
        assert!(w.net.0 >= 0, "deductions exceed the gross fund but the case was accepted: {w:?}");
        assert_eq!(
            w.gross,
            w.attorney_fees + w.litigation_costs + w.administration_costs + w.service_awards + w.net,
            "waterfall does not add up"
        );
    }
}
