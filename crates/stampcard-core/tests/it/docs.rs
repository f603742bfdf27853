//! Generated documentation stays fresh: `docs/error-codes.md` is rendered from the code table.
//! Run with `UPDATE_DOCS=1` to rewrite it.

use stampcard_core::error::error_codes_markdown;

#[test]
fn error_codes_doc_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/error-codes.md");
    let expected = error_codes_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(actual == expected, "docs/error-codes.md is stale: run `UPDATE_DOCS=1 cargo test -p stampcard-core`");
}
