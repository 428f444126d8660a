//! The audit history: SQLite (bundled) in WAL mode, every sample committed as it is taken,
//! a versioned schema with migrations. Only measures are stored, never images.
//!
//! One audit writes to a database at a time: it holds an exclusive lock on `DB.lock` (the
//! database's name with `.lock` appended) for its whole run (released by the OS even after
//! `kill -9`); a second audit is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::posture::MeasureId;
use crate::risk::{Finding, SampleInput};

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
const MIGRATIONS: [&str; 2] = [
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
];

/// Newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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

/// One stored sample, for history and export.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredSample {
    /// Session id.
    pub session: i64,
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Wall-clock time (RFC 3339).
    pub at: String,
    /// A person was seen in this sample.
    pub person: bool,
    /// The person counted as present (confirmed).
    pub present: bool,
    /// Camera view.
    pub view: Option<String>,
    /// Movement, shoulder widths.
    pub movement: Option<f64>,
    /// RULA-style score.
    pub rula: Option<i64>,
    /// Held still past the static limit.
    pub static_posture: bool,
    /// Continuous sitting so far, minutes.
    pub sitting_min: f64,
    /// Measures by name.
    pub measures: Vec<(&'static str, Option<f64>)>,
    /// Why the measures without a value have none (measure name → reason; empty for samples
    /// recorded before the reasons were kept).
    pub missing: BTreeMap<String, String>,
}

/// The reasons of the measures without a value, as the JSON object stored with a sample.
fn missing_json(missing: &[Option<crate::posture::Missing>; 11]) -> Option<String> {
    let map: BTreeMap<&str, &str> =
        MeasureId::ALL.iter().zip(missing).filter_map(|(id, m)| m.map(|m| (id.name(), m.text()))).collect();
    (!map.is_empty()).then(|| serde_json::to_string(&map).expect("a map of strings serialises"))
}

/// A session summary for `history`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339), `None` while running or after a crash.
    pub ended_at: Option<String>,
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
        // `a.sqlite.lock`: `a.sqlite` and `a.db` must not share a lock
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(ro)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked { path: path.to_path_buf() });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(ro(e)),
        }
        let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
        let mut store = Store { conn, path: path.to_path_buf(), _lock: Some(lock), schema: 0 };
        store.prepare(true)?;
        Ok(store)
    }

    /// Open an existing database to read (history, export, report).
    pub fn open_read(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let open = |conn: rusqlite::Result<Connection>| {
            let conn = conn.map_err(|e| sqlite_error(path, e))?;
            let mut store = Store { conn, path: path.to_path_buf(), _lock: None, schema: 0 };
            store.prepare(false).map(|()| store)
        };
        match open(Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)) {
            // on read-only storage a WAL database cannot get its WAL and shared-memory files:
            // read it as immutable (what an audit has not yet checkpointed is then not seen)
            Err(StoreError::ReadOnly { .. }) => open(Connection::open_with_flags(
                immutable_uri(path),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )),
            other => other,
        }
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, e)
    }

    fn prepare(&mut self, write: bool) -> Result<(), StoreError> {
        // reading the header is what reveals a file that is not a database
        let version: i64 =
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        let check: String =
            self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| self.err(e))?;
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
        if !write {
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
            let tx = self.conn.transaction().map_err(|e| sqlite_error(&self.path, e))?;
            tx.execute_batch(sql).map_err(|e| sqlite_error(&self.path, e))?;
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
                 UPDATE sessions SET ended_at = 'interrupted' WHERE ended_at IS NULL;",
            )
            .map_err(|e| self.err(e))
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
        missing: &[Option<crate::posture::Missing>; 11],
        view: Option<&str>,
        frames: usize,
        assessment: &crate::risk::Assessment,
        findings: &[Finding],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let m = |id: MeasureId| sample.measures[id as usize];
        tx.execute(
            "INSERT INTO samples (session_id, t_s, at, person, present, view, frames, movement, rula, static_posture, sitting_min,
               cva_deg, head_forward_cm, shoulder_rounding_deg, neck_flexion_deg, head_tilt_deg, shoulder_tilt_deg,
               shoulder_elevation, trunk_inclination_deg, viewing_distance_cm, elbow_angle_left_deg, elbow_angle_right_deg,
               missing)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
            params![
                session,
                sample.t_s,
                at.to_string(),
                sample.person,
                assessment.present,
                view,
                frames as i64,
                sample.movement,
                assessment.rula,
                assessment.static_posture,
                assessment.sitting_min,
                m(MeasureId::CvaDeg),
                m(MeasureId::HeadForwardCm),
                m(MeasureId::ShoulderRoundingDeg),
                m(MeasureId::NeckFlexionDeg),
                m(MeasureId::HeadTiltDeg),
                m(MeasureId::ShoulderTiltDeg),
                m(MeasureId::ShoulderElevation),
                m(MeasureId::TrunkInclinationDeg),
                m(MeasureId::ViewingDistanceCm),
                m(MeasureId::ElbowAngleLeftDeg),
                m(MeasureId::ElbowAngleRightDeg),
                missing_json(missing),
            ],
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

    /// End a session: its findings as they closed, and the end time.
    pub fn end_session(
        &mut self,
        session: i64,
        at: jiff::Timestamp,
        findings: &[Finding],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
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
            .prepare(
                "SELECT s.id, s.started_at, s.ended_at, s.source, s.profile,
                        (SELECT count(*) FROM samples WHERE session_id = s.id),
                        (SELECT count(*) FROM samples WHERE session_id = s.id AND present),
                        coalesce((SELECT max(t_s) - min(t_s) FROM samples WHERE session_id = s.id), 0)
                 FROM sessions s WHERE ?1 = '' OR julianday(s.started_at) >= julianday(?1) ORDER BY s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(SessionSummary {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    ended_at: r.get(2)?,
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
        // the reasons came with schema 2; an older file read as it is has none
        let missing = if self.schema >= 2 { "missing" } else { "NULL" };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT session_id, t_s, at, person, present, view, movement, rula, static_posture, sitting_min,
                   cva_deg, head_forward_cm, shoulder_rounding_deg, neck_flexion_deg, head_tilt_deg, shoulder_tilt_deg,
                   shoulder_elevation, trunk_inclination_deg, viewing_distance_cm, elbow_angle_left_deg, elbow_angle_right_deg,
                   {missing}
                 FROM samples WHERE session_id = ?1 ORDER BY t_s"
            ))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &session in sessions {
            let rows = stmt
                .query_map([session], |r| {
                    let mut measures = Vec::with_capacity(11);
                    for (k, id) in MeasureId::ALL.iter().enumerate() {
                        measures.push((id.name(), r.get::<_, Option<f64>>(10 + k)?));
                    }
                    Ok(StoredSample {
                        session: r.get(0)?,
                        t_s: r.get(1)?,
                        at: r.get(2)?,
                        person: r.get(3)?,
                        present: r.get(4)?,
                        view: r.get(5)?,
                        movement: r.get(6)?,
                        rula: r.get(7)?,
                        static_posture: r.get(8)?,
                        sitting_min: r.get(9)?,
                        measures,
                        missing: r
                            .get::<_, Option<String>>(21)?
                            .and_then(|j| serde_json::from_str(&j).ok())
                            .unwrap_or_default(),
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
                    Ok(StoredFinding {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        severity: r.get(2)?,
                        measure: r.get(3)?,
                        start_s: r.get(4)?,
                        end_s: r.get(5)?,
                        value: r.get(6)?,
                        limit: r.get(7)?,
                        reference: r.get(8)?,
                    })
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                out.push((session, row.map_err(|e| self.err(e))?));
            }
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
    /// End (RFC 3339, `interrupted`, or `None` while running).
    pub ended_at: Option<String>,
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

impl Store {
    /// Details of the given sessions.
    pub fn session_details(&self, ids: &[i64]) -> Result<Vec<SessionDetails>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, ended_at, source, model, profile, interval_s, thresholds_json
                 FROM sessions WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &id in ids {
            let row = stmt
                .query_row([id], |r| {
                    Ok(SessionDetails {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        ended_at: r.get(2)?,
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
    /// Kind name.
    pub kind: String,
    /// `warn` or `risk`.
    pub severity: String,
    /// Measure name.
    pub measure: Option<String>,
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
    fn an_older_database_is_read_as_it_is_and_migrated_by_the_next_audit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        first_schema(&path);
        // a reader does not migrate: the sample has its value and no reasons
        let read = Store::open_read(&path).unwrap();
        let s = read.samples(&[1]).unwrap();
        assert_eq!(s[0].measures[MeasureId::CvaDeg as usize].1, Some(48.0));
        assert!(s[0].missing.is_empty());
        drop(read);
        // an audit migrates, keeping the sample, and stores reasons from then on
        let store = Store::open_for_audit(&path).unwrap();
        assert_eq!(store.schema, SCHEMA_VERSION);
        let s = store.samples(&[1]).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].missing.is_empty());
        let mut missing = [None; 11];
        missing[MeasureId::CvaDeg as usize] = Some(crate::posture::Missing::ShouldersOutOfFrame);
        assert_eq!(missing_json(&missing).as_deref(), Some(r#"{"cva_deg":"shoulders below the frame"}"#));
        assert_eq!(missing_json(&[None; 11]), None);
    }
}
