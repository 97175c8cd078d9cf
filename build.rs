//! Build script. For now it only declares what it depends on; the fixture
//! merge (golden/ + generated/ → seed plan in OUT_DIR) lands with step 5.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=golden");
    println!("cargo:rerun-if-changed=generated");
}
