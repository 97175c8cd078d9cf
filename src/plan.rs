//! The seed plan `build.rs` merged from `golden/` and `generated/`, embedded
//! in the library: every table in foreign-key order with its rows.

use std::sync::OnceLock;

use crate::merge::Plan;

static PLAN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/seed_plan.json"));

/// The merged, checked, ordered plan (parsed on first use).
pub fn seed_plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| serde_json::from_str(PLAN_JSON).expect("build.rs writes a valid plan"))
}

/// A fingerprint of the plan's contents (hex), for caching seeded templates.
pub fn fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(PLAN_JSON.as_bytes());
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}
