//! The `cargo test` harness on the embedded cluster: what a test database
//! holds, that test databases are independent, dropped when the test passes
//! and kept when it fails, that threads and processes racing for the first
//! template build it exactly once, and that stale templates are dropped.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::Arc;

use et_testdb::engine::project::Project;
use et_testdb::engine::restore::quote_ident;
use et_testdb::engine::testing::{self, Server, Template, POOL_PREFIX, TEMPLATE_PREFIX};
use et_testdb::engine::{migrate, plan};
use et_testdb::test_db;

fn database_exists(name: &str) -> bool {
    let tpl = testing::template().expect("template");
    tpl.with_admin(|c| c.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]))
        .expect("query pg_database")
        .is_some()
}

#[test]
fn a_test_database_holds_the_v03_schema_history_and_every_fixture_row() {
    let db = test_db();
    assert!(
        db.name().starts_with(testing::CLONE_PREFIX),
        "{}",
        db.name()
    );
    let mut c = db.client();
    let admins: Option<String> = c
        .query_one("SELECT to_regclass('public.admins')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(admins.as_deref(), Some("admins"));
    let index: Option<String> = c
        .query_one(
            "SELECT to_regclass('public.one_master_admin_idx')::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(index.as_deref(), Some("one_master_admin_idx"));
    // The history says every file is applied, so `migrate` on it is a no-op.
    let versions: Vec<i32> = c
        .query(
            &format!(
                "SELECT version FROM {} ORDER BY version",
                migrate::HISTORY_TABLE
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: Vec<i32> = migrate::migrations()
        .unwrap()
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(versions, expected);
    // Every fixture row of the plan is there (nothing to count while it is empty).
    for table in &plan::seed_plan().tables {
        let want: usize = table.batches.iter().map(|b| b.rows.len()).sum();
        let got: i64 = c
            .query_one(
                &format!("SELECT count(*) FROM {}", quote_ident(&table.table)),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(got as usize, want, "rows of {}", table.table);
    }
    // The template itself is not connectable, so nobody can block clones.
    let tpl = db.template();
    let (is_template, allow): (bool, bool) = tpl
        .with_admin(|a| {
            a.query_one(
                "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1",
                &[&tpl.name()],
            )
        })
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!(is_template && !allow);
    assert!(tpl.name().starts_with(TEMPLATE_PREFIX));
}

#[test]
fn two_test_databases_are_independent() {
    let a = test_db();
    let b = test_db();
    assert_ne!(a.name(), b.name());
    let mut ca = a.client();
    let mut cb = b.client();
    ca.batch_execute("CREATE TABLE only_in_a (i int); INSERT INTO only_in_a VALUES (1);")
        .unwrap();
    let in_b: Option<String> = cb
        .query_one("SELECT to_regclass('public.only_in_a')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(in_b, None);
    // And the next clone does not see it either: the template is untouched.
    let c = test_db();
    let in_c: Option<String> = c
        .client()
        .query_one("SELECT to_regclass('public.only_in_a')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(in_c, None);
}

#[test]
fn a_passing_tests_database_is_dropped_even_with_an_open_connection() {
    let db = test_db();
    let name = db.name().to_string();
    let client = db.client();
    assert!(database_exists(&name));
    drop(db);
    assert!(!database_exists(&name), "{name} should be gone");
    drop(client);
}

#[test]
fn a_failing_tests_database_is_kept() {
    let mut name = String::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let db = test_db();
        name = db.name().to_string();
        panic!("deliberate failure to keep {}", db.name());
    }));
    assert!(result.is_err());
    assert!(!name.is_empty());
    assert!(database_exists(&name), "{name} should be kept");
    testing::template().unwrap().drop_db(&name).unwrap();
    assert!(!database_exists(&name));
}

#[test]
fn threads_get_their_own_databases_in_parallel() {
    let names: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                s.spawn(move || {
                    let db = test_db();
                    let mut c = db.client();
                    c.batch_execute(&format!(
                        "CREATE TABLE mine (i int); INSERT INTO mine VALUES ({i})"
                    ))
                    .unwrap();
                    let got: i32 = c.query_one("SELECT i FROM mine", &[]).unwrap().get(0);
                    assert_eq!(got, i);
                    db.name().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let distinct: BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), 8);
    for n in &names {
        assert!(!database_exists(n), "{n} should be dropped");
    }
}

#[test]
fn the_schema_check_reads_the_real_catalog() {
    let db = test_db();
    let project = Project::current().unwrap();
    let actual = testing::load_tables(&mut db.client(), project).unwrap();
    // A column the project file skips is not drift: extraction left it out.
    let text = std::fs::read_to_string(&project.path)
        .unwrap()
        .replace("skip = []", "skip = [\"admins.privileges\"]");
    let skipping = Project::parse(&project.path, &text).unwrap();
    let restricted = testing::load_tables(&mut db.client(), &skipping).unwrap();
    let admins_restricted = restricted.iter().find(|t| t.name == "admins").unwrap();
    assert!(
        admins_restricted
            .columns
            .iter()
            .all(|c| c.name != "privileges"),
        "{admins_restricted:?}"
    );
    let admins = actual.iter().find(|t| t.name == "admins").expect("admins");
    let cols: Vec<(&str, bool, bool)> = admins
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nullable, c.has_default))
        .collect();
    assert_eq!(
        cols,
        vec![("id", false, false), ("privileges", false, true)]
    );
    assert_eq!(admins.columns[1].pg_type, "admin_privilege_type");
    assert!(testing::schema_differences(&actual, &actual).is_empty());
    // Fixtures extracted before `admins` gained `privileges`:
    let mut old = actual.clone();
    old.iter_mut()
        .find(|t| t.name == "admins")
        .unwrap()
        .columns
        .retain(|c| c.name != "privileges");
    assert_eq!(
        testing::schema_differences(&old, &actual),
        vec!["column `admins.privileges` is in the database but not in generated/"]
    );
}

/// The check reads the catalog as extraction does (`schema::load`), so a
/// re-extracted schema compares equal: a NOT NULL domain makes its column
/// NOT NULL, and a generated column (which fixtures never carry) is left out.
#[test]
fn the_schema_check_reads_columns_as_extraction_does() {
    let db = test_db();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE DOMAIN drift_code AS text NOT NULL; \
             CREATE TABLE drift_probe ( \
               id int PRIMARY KEY, \
               code drift_code, \
               doubled int GENERATED ALWAYS AS (id * 2) STORED)",
        )
        .unwrap();
    let actual = testing::load_tables(&mut client, Project::current().unwrap()).unwrap();
    let probe = actual
        .iter()
        .find(|t| t.name == "drift_probe")
        .expect("drift_probe");
    let cols: Vec<(&str, &str, bool, bool)> = probe
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.pg_type.as_str(),
                c.nullable,
                c.has_default,
            )
        })
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id", "integer", false, false),
            ("code", "drift_code", false, false)
        ]
    );
}

/// Makes `name` look like a template built at `built_at` whose check found
/// `differences`; it appears complete, as a real build's does.
fn fake_template(admin: &mut postgres::Client, name: &str, built_at: i64, differences: &[&str]) {
    let tmp = quote_ident(&format!("et_test_fake_{name}"));
    let note = serde_json::json!({ "built_at": built_at, "differences": differences });
    for sql in [
        format!("DROP DATABASE IF EXISTS {tmp}"),
        format!("CREATE DATABASE {tmp}"),
        format!("COMMENT ON DATABASE {tmp} IS '{note}'"),
        format!("ALTER DATABASE {tmp} WITH IS_TEMPLATE true"),
        format!("ALTER DATABASE {tmp} RENAME TO {}", quote_ident(name)),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
}

/// Builds a second template (another fingerprint) on the same cluster: an
/// old template of a third fingerprint is dropped, a recent one is kept.
#[test]
fn building_a_template_drops_old_ones_of_other_fingerprints_only() {
    let (server, mut admin) = Server::from_env().unwrap();
    let pid = std::process::id();
    let old = format!("{TEMPLATE_PREFIX}old_{pid}");
    let recent = format!("{TEMPLATE_PREFIX}recent_{pid}");
    let fresh = format!("{TEMPLATE_PREFIX}fresh_{pid}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    fake_template(&mut admin, &old, 0, &[]);
    fake_template(&mut admin, &recent, now, &[]);
    let old_pool = format!("{POOL_PREFIX}old_{pid}_x");
    let recent_pool = format!("{POOL_PREFIX}recent_{pid}_x");
    for name in [&old_pool, &recent_pool] {
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(name)))
            .unwrap();
    }
    let tpl = Arc::new(Template::prepare_on(server, admin, &fresh, 0).unwrap());
    assert!(tpl.build_time().is_some(), "it was built here");
    // It clones like the shared one.
    let db = tpl.create_db().unwrap();
    drop(db);
    assert!(!database_exists(&old), "the old template is dropped");
    assert!(!database_exists(&old_pool), "and its pool");
    assert!(database_exists(&recent), "a recent one is kept");
    assert!(database_exists(&recent_pool), "with its pool");
    assert!(
        database_exists(&testing::template_name()),
        "today's template is never dropped by another build"
    );
    tpl.with_admin(|c| {
        for name in [&recent, &fresh, &recent_pool] {
            let q = quote_ident(name);
            c.batch_execute(&format!("ALTER DATABASE {q} WITH IS_TEMPLATE false"))?;
            c.batch_execute(&format!("DROP DATABASE {q}"))?;
        }
        Ok(())
    })
    .unwrap();
}

/// The helper of [`processes_racing_on_a_fresh_cluster_build_the_template_once`]:
/// one process asking for a test database.
#[test]
#[ignore = "run by processes_racing_on_a_fresh_cluster_build_the_template_once"]
fn race_helper() {
    let db = test_db();
    let tpl = db.template();
    println!(
        "RACE built={} template={} db={}",
        tpl.build_time().is_some(),
        tpl.name(),
        db.name()
    );
}

#[test]
fn processes_racing_on_a_fresh_cluster_build_the_template_once() {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        tempfile::Builder::new()
            .prefix("et-race-")
            .tempdir_in("/dev/shm")
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    let cluster_dir = base.path().join("c");
    let exe = std::env::current_exe().unwrap();
    // Spawned together, so they race for the cluster and the template.
    let started: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args(["--ignored", "--exact", "race_helper", "--nocapture"])
                .env("ET_TESTDB_CLUSTER_DIR", &cluster_dir)
                .env_remove(testing::TEST_DATABASE_URL_VAR)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = started
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut built = 0;
    let mut templates = BTreeSet::new();
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "a racing process failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("RACE "))
            .unwrap_or_else(|| panic!("no RACE line in:\n{stdout}"));
        if line.contains("built=true") {
            built += 1;
        }
        templates.insert(line.split(' ').nth(2).unwrap().to_string());
    }
    let removed = Command::new(env!("CARGO_BIN_EXE_cluster"))
        .arg("remove")
        .env("ET_TESTDB_CLUSTER_DIR", &cluster_dir)
        .output()
        .unwrap();
    assert!(removed.status.success(), "{removed:?}");
    assert_eq!(built, 1, "exactly one process builds the template");
    assert_eq!(templates.len(), 1, "{templates:?}");
}

/// The pooled databases of template `tpl`, sorted.
fn pooled(tpl: &Template) -> Vec<String> {
    let prefix = format!("{POOL_PREFIX}{}_", &tpl.name()[TEMPLATE_PREFIX.len()..]);
    tpl.with_admin(|c| {
        c.query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
            &[&prefix],
        )
    })
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Waits (without a time limit worth asserting on) for the background
/// refill to bring the pool to `n`.
fn wait_for_pool(tpl: &Template, n: usize) -> Vec<String> {
    for _ in 0..600 {
        let names = pooled(tpl);
        if names.len() >= n {
            return names;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "the pool of {} never reached {n}: {:?}",
        tpl.name(),
        pooled(tpl)
    );
}

#[test]
fn a_pooled_clone_is_claimed_by_rename_and_the_pool_refills() {
    let (server, admin) = Server::from_env().unwrap();
    let name = format!("{TEMPLATE_PREFIX}pool_{}", std::process::id());
    let tpl = Arc::new(Template::prepare_on(server, admin, &name, 2).unwrap());
    let before = wait_for_pool(&tpl, 2);
    assert_eq!(before.len(), 2, "never more than the size: {before:?}");
    let db = tpl.create_db().unwrap();
    let after_claim = pooled(&tpl);
    assert!(
        before.iter().any(|n| !after_claim.contains(n)),
        "one pooled database was renamed: {before:?} → {after_claim:?}"
    );
    // It is a full copy of the template, owned by the test now.
    let admins: Option<String> = db
        .client()
        .query_one("SELECT to_regclass('public.admins')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(admins.as_deref(), Some("admins"));
    let test_name = db.name().to_string();
    drop(db);
    assert!(!database_exists(&test_name));
    let refilled = wait_for_pool(&tpl, 2);
    assert_eq!(refilled.len(), 2);
    tpl.with_admin(|c| {
        for n in &refilled {
            c.batch_execute(&format!("DROP DATABASE {}", quote_ident(n)))?;
        }
        let q = quote_ident(&name);
        c.batch_execute(&format!("ALTER DATABASE {q} WITH IS_TEMPLATE false"))?;
        c.batch_execute(&format!("DROP DATABASE {q}"))
    })
    .unwrap();
}

/// A template whose build found stale fixtures: asking for a database fails
/// with one message that lists the differences and names the command.
#[test]
fn a_template_built_from_stale_fixtures_fails_with_one_message() {
    let (server, mut admin) = Server::from_env().unwrap();
    let name = format!("{TEMPLATE_PREFIX}stale_{}", std::process::id());
    let q = quote_ident(&name);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    fake_template(
        &mut admin,
        &name,
        now,
        &["column `admins.privileges` is in the database but not in generated/"],
    );
    let err = Template::prepare_on(server, admin, &name, 0).unwrap_err();
    let (_, mut admin) = Server::from_env().unwrap();
    admin
        .batch_execute(&format!("ALTER DATABASE {q} WITH IS_TEMPLATE false"))
        .unwrap();
    admin.batch_execute(&format!("DROP DATABASE {q}")).unwrap();
    assert!(
        matches!(err, testing::TestingError::StaleFixtures { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert_eq!(
        text,
        "the fixtures in generated/ were extracted from another schema than the project's baseline and migrations produce; 1 difference:\n  \
         - column `admins.privileges` is in the database but not in generated/\n\
         Re-extract the fixtures with `cargo run --bin extract`, then run the tests again."
    );
}

/// `TEST_DATABASE_URL` names the server: a reachable one is used (here the
/// embedded cluster's, through its URL), an unreachable one fails every
/// test with a message that names the variable.
#[test]
fn test_database_url_names_the_server() {
    let exe = std::env::current_exe().unwrap();
    let helper = |url: &str| {
        Command::new(&exe)
            .args(["--ignored", "--exact", "race_helper", "--nocapture"])
            .env(testing::TEST_DATABASE_URL_VAR, url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let tpl = testing::template().unwrap();
    let ok = helper(tpl.server().admin_url().expose());
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains(&format!("built=false template={} ", tpl.name())),
        "the helper reuses this process's template: {stdout}"
    );

    let bad = helper("postgresql://postgres@/postgres?host=/nonexistent-et-testdb&port=5432");
    assert!(!bad.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(
        all.contains("cannot reach the server for test databases")
            && all.contains("Check TEST_DATABASE_URL"),
        "{all}"
    );
}

/// The helper of [`a_baseline_that_clears_search_path_still_builds_the_template`]:
/// a process asking for a test database under another project file.
#[test]
#[ignore = "run by a_baseline_that_clears_search_path_still_builds_the_template"]
fn project_file_helper() {
    let db = test_db();
    println!("PROJECT built {}", db.name());
}

/// A baseline written by pg_dump ends its session with search_path ''
/// (Pagila's does): the template build must run the migrations and the
/// schema check in a session of their own, as the commands would.
#[test]
fn a_baseline_that_clears_search_path_still_builds_the_template() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.sql");
    std::fs::write(
        &baseline,
        std::fs::read_to_string(root.join("sql/v0.2_baseline.sql")).unwrap()
            + "\n-- as pg_dump writes it\nSELECT pg_catalog.set_config('search_path', '', false);\n",
    )
    .unwrap();
    let project = std::fs::read_to_string(root.join("et-testdb.toml"))
        .unwrap()
        .replace(
            "baseline = \"sql/v0.2_baseline.sql\"",
            &format!("baseline = {:?}", baseline.display().to_string()),
        )
        .replace(
            "migrations = \"sql/v0.3_migration\"",
            &format!(
                "migrations = {:?}",
                root.join("sql/v0.3_migration").display().to_string()
            ),
        );
    let project_file = dir.path().join("et-testdb.toml");
    std::fs::write(&project_file, project).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "project_file_helper", "--nocapture"])
        .env("ET_TESTDB_CONFIG", &project_file)
        .env("ET_TESTDB_POOL", "0")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PROJECT built"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
