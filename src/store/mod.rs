//! The audit history: SQLite (bundled) in WAL mode, every sample committed as it is taken,
//! a versioned schema with migrations. Only measures are stored, never images.
//!
//! By concern, each file importing only those before it: `error.rs` (what goes wrong, with
//! the fix), `schema.rs` (the tables, one migration per version), `open.rs` (the [`Store`],
//! the three ways to open it, the audit's lock), `session.rs` (the sessions and their
//! queries), `read.rs` (samples, findings, breaks, pauses), `write.rs` (what an audit
//! commits), `migrate.rs` (bringing an older file up to date).

mod error;
mod migrate;
mod open;
mod read;
mod schema;
mod session;
mod write;

use std::path::PathBuf;

pub use error::{Cause, Corruption, StoreError};
pub use open::Store;
pub use read::{SessionSpan, StoredFinding, StoredSample, missing_map};
pub use schema::SCHEMA_VERSION;
pub use session::{SessionEnd, SessionId, SessionSetup, SessionSummary, StoredSession};
pub use write::NewSample;

/// Environment variable that relocates the data folder (the default database).
pub const DATA_DIR_ENV: &str = "ERGOAUDIT_DATA_DIR";

/// The default database: `$ERGOAUDIT_DATA_DIR/history.sqlite`, else the platform data folder
/// (`~/.local/share/ergoaudit` on Linux); `None` when this user has no data folder.
pub fn default_path() -> Option<PathBuf> {
    let dir = match std::env::var_os(DATA_DIR_ENV) {
        Some(d) => PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "ergoaudit")?.data_dir().to_path_buf(),
    };
    Some(dir.join("history.sqlite"))
}
