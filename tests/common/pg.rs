//! A PostgreSQL server for one test: Debian's own (`initdb` and `pg_ctl` from
//! `/usr/lib/postgresql/*/bin`), in a temporary folder, as an unprivileged user (`nobody` when
//! the tests run as root, as initdb wants), on a private port of the loopback interface and a
//! socket in that folder, with TLS (a certificate made for the test by `openssl`); stopped
//! and removed when dropped. The administrator `admin` has a password, so that connections
//! over TCP use it; the socket trusts everyone.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// The administrator's password.
pub const ADMIN_PASSWORD: &str = "s3cret-admin-Pa55";

/// A running server of the test's own.
pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    /// The port on 127.0.0.1.
    pub port: u16,
}

/// Debian's PostgreSQL programs: the newest version installed.
fn bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL (Debian's postgresql package; scripts/lib.sh installs it)")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb under /usr/lib/postgresql")
}

/// Whether the tests run as root.
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail
    unsafe { libc::geteuid() == 0 }
}

/// Run `program` with `args`, as `nobody` when this is root.
fn run_as_user(program: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdin(Stdio::null()).output().unwrap()
}

impl Postgres {
    /// Make a cluster, start it and wait until it takes connections (`pg_ctl -w`).
    pub fn start() -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        // the server's user must reach and own its folders
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let (data, run) = (dir.path().join("data"), dir.path().join("run"));
        let root = is_root();
        for d in [&data, &run] {
            std::fs::create_dir(d).unwrap();
            if root {
                std::os::unix::fs::chown(d, Some(65534), Some(65534)).unwrap();
            }
        }
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, ADMIN_PASSWORD).unwrap();
        std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o644)).unwrap();
        let bin = bin();
        let out = run_as_user(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "admin",
                "--pwfile",
                pwfile.to_str().unwrap(),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        // a certificate for the server (the test's own authority: it signs itself)
        let (crt, key) = (data.join("server.crt"), data.join("server.key"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&crt)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl (Debian's openssl package; scripts/lib.sh installs it)");
        assert!(made.success(), "openssl req");
        std::fs::copy(&crt, dir.path().join("ca.crt")).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        if root {
            for f in [&crt, &key] {
                std::os::unix::fs::chown(f, Some(65534), Some(65534)).unwrap();
            }
        }
        // a free port, asked of the system
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.path().join("server.log");
        std::fs::write(&log, "").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o666)).unwrap();
        let pg = Postgres { dir, bin, port };
        pg.start_again();
        pg
    }

    /// Start the server (again, after [`Postgres::stop`]) and wait until it takes connections.
    pub fn start_again(&self) {
        let (data, log) = (self.dir.path().join("data"), self.dir.path().join("server.log"));
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c ssl=on -c fsync=off",
            self.port,
            self.socket_dir().display()
        );
        let out = run_as_user(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "120",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
    }

    /// Stop the server at once, as a crash or a pulled cable would: every connection is cut
    /// and what was not committed is lost.
    pub fn stop(&self) {
        let data = self.dir.path().join("data");
        let out = run_as_user(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "-w", "stop"],
        );
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// What the server logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Log every statement with its parameters from now on.
    pub fn log_statements(&self) {
        self.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'");
        self.psql("postgres", "SELECT pg_reload_conf()");
        // the server reads its settings again when it comes to it: a new connection then
        // has the new one
        let deadline = std::time::Instant::now() + super::LIVENESS;
        while self.psql("postgres", "SHOW log_statement").trim() != "all" {
            assert!(std::time::Instant::now() < deadline, "the server does not reload its settings");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The folder holding the server's socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// The server's certificate, which is also its authority's.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// A URL for `user` to `db` through the socket (trusted: no password).
    pub fn socket_url(&self, user: &str, db: &str) -> String {
        format!("postgresql://{user}@/{db}?host={}&port={}", self.socket_dir().display(), self.port)
    }

    /// A URL for `user` to `db` over TCP on 127.0.0.1 (a password needed), with `params`.
    pub fn tcp_url(&self, user: &str, db: &str, params: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/{db}?{params}", self.port)
    }

    /// Run `sql` as the administrator in `db` (through the socket): what `psql` printed.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.psql_as("admin", db, sql).unwrap_or_else(|e| panic!("psql {sql}: {e}"))
    }

    /// Run `sql` as `user` in `db` (through the socket): what `psql` printed, or what it said
    /// went wrong.
    pub fn psql_as(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", user, "-d", db, "-c", sql])
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ =
            run_as_user(&self.bin.join("pg_ctl"), &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"]);
    }
}
