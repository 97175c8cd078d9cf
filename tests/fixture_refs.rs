//! Tests refer to golden fixtures by name, so removing or renaming one that
//! a test uses breaks the build. trybuild shows it with a real test file.

#[test]
fn a_renamed_golden_fixture_breaks_the_build() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/renamed_fixture.rs");
}
