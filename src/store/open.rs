//! Opening a history database, three ways: for an audit (the lock taken, the file checked
//! and migrated, crashed sessions closed), to read (checked, never changed), and to glance
//! at (`status`: not checked page by page, and leaving no file behind).
//!
//! One audit writes to a database at a time: it holds an exclusive lock on `DB.lock` (the
//! database's name with `.lock` appended) for its whole run (released by the OS even after
//! `kill -9`); a second audit is refused.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::error::{Cause, Corruption, StoreError, sqlite_error};
use super::schema::SCHEMA_VERSION;

/// Times `open_for_audit` tries the lock, 20 ms apart, before it says another audit holds it.
const LOCK_TRIES: u32 = 5;

/// How long a connection waits for a lock an audit holds for a moment (a commit, a
/// checkpoint).
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `DB.lock`: `a.sqlite` and `a.db` must not share a lock.
fn lock_path(db: &Path) -> PathBuf {
    let mut lock = db.as_os_str().to_owned();
    lock.push(".lock");
    PathBuf::from(lock)
}

/// Refuse a database, or a file SQLite keeps beside it, that is a FIFO or a device: SQLite
/// would open a FIFO and block on it forever. (A folder SQLite refuses by itself, as on
/// read-only storage. Looked at, not opened: closing a descriptor of a database this
/// process has open would drop SQLite's locks on it.)
fn check_files(db: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let path = PathBuf::from(path);
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                let source = std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "it is not a regular file (a pipe or a device?)",
                );
                return Err(StoreError::NotAFile { path, source });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Open the lock file `DB.lock` as `options` say: a regular file only.
fn open_lock(db: &Path, options: &mut std::fs::OpenOptions) -> std::io::Result<std::fs::File> {
    crate::files::open_regular(&lock_path(db), options, "the audit's lock file")
}

/// How a database is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// For an audit: checked, migrated, crashed sessions closed.
    Write,
    /// To read: checked, never changed.
    Read,
    /// To glance at: not checked page by page, never changed.
    Glance,
}

/// An open history database.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// The audit's lock, held while this store writes.
    _lock: Option<std::fs::File>,
    /// The schema version of the file (older ones are read as they are, never migrated by
    /// a reader).
    pub(super) schema: i64,
}

/// `file:PATH?immutable=1`, the path percent-encoded (RFC 3986 unreserved bytes and `/`
/// kept).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri + "?immutable=1"
}

impl Store {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's failure on this database.
    pub(super) fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, e)
    }

    /// Open (creating if needed) the database for writing one audit session: takes the
    /// audit lock, checks the file, migrates the schema.
    pub fn open_for_audit(path: &Path) -> Result<Self, StoreError> {
        // before anything is made beside it (its folder, its lock)
        check_files(path)?;
        let ro = |e: std::io::Error| StoreError::ReadOnly { path: path.to_path_buf(), source: Cause::Io(e) };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(ro)?;
        }
        let lock_error = |e| StoreError::Lock { path: lock_path(path), source: e };
        let lock = open_lock(path, std::fs::OpenOptions::new().create(true).truncate(false).write(true))
            .map_err(lock_error)?;
        // `status` holds a shared lock for an instant to look: try a few times
        let mut tries = 0;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if tries < LOCK_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked { path: path.to_path_buf() });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(lock_error(e)),
            }
        }
        let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
        let mut store = Store { conn, path: path.to_path_buf(), _lock: Some(lock), schema: 0 };
        store.prepare(Mode::Write)?;
        Ok(store)
    }

    /// Whether an audit is recording into the database at `path` now (it holds the lock).
    /// Never blocks, never writes: a shared lock is tried and let go at once.
    pub fn is_recording(path: &Path) -> Result<bool, StoreError> {
        let lock_error = |e| StoreError::Lock { path: lock_path(path), source: e };
        let lock = match open_lock(path, std::fs::OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(lock_error(e)),
        };
        match lock.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(std::fs::TryLockError::WouldBlock) => Ok(true),
            Err(std::fs::TryLockError::Error(e)) => Err(lock_error(e)),
        }
    }

    /// Open an existing database to read (history, export, report), its pages checked.
    pub fn open_read(path: &Path) -> Result<Self, StoreError> {
        // a lock that cannot be asked is taken for an audit's: waited on, not refused
        Self::open_reading(path, Mode::Read, false, Self::is_recording(path).unwrap_or(true))
    }

    /// Open an existing database to glance at (`status`, which may run every few seconds):
    /// as [`Store::open_read`], without the check of every page, and without leaving a
    /// file behind — with no audit recording and no write-ahead log left by a crash, the
    /// file is read as immutable (a read-only connection would otherwise create the
    /// log and its index beside it). `recording` says whether an audit holds the lock
    /// ([`Store::is_recording`]).
    pub fn open_glance(path: &Path, recording: bool) -> Result<Self, StoreError> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        Self::open_reading(path, Mode::Glance, !recording && !Path::new(&wal).exists(), recording)
    }

    /// Open to read, read-only, or at once as `immutable`. While an audit is `recording`, a
    /// moment's lock (a commit, a checkpoint) is waited for, up to 5 s; without one, the
    /// database is held by another program, and that is said at once.
    fn open_reading(path: &Path, mode: Mode, immutable: bool, recording: bool) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        check_files(path)?;
        let open = |conn: rusqlite::Result<Connection>| {
            let conn = conn.map_err(|e| sqlite_error(path, e))?;
            let wait = if recording { BUSY_WAIT } else { std::time::Duration::ZERO };
            conn.busy_timeout(wait).map_err(|e| sqlite_error(path, e))?;
            let mut store = Store { conn, path: path.to_path_buf(), _lock: None, schema: 0 };
            store.prepare(mode).map(|()| store)
        };
        let as_immutable = || {
            open(Connection::open_with_flags(
                immutable_uri(path),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            ))
        };
        if immutable {
            return as_immutable();
        }
        match open(Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)) {
            // on read-only storage a WAL database cannot get its WAL and shared-memory files:
            // read it as immutable (what an audit has not yet checkpointed is then not seen)
            Err(StoreError::ReadOnly { .. }) => as_immutable(),
            other => other,
        }
    }

    /// Check the file (`quick_check` but to glance), know its schema, and for an audit
    /// migrate it and close the sessions a crash left open.
    fn prepare(&mut self, mode: Mode) -> Result<(), StoreError> {
        // reading the header is what reveals a file that is not a database
        let version: i64 =
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        let check: String = match mode {
            Mode::Glance => "ok".into(),
            Mode::Read | Mode::Write => {
                self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| self.err(e))?
            }
        };
        if check != "ok" {
            // the report can run to pages: its first line says enough
            let first = check.lines().next().unwrap_or_default().to_owned();
            let more = check.lines().count().saturating_sub(1);
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                why: Corruption::Check { first, more },
            });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        self.schema = version;
        if mode != Mode::Write {
            return if version == 0 && self.has_no_tables()? {
                Err(StoreError::Missing(self.path.clone()))
            } else {
                Ok(())
            };
        }
        if version == 0 && !self.has_no_tables()? {
            return Err(StoreError::Corrupt { path: self.path.clone(), why: Corruption::Foreign });
        }
        self.conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| self.err(e))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| self.err(e))?;
        self.conn.busy_timeout(BUSY_WAIT).map_err(|e| self.err(e))?;
        self.migrate()?;
        self.close_crashed_sessions()
    }

    fn has_no_tables(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(n == 0)
    }

    /// Sessions a crash left open end at their last committed sample; their open findings
    /// end there too.
    fn close_crashed_sessions(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "UPDATE findings SET end_s = (SELECT coalesce(last_sample_s, start_s) FROM sessions s WHERE s.id = findings.session_id)
                   WHERE end_s IS NULL AND session_id IN (SELECT id FROM sessions WHERE ended_at IS NULL);
                 UPDATE sessions SET interrupted = 1 WHERE ended_at IS NULL;",
            )
            .map_err(|e| self.err(e))
    }
}
