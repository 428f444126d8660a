//! The audit history: SQLite (bundled) in WAL mode, every sample committed as it is taken,
//! a versioned schema with migrations. Only measures are stored, never images.
//!
//! One audit writes to a database at a time: it holds an exclusive lock on `DB.lock` (the
//! database's name with `.lock` appended) for its whole run (released by the OS even after
//! `kill -9`); a second audit is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};
use serde::{Serialize, Serializer};

use crate::posture::{MeasureId, Measures, Missing, View};
use crate::risk::{Assessment, Break, Engine, Finding, FindingKind, Pause, SampleInput};
use crate::thresholds::{Thresholds, Verdict};

/// Environment variable that relocates the data folder (the default database).
pub const DATA_DIR_ENV: &str = "ERGOAUDIT_DATA_DIR";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No data folder could be determined.
    #[error("cannot find a data folder for this user; set {DATA_DIR_ENV} or pass --db")]
    NoDataDir,
    /// The database file is not an ergoaudit database (or is damaged).
    #[error("{} is not a readable ergoaudit database ({detail}); it was left untouched — move it aside or pass another --db", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        detail: String,
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
    #[error("cannot write {}: {detail}; check its permissions or pass another --db", .path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// Writing failed for want of room (SQLITE_FULL, or a write refused by the system:
    /// a file size limit, a failing disk) while recording.
    #[error("{}: cannot write any more (the disk is full, a file size limit is reached, or the disk fails); what was recorded until now is kept — free some space and start again", .0.display())]
    Full(PathBuf),
    /// The database does not exist (for commands that only read).
    #[error("no audit history at {}; run `ergoaudit audit` first (or pass --db)", .0.display())]
    Missing(PathBuf),
    /// Any other SQLite failure.
    #[error("{}: {detail}", .path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        detail: String,
    },
}

/// The default database: `$ERGOAUDIT_DATA_DIR/history.sqlite`, else the platform data folder
/// (`~/.local/share/ergoaudit` on Linux).
pub fn default_path() -> Result<PathBuf, StoreError> {
    let dir = match std::env::var_os(DATA_DIR_ENV) {
        Some(d) => PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "ergoaudit")
            .ok_or(StoreError::NoDataDir)?
            .data_dir()
            .to_path_buf(),
    };
    Ok(dir.join("history.sqlite"))
}

/// The schema, one migration per version (`PRAGMA user_version`).
const MIGRATIONS: [&str; 4] = [
    r#"
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    last_sample_s REAL,
    source TEXT NOT NULL,
    model TEXT,
    profile TEXT,
    profile_toml TEXT,
    interval_s REAL NOT NULL,
    thresholds_json TEXT NOT NULL
);
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t_s REAL NOT NULL,
    at TEXT NOT NULL,
    person INTEGER NOT NULL,
    present INTEGER NOT NULL,
    view TEXT,
    frames INTEGER NOT NULL,
    movement REAL,
    rula INTEGER,
    static_posture INTEGER NOT NULL,
    sitting_min REAL NOT NULL,
    cva_deg REAL, head_forward_cm REAL, shoulder_rounding_deg REAL, neck_flexion_deg REAL,
    head_tilt_deg REAL, shoulder_tilt_deg REAL, shoulder_elevation REAL, trunk_inclination_deg REAL,
    viewing_distance_cm REAL, elbow_angle_left_deg REAL, elbow_angle_right_deg REAL
);
CREATE INDEX samples_session ON samples(session_id, t_s);
CREATE TABLE findings (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    measure TEXT,
    start_s REAL NOT NULL,
    end_s REAL,
    value REAL,
    limit_value REAL,
    reference TEXT NOT NULL,
    PRIMARY KEY (session_id, id)
);
CREATE TABLE gaps (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t_s REAL NOT NULL,
    reason TEXT NOT NULL
);
"#,
    // why each measure without a value has none, as a JSON object (measure → reason)
    "ALTER TABLE samples ADD COLUMN missing TEXT;",
    // how a session ended: `ended_at` holds a time only; a session a crash cut short is
    // marked as such (schema 2 wrote 'interrupted' into `ended_at`)
    // and the breaks as the risk engine recorded them (filled for older sessions by
    // replaying their samples through the engine, see `Store::prepare`)
    "ALTER TABLE sessions ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
     UPDATE sessions SET interrupted = 1, ended_at = NULL WHERE ended_at = 'interrupted';
     CREATE TABLE breaks (
         session_id INTEGER NOT NULL REFERENCES sessions(id),
         start_s REAL NOT NULL,
         end_s REAL NOT NULL
     );",
    // the pauses (`ergoaudit pause`): time the audit did not look, neither sitting nor break
    "CREATE TABLE pauses (
         session_id INTEGER NOT NULL REFERENCES sessions(id),
         start_s REAL NOT NULL,
         end_s REAL NOT NULL
     );",
];

/// The schema version that records breaks.
const BREAKS_SCHEMA: i64 = 3;
/// The schema version that records pauses.
const PAUSES_SCHEMA: i64 = 4;

/// The measures' columns of `samples`, in [`MeasureId`] order (each named as the measure).
fn measure_columns() -> String {
    MeasureId::all().map(MeasureId::name).collect::<Vec<_>>().join(", ")
}

/// Newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Times `open_for_audit` tries the lock, 20 ms apart, before it says another audit holds it.
const LOCK_TRIES: u32 = 5;

/// `DB.lock`: `a.sqlite` and `a.db` must not share a lock.
fn lock_path(db: &Path) -> PathBuf {
    let mut lock = db.as_os_str().to_owned();
    lock.push(".lock");
    PathBuf::from(lock)
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
    conn: Connection,
    path: PathBuf,
    _lock: Option<std::fs::File>,
    /// The schema version of the file (older ones are read as they are, never migrated by
    /// a reader).
    schema: i64,
}

/// What a session was recorded with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionInfo {
    /// Start (RFC 3339).
    pub started_at: jiff::Timestamp,
    /// The source (file, folder, camera).
    pub source: String,
    /// The landmark model.
    pub model: Option<String>,
    /// Calibration profile name.
    pub profile: Option<String>,
    /// The profile's TOML, as used.
    pub profile_toml: Option<String>,
    /// Seconds between samples.
    pub interval_s: f64,
    /// The thresholds, as JSON.
    pub thresholds_json: String,
}

/// One stored sample, for history, export and the report.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSample {
    /// Session id.
    pub session: i64,
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Wall-clock time; `None` when the stored text is no time (a damaged database).
    pub at: Option<jiff::Timestamp>,
    /// A person was seen in this sample.
    pub person: bool,
    /// The person counted as present (confirmed).
    pub present: bool,
    /// Camera view.
    pub view: Option<View>,
    /// Movement, shoulder widths.
    pub movement: Option<f64>,
    /// RULA-style score.
    pub rula: Option<i64>,
    /// Held still past the static limit.
    pub static_posture: bool,
    /// Continuous sitting so far, minutes.
    pub sitting_min: f64,
    /// The measures.
    pub measures: Measures<Option<f64>>,
    /// Why the measures without a value have none (`None` as well for samples recorded
    /// before the reasons were kept).
    pub missing: Measures<Option<Missing>>,
}

/// The reasons of the measures without a value, as the JSON object stored with a sample
/// (measure name → [`Missing::text`]).
pub fn missing_map(missing: &Measures<Option<Missing>>) -> BTreeMap<&'static str, &'static str> {
    missing.iter().filter_map(|(id, m)| m.map(|m| (id.name(), m.text()))).collect()
}

fn missing_json(missing: &Measures<Option<Missing>>) -> Option<String> {
    let map = missing_map(missing);
    (!map.is_empty()).then(|| serde_json::to_string(&map).expect("a map of strings serialises"))
}

/// The reasons read back: unknown measures or reasons (a damaged database) are left out.
fn missing_from_json(json: &str) -> Measures<Option<Missing>> {
    let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
    Measures::from_fn(|id| map.get(id.name()).and_then(|t| Missing::from_text(t)))
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// Still recording (or its audit holds the database).
    Running,
    /// Ended at this time.
    Ended(jiff::Timestamp),
    /// Cut short by a crash (or a kill); closed at its last sample on the next open.
    Interrupted,
}

impl SessionEnd {
    /// From the stored `ended_at` text and `interrupted` flag.
    fn read(ended_at: Option<String>, interrupted: bool) -> Self {
        match ended_at {
            _ if interrupted => SessionEnd::Interrupted,
            None => SessionEnd::Running,
            Some(text) => text.parse().map_or(SessionEnd::Interrupted, SessionEnd::Ended),
        }
    }
}

/// As JSON (`history --json`): the end time, `"interrupted"`, or null while running.
impl Serialize for SessionEnd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SessionEnd::Running => s.serialize_none(),
            SessionEnd::Ended(at) => s.collect_str(at),
            SessionEnd::Interrupted => s.serialize_str("interrupted"),
        }
    }
}

/// A session summary for `history`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// How it ended.
    #[serde(rename = "ended_at")]
    pub end: SessionEnd,
    /// Source.
    pub source: String,
    /// Profile.
    pub profile: Option<String>,
    /// Samples taken.
    pub samples: i64,
    /// Samples with the person present.
    pub present_samples: i64,
    /// Seconds covered (first to last sample).
    pub span_s: f64,
    /// Findings by kind.
    pub findings: Vec<(String, i64)>,
}

fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    let detail = e.to_string();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path: path.to_path_buf(), detail }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full(path.to_path_buf()),
        Some(ErrorCode::SystemIoFailure)
            if e.sqlite_error().is_some_and(|f| f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE) =>
        {
            StoreError::Full(path.to_path_buf())
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path: path.to_path_buf(), detail }
        }
        _ => StoreError::Sqlite { path: path.to_path_buf(), detail },
    }
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
    /// Open (creating if needed) the database for writing one audit session: takes the
    /// audit lock, checks the file, migrates the schema.
    pub fn open_for_audit(path: &Path) -> Result<Self, StoreError> {
        let ro = |e: std::io::Error| StoreError::ReadOnly { path: path.to_path_buf(), detail: e.to_string() };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(ro)?;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(path))
            .map_err(ro)?;
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
                Err(std::fs::TryLockError::Error(e)) => return Err(ro(e)),
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
        let lock = match std::fs::File::open(lock_path(path)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(StoreError::ReadOnly { path: path.to_path_buf(), detail: e.to_string() }),
        };
        match lock.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(std::fs::TryLockError::WouldBlock) => Ok(true),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StoreError::Sqlite { path: path.to_path_buf(), detail: e.to_string() })
            }
        }
    }

    /// Open an existing database to read (history, export, report), its pages checked.
    pub fn open_read(path: &Path) -> Result<Self, StoreError> {
        Self::open_reading(path, Mode::Read, false)
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
        Self::open_reading(path, Mode::Glance, !recording && !Path::new(&wal).exists())
    }

    /// Open to read, read-only, or at once as `immutable`.
    fn open_reading(path: &Path, mode: Mode, immutable: bool) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let open = |conn: rusqlite::Result<Connection>| {
            let conn = conn.map_err(|e| sqlite_error(path, e))?;
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

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, e)
    }

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
            let lines = check.lines().count();
            let first = check.lines().next().unwrap_or_default().to_owned();
            let detail = if lines > 1 { format!("{first} (and {} more problems)", lines - 1) } else { first };
            return Err(StoreError::Corrupt { path: self.path.clone(), detail });
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
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: "a SQLite database of another program".into(),
            });
        }
        self.conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| self.err(e))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| self.err(e))?;
        self.conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| self.err(e))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // the breaks of older sessions, found before the schema changes under them
            let replayed =
                if i as i64 + 1 == BREAKS_SCHEMA { self.replayed_breaks(None)? } else { Vec::new() };
            let tx = self.conn.transaction().map_err(|e| sqlite_error(&self.path, e))?;
            tx.execute_batch(sql).map_err(|e| sqlite_error(&self.path, e))?;
            for (session, b) in &replayed {
                Self::insert_break(&tx, *session, b).map_err(|e| sqlite_error(&self.path, e))?;
            }
            tx.pragma_update(None, "user_version", i as i64 + 1).map_err(|e| sqlite_error(&self.path, e))?;
            tx.commit().map_err(|e| sqlite_error(&self.path, e))?;
            self.schema = i as i64 + 1;
        }
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

    /// How the schema of this file says a session was interrupted (schema 2 wrote it into
    /// `ended_at`).
    fn interrupted_column(&self) -> &'static str {
        if self.schema >= 3 { "interrupted" } else { "coalesce(ended_at = 'interrupted', 0)" }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Start a session; returns its id.
    pub fn begin_session(&self, info: &SessionInfo) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO sessions (started_at, source, model, profile, profile_toml, interval_s, thresholds_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    info.started_at.to_string(),
                    info.source,
                    info.model,
                    info.profile,
                    info.profile_toml,
                    info.interval_s,
                    info.thresholds_json
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Commit one sample (and the findings it changed) in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn add_sample(
        &mut self,
        session: i64,
        at: jiff::Timestamp,
        sample: &SampleInput,
        missing: &Measures<Option<Missing>>,
        view: Option<View>,
        frames: usize,
        assessment: &Assessment,
        findings: &[Finding],
        breaks: &[Break],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        for b in breaks {
            Self::insert_break(&tx, session, b).map_err(e)?;
        }
        let (at, view, frames, missing) =
            (at.to_string(), view.map(View::name), frames as i64, missing_json(missing));
        let mut values: Vec<&dyn ToSql> = vec![
            &session,
            &sample.t_s,
            &at,
            &sample.person,
            &assessment.present,
            &view,
            &frames,
            &sample.movement,
            &assessment.rula,
            &assessment.static_posture,
            &assessment.sitting_min,
            &missing,
        ];
        values.extend(sample.measures.values().map(|v| v as &dyn ToSql));
        let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
        tx.execute(
            &format!(
                "INSERT INTO samples (session_id, t_s, at, person, present, view, frames, movement, rula, static_posture,
                   sitting_min, missing, {}) VALUES ({})",
                measure_columns(),
                placeholders.join(", ")
            ),
            params_from_iter(values),
        )
        .map_err(e)?;
        Self::upsert_findings(&tx, session, findings).map_err(e)?;
        tx.execute("UPDATE sessions SET last_sample_s = ?1 WHERE id = ?2", params![sample.t_s, session])
            .map_err(e)?;
        tx.commit().map_err(e)
    }

    fn upsert_findings(
        tx: &rusqlite::Transaction,
        session: i64,
        findings: &[Finding],
    ) -> rusqlite::Result<()> {
        for f in findings {
            tx.execute(
                "INSERT INTO findings (session_id, id, kind, severity, measure, start_s, end_s, value, limit_value, reference)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (session_id, id) DO UPDATE SET severity = excluded.severity, end_s = excluded.end_s,
                   value = excluded.value, limit_value = excluded.limit_value, reference = excluded.reference",
                params![
                    session,
                    f.id as i64,
                    f.kind.name(),
                    f.severity.name(),
                    f.measure.map(MeasureId::name),
                    f.start_s,
                    f.end_s,
                    f.value,
                    f.limit,
                    f.reference
                ],
            )?;
        }
        Ok(())
    }

    /// Record a gap in the samples (the source failed).
    pub fn add_gap(&self, session: i64, t_s: f64, reason: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO gaps (session_id, t_s, reason) VALUES (?1, ?2, ?3)",
                params![session, t_s, reason],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    fn insert_break(tx: &rusqlite::Transaction, session: i64, b: &Break) -> rusqlite::Result<()> {
        tx.execute(
            "INSERT INTO breaks (session_id, start_s, end_s) VALUES (?1, ?2, ?3)",
            params![session, b.start_s, b.end_s],
        )
        .map(drop)
    }

    /// Record findings as they changed outside a sample (a pause closed them).
    pub fn update_findings(&mut self, session: i64, findings: &[Finding]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        Self::upsert_findings(&tx, session, findings).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Record a pause of a session.
    pub fn add_pause(&self, session: i64, pause: &Pause) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO pauses (session_id, start_s, end_s) VALUES (?1, ?2, ?3)",
                params![session, pause.start_s, pause.end_s],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// End a session: its findings as they closed, the breaks that ended with it, and the
    /// end time.
    pub fn end_session(
        &mut self,
        session: i64,
        at: jiff::Timestamp,
        findings: &[Finding],
        breaks: &[Break],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        for b in breaks {
            Self::insert_break(&tx, session, b).map_err(e)?;
        }
        Self::upsert_findings(&tx, session, findings).map_err(e)?;
        tx.execute("UPDATE sessions SET ended_at = ?1 WHERE id = ?2", params![at.to_string(), session])
            .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Sessions that started at or after `since`, oldest first.
    pub fn sessions(&self, since: Option<jiff::Timestamp>) -> Result<Vec<SessionSummary>, StoreError> {
        let since = since.map_or_else(String::new, |t| t.to_string());
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT s.id, s.started_at, s.ended_at, s.source, s.profile,
                        (SELECT count(*) FROM samples WHERE session_id = s.id),
                        (SELECT count(*) FROM samples WHERE session_id = s.id AND present),
                        coalesce((SELECT max(t_s) - min(t_s) FROM samples WHERE session_id = s.id), 0),
                        {}
                 FROM sessions s WHERE ?1 = '' OR julianday(s.started_at) >= julianday(?1) ORDER BY s.id",
                self.interrupted_column()
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(SessionSummary {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    end: SessionEnd::read(r.get(2)?, r.get(8)?),
                    source: r.get(3)?,
                    profile: r.get(4)?,
                    samples: r.get(5)?,
                    present_samples: r.get(6)?,
                    span_s: r.get(7)?,
                    findings: Vec::new(),
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for mut s in rows {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT kind, count(*) FROM findings WHERE session_id = ?1 GROUP BY kind ORDER BY kind",
                )
                .map_err(|e| self.err(e))?;
            s.findings = stmt
                .query_map([s.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?;
            out.push(s);
        }
        Ok(out)
    }

    /// Every sample of the given sessions, in time order.
    pub fn samples(&self, sessions: &[i64]) -> Result<Vec<StoredSample>, StoreError> {
        let all: Vec<(i64, f64)> = sessions.iter().map(|&s| (s, f64::MIN)).collect();
        self.samples_where(&all, "t_s >= ?2 ORDER BY t_s")
    }

    /// The samples of the given sessions taken at or after `since`, in time order (through
    /// the index: `status` reads today's samples of a session that may have run for weeks).
    pub fn samples_since(
        &self,
        sessions: &[SessionDetails],
        since: jiff::Timestamp,
    ) -> Result<Vec<StoredSample>, StoreError> {
        let from: Vec<(i64, f64)> =
            sessions.iter().map(|d| (d.id, d.clock_s(since).unwrap_or(f64::MIN))).collect();
        self.samples_where(&from, "t_s >= ?2 ORDER BY t_s")
    }

    /// The last sample of a session, if any.
    pub fn last_sample(&self, session: i64) -> Result<Option<StoredSample>, StoreError> {
        Ok(self.samples_where(&[(session, f64::MIN)], "t_s >= ?2 ORDER BY t_s DESC LIMIT 1")?.pop())
    }

    /// The latest session (the running one while an audit records), if any.
    pub fn latest_session(&self) -> Result<Option<i64>, StoreError> {
        self.conn.query_row("SELECT max(id) FROM sessions", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The sessions with samples, or an end, at or after `since` (those that started
    /// before it included: a background audit may run for days), oldest first.
    pub fn sessions_touching(&self, since: jiff::Timestamp) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id FROM sessions
                 WHERE julianday(started_at) + coalesce(last_sample_s, 0) / 86400.0 >= julianday(?1)
                    OR julianday(ended_at) >= julianday(?1)
                 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let ids = stmt.query_map([since.to_string()], |r| r.get(0)).map_err(|e| self.err(e))?;
        ids.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The samples of each `(session, t0)` with `condition` (on `?2` = t0) and its order.
    fn samples_where(
        &self,
        sessions: &[(i64, f64)],
        condition: &str,
    ) -> Result<Vec<StoredSample>, StoreError> {
        // the reasons came with schema 2; an older file read as it is has none
        let missing = if self.schema >= 2 { "missing" } else { "NULL" };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT session_id, t_s, at, person, present, view, movement, rula, static_posture, sitting_min,
                   {missing}, {}
                 FROM samples WHERE session_id = ?1 AND {condition}",
                measure_columns()
            ))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &(session, t0) in sessions {
            let rows = stmt
                .query_map(params![session, t0], |r| {
                    let mut measures = Measures::default();
                    for (k, id) in MeasureId::all().enumerate() {
                        measures[id] = r.get::<_, Option<f64>>(11 + k)?;
                    }
                    Ok(StoredSample {
                        session: r.get(0)?,
                        t_s: r.get(1)?,
                        at: r.get::<_, String>(2)?.parse().ok(),
                        person: r.get(3)?,
                        present: r.get(4)?,
                        view: r.get::<_, Option<String>>(5)?.and_then(|v| v.parse().ok()),
                        movement: r.get(6)?,
                        rula: r.get(7)?,
                        static_posture: r.get(8)?,
                        sitting_min: r.get(9)?,
                        measures,
                        missing: r
                            .get::<_, Option<String>>(10)?
                            .map_or_else(Measures::default, |j| missing_from_json(&j)),
                    })
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                out.push(row.map_err(|e| self.err(e))?);
            }
        }
        Ok(out)
    }

    /// Every finding of the given sessions: (session, finding).
    pub fn findings(&self, sessions: &[i64]) -> Result<Vec<(i64, StoredFinding)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, severity, measure, start_s, end_s, value, limit_value, reference
                 FROM findings WHERE session_id = ?1 ORDER BY start_s, id",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &session in sessions {
            let rows = stmt
                .query_map([session], |r| {
                    let (kind, severity, measure): (String, String, Option<String>) =
                        (r.get(1)?, r.get(2)?, r.get(3)?);
                    // a finding of a kind, severity or measure this build does not know (a
                    // damaged database) is left out
                    let typed = (|| {
                        Some((
                            kind.parse().ok()?,
                            severity.parse().ok()?,
                            match measure {
                                Some(m) => Some(MeasureId::from_name(&m)?),
                                None => None,
                            },
                        ))
                    })();
                    let Some((kind, severity, measure)) = typed else { return Ok(None) };
                    Ok(Some(StoredFinding {
                        id: r.get(0)?,
                        kind,
                        severity,
                        measure,
                        start_s: r.get(4)?,
                        end_s: r.get(5)?,
                        value: r.get(6)?,
                        limit: r.get(7)?,
                        reference: r.get(8)?,
                    }))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                if let Some(f) = row.map_err(|e| self.err(e))? {
                    out.push((session, f));
                }
            }
        }
        Ok(out)
    }

    /// Every break of the given sessions, in time order: as the engine recorded them, or,
    /// in a file older than that (read, not migrated), found the same way by replaying the
    /// samples through the engine.
    pub fn breaks(&self, sessions: &[i64]) -> Result<Vec<(i64, Break)>, StoreError> {
        if self.schema < BREAKS_SCHEMA {
            return self.replayed_breaks(Some(sessions));
        }
        self.spans("breaks", sessions, |start_s, end_s| Break { start_s, end_s })
    }

    /// Every pause of the given sessions, in time order (none in a file older than pauses).
    pub fn pauses(&self, sessions: &[i64]) -> Result<Vec<(i64, Pause)>, StoreError> {
        if self.schema < PAUSES_SCHEMA {
            return Ok(Vec::new());
        }
        self.spans("pauses", sessions, |start_s, end_s| Pause { start_s, end_s })
    }

    /// The `(start_s, end_s)` rows of `table` (`breaks` or `pauses`) for each session.
    fn spans<T>(
        &self,
        table: &str,
        sessions: &[i64],
        make: impl Fn(f64, f64) -> T,
    ) -> Result<Vec<(i64, T)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT start_s, end_s FROM {table} WHERE session_id = ?1 ORDER BY start_s"))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &session in sessions {
            let rows =
                stmt.query_map([session], |r| Ok(make(r.get(0)?, r.get(1)?))).map_err(|e| self.err(e))?;
            for row in rows {
                out.push((session, row.map_err(|e| self.err(e))?));
            }
        }
        Ok(out)
    }

    /// The breaks of `sessions` (all when `None`) found by replaying their samples through
    /// the risk engine, judged with the thresholds each was recorded with.
    fn replayed_breaks(&self, sessions: Option<&[i64]>) -> Result<Vec<(i64, Break)>, StoreError> {
        let ids: Vec<i64> = match sessions {
            Some(ids) => ids.to_vec(),
            None => {
                let mut stmt =
                    self.conn.prepare("SELECT id FROM sessions ORDER BY id").map_err(|e| self.err(e))?;
                let ids = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
                ids.collect::<Result<_, _>>().map_err(|e| self.err(e))?
            }
        };
        let mut out = Vec::new();
        for id in ids {
            let json: Option<String> = self
                .conn
                .query_row("SELECT thresholds_json FROM sessions WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            let thresholds = json.map_or_else(Thresholds::default, |j| Thresholds::from_stored(&j).0);
            let mut engine = Engine::new(thresholds);
            let samples = self.samples(&[id])?;
            for s in &samples {
                engine.push(&SampleInput {
                    t_s: s.t_s,
                    person: s.person,
                    measures: s.measures,
                    movement: s.movement,
                });
            }
            engine.finish(samples.last().map_or(0.0, |s| s.t_s));
            out.extend(engine.take_breaks().into_iter().map(|b| (id, b)));
        }
        Ok(out)
    }

    /// The number of samples stored for a session (for tests and summaries).
    pub fn sample_count(&self, session: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM samples WHERE session_id = ?1", [session], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }
}

/// How a session was recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionDetails {
    /// Session id.
    pub id: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// How it ended.
    pub end: SessionEnd,
    /// Source.
    pub source: String,
    /// Landmark model.
    pub model: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// Seconds between samples.
    pub interval_s: f64,
    /// Thresholds (JSON).
    pub thresholds_json: String,
}

impl SessionDetails {
    /// When it began; `None` when the stored text is no time (a damaged database).
    pub fn started(&self) -> Option<jiff::Timestamp> {
        self.started_at.parse().ok()
    }

    /// Seconds on its clock at the wall time `at`.
    pub fn clock_s(&self, at: jiff::Timestamp) -> Option<f64> {
        Some(at.duration_since(self.started()?).as_secs_f64())
    }

    /// The wall time of `t_s` on its clock.
    pub fn wall(&self, t_s: f64) -> Option<jiff::Timestamp> {
        self.started()?.checked_add(jiff::SignedDuration::try_from_secs_f64(t_s).ok()?).ok()
    }
}

impl Store {
    /// Details of the given sessions.
    pub fn session_details(&self, ids: &[i64]) -> Result<Vec<SessionDetails>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, started_at, ended_at, source, model, profile, interval_s, thresholds_json, {}
                     FROM sessions WHERE id = ?1",
                self.interrupted_column()
            ))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &id in ids {
            let row = stmt
                .query_row([id], |r| {
                    Ok(SessionDetails {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        end: SessionEnd::read(r.get(2)?, r.get(8)?),
                        source: r.get(3)?,
                        model: r.get(4)?,
                        profile: r.get(5)?,
                        interval_s: r.get(6)?,
                        thresholds_json: r.get(7)?,
                    })
                })
                .map_err(|e| self.err(e))?;
            out.push(row);
        }
        Ok(out)
    }
}

/// A finding as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFinding {
    /// Id within the session.
    pub id: i64,
    /// Kind.
    pub kind: FindingKind,
    /// Warn or risk.
    pub severity: Verdict,
    /// The measure it is about, if one.
    pub measure: Option<MeasureId>,
    /// Start, session seconds.
    pub start_s: f64,
    /// End, session seconds.
    pub end_s: Option<f64>,
    /// Representative value.
    pub value: Option<f64>,
    /// Limit judged against.
    pub limit: Option<f64>,
    /// Reference.
    pub reference: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database as the first schema left it, with one sample.
    fn first_schema(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO sessions (started_at, source, interval_s, thresholds_json) VALUES ('2026-01-01T00:00:00Z', 'x', 5, '{}')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO samples (session_id, t_s, at, person, present, frames, static_posture, sitting_min, cva_deg)
             VALUES (1, 0, '2026-01-01T00:00:00Z', 1, 1, 1, 0, 0, 48.0)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn the_sample_columns_are_the_measures() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_audit(&dir.path().join("h.sqlite")).unwrap();
        let mut stmt = store.conn.prepare("SELECT name FROM pragma_table_info('samples')").unwrap();
        let columns: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for id in MeasureId::all() {
            assert!(columns.iter().any(|c| c == id.name()), "no column {}", id.name());
        }
    }

    #[test]
    fn a_schema_two_database_gets_its_breaks_and_its_interrupted_sessions_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(MIGRATIONS[1]).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO sessions (started_at, ended_at, source, interval_s, thresholds_json)
             VALUES ('2026-01-01T00:00:00Z', 'interrupted', 'x', 5, '{\"break_min\": 2.0}')",
            [],
        )
        .unwrap();
        // present 10 min, away 5 min, present 5 min
        for k in 0..240 {
            let present = !(120..180).contains(&k);
            conn.execute(
                "INSERT INTO samples (session_id, t_s, at, person, present, frames, static_posture, sitting_min, neck_flexion_deg)
                 VALUES (1, ?1, '2026-01-01T00:00:00Z', ?2, ?2, 1, 0, 0, 5.0)",
                params![k as f64 * 5.0, present],
            )
            .unwrap();
        }
        drop(conn);
        let expected = [(1, Break { start_s: 600.0, end_s: 900.0 })];
        // a reader finds the breaks the engine would have recorded
        let read = Store::open_read(&path).unwrap();
        assert_eq!(read.breaks(&[1]).unwrap(), expected);
        assert_eq!(read.session_details(&[1]).unwrap()[0].end, SessionEnd::Interrupted);
        drop(read);
        // the next audit migrates and records them
        let store = Store::open_for_audit(&path).unwrap();
        assert_eq!(store.schema, SCHEMA_VERSION);
        assert_eq!(store.breaks(&[1]).unwrap(), expected);
        assert_eq!(store.sessions(None).unwrap()[0].end, SessionEnd::Interrupted);
        let json = serde_json::to_value(&store.sessions(None).unwrap()[0]).unwrap();
        assert_eq!(json["ended_at"], "interrupted", "history --json is unchanged");
    }

    #[test]
    fn an_older_database_is_read_as_it_is_and_migrated_by_the_next_audit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        first_schema(&path);
        // a reader does not migrate: the sample has its value and no reasons
        let read = Store::open_read(&path).unwrap();
        let s = read.samples(&[1]).unwrap();
        assert_eq!(s[0].measures[MeasureId::CvaDeg], Some(48.0));
        assert!(s[0].missing.values().all(Option::is_none));
        drop(read);
        // an audit migrates, keeping the sample, and stores reasons from then on
        let store = Store::open_for_audit(&path).unwrap();
        assert_eq!(store.schema, SCHEMA_VERSION);
        let s = store.samples(&[1]).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].missing.values().all(Option::is_none));
        let mut missing = Measures::default();
        missing[MeasureId::CvaDeg] = Some(crate::posture::Missing::ShouldersOutOfFrame);
        assert_eq!(missing_json(&missing).as_deref(), Some(r#"{"cva_deg":"shoulders below the frame"}"#));
        assert_eq!(missing_json(&Measures::default()), None);
        // read back; what this build does not know is left out
        let back = missing_from_json(
            r#"{"cva_deg":"shoulders below the frame","retired_measure":"x","head_tilt_deg":"a new reason"}"#,
        );
        assert_eq!(back[MeasureId::CvaDeg], Some(crate::posture::Missing::ShouldersOutOfFrame));
        assert_eq!(back.values().filter(|m| m.is_some()).count(), 1);
    }
}
