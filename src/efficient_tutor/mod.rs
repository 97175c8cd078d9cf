//! EfficientTutor: the project this repository ships. Its description
//! (baseline, migrations, anonymization rules, database and variable names)
//! is data, in `et-testdb.toml`; what cannot be data lives here: the
//! `passwords` step, the synthetic production database the demo dump is
//! made from, and the pipeline that runs every step in order.

pub mod demo;
pub mod passwords;
pub mod pipeline;

/// The migration setting file 012 reads the two discounted siblings from
/// (`[migrations.settings]` in et-testdb.toml holds the demo database's).
pub const DISCOUNT_SIBLINGS_SETTING: &str = "et_testdb.discount_siblings";

/// The setting's value for two siblings, `[["First","Last"],…]`.
pub fn discount_siblings_value(siblings: &[(String, String)]) -> String {
    let pairs: Vec<[&String; 2]> = siblings.iter().map(|(f, l)| [f, l]).collect();
    serde_json::to_string(&pairs).expect("names serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::project::Project;

    #[test]
    fn the_project_file_names_the_demo_databases_siblings() {
        let project =
            Project::read(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("et-testdb.toml"))
                .unwrap();
        let demo: Vec<(String, String)> = demo::DISCOUNT_SIBLINGS
            .iter()
            .map(|(f, l)| (f.to_string(), l.to_string()))
            .collect();
        assert_eq!(
            project.migration_settings.get(DISCOUNT_SIBLINGS_SETTING),
            Some(&discount_siblings_value(&demo))
        );
    }
}
