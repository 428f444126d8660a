//! What a workstation is told of its team (team mode, `[fleet]` in the config file): where the
//! team's PostgreSQL is and how to reach it — a connection URL
//! (`postgresql://user@host:port/db?sslmode=require`) with libpq's conventions for what is not
//! in it: the password from `PGPASSWORD`, else from `~/.pgpass` (or `PGPASSFILE`), never from
//! the URL itself, so that it shows in no process listing, log or error — and the names of
//! its site and department. Checked here, before the config file or a flag is used.

use std::fmt;
use std::path::{Path, PathBuf};

/// A URL that cannot be used: why (never repeating a password).
#[derive(Debug, thiserror::Error)]
#[error("the PostgreSQL URL: {0}")]
pub struct UrlError(String);

/// A site or department name that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the {what} name: give 1 to {MAX_NAME_CHARS} characters (not only spaces, no NUL)")]
pub struct NameError {
    /// `site` or `department`.
    pub what: &'static str,
}

/// The longest site or department name, in characters (the central schema's limit).
pub const MAX_NAME_CHARS: usize = 200;

/// Check a site or department name: 1 to [`MAX_NAME_CHARS`] characters, not only spaces, none
/// of them NUL (which PostgreSQL's text cannot hold). Quotes, markup and new lines are kept:
/// they travel as parameters and are escaped where a report shows them.
pub fn check_name(what: &'static str, value: &str) -> Result<(), NameError> {
    let n = value.chars().count();
    if n == 0 || n > MAX_NAME_CHARS || value.contains('\0') || value.trim().is_empty() {
        return Err(NameError { what });
    }
    Ok(())
}

/// The longest URL taken.
pub const MAX_URL_BYTES: usize = 2048;

/// How the connection is encrypted (libpq's `sslmode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Never encrypted.
    Disable,
    /// Encrypted when the server offers it, the certificate not checked (libpq's default).
    Prefer,
    /// Always encrypted; the certificate checked only against `sslrootcert` when given.
    Require,
    /// Always encrypted, the certificate checked against `sslrootcert` (or the system's
    /// authorities) and the host name.
    VerifyFull,
}

/// A validated connection URL: what to connect to, without any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    /// The URL as given (it holds no password).
    text: String,
    /// Host: a name, an address, or a folder holding the server's socket.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database.
    pub dbname: String,
    /// User.
    pub user: String,
    /// Encryption.
    pub sslmode: SslMode,
    /// The certificate authority the server's certificate is checked against.
    pub sslrootcert: Option<PathBuf>,
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", self.text)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `%XX` escapes decoded (a URL's user, database and values).
fn decode(part: &str) -> Result<String, String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex =
                part.get(i + 1..i + 3).ok_or_else(|| format!("`{part}`: a `%` without two hex digits"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("`{part}`: `%{hex}` is no escape"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{part}` is not UTF-8 once decoded"))
}

impl std::str::FromStr for DbUrl {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<DbUrl, UrlError> {
        let bad = UrlError;
        if text.len() > MAX_URL_BYTES {
            return Err(bad(format!("it is longer than {MAX_URL_BYTES} bytes")));
        }
        if text.chars().any(char::is_control) {
            return Err(bad("it holds a control character".into()));
        }
        let rest = text
            .strip_prefix("postgresql://")
            .or_else(|| text.strip_prefix("postgres://"))
            .ok_or_else(|| bad("write it as postgresql://user@host:port/database?sslmode=require".into()))?;
        let (authority, path_query) = rest.split_once('/').unwrap_or((rest, ""));
        let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        if userinfo.contains(':') {
            return Err(bad(
                "it holds a password, which a process listing would show: put the password in PGPASSWORD or ~/.pgpass, and leave it out of the URL".into(),
            ));
        }
        let user = if userinfo.is_empty() {
            std::env::var("PGUSER").unwrap_or_default()
        } else {
            decode(userinfo).map_err(bad)?
        };
        let port = |p: &str| p.parse::<u16>().map_err(|_| bad(format!("`{p}` is not a port")));
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("an IPv6 host without its `]`".into()))?;
            match after.strip_prefix(':') {
                Some(p) => (h, port(p)?),
                None if after.is_empty() => (h, 5432),
                None => return Err(bad(format!("`{after}` after the IPv6 host"))),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, port(p)?),
                None => (hostport, 5432),
            }
        };
        let mut url = DbUrl {
            text: text.to_owned(),
            host: host.to_owned(),
            port,
            dbname: decode(path).map_err(bad)?,
            user,
            sslmode: SslMode::Prefer,
            sslrootcert: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).map_err(bad)?;
            match key {
                "sslmode" => {
                    url.sslmode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" | "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(bad(format!(
                                "sslmode `{other}`: use disable, prefer, require or verify-full"
                            )));
                        }
                    }
                }
                "sslrootcert" => url.sslrootcert = Some(PathBuf::from(value)),
                "host" => url.host = value,
                "port" => url.port = value.parse().map_err(|_| bad(format!("`{value}` is not a port")))?,
                "password" => {
                    return Err(bad(
                        "it holds a password, which a process listing would show: put the password in PGPASSWORD or ~/.pgpass, and leave it out of the URL".into(),
                    ));
                }
                other => {
                    return Err(bad(format!(
                        "`{other}` is not a parameter ergoaudit knows (sslmode, sslrootcert, host, port)"
                    )));
                }
            }
        }
        if url.host.is_empty() {
            url.host = "/run/postgresql".into();
        }
        // as libpq: `require` with a root certificate checks the server's certificate
        if url.sslmode == SslMode::Require && url.sslrootcert.is_some() {
            url.sslmode = SslMode::VerifyFull;
        }
        if url.user.is_empty() {
            return Err(bad("name the user: postgresql://USER@host/database".into()));
        }
        if url.dbname.is_empty() {
            url.dbname = url.user.clone();
        }
        Ok(url)
    }
}

impl DbUrl {
    /// Whether the host is a folder holding the server's socket (no network).
    pub fn is_socket(&self) -> bool {
        self.host.starts_with('/')
    }

    /// The password for this connection, by libpq's rules: `PGPASSWORD`, else the first
    /// matching line of the password file (`PGPASSFILE`, else `~/.pgpass`; `*` matches
    /// anything, `\:` and `\\` are escapes; a file others may read is not used).
    pub fn password(&self) -> Option<String> {
        if let Some(p) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
            return Some(p);
        }
        let file = std::env::var_os("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".pgpass")))?;
        self.password_from(&file)
    }

    /// The password in the password file at `file` for this connection, if any.
    fn password_from(&self, file: &Path) -> Option<String> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(file).ok()?;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "{} may be read by others, so it is not used (as libpq does): chmod 600 it",
                crate::escape::path(file)
            );
            return None;
        }
        let text = crate::files::read_to_string(file, crate::files::PGPASS).ok()?;
        let host = if self.is_socket() { "localhost".to_owned() } else { self.host.clone() };
        let wanted = [host, self.port.to_string(), self.dbname.clone(), self.user.clone()];
        text.lines().filter(|l| !l.trim_start().starts_with('#')).find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, password] = fields.as_slice() else { return None };
            let matches = [h, p, d, u].iter().zip(&wanted).all(|(f, w)| f.as_str() == "*" || f == &w);
            matches.then(|| password.clone())
        })
    }
}

/// The colon-separated fields of a password file's line, escapes undone.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field at least").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field at least").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Result<DbUrl, String> {
        s.parse::<DbUrl>().map_err(|e| e.to_string())
    }

    #[test]
    fn a_url_names_user_host_port_database_and_encryption_and_never_a_password() {
        let u = url("postgresql://audit@db.example.org:6543/team?sslmode=require").unwrap();
        assert_eq!(
            (u.user.as_str(), u.host.as_str(), u.port, u.dbname.as_str()),
            ("audit", "db.example.org", 6543, "team")
        );
        assert_eq!(u.sslmode, SslMode::Require);
        let u = url("postgres://a%40b@[::1]/t?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap();
        assert_eq!((u.user.as_str(), u.host.as_str(), u.port), ("a@b", "::1", 5432));
        assert_eq!(
            (u.sslmode, u.sslrootcert.as_deref()),
            (SslMode::VerifyFull, Some(Path::new("/etc/ca.pem")))
        );
        let u = url("postgresql://me@/team?host=/tmp/pg&port=5433").unwrap();
        assert!(u.is_socket() && u.host == "/tmp/pg" && u.port == 5433, "{u:?}");
        for bad in ["postgresql://me:secret@host/db", "postgresql://me@host/db?password=secret"] {
            let e = url(bad).unwrap_err();
            assert!(e.contains("PGPASSWORD or ~/.pgpass") && !e.contains("secret"), "{e}");
        }
        assert!(url("mysql://me@host/db").unwrap_err().contains("postgresql://"));
        assert!(url("postgresql://me@host:99999/db").unwrap_err().contains("not a port"));
        assert!(url("postgresql://me@host/db?sslmode=sometimes").unwrap_err().contains("sslmode"));
        assert!(url("postgresql://me@host/db?options=x").unwrap_err().contains("`options`"));
        assert!(url(&format!("postgresql://me@host/{}", "d".repeat(3000))).unwrap_err().contains("longer"));
        assert!(url("postgresql://me@host/db\nDROP").unwrap_err().contains("control character"));
    }

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:*:no\ndb.example.org:*:team:audit:pa\\:ss\\\\word\n*:*:*:*:any\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let u = url("postgresql://audit@db.example.org/team").unwrap();
        assert_eq!(u.password_from(&file).as_deref(), Some("pa:ss\\word"));
        let u = url("postgresql://someone@elsewhere/x").unwrap();
        assert_eq!(u.password_from(&file).as_deref(), Some("any"));
        // readable by others: not used
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(u.password_from(&file), None);
    }
}
