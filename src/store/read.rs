//! What is read back: samples, findings, breaks and pauses of given sessions, in time order.
//! A value a damaged database holds that this build does not know (a measure, a kind, a
//! reason, a time that is no time) is left out, never a failure.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::error::StoreError;
use super::open::Store;
use super::schema::{
    AWAY_SCHEMA, BREAKS_SCHEMA, CALLS_SCHEMA, PAUSES_SCHEMA, REASONS_SCHEMA, measure_columns,
};
use super::session::{SessionId, StoredSession};
use crate::posture::{MeasureId, Measures, Missing, View};
use crate::risk::FindingKind;
use crate::thresholds::Verdict;

/// One stored sample, for history, export and the report.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSample {
    /// Its session.
    pub session: SessionId,
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

/// A finding as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFinding {
    /// Its session (in an export, written after the rest).
    #[serde(skip)]
    pub session: SessionId,
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

/// A break, a pause, a time away or a call of a session, as stored: seconds on its clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionSpan {
    /// Its session.
    pub session: SessionId,
    /// Start, session seconds.
    pub start_s: f64,
    /// End, session seconds.
    pub end_s: f64,
}

impl SessionSpan {
    /// How long it lasted, seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }

    /// The total length of `spans`, seconds (0 without any: `sum` would give −0).
    pub fn total_s(spans: &[SessionSpan]) -> f64 {
        spans.iter().map(SessionSpan::duration_s).fold(0.0, |a, b| a + b)
    }
}

/// The reasons of the measures without a value, as the JSON object stored with a sample
/// (measure name → [`Missing::text`]).
pub fn missing_map(missing: &Measures<Option<Missing>>) -> BTreeMap<&'static str, &'static str> {
    missing.iter().filter_map(|(id, m)| m.map(|m| (id.name(), m.text()))).collect()
}

/// The stored form of the reasons (none when every measure has a value).
pub(super) fn missing_json(missing: &Measures<Option<Missing>>) -> Option<String> {
    let map = missing_map(missing);
    (!map.is_empty()).then(|| serde_json::to_string(&map).expect("a map of strings serialises"))
}

/// The reasons read back: unknown measures or reasons (a damaged database) are left out.
pub(super) fn missing_from_json(json: &str) -> Measures<Option<Missing>> {
    let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
    Measures::from_fn(|id| map.get(id.name()).and_then(|t| Missing::from_text(t)))
}

impl Store {
    /// Every sample of the given sessions, in time order.
    pub fn samples(&self, sessions: &[SessionId]) -> Result<Vec<StoredSample>, StoreError> {
        let all: Vec<(SessionId, f64)> = sessions.iter().map(|&s| (s, f64::MIN)).collect();
        self.samples_where(&all, "t_s >= ?2 ORDER BY t_s")
    }

    /// The last sample of a session, if any.
    pub fn last_sample(&self, session: SessionId) -> Result<Option<StoredSample>, StoreError> {
        Ok(self.samples_where(&[(session, f64::MIN)], "t_s >= ?2 ORDER BY t_s DESC LIMIT 1")?.pop())
    }

    /// The number of samples stored for a session.
    pub fn sample_count(&self, session: SessionId) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM samples WHERE session_id = ?1", [session], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Every sample of `sessions` (those taken at or after `since`, when given), in time
    /// order per session, handed to `each` one at a time: a year of samples is read without
    /// being held.
    pub fn each_sample(
        &self,
        sessions: &[StoredSession],
        since: Option<jiff::Timestamp>,
        mut each: impl FnMut(StoredSample),
    ) -> Result<(), StoreError> {
        let from: Vec<(SessionId, f64)> =
            sessions.iter().map(|s| (s.id, since.map_or(f64::MIN, |since| s.clock_s(since)))).collect();
        self.each_sample_where(&from, "t_s >= ?2 ORDER BY t_s", &mut each)
    }

    /// The samples of each `(session, t0)` with `condition` (on `?2` = t0) and its order.
    fn samples_where(
        &self,
        sessions: &[(SessionId, f64)],
        condition: &str,
    ) -> Result<Vec<StoredSample>, StoreError> {
        let mut out = Vec::new();
        self.each_sample_where(sessions, condition, &mut |s| out.push(s))?;
        Ok(out)
    }

    /// [`Store::samples_where`], each handed to `each`.
    fn each_sample_where(
        &self,
        sessions: &[(SessionId, f64)],
        condition: &str,
        each: &mut dyn FnMut(StoredSample),
    ) -> Result<(), StoreError> {
        // an older file read as it is has no reasons
        let missing = if self.schema >= REASONS_SCHEMA { "missing" } else { "NULL" };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT session_id, t_s, at, person, present, view, movement, rula, static_posture, sitting_min,
                   {missing}, {}
                 FROM samples WHERE session_id = ?1 AND {condition}",
                measure_columns()
            ))
            .map_err(|e| self.err(e))?;
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
                each(row.map_err(|e| self.err(e))?);
            }
        }
        Ok(())
    }

    /// Every finding of the given sessions, in time order per session.
    pub fn findings(&self, sessions: &[SessionId]) -> Result<Vec<StoredFinding>, StoreError> {
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
                        session,
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
                out.extend(row.map_err(|e| self.err(e))?);
            }
        }
        Ok(out)
    }

    /// Every break of the given sessions, in time order per session: as the engine recorded
    /// them, or, in a file older than that (read, not migrated), found the same way by
    /// replaying the samples through the engine (see `schema::replayed_breaks`).
    pub fn breaks(&self, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        if self.schema < BREAKS_SCHEMA {
            return self.replayed_breaks(Some(sessions));
        }
        self.spans("breaks", sessions)
    }

    /// Every pause of the given sessions, in time order per session (none in a file older
    /// than pauses).
    pub fn pauses(&self, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        if self.schema < PAUSES_SCHEMA {
            return Ok(Vec::new());
        }
        self.spans("pauses", sessions)
    }

    /// Every span of the given sessions during which the screen was locked or the machine
    /// asleep, in time order per session (none in a file older than them).
    pub fn away(&self, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        if self.schema < AWAY_SCHEMA {
            return Ok(Vec::new());
        }
        self.spans("away", sessions)
    }

    /// Every call of the given sessions, in time order per session (none in a file older
    /// than calls); a call under way (or cut short by a crash) ends where it began.
    pub fn calls(&self, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        if self.schema < CALLS_SCHEMA {
            return Ok(Vec::new());
        }
        self.spans("calls", sessions)
    }

    /// Every gap of the given sessions (a frame that could not be had: the camera lost, a
    /// frame unread), in time order per session, each a moment: its start is its end.
    pub fn gaps(&self, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        self.spans_of("gaps", "t_s, t_s", sessions)
    }

    /// When the call under way in `session` began, if one is (session seconds).
    pub fn call_under_way(&self, session: SessionId) -> Result<Option<f64>, StoreError> {
        if self.schema < CALLS_SCHEMA {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT max(start_s) FROM calls WHERE session_id = ?1 AND end_s IS NULL",
                [session],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The `(start_s, end_s)` rows of `table` (`breaks`, `pauses`, `away`, `calls`) for each
    /// session (an end not yet written is the start).
    fn spans(&self, table: &str, sessions: &[SessionId]) -> Result<Vec<SessionSpan>, StoreError> {
        self.spans_of(table, "start_s, coalesce(end_s, start_s)", sessions)
    }

    /// The spans of `sessions` in `table`, each from the two `columns`, in time order.
    fn spans_of(
        &self,
        table: &str,
        columns: &str,
        sessions: &[SessionId],
    ) -> Result<Vec<SessionSpan>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {columns} FROM {table} WHERE session_id = ?1 ORDER BY 1"))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &session in sessions {
            let rows = stmt
                .query_map([session], |r| Ok(SessionSpan { session, start_s: r.get(0)?, end_s: r.get(1)? }))
                .map_err(|e| self.err(e))?;
            for row in rows {
                out.push(row.map_err(|e| self.err(e))?);
            }
        }
        Ok(out)
    }
}
