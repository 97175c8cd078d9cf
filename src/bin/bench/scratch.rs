//! What the benchmarks share: scratch databases on the embedded cluster,
//! demo source databases migrated to v0.3 (kept between runs, keyed by the
//! demo fingerprint, because building a large one takes a minute), medians
//! and number formatting.

use et_testdb::efficient_tutor::demo::{self, DemoOptions};
use et_testdb::engine::cluster::Cluster;
use et_testdb::engine::config::DbUrl;
use et_testdb::engine::migrate::{self, MigrateOptions};
use et_testdb::engine::restore::quote_ident;

pub(crate) use crate::support::db;
pub use crate::support::BenchError;

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

/// A database on the embedded cluster, dropped when this goes out of scope
/// unless [`ScratchDb::keep`] was called.
pub struct ScratchDb {
    cluster: Cluster,
    name: String,
    keep: bool,
}

impl ScratchDb {
    /// Creates (dropping first if present) an empty database `name`.
    pub fn create(name: &str) -> Result<ScratchDb, BenchError> {
        let cluster = Cluster::ensure().map_err(BenchError::step)?;
        let mut admin = cluster
            .url("postgres")
            .connect()
            .map_err(db("connecting to the embedded cluster"))?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name)),
            format!("CREATE DATABASE {}", quote_ident(name)),
        ] {
            admin.batch_execute(&sql).map_err(db(sql.clone()))?;
        }
        Ok(ScratchDb {
            cluster,
            name: name.to_string(),
            keep: false,
        })
    }

    /// Creates (dropping first if present) `name` as a copy of this database
    /// (`CREATE DATABASE … TEMPLATE`: nobody may be connected to this one).
    pub fn copy(&self, name: &str) -> Result<ScratchDb, BenchError> {
        let mut admin = self
            .cluster
            .url("postgres")
            .connect()
            .map_err(db("connecting to the embedded cluster"))?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name)),
            format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_ident(name),
                quote_ident(&self.name)
            ),
        ] {
            admin.batch_execute(&sql).map_err(db(sql.clone()))?;
        }
        Ok(ScratchDb {
            cluster: self.cluster.clone(),
            name: name.to_string(),
            keep: false,
        })
    }

    /// The database's URL.
    pub fn url(&self) -> DbUrl {
        self.cluster.url(&self.name)
    }

    /// A new connection.
    pub fn connect(&self) -> Result<postgres::Client, BenchError> {
        self.url()
            .connect()
            .map_err(db(format!("connecting to {}", self.name)))
    }

    /// Leaves the database in place when dropped.
    pub fn keep(mut self) -> Self {
        self.keep = true;
        self
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Ok(mut admin) = self.cluster.url("postgres").connect() {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ));
        }
    }
}

/// An empty v0.3 database: the v0.2 baseline schema plus every migration.
pub fn empty_v03(name: &str) -> Result<ScratchDb, BenchError> {
    let scratch = ScratchDb::create(name)?;
    let mut c = scratch.connect()?;
    c.batch_execute(demo::BASELINE_SQL)
        .map_err(db("loading sql/v0.2_baseline.sql"))?;
    migrate::run_on(
        &mut c,
        migrate::migrations().unwrap(),
        &MigrateOptions::default(),
        |_| {},
    )
    .map_err(BenchError::step)?;
    Ok(scratch)
}

/// The demo database at `scale`, migrated to v0.3 with passwords re-hashed
/// (bcrypt cost 4: the hashes are replaced by extraction anyway), as the
/// pipeline leaves it before step 4. Kept on the embedded cluster between
/// runs as `bench_source_test_s<scale>` and rebuilt when the demo generator
/// or the migrations change (the database comment holds their fingerprint).
/// Returns the URL and whether it was (re)built now.
pub fn demo_source(scale: u32, mut say: impl FnMut(&str)) -> Result<(DbUrl, bool), BenchError> {
    let name = format!("bench_source_test_s{scale}");
    let opts = DemoOptions {
        scale,
        ..DemoOptions::default()
    };
    let checksums: Vec<String> = migrate::migrations()
        .unwrap()
        .iter()
        .map(|m| m.checksum())
        .collect();
    let stamp = format!(
        "et-testdb bench source: demo {} migrations {}",
        demo::fingerprint(&opts),
        checksums.join(",")
    );
    let cluster = Cluster::ensure().map_err(BenchError::step)?;
    let mut admin = cluster
        .url("postgres")
        .connect()
        .map_err(db("connecting to the embedded cluster"))?;
    let existing: Option<String> = admin
        .query_opt(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .map_err(db("looking for a cached source database"))?
        .and_then(|r| r.get(0));
    if existing.as_deref() == Some(stamp.as_str()) {
        return Ok((cluster.url(&name), false));
    }
    say(&format!(
        "building the demo source database at scale {scale} (generate → migrate → passwords; kept as {name})"
    ));
    let scratch = ScratchDb::create(&name)?;
    let mut c = scratch.connect()?;
    demo::generate(&mut c, &opts).map_err(BenchError::step)?;
    migrate::run_on(
        &mut c,
        migrate::migrations().unwrap(),
        &MigrateOptions::default(),
        |_| {},
    )
    .map_err(BenchError::step)?;
    et_testdb::efficient_tutor::passwords::run(&mut c, &[], 4, |_| {}).map_err(BenchError::step)?;
    c.batch_execute("VACUUM ANALYZE").map_err(db("VACUUM"))?;
    drop(c);
    admin
        .batch_execute(&format!(
            "COMMENT ON DATABASE {} IS '{}'",
            quote_ident(&name),
            stamp.replace('\'', "''")
        ))
        .map_err(db("marking the source database"))?;
    let scratch = scratch.keep();
    Ok((scratch.url(), true))
}

/// Total rows in the `public` tables of `client`'s database.
pub fn count_rows(client: &mut postgres::Client) -> Result<u64, BenchError> {
    let tables: Vec<String> = client
        .query(
            "SELECT quote_ident(tablename::text) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .map_err(db("listing tables"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if tables.is_empty() {
        return Ok(0);
    }
    let sql = tables
        .iter()
        .map(|t| format!("(SELECT count(*) FROM public.{t})"))
        .collect::<Vec<_>>()
        .join(" + ");
    let n: i64 = client
        .query_one(&format!("SELECT {sql}"), &[])
        .map_err(db("counting rows"))?
        .get(0);
    Ok(n as u64)
}
