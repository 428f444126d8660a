//! What goes wrong with the team's database, in words that never hold a password.

/// What went wrong with the team's database. No message ever holds a password: none is ever
/// in the URL, and the server's errors do not repeat it.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The URL cannot be used.
    #[error(transparent)]
    Url(#[from] crate::team::UrlError),
    /// A site or department name cannot be used.
    #[error(transparent)]
    Name(#[from] crate::team::NameError),
    /// The root certificate cannot be read.
    #[error("the root certificate {path}: {why}")]
    RootCert {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// The connection failed (or TLS did).
    #[error("cannot connect to {url}: {why}")]
    Connect {
        /// The URL (which holds no password).
        url: String,
        /// Why, as the driver or the server said.
        why: String,
    },
    /// A statement failed.
    #[error("{what}: {why}")]
    Sql {
        /// What was being done.
        what: &'static str,
        /// Why, as the server said.
        why: String,
    },
    /// The push ledger beside the history cannot be read or written.
    #[error("the team push ledger {path}: {why}")]
    Ledger {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// The local history cannot be read.
    #[error("the history {path}: {why}")]
    History {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// Nothing was ever sent from this workstation.
    #[error("nothing was sent from this workstation, so it has no id: there is no ledger {ledger}")]
    NothingSent {
        /// The ledger looked for.
        ledger: String,
    },
    /// The central schema is newer than this ergoaudit knows.
    #[error(
        "the team's database is at schema version {found}, newer than this ergoaudit's {known}: upgrade ergoaudit"
    )]
    TooNew {
        /// The version found.
        found: i32,
        /// The newest this build knows.
        known: i32,
    },
}

/// The server's words for a failed statement (its message and detail, never the statement's
/// parameters).
pub(crate) fn why(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => {
            // the driver's words and their causes (a TLS handshake's: why the certificate failed)
            let mut line = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                line = format!("{line}: {c}");
                cause = c.source();
            }
            line
        }
    }
}
