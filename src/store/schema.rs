//! The schema, one migration per version (`PRAGMA user_version`); `migrate.rs` brings an
//! older file up to date (a reader reads it as it is).
//!
//! To add a migration: append its SQL to [`MIGRATIONS`] (never change one that shipped),
//! name the version in a constant if readers must know whether a file has it (as
//! [`REASONS_SCHEMA`]), and make the queries that touch the new columns or tables ask the
//! store's `schema` first. `tests/cli/previous.rs` holds a database written by the previous
//! version, which must still read the same.

use crate::posture::MeasureId;

/// The schema, one migration per version.
pub(super) const MIGRATIONS: [&str; 6] = [
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
    // replaying their samples through the engine, see `replayed_breaks`)
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
    // the time the desktop said nobody was at the screen (`locked`, `asleep`): the camera
    // stayed closed; a break when long enough, as any gap in the samples
    "CREATE TABLE away (
         session_id INTEGER NOT NULL REFERENCES sessions(id),
         kind TEXT NOT NULL,
         start_s REAL NOT NULL,
         end_s REAL NOT NULL
     );",
    // the calls (the camera or a microphone taken by another program): at the desk, posture
    // unknown, never a break; written when a call begins (no end while it lasts) and ended when
    // it is over
    "CREATE TABLE calls (
         session_id INTEGER NOT NULL REFERENCES sessions(id),
         start_s REAL NOT NULL,
         end_s REAL
     );",
];

/// Newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// The schema version that keeps why a measure has no value (`samples.missing`).
pub(super) const REASONS_SCHEMA: i64 = 2;
/// The schema version that records breaks, and marks an interrupted session with a flag.
pub(super) const BREAKS_SCHEMA: i64 = 3;
/// The schema version that records pauses.
pub(super) const PAUSES_SCHEMA: i64 = 4;
/// The schema version that records the time the screen was locked or the machine asleep.
pub(super) const AWAY_SCHEMA: i64 = 5;
/// The schema version that records calls.
pub(super) const CALLS_SCHEMA: i64 = 6;

/// The measures' columns of `samples`, in [`MeasureId`] order (each named as the measure).
pub(super) fn measure_columns() -> String {
    MeasureId::all().map(MeasureId::name).collect::<Vec<_>>().join(", ")
}
