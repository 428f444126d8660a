//! Sessions as stored: one audit from its first sample to its last (or a recording audited on
//! the spot), with what it was recorded with and how it ended; and the queries that find them.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, params};
use serde::{Serialize, Serializer};

use super::error::StoreError;
use super::open::Store;
use super::schema;

/// A session's id in its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SessionId(pub i64);

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for SessionId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for SessionId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(SessionId)
    }
}

/// What a session is recorded with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionSetup {
    /// The source (a camera, a file, a folder), as the audit names it.
    pub source: String,
    /// The landmark model, when frames went through one.
    pub model: Option<String>,
    /// The calibration profile's name.
    pub profile: Option<String>,
    /// The profile's TOML, as used.
    pub profile_toml: Option<String>,
    /// Seconds between samples.
    pub interval_s: f64,
    /// The thresholds it was judged with, as JSON.
    pub thresholds_json: String,
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

/// A session as stored. Its samples, findings, breaks and pauses are timed in seconds on its
/// own clock, from `started_at`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSession {
    /// Its id.
    pub id: SessionId,
    /// When it began.
    pub started_at: jiff::Timestamp,
    /// How it ended.
    pub end: SessionEnd,
    /// What it was recorded with.
    pub setup: SessionSetup,
}

impl StoredSession {
    /// Seconds on its clock at the wall time `at`.
    pub fn clock_s(&self, at: jiff::Timestamp) -> f64 {
        at.duration_since(self.started_at).as_secs_f64()
    }

    /// The wall time of `t_s` on its clock (`None` beyond the range of times).
    pub fn wall(&self, t_s: f64) -> Option<jiff::Timestamp> {
        self.started_at.checked_add(jiff::SignedDuration::try_from_secs_f64(t_s).ok()?).ok()
    }
}

/// A session with what it holds, for `history`.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    /// The session.
    pub session: StoredSession,
    /// Samples taken.
    pub samples: i64,
    /// Samples with the person present.
    pub present_samples: i64,
    /// Seconds covered (first to last sample).
    pub span_s: f64,
    /// Findings by kind: the kind's name, how many (in name order).
    pub findings: Vec<(String, i64)>,
}

/// The session columns every query reads, in [`session_from_row`]'s order.
const COLUMNS: &str = "s.id, s.started_at, s.ended_at, s.source, s.model, s.profile, s.profile_toml, s.interval_s, s.thresholds_json";

/// A session from the [`COLUMNS`] of a row and its interrupted flag (column 9); `None` for a
/// session whose start is no time (a damaged database): it is left out, and said.
fn session_from_row(r: &rusqlite::Row) -> rusqlite::Result<Option<StoredSession>> {
    let (id, started_at): (SessionId, String) = (r.get(0)?, r.get(1)?);
    let Ok(started) = started_at.parse() else {
        tracing::warn!(
            "session {id} starts at `{}`, which is no time: it is left out",
            crate::escape::terminal(&started_at)
        );
        return Ok(None);
    };
    Ok(Some(StoredSession {
        id,
        started_at: started,
        end: SessionEnd::read(r.get(2)?, r.get(9)?),
        setup: SessionSetup {
            source: r.get(3)?,
            model: r.get(4)?,
            profile: r.get(5)?,
            profile_toml: r.get(6)?,
            interval_s: r.get(7)?,
            thresholds_json: r.get(8)?,
        },
    }))
}

impl Store {
    /// Begin a session that started at `started_at`, recorded with `setup`.
    pub fn begin_session(
        &self,
        started_at: jiff::Timestamp,
        setup: &SessionSetup,
    ) -> Result<StoredSession, StoreError> {
        self.conn
            .execute(
                "INSERT INTO sessions (started_at, source, model, profile, profile_toml, interval_s, thresholds_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    started_at.to_string(),
                    setup.source,
                    setup.model,
                    setup.profile,
                    setup.profile_toml,
                    setup.interval_s,
                    setup.thresholds_json
                ],
            )
            .map_err(|e| self.err(e))?;
        let id = SessionId(self.conn.last_insert_rowid());
        Ok(StoredSession { id, started_at, end: SessionEnd::Running, setup: setup.clone() })
    }

    /// The sessions of `ids` that exist, in the order asked.
    pub fn sessions_by_id(&self, ids: &[SessionId]) -> Result<Vec<StoredSession>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS}, {} FROM sessions s WHERE id = ?1",
                self.interrupted_column()
            ))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = stmt.query_row([id], session_from_row).optional().map_err(|e| self.err(e))?;
            out.extend(row.flatten());
        }
        Ok(out)
    }

    /// Sessions that started at or after `since` (all when `None`), oldest first, with what
    /// they hold.
    pub fn sessions(&self, since: Option<jiff::Timestamp>) -> Result<Vec<SessionSummary>, StoreError> {
        let since = since.map_or_else(String::new, |t| t.to_string());
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS}, {},
                        (SELECT count(*) FROM samples WHERE session_id = s.id),
                        (SELECT count(*) FROM samples WHERE session_id = s.id AND present),
                        coalesce((SELECT max(t_s) - min(t_s) FROM samples WHERE session_id = s.id), 0)
                 FROM sessions s WHERE ?1 = '' OR julianday(s.started_at) >= julianday(?1) ORDER BY s.id",
                self.interrupted_column()
            ))
            .map_err(|e| self.err(e))?;
        let mut by_kind = self
            .conn
            .prepare("SELECT kind, count(*) FROM findings WHERE session_id = ?1 GROUP BY kind ORDER BY kind")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                let Some(session) = session_from_row(r)? else { return Ok(None) };
                Ok(Some(SessionSummary {
                    session,
                    samples: r.get(10)?,
                    present_samples: r.get(11)?,
                    span_s: r.get(12)?,
                    findings: Vec::new(),
                }))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let Some(mut summary) = row.map_err(|e| self.err(e))? else { continue };
            summary.findings = by_kind
                .query_map([summary.session.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?;
            out.push(summary);
        }
        Ok(out)
    }

    /// The latest session (the running one while an audit records), if any.
    pub fn latest_session(&self) -> Result<Option<SessionId>, StoreError> {
        self.conn.query_row("SELECT max(id) FROM sessions", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The sessions with samples, or an end, at or after `since` (those that started
    /// before it included: a background audit may run for days), oldest first.
    pub fn sessions_touching(&self, since: jiff::Timestamp) -> Result<Vec<SessionId>, StoreError> {
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

    /// How this file's schema says a session was interrupted (before breaks were recorded,
    /// `ended_at` held the word).
    pub(super) fn interrupted_column(&self) -> &'static str {
        if self.schema >= schema::BREAKS_SCHEMA {
            "s.interrupted"
        } else {
            "coalesce(s.ended_at = 'interrupted', 0)"
        }
    }
}
