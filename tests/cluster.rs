//! The embedded cluster: concurrent starts, long paths, unreadable working
//! directories, and running as a normal user. Each test uses its own cluster
//! directory (ET_TESTDB_CLUSTER_DIR) so it never disturbs the shared one.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

const CLUSTER: &str = env!("CARGO_BIN_EXE_cluster");

fn cluster_cmd(dir: &str, arg: &str) -> Command {
    cluster_cmd_with(CLUSTER.as_ref(), dir, arg)
}

fn cluster_cmd_with(exe: &std::path::Path, dir: &str, arg: &str) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg(arg)
        .env("ET_TESTDB_CLUSTER_DIR", dir)
        .env_remove("RUST_BACKTRACE");
    cmd
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn query_one(url: &str, sql: &str) -> String {
    let url = et_testdb::engine::config::DbUrl::parse(url, "test").unwrap();
    let mut c = url.connect().expect("connect to the printed URL");
    c.query_one(sql, &[]).unwrap().get(0)
}

/// A directory for a private cluster that the `postgres` user can reach.
fn private_dir(tag: &str) -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix(&format!("et-testdb-{tag}-"))
        .tempdir_in("/tmp")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

#[test]
fn parallel_starts_share_one_server() {
    let base = private_dir("parallel");
    let dir = base.path().join("c");
    let dir = dir.to_str().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            cluster_cmd(dir, "url")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let urls: Vec<String> = children
        .into_iter()
        .map(|c| ok(&c.wait_with_output().unwrap()))
        .collect();
    assert!(urls.windows(2).all(|w| w[0] == w[1]), "{urls:?}");
    assert_eq!(
        query_one(&urls[0], "SELECT current_database()::text"),
        "efficient_tutor_test_db"
    );
    let pid_file = std::fs::read_to_string(format!("{dir}/data/postmaster.pid")).unwrap();
    let pid: i32 = pid_file.lines().next().unwrap().parse().unwrap();
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the one postmaster runs"
    );
    assert!(ok(&cluster_cmd(dir, "status").output().unwrap()).contains("running"));
    assert!(ok(&cluster_cmd(dir, "stop").output().unwrap()).contains("stopped"));
    assert!(ok(&cluster_cmd(dir, "status").output().unwrap()).contains("stopped"));
    // It starts again on demand, with its data.
    let again = ok(&cluster_cmd(dir, "url").output().unwrap());
    assert_eq!(again, urls[0]);
    assert!(ok(&cluster_cmd(dir, "remove").output().unwrap()).contains("removed"));
    assert!(!std::path::Path::new(dir).exists());
    assert!(
        !std::path::Path::new(&format!("{dir}.lock")).exists(),
        "remove leaves no lock file behind"
    );
}

#[test]
fn status_survives_a_closed_pipe() {
    let base = private_dir("pipe");
    let dir = base.path().join("c");
    let out = common::run_with_closed_stdout(&mut cluster_cmd(dir.to_str().unwrap(), "status"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn long_cluster_path_gets_a_short_socket() {
    let base = private_dir("long");
    let long = base.path().join("a".repeat(60)).join("b".repeat(60));
    let dir = long.to_str().unwrap();
    assert!(dir.len() > 107);
    let url = ok(&cluster_cmd(dir, "url").output().unwrap());
    assert_eq!(query_one(&url, "SELECT '1'::text"), "1");
    ok(&cluster_cmd(dir, "remove").output().unwrap());
}

#[test]
fn works_from_a_directory_the_server_user_cannot_read() {
    let base = private_dir("cwd");
    let dir = base.path().join("c");
    let locked = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(locked.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let url = ok(&cluster_cmd(dir.to_str().unwrap(), "url")
        .current_dir(locked.path())
        .output()
        .unwrap());
    assert_eq!(query_one(&url, "SELECT '1'::text"), "1");
    ok(&cluster_cmd(dir.to_str().unwrap(), "remove")
        .output()
        .unwrap());
}

/// As root, the same binary run as an unprivileged user makes its own
/// cluster without the `postgres` user; as a normal user, every other test
/// here already is that case.
#[test]
fn runs_as_a_normal_user() {
    if !nix::unistd::geteuid().is_root() {
        let base = private_dir("user");
        let dir = base.path().join("c");
        let url = ok(&cluster_cmd(dir.to_str().unwrap(), "url").output().unwrap());
        assert_eq!(query_one(&url, "SELECT current_user::text"), "postgres");
        ok(&cluster_cmd(dir.to_str().unwrap(), "remove")
            .output()
            .unwrap());
        return;
    }
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let base = private_dir("nobody");
    std::os::unix::fs::chown(base.path(), Some(nobody.uid.as_raw()), None).unwrap();
    let dir = base.path().join("c");
    // `nobody` may not be able to reach the built binary: the checkout (and
    // its target/) can sit in a directory only root may enter, such as a
    // `mktemp -d` clone. So it runs a copy, in a directory it can reach.
    // The binary needs nothing else from the checkout at run time but the
    // project file, which ET_TESTDB_CONFIG names (its SQL is embedded;
    // CARGO_MANIFEST_DIR only names the default cluster, which
    // ET_TESTDB_CLUSTER_DIR replaces here).
    let bin = private_dir("nobody-bin");
    let exe = bin.path().join("cluster");
    std::fs::copy(CLUSTER, &exe).unwrap();
    let project = bin.path().join("et-testdb.toml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/et-testdb.toml"),
        &project,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |arg: &str| {
        cluster_cmd_with(&exe, dir.to_str().unwrap(), arg)
            .uid(nobody.uid.as_raw())
            .gid(nobody.gid.as_raw())
            .current_dir("/")
            .env("HOME", base.path())
            .env("ET_TESTDB_CONFIG", &project)
            .output()
            .unwrap()
    };
    let url = ok(&run("url"));
    assert_eq!(query_one(&url, "SELECT current_user::text"), "postgres");
    let owner = std::fs::metadata(dir.join("data"))
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    assert_eq!(owner, nobody.uid.as_raw(), "the server runs as the caller");
    ok(&run("remove"));
}

#[test]
fn tcp_is_loopback_only_and_needs_the_password() {
    let base = private_dir("tcp");
    let dir = base.path().join("c");
    let dir = dir.to_str().unwrap();
    // A free loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let with_tcp = |args: &[&str]| {
        let mut c = cluster_cmd(dir, args[0]);
        c.args(&args[1..]).env("ET_TESTDB_LISTEN", &listen);
        c.output().unwrap()
    };
    let url = ok(&with_tcp(&["url", "--tcp"]));
    assert!(
        url.starts_with("postgresql://postgres:") && url.contains(&format!("@127.0.0.1:{port}/")),
        "{url}"
    );
    assert_eq!(
        query_one(&url, "SELECT current_database()::text"),
        "efficient_tutor_test_db"
    );
    // The password is kept beside the cluster, readable by its owner only.
    use std::os::unix::fs::PermissionsExt;
    let pw = std::fs::metadata(format!("{dir}.tcp-password")).unwrap();
    assert_eq!(pw.permissions().mode() & 0o777, 0o600);
    // Over TCP, no password or a wrong one is refused: trust is socket-only.
    for bad in [
        format!("postgresql://postgres@127.0.0.1:{port}/postgres"),
        format!("postgresql://postgres:wrong@127.0.0.1:{port}/postgres"),
    ] {
        let Err(err) = et_testdb::engine::config::DbUrl::parse(&bad, "t")
            .unwrap()
            .connect()
        else {
            panic!("{bad} connected over TCP without the password");
        };
        let text = et_testdb::engine::restore::db_error_text(&err);
        assert!(text.contains("password"), "{text}");
    }
    // The socket still needs none.
    let socket = ok(&cluster_cmd(dir, "url").output().unwrap());
    assert_eq!(query_one(&socket, "SELECT 1::text"), "1");
    let asyncpg = ok(&with_tcp(&["url", "--tcp", "--as", "asyncpg"]));
    assert!(
        asyncpg.starts_with("postgresql+asyncpg://postgres:"),
        "{asyncpg}"
    );
    // Anything but loopback is refused before the cluster is touched.
    for wrong in ["0.0.0.0:5432", "192.0.2.1:5432", "localhost"] {
        let out = cluster_cmd(dir, "url")
            .env("ET_TESTDB_LISTEN", wrong)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{wrong}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("ET_TESTDB_LISTEN"),
            "{wrong}"
        );
    }
    ok(&cluster_cmd(dir, "remove").output().unwrap());
    assert!(!std::path::Path::new(&format!("{dir}.tcp-password")).exists());
}

#[test]
fn url_tcp_without_listening_says_how_to_turn_it_on() {
    let base = private_dir("notcp");
    let dir = base.path().join("c");
    let dir = dir.to_str().unwrap();
    let mut c = cluster_cmd(dir, "url");
    let out = c
        .arg("--tcp")
        .env_remove("ET_TESTDB_LISTEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ET_TESTDB_LISTEN=127.0.0.1:PORT"));
    ok(&cluster_cmd(dir, "remove").output().unwrap());
}
