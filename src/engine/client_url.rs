//! One database, spelled for each client that connects to it.
//!
//! The CLI and psql take libpq URLs; EfficientTutor's backend takes
//! SQLAlchemy URLs (`postgresql+asyncpg://…` in `DATABASE_URL_TEST`). A unix
//! socket, which libpq names with `?host=/dir`, is written the same way for
//! SQLAlchemy: the query's `host` and `port` reach asyncpg and psycopg as
//! connect arguments. [`render`] exposes the password (it is for programs and
//! `.env` files); [`render_redacted`] is for messages.

use crate::engine::config::{percent_encode, DbUrl};

/// The spellings `cluster url --as` and `cluster clone --as` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Form {
    /// `postgresql://…`: psql, pg_dump, the et-testdb commands.
    Libpq,
    /// `postgresql+asyncpg://…`: SQLAlchemy's asyncio driver (the backend).
    Asyncpg,
    /// `postgresql+psycopg://…`: SQLAlchemy with psycopg 3.
    Psycopg,
    /// `DATABASE_URL_TEST=…` and `DATABASE_URL_TEST_CLI=…` lines, to source
    /// or append to the backend's `.env`.
    Env,
}

/// Why a URL has no spelling in a form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// SQLAlchemy URLs name one host.
    #[error("{url} names {hosts} hosts; a SQLAlchemy URL names one. Point it at one server.")]
    SeveralHosts { url: String, hosts: usize },
    /// The project file, which names the variables, cannot be read.
    #[error("{0}")]
    Project(String),
}

/// `url` in `form`, password included.
pub fn render(url: &DbUrl, form: Form) -> Result<String, FormError> {
    let libpq = url.expose().to_string();
    match form {
        Form::Libpq => Ok(libpq),
        Form::Asyncpg => sqlalchemy(url, "asyncpg", true),
        Form::Psycopg => sqlalchemy(url, "psycopg", true),
        Form::Env => {
            let names =
                crate::engine::config::names().map_err(|e| FormError::Project(e.to_string()))?;
            Ok(format!(
                "{}={}\n{}={libpq}",
                names.client_url_var,
                sqlalchemy(url, "asyncpg", true)?,
                names.url_var
            ))
        }
    }
}

/// `url` in `form` with any password shown as `***`, for messages.
pub fn render_redacted(url: &DbUrl, form: Form) -> Result<String, FormError> {
    let text = render(url, form)?;
    Ok(crate::engine::config::redact_text(&text, url.expose()))
}

/// The lines `seed` and `pipeline` end with: the database in the form the
/// backend's tests read (`DATABASE_URL_TEST`, asyncpg), password redacted,
/// and where to get `.env` lines. `None` when the URL has no such form.
pub fn backend_hint(url: &DbUrl) -> Option<String> {
    let asyncpg = render_redacted(url, Form::Asyncpg).ok()?;
    let var = &crate::engine::config::names().ok()?.client_url_var;
    Some(format!(
        "for the backend's tests:\n  {var}={asyncpg}\n  \
         (`cargo run -q --bin cluster -- url --as env` prints it for .env; \
         `cluster clone --as asyncpg` gives each pytest worker its own copy)"
    ))
}

/// `postgresql+<driver>://user[:password]@host:port/db`, or for a unix
/// socket `postgresql+<driver>://user@/db?host=/dir&port=N`.
fn sqlalchemy(url: &DbUrl, driver: &str, with_password: bool) -> Result<String, FormError> {
    let c = url.config();
    let hosts = c.get_hosts();
    if hosts.len() > 1 {
        return Err(FormError::SeveralHosts {
            url: url.to_string(),
            hosts: hosts.len(),
        });
    }
    let mut out = format!("postgresql+{driver}://");
    if let Some(user) = c.get_user() {
        out.push_str(&percent_encode(user));
        if let Some(pw) = url.password().filter(|p| with_password && !p.is_empty()) {
            out.push(':');
            out.push_str(&percent_encode(&pw));
        }
        out.push('@');
    }
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let db = percent_encode(url.dbname().unwrap_or_default());
    match hosts.first() {
        Some(postgres::config::Host::Tcp(h)) => {
            if h.contains(':') {
                out.push_str(&format!("[{h}]:{port}/{db}"));
            } else {
                out.push_str(&format!("{h}:{port}/{db}"));
            }
        }
        Some(postgres::config::Host::Unix(dir)) => {
            out.push_str(&format!(
                "/{db}?host={}&port={port}",
                percent_encode(&dir.to_string_lossy())
            ));
        }
        None => out.push_str(&format!("/{db}")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> DbUrl {
        DbUrl::parse(raw, "test").unwrap()
    }

    #[test]
    fn a_socket_url_in_every_form() {
        let u = url("postgresql://postgres@/efficient_tutor_test_db?host=/dev/shm/x/s&port=5432");
        assert_eq!(
            render(&u, Form::Asyncpg).unwrap(),
            "postgresql+asyncpg://postgres@/efficient_tutor_test_db?host=/dev/shm/x/s&port=5432"
        );
        assert_eq!(
            render(&u, Form::Psycopg).unwrap(),
            "postgresql+psycopg://postgres@/efficient_tutor_test_db?host=/dev/shm/x/s&port=5432"
        );
        assert_eq!(render(&u, Form::Libpq).unwrap(), u.expose());
        let env = render(&u, Form::Env).unwrap();
        let lines: Vec<&str> = env.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("DATABASE_URL_TEST=postgresql+asyncpg://"));
        assert!(lines[1].starts_with("DATABASE_URL_TEST_CLI=postgresql://"));
    }

    #[test]
    fn a_tcp_url_keeps_its_password_unless_redacted() {
        let u = url("postgresql://app:p%40ss@127.0.0.1:6543/x_test");
        assert_eq!(
            render(&u, Form::Asyncpg).unwrap(),
            "postgresql+asyncpg://app:p%40ss@127.0.0.1:6543/x_test"
        );
        let shown = render_redacted(&u, Form::Asyncpg).unwrap();
        assert!(
            !shown.contains("p%40ss") && !shown.contains("p@ss"),
            "{shown}"
        );
        let v6 = url("host=::1 port=5 user=u dbname=d_test");
        assert_eq!(
            render(&v6, Form::Psycopg).unwrap(),
            "postgresql+psycopg://u@[::1]:5/d_test"
        );
    }

    #[test]
    fn several_hosts_have_no_sqlalchemy_form() {
        let u = url("postgresql://u@a:1,b:2/d_test");
        assert!(matches!(
            render(&u, Form::Asyncpg),
            Err(FormError::SeveralHosts { hosts: 2, .. })
        ));
    }
}
