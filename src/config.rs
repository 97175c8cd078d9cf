//! Where a command points, and whether it may write there.
//!
//! A command's database is, in order: `--db-url`, the environment variable
//! `DATABASE_URL_TEST_CLI`, the same key in a `.env` file in the current
//! directory (as upstream's scripts read it), and otherwise the embedded
//! cluster ([`crate::cluster`]). Destructive commands pass the target through
//! [`guard_destructive`], which refuses the production URL and any database
//! whose name does not contain `test`. Passwords never reach a message: every
//! URL is shown through [`DbUrl`]'s `Display`, which redacts it.

use std::fmt;
use std::path::Path;

/// The environment variable (and `.env` key) naming the test database.
pub const TEST_URL_VAR: &str = "DATABASE_URL_TEST_CLI";
/// The environment variable (and `.env` key) naming production.
pub const PROD_URL_VAR: &str = "DATABASE_URL_PROD_CLI";
/// The test database's name, as upstream names it.
pub const TEST_DB_NAME: &str = "efficient_tutor_test_db";

/// Configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A URL that libpq's URI or key/value syntax cannot read.
    #[error(
        "the database URL from {source_name} is malformed: {reason}\n\
         Expected e.g. postgresql://user:password@localhost:5432/efficient_tutor_test_db"
    )]
    MalformedUrl { source_name: String, reason: String },
    /// A URL without a database name.
    #[error("the database URL {url} (from {source_name}) names no database; add /<dbname> to it")]
    NoDatabase { url: String, source_name: String },
    /// The guard refused a destructive command.
    #[error(
        "refusing to {action} {url}: {why}.\n\
         Point --db-url (or {TEST_URL_VAR}) at a test database, or pass --allow-non-test-db if you really mean it."
    )]
    Refused {
        action: String,
        url: String,
        why: &'static str,
    },
    /// `.env` exists but cannot be read.
    #[error("cannot read {path}: {reason}")]
    DotEnv { path: String, reason: String },
    /// A variable that is required for this command is not set.
    #[error("{var} is not set (neither in the environment nor in .env); {what}")]
    MissingVar {
        var: &'static str,
        what: &'static str,
    },
}

/// A parsed connection URL whose `Display` never shows the password.
#[derive(Clone)]
pub struct DbUrl {
    raw: String,
    config: postgres::Config,
}

impl DbUrl {
    /// Parses `raw` (URI or key/value form); `source_name` says where it came
    /// from, for the error message.
    pub fn parse(raw: &str, source_name: &str) -> Result<DbUrl, ConfigError> {
        let raw = raw.trim();
        let config: postgres::Config =
            raw.parse()
                .map_err(|e: postgres::Error| ConfigError::MalformedUrl {
                    source_name: source_name.to_string(),
                    reason: redact_text(&e.to_string(), raw),
                })?;
        // tokio-postgres accepts `postgresql://` with no host at all; libpq
        // would then use its compiled-in socket dir, which is surprising here.
        if config.get_hosts().is_empty() {
            return Err(ConfigError::MalformedUrl {
                source_name: source_name.to_string(),
                reason: "it names no host".into(),
            });
        }
        let url = DbUrl {
            raw: raw.to_string(),
            config,
        };
        if url.dbname().is_none() {
            return Err(ConfigError::NoDatabase {
                url: url.to_string(),
                source_name: source_name.to_string(),
            });
        }
        Ok(url)
    }

    /// The URL exactly as given (password included): only for passing to
    /// libpq programs through the environment, never for printing.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The client configuration.
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// The database name.
    pub fn dbname(&self) -> Option<&str> {
        self.config.get_dbname()
    }

    /// The password, if the URL carries one.
    pub fn password(&self) -> Option<String> {
        self.config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// The same server and credentials, another database.
    pub fn with_dbname(&self, dbname: &str) -> DbUrl {
        let mut config = self.config.clone();
        config.dbname(dbname);
        DbUrl {
            raw: to_libpq_uri(&config),
            config,
        }
    }

    /// A libpq URI for this target without the password (pass the password
    /// through `PGPASSWORD`), safe for argument lists.
    pub fn without_password(&self) -> String {
        let mut c = self.config.clone();
        c.password(Vec::<u8>::new());
        to_libpq_uri(&c)
    }

    /// Connects with the synchronous client.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(postgres::NoTls)
    }

    /// Whether two URLs point at the same database (host, port, database).
    pub fn same_database(&self, other: &DbUrl) -> bool {
        let key = |u: &DbUrl| {
            let hosts: Vec<String> = u.config.get_hosts().iter().map(host_text).collect();
            let ports: Vec<u16> = u.config.get_ports().to_vec();
            (hosts, ports, u.dbname().map(str::to_string))
        };
        key(self) == key(other)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_text(&self.raw, &self.raw))
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

fn host_text(h: &postgres::config::Host) -> String {
    match h {
        postgres::config::Host::Tcp(s) => s.to_ascii_lowercase(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    }
}

/// Renders a client config as a libpq URI (host and socket dir as query
/// parameters, so unix socket paths need no percent-encoding tricks).
fn to_libpq_uri(c: &postgres::Config) -> String {
    let enc = percent_encode;
    let mut uri = String::from("postgresql://");
    if let Some(user) = c.get_user() {
        uri.push_str(&enc(user));
        if let Some(pw) = c.get_password().filter(|p| !p.is_empty()) {
            uri.push(':');
            uri.push_str(&enc(&String::from_utf8_lossy(pw)));
        }
        uri.push('@');
    }
    uri.push('/');
    uri.push_str(&enc(c.get_dbname().unwrap_or("")));
    let mut params: Vec<String> = Vec::new();
    for (i, h) in c.get_hosts().iter().enumerate() {
        params.push(format!("host={}", enc(&host_text(h))));
        if let Some(p) = c.get_ports().get(i) {
            params.push(format!("port={p}"));
        }
    }
    if c.get_ssl_mode() == postgres::config::SslMode::Require {
        params.push("sslmode=require".into());
    }
    if !params.is_empty() {
        uri.push('?');
        uri.push_str(&params.join("&"));
    }
    uri
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`
/// (libpq decodes `%XX` in URIs, but not `+` as a space).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Replaces every occurrence of the password found in `url` within `text`.
/// Handles `scheme://user:pw@…`, `password=…` (key/value and query forms).
pub fn redact_text(text: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(c) = url.parse::<postgres::Config>() {
        if let Some(pw) = c.get_password().filter(|p| !p.is_empty()) {
            secrets.push(String::from_utf8_lossy(pw).into_owned());
        }
    }
    if let Ok(u) = url::Url::parse(url) {
        if let Some(pw) = u.password() {
            secrets.push(pw.to_string());
        }
        for (k, v) in u.query_pairs() {
            if k == "password" && !v.is_empty() {
                secrets.push(v.into_owned());
            }
        }
    }
    // key/value form, also a fallback when the URL does not parse.
    for part in url.split(|c: char| c.is_whitespace() || c == '&' || c == '?') {
        if let Some(v) = part.strip_prefix("password=") {
            let v = v.trim_matches('\'');
            if !v.is_empty() {
                secrets.push(v.to_string());
            }
        }
    }
    if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        if let Some((userinfo, _)) = rest.split_once('@') {
            if let Some((_, pw)) = userinfo.split_once(':') {
                if !pw.is_empty() {
                    secrets.push(pw.to_string());
                }
            }
        }
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in secrets {
        out = out.replace(&s, "***");
        out = out.replace(&percent_encode(&s), "***");
        let form: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
        out = out.replace(&form, "***");
    }
    out
}

/// Where a command's database comes from.
#[derive(Debug, Clone)]
pub enum Target {
    /// A server named by the user.
    Url(Box<DbUrl>),
    /// The embedded cluster (started on demand).
    Embedded,
}

/// Reads `key` from the environment, else from `./.env`.
pub fn env_or_dotenv(key: &str) -> Result<Option<(String, String)>, ConfigError> {
    if let Ok(v) = std::env::var(key) {
        if !v.trim().is_empty() {
            return Ok(Some((v, format!("${key}"))));
        }
    }
    let path = Path::new(".env");
    if !path.exists() {
        return Ok(None);
    }
    let iter = dotenvy::from_path_iter(path).map_err(|e| ConfigError::DotEnv {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    for item in iter {
        let (k, v) = item.map_err(|e| ConfigError::DotEnv {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if k == key && !v.trim().is_empty() {
            return Ok(Some((v, format!("{key} in .env"))));
        }
    }
    Ok(None)
}

/// Resolves the command's target: `--db-url`, `DATABASE_URL_TEST_CLI`, `.env`,
/// else the embedded cluster.
pub fn resolve_target(cli_url: Option<&str>) -> Result<Target, ConfigError> {
    if let Some(raw) = cli_url {
        return Ok(Target::Url(Box::new(DbUrl::parse(raw, "--db-url")?)));
    }
    match env_or_dotenv(TEST_URL_VAR)? {
        Some((raw, source)) => Ok(Target::Url(Box::new(DbUrl::parse(&raw, &source)?))),
        None => Ok(Target::Embedded),
    }
}

/// The production URL, if configured.
pub fn production_url() -> Result<Option<DbUrl>, ConfigError> {
    match env_or_dotenv(PROD_URL_VAR)? {
        Some((raw, source)) => Ok(Some(DbUrl::parse(&raw, &source)?)),
        None => Ok(None),
    }
}

/// Refuses to run `action` (e.g. "drop and restore") on `target` when it is
/// production, or when its database name does not contain `test`, unless
/// `allow_non_test` is set. Production is refused even then.
pub fn guard_destructive(
    target: &DbUrl,
    action: &str,
    allow_non_test: bool,
) -> Result<(), ConfigError> {
    if let Some(prod) = production_url()? {
        if prod.same_database(target) || prod.expose() == target.expose() {
            return Err(ConfigError::Refused {
                action: action.to_string(),
                url: target.to_string(),
                why: "it is the production database ($DATABASE_URL_PROD_CLI)",
            });
        }
    }
    let name = target.dbname().unwrap_or("");
    if !allow_non_test && !name.to_ascii_lowercase().contains("test") {
        return Err(ConfigError::Refused {
            action: action.to_string(),
            url: target.to_string(),
            why: "its database name does not contain `test`",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_redacts_password() {
        let u = DbUrl::parse("postgresql://bob:s3cr%40t@db:5432/app_test", "t").unwrap();
        let shown = u.to_string();
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(
            shown.contains("bob") && shown.contains("app_test"),
            "{shown}"
        );
        let kv = DbUrl::parse("host=db password=hunter22 dbname=x_test", "t").unwrap();
        assert!(!kv.to_string().contains("hunter22"));
    }

    #[test]
    fn malformed_url_error_names_source_and_hides_password() {
        let e = DbUrl::parse("postgresql://bob:pw99@db:notaport/x", "--db-url").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("--db-url"), "{msg}");
        assert!(!msg.contains("pw99"), "{msg}");
    }

    #[test]
    fn guard_requires_test_in_name() {
        let u = DbUrl::parse("postgresql://u@localhost/efficient_tutor", "t").unwrap();
        let e = guard_destructive(&u, "reset", false).unwrap_err();
        assert!(e.to_string().contains("does not contain `test`"));
        guard_destructive(&u, "reset", true).unwrap();
        let t = DbUrl::parse("postgresql://u@localhost/efficient_tutor_test_db", "t").unwrap();
        guard_destructive(&t, "reset", false).unwrap();
    }

    #[test]
    fn with_dbname_keeps_socket_host() {
        let u = DbUrl::parse("postgresql://postgres@/x_test?host=/tmp/sock%20dir", "t").unwrap();
        let v = u.with_dbname("other_test");
        assert_eq!(v.dbname(), Some("other_test"));
        let again = DbUrl::parse(v.expose(), "t").unwrap();
        assert!(again.same_database(&v));
    }
}
