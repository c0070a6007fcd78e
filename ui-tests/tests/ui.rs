//! Compile-time diagnostics of the derives (trybuild). Bless new snapshots with
//! `TRYBUILD=overwrite cargo test -p paywire-ui-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/compile-fail/*/*.rs");
    t.pass("ui/compile-pass/*.rs");
}
