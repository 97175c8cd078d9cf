//! Tests refer to golden fixtures by name, so removing or renaming one that
//! a test uses breaks the build. trybuild shows it with a real test file.

#[test]
fn a_renamed_golden_fixture_breaks_the_build() {
    // trybuild's generated project has no profile of its own, so build
    // scripts would run unoptimised (build.rs parses every fixture file).
    // Optimise them as the crate's profile does, and exactly as
    // tests/compile_fail.rs checks in this same target directory
    // (`<target>/tests/trybuild`), so the two share their built dependencies.
    std::env::set_var("CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL", "2");
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/renamed_fixture.rs");
}
