//! What can go wrong with the history database, each with the fix in its message, and how
//! SQLite's failures map onto them.

use std::path::{Path, PathBuf};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file is not an ergoaudit database (or is damaged).
    #[error("{} is not a readable ergoaudit database ({why}); it was left untouched — move it aside or pass another --db", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, as SQLite's check or the schema says it.
        why: Corruption,
    },
    /// The database was written by a newer ergoaudit.
    #[error("{} has schema version {found}, newer than this ergoaudit ({known}); upgrade ergoaudit", .path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Version found.
        found: i64,
        /// Newest version known.
        known: i64,
    },
    /// Another audit is writing to the database.
    #[error("another audit is already recording into {}; stop it first or pass another --db", .path.display())]
    Locked {
        /// The database.
        path: PathBuf,
    },
    /// The database (or its folder) cannot be written.
    #[error("cannot write {}: {source}; check its permissions or pass another --db", .path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// Why.
        source: Cause,
    },
    /// The audit's lock beside the database (`DB.lock`) cannot be asked.
    #[error("cannot lock {}: {source}; check the data folder's permissions or pass another --db", .path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing failed for want of room (SQLITE_FULL, or a write refused by the system:
    /// a file size limit, a failing disk) while recording.
    #[error("{}: cannot write any more (the disk is full, a file size limit is reached, or the disk fails); what was recorded until now is kept — free some space and start again", .0.display())]
    Full(PathBuf),
    /// The database, or a file SQLite keeps beside it (`-wal`, `-shm`, `-journal`), is not a
    /// regular file (a FIFO would block forever, a device never ends).
    #[error("{}: {source}; pass the history's file with --db", .path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another program holds the database exclusively (no audit is recording into it; an
    /// audit's own moments of locking are waited for).
    #[error("{} is held exclusively by another program; try again when it has finished", .0.display())]
    Busy(PathBuf),
    /// The database does not exist (for commands that only read).
    #[error("no audit history at {}; run `ergoaudit audit` first (or pass --db)", .0.display())]
    Missing(PathBuf),
    /// Any other SQLite failure.
    #[error("{}: {source}", .path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// Why a database is not readable: SQLite said so, or its integrity check or schema did.
#[derive(Debug, thiserror::Error)]
pub enum Corruption {
    /// SQLite refused it (not a database, damaged pages).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// `PRAGMA quick_check` found problems: the first, and how many more.
    #[error("{first}{}", if *.more > 0 { format!(" (and {} more problems)", .more) } else { String::new() })]
    Check {
        /// The first problem reported.
        first: String,
        /// How many more.
        more: usize,
    },
    /// Tables, but not ergoaudit's.
    #[error("a SQLite database of another program")]
    Foreign,
}

/// Why a database or its folder cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    /// The system refused (the folder, the lock file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// SQLite refused.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// SQLite's failure on `path`, as what it means for the user.
pub(super) fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path, why: Corruption::Sqlite(e) }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full(path),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(path),
        Some(ErrorCode::SystemIoFailure)
            if e.sqlite_error().is_some_and(|f| f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE) =>
        {
            StoreError::Full(path)
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path, source: Cause::Sqlite(e) }
        }
        _ => StoreError::Sqlite { path, source: e },
    }
}
