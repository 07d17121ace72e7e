//! Bad input: each case in `tests/ui/` makes one mistake (or, where the name says so, several)
//! and its `.stderr` shows the error the user gets, spanned on the offending token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
