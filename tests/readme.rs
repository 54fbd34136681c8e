//! The README's notice table and the library's sentences are one source: this keeps them equal.

use premium_claims::Reason;

#[test]
fn the_readme_notice_table_is_the_library_s() {
    let readme = include_str!("../README.md");
    let rows: Vec<(&str, &str)> = readme
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("| `")?;
            let (code, rest) = rest.split_once("` | ")?;
            let sentence = rest.strip_suffix(" |")?;
            Reason::from_code(code).map(|_| (code, sentence))
        })
        .collect();
    let expected: Vec<(&str, &str)> = Reason::ALL.iter().map(|r| (r.code(), r.notice())).collect();
    assert_eq!(rows, expected);
}
