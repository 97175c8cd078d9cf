//! The seed plan `build.rs` merged from `golden/` and `generated/`, embedded
//! in the library: every table in foreign-key order with its rows.

use std::sync::OnceLock;

use crate::engine::merge::Plan;

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

/// Problems reading or merging fixture sources at run time.
#[derive(Debug, thiserror::Error)]
#[error("the fixtures in {root} cannot be merged:\n  {}", problems.join("\n  "))]
pub struct PlanError {
    pub root: String,
    pub problems: Vec<String>,
}

/// The digest of the fixture sources the embedded plan was built from.
const SOURCES_DIGEST: &str = include_str!(concat!(env!("OUT_DIR"), "/sources_digest.txt"));

/// The plan for the fixture sources under `root` as they are now: the
/// embedded plan when they are the ones it was compiled from, else a fresh
/// merge ([`merge_sources`]).
pub fn plan_for_sources(
    root: &std::path::Path,
) -> Result<std::borrow::Cow<'static, Plan>, PlanError> {
    let files = crate::engine::merge::load::gather_sources(root).map_err(|e| PlanError {
        root: root.display().to_string(),
        problems: vec![e.to_string()],
    })?;
    if crate::engine::merge::load::sources_digest(&files) == SOURCES_DIGEST {
        Ok(std::borrow::Cow::Borrowed(seed_plan()))
    } else {
        merge_sources(root).map(std::borrow::Cow::Owned)
    }
}

/// Reads `generated/` and `golden/` under `root` now and merges them, exactly
/// as `build.rs` does at compile time. The pipeline seeds fixtures it has just
/// extracted this way, without recompiling.
pub fn merge_sources(root: &std::path::Path) -> Result<Plan, PlanError> {
    use crate::engine::merge::load::{gather_sources, load};
    let fail = |problems: Vec<String>| PlanError {
        root: root.display().to_string(),
        problems,
    };
    let files = gather_sources(root).map_err(|e| fail(vec![e.to_string()]))?;
    let loaded = load(&files).map_err(|es| fail(es.iter().map(|e| e.to_string()).collect()))?;
    crate::engine::merge::merge(&loaded.tables, loaded.rows)
        .map_err(|cs| fail(cs.iter().map(|c| c.to_string()).collect()))
}
