//! Team mode: many workstations' day figures in the team's PostgreSQL — an existing engine,
//! not a server of ergoaudit's. This module connects (to a [`crate::team::DbUrl`], the
//! password by libpq's rules, TLS through native-tls), keeps the central schema ([`schema`]:
//! versioned migrations, safe to run again, and the two roles an administrator creates),
//! pushes a history's days ([`push`]), once a day from the background audit ([`daily`]).
//!
//! Nothing here runs unless a user configures a URL: ergoaudit uses the network for nothing
//! else.

pub mod daily;
mod error;
pub mod generate;
pub mod push;
pub mod render;
pub mod report;
pub mod schema;

use std::time::Duration;

pub use crate::team::{DbUrl, SslMode};
pub use error::FleetError;
use error::why;

/// How long a connection may take to be made.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Connect to the team's database at `url`, encrypted as its `sslmode` says, with the
/// password from `PGPASSWORD` or the password file.
pub fn connect(url: &DbUrl) -> Result<postgres::Client, FleetError> {
    let mut config = postgres::Config::new();
    config
        .host(&url.host)
        .port(url.port)
        .dbname(&url.dbname)
        .user(&url.user)
        .application_name("ergoaudit")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(match url.sslmode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => postgres::config::SslMode::Require,
        });
    if let Some(password) = url.password() {
        config.password(password);
    }
    let failed = |why: String| FleetError::Connect { url: url.to_string(), why };
    let connected = if url.sslmode == SslMode::Disable || url.is_socket() {
        config.connect(postgres::NoTls)
    } else {
        config.connect(tls(url)?)
    };
    connected.map_err(|e| failed(why(&e)))
}

/// The TLS connector for `url`: the certificate checked against `sslrootcert` (or the
/// system's authorities) and the host name for `verify-full`; not checked for `prefer` and
/// `require` (libpq's meaning: encrypted, not authenticated).
fn tls(url: &DbUrl) -> Result<postgres_native_tls::MakeTlsConnector, FleetError> {
    let mut builder = native_tls::TlsConnector::builder();
    if url.sslmode == SslMode::VerifyFull {
        if let Some(path) = &url.sslrootcert {
            let bad = |why: String| FleetError::RootCert { path: crate::escape::path(path), why };
            let pem = crate::files::read(path, crate::files::CERTIFICATE).map_err(|e| bad(e.to_string()))?;
            let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| bad(e.to_string()))?;
            builder.add_root_certificate(cert);
        }
    } else {
        builder.danger_accept_invalid_certs(true).danger_accept_invalid_hostnames(true);
    }
    let connector =
        builder.build().map_err(|e| FleetError::Connect { url: url.to_string(), why: e.to_string() })?;
    Ok(postgres_native_tls::MakeTlsConnector::new(connector))
}
