//! The listener attributes' compile errors, each pointing at the offending token. Snapshots are
//! for rustc 1.95; regenerate with `TRYBUILD=overwrite` and review the diff.

#[test]
fn listener_attribute_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
