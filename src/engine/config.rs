//! Where a command points, and whether it may write there.
//!
//! A command's database is, in order: `--db-url`, the environment variable
//! `DATABASE_URL_TEST_CLI`, the same key in a `.env` file in the current
//! directory (as upstream's scripts read it), and otherwise the embedded
//! cluster ([`crate::engine::cluster`]). Every [`DbUrl`] remembers which of these it
//! came from ([`DbUrl::source`]), so a hint can name the right one.
//! Passwords never reach a message: every URL is shown through [`DbUrl`]'s
//! `Display`, which redacts it.
//!
//! # The production guard
//!
//! Destructive commands pass their target through [`guard_destructive`]. It
//! refuses the production database (`DATABASE_URL_PROD_CLI`, environment or
//! `.env`) with no override, and a database whose name does not contain
//! `test` unless `--allow-non-test-db` is given.
//!
//! Production is recognised by the server a URL reaches, not by how it is
//! written. Both URLs (URI or key=value form, parsed by the same client the
//! commands connect with) become a set of endpoints, and the target is
//! production when
//!
//! 1. the database names are equal, compared exactly (PostgreSQL names are
//!    case-sensitive; an empty `dbname` means the user's name, as the server
//!    reads it), and
//! 2. some endpoint of the target is an endpoint of production: same port,
//!    same host.
//!
//! An endpoint is one entry of the host list (lists are sets: order and
//! duplicates do not matter) with its port:
//!
//! - **Port**: the entry's own; one port applies to every host; with none,
//!   both 5432 (what the Rust client uses) and `$PGPORT` when set (what libpq
//!   programs such as `pg_restore` use). In the URI form an authority host
//!   without a port means 5432 for both.
//! - **Host**: `hostaddr` takes precedence over `host` (the connection goes
//!   there). Host names are resolved (`getaddrinfo`, as the clients do), so
//!   `LOCALHOST`, `127.1`, `0177.0.0.1` or `[::ffff:127.0.0.1]` are their
//!   addresses; IPv4-mapped IPv6 addresses are their IPv4 address. Without a
//!   `hostaddr`, `$PGHOSTADDR` (which libpq programs would use) is an endpoint
//!   too.
//! - **This machine** is one host: every loopback address (127.0.0.0/8,
//!   `::1`), the unspecified address (`0.0.0.0`, `::`, which connect
//!   locally), any address of a local network interface, and every unix
//!   socket directory. A local socket and local TCP on the same port are very
//!   likely one server (it listens on both), and a server can list several
//!   socket directories: refusing a test database wrongly is a nuisance,
//!   writing to production is a disaster. Socket directories are
//!   canonicalized (trailing or double slashes, `.`/`..`, symlinks).
//! - Any other address is compared as an address.
//!
//! Names are resolved, and paths canonicalized, only when the database names
//! and a port already match. When a spelling that matters cannot be decided
//! (a host name that does not resolve, a socket directory that does not exist
//! or cannot be canonicalized, on either side), the guard refuses and says
//! why ([`ConfigError::ProductionUndecided`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};

/// The project's database names and URL variables (`[database]` of
/// et-testdb.toml).
pub fn names() -> Result<&'static crate::engine::project::Database, ConfigError> {
    Ok(&crate::engine::project::Project::current()?.database)
}

/// The variable naming the test database's URL, for hints (its generic
/// description when the project file cannot be read: the hint must not fail).
fn test_url_var_hint() -> &'static str {
    names().map_or("the test database's URL variable", |d| d.url_var.as_str())
}
/// The [`DbUrl::source`] of the embedded cluster's URLs.
pub const EMBEDDED_SOURCE: &str = "the embedded cluster";
/// The port libpq and the Rust client use when a URL names none.
pub const DEFAULT_PORT: u16 = 5432;

/// Configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The project file cannot be read.
    #[error(transparent)]
    Project(#[from] crate::engine::project::ProjectError),
    /// A URL that libpq's URI or key/value syntax cannot read.
    #[error(
        "the database URL from {source_name} is malformed: {reason}\n\
         Expected e.g. postgresql://user:password@localhost:5432/app_test_db"
    )]
    MalformedUrl { source_name: String, reason: String },
    /// A URL without a database name.
    #[error("the database URL {url} (from {source_name}) names no database; add /<dbname> to it")]
    NoDatabase { url: String, source_name: String },
    /// The target is the production database. Nothing overrides this.
    /// `what` is the action and the target; `prod` is production's URL and
    /// where it came from; `why` names the database and the endpoint both
    /// reach.
    #[error(
        "refusing to {what}: it is the production database ({prod}): {why}.\n\
         No flag overrides this. {advice}"
    )]
    Production {
        what: String,
        prod: String,
        why: String,
        advice: String,
    },
    /// The guard cannot tell whether the target is production, so it
    /// refuses; `reason` names the spelling it could not resolve.
    #[error(
        "refusing to {what}: cannot tell whether it is the production database \
         ({prod}): {reason}.\n{advice}"
    )]
    ProductionUndecided {
        what: String,
        prod: String,
        reason: String,
        advice: String,
    },
    /// The target's database name does not contain `test`.
    #[error(
        "refusing to {action} {url}: its database name does not contain `test`.\n\
         {advice} Or pass --allow-non-test-db if you really mean it."
    )]
    NotTestDatabase {
        action: String,
        url: String,
        advice: String,
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
    source: String,
}

impl DbUrl {
    /// Parses `raw` (URI or key/value form); `source_name` says where it came
    /// from (`--db-url`, `$VAR`, `VAR in .env`, [`EMBEDDED_SOURCE`]), for
    /// messages and hints.
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
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            return Err(ConfigError::MalformedUrl {
                source_name: source_name.to_string(),
                reason: "it names no host".into(),
            });
        }
        let url = DbUrl {
            raw: raw.to_string(),
            config,
            source: source_name.to_string(),
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

    /// Where the URL came from: `--db-url`, `$VAR`, `VAR in .env` or
    /// [`EMBEDDED_SOURCE`].
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether this is one of the embedded cluster's URLs.
    pub fn is_embedded(&self) -> bool {
        self.source == EMBEDDED_SOURCE
    }

    /// The client configuration.
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// The database name.
    pub fn dbname(&self) -> Option<&str> {
        self.config.get_dbname()
    }

    /// The database the server opens: the name, or when it is empty the user
    /// name (the URL's, else `env.user`), as PostgreSQL reads a startup
    /// packet.
    pub fn effective_dbname(&self, env: &ClientEnv) -> String {
        match self.dbname() {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => self
                .config
                .get_user()
                .map(str::to_string)
                .or_else(|| env.user.clone())
                .unwrap_or_default(),
        }
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
            source: self.source.clone(),
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

    /// Whether the two URLs name the same database on the same server (see
    /// the module documentation for what is compared).
    pub fn compare_database(&self, other: &DbUrl, env: &ClientEnv) -> Sameness {
        if self.effective_dbname(env) != other.effective_dbname(env) {
            return Sameness::Different;
        }
        compare_endpoints(self, other, env)
    }

    /// Whether the two URLs reach the same server, whatever their databases.
    pub fn compare_server(&self, other: &DbUrl, env: &ClientEnv) -> Sameness {
        compare_endpoints(self, other, env)
    }

    /// What to tell a user when the server this URL names does not answer:
    /// check it, or stop pointing at it, said for where the URL came from.
    pub fn unreachable_hint(&self) -> String {
        let source = self.source.as_str();
        if source == "--db-url" {
            let next = names()
                .ok()
                .and_then(|d| env_or_dotenv(&d.url_var).ok())
                .flatten()
                .map_or(EMBEDDED_SOURCE.to_string(), |(_, s)| s);
            format!(
                "Check --db-url (does the server run, is the URL right?), or drop --db-url to use {next}."
            )
        } else if let Some(var) = source.strip_prefix('$') {
            let next = match dotenv_value(var) {
                Ok(Some(_)) => format!("{var} in .env"),
                _ => EMBEDDED_SOURCE.to_string(),
            };
            format!(
                "Check {var} (does the server run, is the URL right?), or unset {var} to use {next}."
            )
        } else if let Some(var) = source.strip_suffix(" in .env") {
            format!(
                "Check {var} in .env (does the server run, is the URL right?), or remove {var} \
                 from .env to use {EMBEDDED_SOURCE}."
            )
        } else if self.is_embedded() {
            "The embedded cluster did not answer: see `cargo run --bin cluster -- status` \
             (it names the server log)."
                .to_string()
        } else {
            format!("Check the URL from {source} (does the server run, is the URL right?).")
        }
    }

    /// "Point … at a test database", for where the URL came from.
    fn point_elsewhere(&self) -> String {
        let source = self.source.as_str();
        if source == "--db-url" {
            "Point --db-url at a test database.".into()
        } else if let Some(var) = source.strip_prefix('$') {
            format!("Point {var} at a test database, or pass --db-url.")
        } else if let Some(var) = source.strip_suffix(" in .env") {
            format!("Point {var} in .env at a test database, or pass --db-url.")
        } else if self.is_embedded() {
            format!(
                "Pass --db-url, or set {}, to name a test database.",
                test_url_var_hint()
            )
        } else {
            format!(
                "Point --db-url (or {}) at a test database.",
                test_url_var_hint()
            )
        }
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

/// The client defaults a URL can leave to the environment. libpq programs
/// (`pg_restore`, `pg_dump`, `psql`) read them; the Rust client does not, so
/// the guard counts both behaviours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientEnv {
    /// `$PGPORT`: libpq's port when a URL names none.
    pub port: Option<u16>,
    /// `$PGHOSTADDR`: libpq's address when a URL has no `hostaddr`.
    pub hostaddrs: Vec<IpAddr>,
    /// `$PGUSER`, else the operating-system user: libpq's user when a URL
    /// names none, and so the database an empty `dbname` means.
    pub user: Option<String>,
}

impl ClientEnv {
    /// Reads `PGPORT`, `PGHOSTADDR` and `PGUSER` (values libpq would reject
    /// are left out: such a program fails before it connects).
    pub fn from_env() -> ClientEnv {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        ClientEnv {
            port: var("PGPORT").and_then(|p| p.trim().parse().ok()),
            hostaddrs: var("PGHOSTADDR")
                .map(|v| v.split(',').filter_map(|a| a.trim().parse().ok()).collect())
                .unwrap_or_default(),
            user: var("PGUSER").or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::geteuid())
                    .ok()
                    .flatten()
                    .map(|u| u.name)
            }),
        }
    }
}

/// What comparing two URLs found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sameness {
    /// They reach the same place; `shared` says which (for messages).
    Same { shared: String },
    /// They are certainly different.
    Different,
    /// A spelling that matters cannot be resolved; `reason` says which.
    Undecided { reason: String },
}

/// Where one entry of a URL's host list leads, before name resolution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Spot {
    Socket(PathBuf),
    Name(String),
    Ip(IpAddr),
}

/// A resolved host: this machine, or another one by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Local,
    Remote(IpAddr),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Local => f.write_str("this machine"),
            Place::Remote(ip) => write!(f, "{ip}"),
        }
    }
}

/// A resolved spot: the hosts it may reach, and how to describe it.
#[derive(Debug, Clone)]
struct Resolved {
    places: BTreeSet<Place>,
    shown: String,
}

/// Every (spot, port) a URL may connect to, by libpq's rules for host,
/// hostaddr and port lists (see the module documentation).
fn endpoints(url: &DbUrl, env: &ClientEnv) -> Vec<(Spot, u16)> {
    let c = &url.config;
    let (hosts, addrs, ports) = (c.get_hosts(), c.get_hostaddrs(), c.get_ports());
    let n = hosts.len().max(addrs.len());
    let mut defaults = vec![DEFAULT_PORT];
    defaults.extend(env.port.filter(|p| *p != DEFAULT_PORT));
    let mut out = Vec::new();
    for i in 0..n {
        let entry_ports: Vec<u16> = match ports.len() {
            0 => defaults.clone(),
            1 => vec![ports[0]],
            len if len == n => vec![ports[i]],
            // Both clients refuse a mismatched list; count every port anyway.
            _ => ports.to_vec(),
        };
        let mut spots = Vec::new();
        match addrs.get(i) {
            Some(ip) => spots.push(Spot::Ip(*ip)),
            None => {
                match hosts.get(i) {
                    Some(postgres::config::Host::Tcp(name)) => spots.push(Spot::Name(name.clone())),
                    Some(postgres::config::Host::Unix(dir)) => {
                        spots.push(Spot::Socket(dir.clone()))
                    }
                    None => {}
                }
                spots.extend(env.hostaddrs.iter().copied().map(Spot::Ip));
            }
        }
        for spot in spots {
            for port in &entry_ports {
                out.push((spot.clone(), *port));
            }
        }
    }
    out
}

/// Resolves a spot: canonicalizes a socket directory, resolves a host name.
fn resolve(spot: &Spot, port: u16) -> Result<Resolved, String> {
    match spot {
        Spot::Socket(dir) => match std::fs::canonicalize(dir) {
            Ok(canon) => Ok(Resolved {
                places: BTreeSet::from([Place::Local]),
                shown: format!("the socket directory {}", canon.display()),
            }),
            Err(e) => Err(format!(
                "its socket directory {} cannot be resolved ({e})",
                dir.display()
            )),
        },
        Spot::Ip(ip) => Ok(Resolved {
            places: BTreeSet::from([place(*ip)]),
            shown: ip.to_string(),
        }),
        Spot::Name(name) => {
            let addrs: Vec<SocketAddr> = (name.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| format!("its host name `{name}` does not resolve ({e})"))?
                .collect();
            if addrs.is_empty() {
                return Err(format!("its host name `{name}` resolves to no address"));
            }
            Ok(Resolved {
                places: addrs.iter().map(|a| place(a.ip())).collect(),
                shown: name.clone(),
            })
        }
    }
}

/// Where an address leads: this machine for loopback, unspecified and local
/// interface addresses, else the address itself (IPv4-mapped IPv6 as IPv4).
fn place(ip: IpAddr) -> Place {
    let ip = ip.to_canonical();
    // Binding succeeds only for an address of a local interface.
    let local_interface = || UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok();
    if ip.is_loopback() || ip.is_unspecified() || local_interface() {
        Place::Local
    } else {
        Place::Remote(ip)
    }
}

/// Whether `a` and `b` share an endpoint: `Same` as soon as one pair with an
/// equal port reaches the same place, else `Undecided` if a pair could not
/// be resolved, else `Different`. Only pairs whose ports match are resolved.
fn compare_endpoints(a: &DbUrl, b: &DbUrl, env: &ClientEnv) -> Sameness {
    let (ea, eb) = (endpoints(a, env), endpoints(b, env));
    let mut cache: BTreeMap<(bool, Spot), Result<Resolved, String>> = BTreeMap::new();
    let mut lookup = |side: bool, spot: &Spot, port: u16| {
        cache
            .entry((side, spot.clone()))
            .or_insert_with(|| resolve(spot, port))
            .clone()
    };
    let mut undecided: Option<String> = None;
    for (sa, pa) in &ea {
        for (sb, pb) in &eb {
            if pa != pb {
                continue;
            }
            let ra = lookup(true, sa, *pa);
            let rb = lookup(false, sb, *pb);
            match (ra, rb) {
                (Ok(ra), Ok(rb)) => {
                    if let Some(p) = ra.places.intersection(&rb.places).next() {
                        return Sameness::Same {
                            shared: format!(
                                "port {pa} of {p} (the target through {}, production through {})",
                                ra.shown, rb.shown
                            ),
                        };
                    }
                }
                (Err(why), _) => {
                    undecided.get_or_insert(format!("the target: {why}"));
                }
                (_, Err(why)) => {
                    undecided.get_or_insert(format!("production: {why}"));
                }
            }
        }
    }
    match undecided {
        Some(reason) => Sameness::Undecided { reason },
        None => Sameness::Different,
    }
}

fn host_text(h: &postgres::config::Host) -> String {
    match h {
        postgres::config::Host::Tcp(s) => s.to_ascii_lowercase(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    }
}

/// Renders a client config as a libpq URI that libpq and tokio-postgres
/// read alike, so every libpq program reaches the same servers as the Rust
/// client. One host goes in the query (`?host=/socket/dir&port=…`: socket
/// paths need no encoding tricks); a host list goes in the authority
/// (`a:1,%2Fdir:2`), because in the query the two parsers disagree (libpq
/// splits `host=a,b` on commas, tokio-postgres does not, and libpq keeps
/// only the last of repeated parameters). `hostaddr` goes in the query.
fn to_libpq_uri(c: &postgres::Config) -> String {
    use postgres::config::Host;
    let enc = percent_encode;
    let list = |items: Vec<String>| items.iter().map(|s| enc(s)).collect::<Vec<_>>().join(",");
    let (hosts, ports) = (c.get_hosts(), c.get_ports());
    let mut uri = String::from("postgresql://");
    if let Some(user) = c.get_user() {
        uri.push_str(&enc(user));
        if let Some(pw) = c.get_password().filter(|p| !p.is_empty()) {
            uri.push(':');
            uri.push_str(&enc(&String::from_utf8_lossy(pw)));
        }
        uri.push('@');
    }
    let mut params: Vec<String> = Vec::new();
    if hosts.len() > 1 {
        let port_of = |i: usize| match ports.len() {
            0 => None,
            1 => Some(ports[0]),
            _ => ports.get(i).copied(),
        };
        let chunks: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let host = match h {
                    Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                    other => percent_encode_component(&host_text(other)),
                };
                match port_of(i) {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                }
            })
            .collect();
        uri.push_str(&chunks.join(","));
    } else {
        if let Some(h) = hosts.first() {
            params.push(format!("host={}", enc(&host_text(h))));
        }
        if !ports.is_empty() {
            params.push(format!(
                "port={}",
                list(ports.iter().map(u16::to_string).collect())
            ));
        }
    }
    uri.push('/');
    uri.push_str(&enc(c.get_dbname().unwrap_or("")));
    if !c.get_hostaddrs().is_empty() {
        params.push(format!(
            "hostaddr={}",
            list(c.get_hostaddrs().iter().map(IpAddr::to_string).collect())
        ));
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

/// Percent-encodes everything but RFC 3986's unreserved characters, `/`
/// included (for a socket path in a URI's authority).
fn percent_encode_component(s: &str) -> String {
    percent_encode(s).replace('/', "%2F")
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

/// Reads `key` from the environment, else from `./.env`; returns the value
/// and where it came from (`$KEY` or `KEY in .env`).
pub fn env_or_dotenv(key: &str) -> Result<Option<(String, String)>, ConfigError> {
    if let Ok(v) = std::env::var(key) {
        if !v.trim().is_empty() {
            return Ok(Some((v, format!("${key}"))));
        }
    }
    Ok(dotenv_value(key)?.map(|v| (v, format!("{key} in .env"))))
}

/// Reads `key` from `./.env` only.
fn dotenv_value(key: &str) -> Result<Option<String>, ConfigError> {
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
            return Ok(Some(v));
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
    match env_or_dotenv(&names()?.url_var)? {
        Some((raw, source)) => Ok(Target::Url(Box::new(DbUrl::parse(&raw, &source)?))),
        None => Ok(Target::Embedded),
    }
}

/// The production URL, if configured.
pub fn production_url() -> Result<Option<DbUrl>, ConfigError> {
    match env_or_dotenv(&names()?.production_url_var)? {
        Some((raw, source)) => Ok(Some(DbUrl::parse(&raw, &source)?)),
        None => Ok(None),
    }
}

/// Refuses to run `action` (e.g. "drop and restore") on `target` when it is
/// the production database (`$DATABASE_URL_PROD_CLI`, environment or
/// `.env`), or may be and the guard cannot tell, or when its database name
/// does not contain `test` unless `allow_non_test` is set. Production is
/// refused even then. See the module documentation for what is compared.
pub fn guard_destructive(
    target: &DbUrl,
    action: &str,
    allow_non_test: bool,
) -> Result<(), ConfigError> {
    let prod = production_url()?;
    guard_destructive_against(
        target,
        prod.as_ref(),
        &ClientEnv::from_env(),
        action,
        allow_non_test,
    )
}

/// [`guard_destructive`] with production and the client environment given
/// explicitly (for tests, and for callers that already read them).
pub fn guard_destructive_against(
    target: &DbUrl,
    prod: Option<&DbUrl>,
    env: &ClientEnv,
    action: &str,
    allow_non_test: bool,
) -> Result<(), ConfigError> {
    if let Some(prod) = prod {
        match target.compare_database(prod, env) {
            Sameness::Same { shared } => {
                return Err(ConfigError::Production {
                    what: format!("{action} {target}"),
                    prod: format!("{prod}, from {}", prod.source()),
                    why: format!(
                        "both name database \"{}\" on {shared}",
                        target.effective_dbname(env)
                    ),
                    advice: target.point_elsewhere(),
                })
            }
            Sameness::Undecided { reason } => {
                return Err(ConfigError::ProductionUndecided {
                    what: format!("{action} {target}"),
                    prod: format!("{prod}, from {}", prod.source()),
                    reason,
                    advice: format!(
                        "Write the host as an IP address or an existing socket directory \
                         (in {} or {}), so that the servers can be compared.",
                        target.source(),
                        prod.source()
                    ),
                })
            }
            Sameness::Different => {}
        }
    }
    let name = target.effective_dbname(env);
    if !allow_non_test && !name.to_ascii_lowercase().contains("test") {
        return Err(ConfigError::NotTestDatabase {
            action: action.to_string(),
            url: target.to_string(),
            advice: target.point_elsewhere(),
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

    fn url(raw: &str) -> DbUrl {
        DbUrl::parse(raw, "t").unwrap()
    }

    fn no_env() -> ClientEnv {
        ClientEnv::default()
    }

    fn same(a: &str, b: &str, env: &ClientEnv) -> Sameness {
        url(a).compare_database(&url(b), env)
    }

    fn assert_same(a: &str, b: &str, env: &ClientEnv) {
        let r = same(a, b, env);
        assert!(matches!(r, Sameness::Same { .. }), "{a} vs {b}: {r:?}");
    }

    fn assert_different(a: &str, b: &str, env: &ClientEnv) {
        assert_eq!(same(a, b, env), Sameness::Different, "{a} vs {b}");
    }

    fn assert_undecided(a: &str, b: &str, env: &ClientEnv) -> String {
        match same(a, b, env) {
            Sameness::Undecided { reason } => reason,
            other => panic!("{a} vs {b}: {other:?}"),
        }
    }

    #[test]
    fn guard_requires_test_in_name() {
        let env = no_env();
        let u = url("postgresql://u@localhost/efficient_tutor");
        let e = guard_destructive_against(&u, None, &env, "reset", false).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("does not contain `test`"), "{msg}");
        assert!(msg.contains("--allow-non-test-db"), "{msg}");
        guard_destructive_against(&u, None, &env, "reset", true).unwrap();
        let t = url("postgresql://u@localhost/efficient_tutor_test_db");
        guard_destructive_against(&t, None, &env, "reset", false).unwrap();
    }

    #[test]
    fn production_refusal_names_its_source_and_offers_no_override() {
        let env = no_env();
        let prod = DbUrl::parse(
            "postgresql://u:Pr0dPw@127.0.0.1:5432/app_test",
            "DATABASE_URL_PROD_CLI in .env",
        )
        .unwrap();
        let target = DbUrl::parse("host=localhost dbname=app_test user=u", "--db-url").unwrap();
        for allow in [false, true] {
            let e =
                guard_destructive_against(&target, Some(&prod), &env, "seed", allow).unwrap_err();
            assert!(matches!(e, ConfigError::Production { .. }), "{e:?}");
            let msg = e.to_string();
            assert!(msg.contains("is the production database"), "{msg}");
            assert!(msg.contains("DATABASE_URL_PROD_CLI in .env"), "{msg}");
            assert!(msg.contains("port 5432 of this machine"), "{msg}");
            assert!(!msg.contains("--allow-non-test-db"), "{msg}");
            assert!(!msg.contains("Pr0dPw"), "{msg}");
        }
        // Another database on the same server is not production.
        let other = url("host=localhost dbname=other_test user=u");
        guard_destructive_against(&other, Some(&prod), &env, "seed", false).unwrap();
    }

    #[test]
    fn undecided_refusal_says_why_and_offers_no_override() {
        let prod = DbUrl::parse(
            "postgresql://u@127.0.0.1/app_test",
            "$DATABASE_URL_PROD_CLI",
        )
        .unwrap();
        let target = url("postgresql://u@et-guard-nowhere.invalid/app_test");
        let e =
            guard_destructive_against(&target, Some(&prod), &no_env(), "seed", true).unwrap_err();
        assert!(
            matches!(e, ConfigError::ProductionUndecided { .. }),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("cannot tell whether it is the production database"),
            "{msg}"
        );
        assert!(msg.contains("et-guard-nowhere.invalid"), "{msg}");
        assert!(msg.contains("IP address"), "{msg}");
        assert!(!msg.contains("--allow-non-test-db"), "{msg}");
    }

    #[test]
    fn every_loopback_spelling_is_this_machine() {
        let env = no_env();
        let prod = "postgresql://u@127.0.0.1:5432/db";
        for t in [
            "postgresql://u@localhost/db",
            "postgresql://u@LOCALHOST:5432/db",
            "postgresql://u@LocalHost/db",
            "postgresql://u@127.1/db",
            "postgresql://u@127.0.0.2/db",
            "postgresql://u@127.255.255.254/db",
            "postgresql://u@0177.0.0.1/db",
            "postgresql://u@2130706433/db",
            "postgresql://u@0x7f.1/db",
            "postgresql://u@[::1]/db",
            "postgresql://u@[::ffff:127.0.0.1]/db",
            "postgresql://u@[::ffff:7f00:1]/db",
            "postgresql://u@0.0.0.0/db",
            "postgresql://u@[::]/db",
            "host=localhost dbname=db user=u",
            "hostaddr=127.0.0.1 dbname=db user=u",
            "host=et-guard-nowhere.invalid hostaddr=::1 dbname=db user=u",
            "postgresql://u@/db?host=127.0.0.1&port=5432",
        ] {
            assert_same(t, prod, &env);
            assert_same(prod, t, &env);
        }
    }

    #[test]
    fn an_address_of_this_machine_is_this_machine() {
        // The address the kernel would send from: a local interface's (or
        // loopback when there is no route).
        let ip = UdpSocket::bind("0.0.0.0:0")
            .and_then(|s| s.connect("198.51.100.1:9").map(|()| s))
            .and_then(|s| s.local_addr())
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        assert_eq!(place(ip), Place::Local, "{ip}");
        assert_eq!(
            place("198.51.100.1".parse().unwrap()),
            Place::Remote("198.51.100.1".parse().unwrap())
        );
    }

    #[test]
    fn remote_addresses_are_compared_as_addresses() {
        let env = no_env();
        let prod = "postgresql://u@198.51.100.7:5432/db";
        assert_same("host=198.51.100.7 dbname=db user=u", prod, &env);
        assert_same("postgresql://u@[::ffff:198.51.100.7]/db", prod, &env);
        assert_same("hostaddr=198.51.100.7 port=5432 dbname=db", prod, &env);
        assert_different("postgresql://u@198.51.100.8/db", prod, &env);
        assert_different("postgresql://u@127.0.0.1/db", prod, &env);
        // hostaddr takes precedence: the host name is not even resolved.
        assert_different(
            "host=198.51.100.7 hostaddr=198.51.100.8 dbname=db user=u",
            prod,
            &env,
        );
        assert_same(
            "host=et-guard-nowhere.invalid hostaddr=198.51.100.7 dbname=db user=u",
            prod,
            &env,
        );
    }

    #[test]
    fn ports_default_to_5432_and_to_pgport() {
        let env = no_env();
        assert_same(
            "host=localhost dbname=db",
            "postgresql://u@localhost:5432/db",
            &env,
        );
        assert_different(
            "host=localhost dbname=db",
            "postgresql://u@localhost:5433/db",
            &env,
        );
        assert_different(
            "postgresql://u@localhost:5433/db",
            "postgresql://u@localhost:5434/db",
            &env,
        );
        let pgport = ClientEnv {
            port: Some(5433),
            ..ClientEnv::default()
        };
        // No port: libpq programs use $PGPORT, the Rust client 5432.
        assert_same(
            "host=localhost dbname=db",
            "postgresql://u@localhost:5433/db",
            &pgport,
        );
        assert_same(
            "host=localhost dbname=db",
            "postgresql://u@localhost/db",
            &pgport,
        );
        // An explicit port is not overridden by $PGPORT.
        assert_different(
            "host=localhost port=5434 dbname=db",
            "postgresql://u@localhost:5433/db",
            &pgport,
        );
        // The URI form's authority fills in 5432 for both clients.
        assert_different(
            "postgresql://u@localhost/db",
            "postgresql://u@localhost:5433/db",
            &pgport,
        );
    }

    #[test]
    fn pghostaddr_counts_when_the_url_has_no_hostaddr() {
        let env = ClientEnv {
            hostaddrs: vec!["127.0.0.1".parse().unwrap()],
            ..ClientEnv::default()
        };
        assert_same(
            "host=198.51.100.9 dbname=db",
            "postgresql://u@localhost/db",
            &env,
        );
        assert_different(
            "host=198.51.100.9 hostaddr=198.51.100.9 dbname=db",
            "postgresql://u@localhost/db",
            &env,
        );
    }

    #[test]
    fn host_lists_are_sets() {
        let env = no_env();
        let prod = "host=198.51.100.1,198.51.100.2 port=5432 dbname=db";
        assert_same("host=198.51.100.2,198.51.100.1 dbname=db", prod, &env);
        assert_same("postgresql://u@198.51.100.3,198.51.100.2/db", prod, &env);
        assert_same("postgresql://u@198.51.100.2/db", prod, &env);
        assert_different("postgresql://u@198.51.100.3,198.51.100.4/db", prod, &env);
        // Per-host ports.
        let prod = "postgresql://u@198.51.100.1:6001,198.51.100.2:6002/db";
        assert_same("host=198.51.100.2 port=6002 dbname=db", prod, &env);
        assert_different("host=198.51.100.2 port=6001 dbname=db", prod, &env);
    }

    #[test]
    fn socket_directories_are_canonicalized_and_local() {
        let env = no_env();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sock");
        std::fs::create_dir(&dir).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let d = dir.display();
        let prod = format!("postgresql://u@/db?host={d}&port=5432");
        for t in [
            format!("host={d}/ dbname=db"),
            format!("host={d}//. port=5432 dbname=db"),
            format!("host={d}/../sock dbname=db"),
            format!("host={} dbname=db", link.display()),
            format!("host={}/ dbname=db", link.display()),
            format!("postgresql://u@{}/db", d.to_string().replace('/', "%2F")),
            // Local TCP on the socket's port: very likely the same server.
            "postgresql://u@localhost/db".to_string(),
        ] {
            assert_same(&t, &prod, &env);
            assert_same(&prod, &t, &env);
        }
        assert_different(&format!("host={d} port=5433 dbname=db"), &prod, &env);
        assert_different(&format!("host={d} dbname=db2"), &prod, &env);
        assert_different("postgresql://u@198.51.100.1/db", &prod, &env);
    }

    #[test]
    fn a_missing_socket_directory_cannot_be_decided() {
        let env = no_env();
        let missing = "host=/nonexistent/et-guard dbname=db";
        let why = assert_undecided(missing, "postgresql://u@198.51.100.1/db", &env);
        assert!(
            why.contains("the target") && why.contains("/nonexistent/et-guard"),
            "{why}"
        );
        let why = assert_undecided("postgresql://u@198.51.100.1/db", missing, &env);
        assert!(why.starts_with("production"), "{why}");
        // Nothing is resolved when the database or port already differs.
        assert_different(missing, "postgresql://u@198.51.100.1/other", &env);
        assert_different(missing, "postgresql://u@198.51.100.1:5433/db", &env);
        // A match elsewhere in the list decides.
        assert_same(
            "host=/nonexistent/et-guard,localhost dbname=db",
            "postgresql://u@127.0.0.1/db",
            &env,
        );
    }

    #[test]
    fn an_unresolvable_host_name_cannot_be_decided() {
        let env = no_env();
        let why = assert_undecided(
            "postgresql://u@et-guard-nowhere.invalid/db",
            "postgresql://u@127.0.0.1/db",
            &env,
        );
        assert!(
            why.contains("`et-guard-nowhere.invalid` does not resolve"),
            "{why}"
        );
        assert_different(
            "postgresql://u@et-guard-nowhere.invalid/db",
            "postgresql://u@127.0.0.1/other_db",
            &env,
        );
    }

    #[test]
    fn database_names_are_compared_exactly_and_empty_means_the_user() {
        let env = no_env();
        assert_different(
            "postgresql://u@localhost/App_test",
            "postgresql://u@localhost/app_test",
            &env,
        );
        assert_same(
            "host=localhost dbname='' user=app_test",
            "postgresql://u@localhost/app_test",
            &env,
        );
        let with_user = ClientEnv {
            user: Some("app_test".into()),
            ..ClientEnv::default()
        };
        assert_same(
            "host=localhost dbname=''",
            "postgresql://u@localhost/app_test",
            &with_user,
        );
        assert_different(
            "host=localhost dbname=''",
            "postgresql://u@localhost/app_test",
            &env,
        );
    }

    #[test]
    fn libpq_uri_keeps_every_host_port_and_hostaddr() {
        let u =
            url("host=a.example,/tmp/s port=6001,6002 hostaddr=198.51.100.1,::1 dbname=x user=u");
        let again = url(u.without_password().as_str());
        assert_eq!(again.config().get_hosts(), u.config().get_hosts());
        assert_eq!(again.config().get_ports(), u.config().get_ports());
        assert_eq!(again.config().get_hostaddrs(), u.config().get_hostaddrs());
        assert_eq!(
            u.without_password(),
            "postgresql://u@a.example:6001,%2Ftmp%2Fs:6002/x?hostaddr=198.51.100.1,%3A%3A1"
        );
        // One port for every host; IPv6 names in brackets.
        let v = url("host=::1,b.example port=6001 dbname=x");
        assert_eq!(
            v.without_password(),
            "postgresql://[::1]:6001,b.example:6001/x"
        );
        assert_eq!(
            url(&v.without_password()).config().get_hosts(),
            v.config().get_hosts()
        );
        // A hostaddr alone is a host.
        let h = url("hostaddr=127.0.0.1 port=5433 dbname=x_test");
        assert_eq!(
            h.with_dbname("y").config().get_hostaddrs(),
            h.config().get_hostaddrs()
        );
    }

    #[test]
    fn unreachable_hint_names_the_real_source() {
        let raw = "postgresql://u@127.0.0.1:1/x_test";
        let hint = DbUrl::parse(raw, "--db-url").unwrap().unreachable_hint();
        assert!(hint.contains("drop --db-url"), "{hint}");
        let hint = DbUrl::parse(raw, "$DATABASE_URL_TEST_CLI")
            .unwrap()
            .unreachable_hint();
        assert!(hint.contains("unset DATABASE_URL_TEST_CLI"), "{hint}");
        assert!(!hint.contains("--db-url"), "{hint}");
        let hint = DbUrl::parse(raw, "DATABASE_URL_TEST_CLI in .env")
            .unwrap()
            .unreachable_hint();
        assert!(
            hint.contains("remove DATABASE_URL_TEST_CLI from .env"),
            "{hint}"
        );
        assert!(
            !hint.contains("--db-url") && !hint.contains("unset"),
            "{hint}"
        );
        let hint = DbUrl::parse(raw, EMBEDDED_SOURCE)
            .unwrap()
            .unreachable_hint();
        assert!(hint.contains("cluster -- status"), "{hint}");
        assert!(!hint.contains("--db-url"), "{hint}");
    }

    #[test]
    fn with_dbname_keeps_socket_host() {
        let u = DbUrl::parse("postgresql://postgres@/x_test?host=/tmp/sock%20dir", "t").unwrap();
        let v = u.with_dbname("other_test");
        assert_eq!(v.dbname(), Some("other_test"));
        assert_eq!(v.source(), "t");
        let again = DbUrl::parse(v.expose(), "t").unwrap();
        assert_eq!(again.config().get_hosts(), u.config().get_hosts());
        assert_eq!(again.dbname(), Some("other_test"));
    }
}
