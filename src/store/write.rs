//! What an audit writes: each sample with the findings and breaks it changed, in one
//! transaction (so a crash loses at most the sample under way), gaps, pauses, and the end.

use rusqlite::types::ToSql;
use rusqlite::{params, params_from_iter};

use super::error::{StoreError, sqlite_error};
use super::open::Store;
use super::read::missing_json;
use super::schema::measure_columns;
use super::session::SessionId;
use crate::desktop::Away;
use crate::posture::{MeasureId, Measures, Missing, View};
use crate::risk::{Assessment, Break, Finding, Pause, Sample};

/// A sample to commit, with what the risk engine made of it.
#[derive(Clone, Copy, Debug)]
pub struct NewSample<'a> {
    /// Wall-clock time of the sample.
    pub at: jiff::Timestamp,
    /// The sample as the engine judged it.
    pub sample: &'a Sample,
    /// Why each measure without a value has none.
    pub missing: &'a Measures<Option<Missing>>,
    /// The camera view.
    pub view: Option<View>,
    /// Frames it was made from.
    pub frames: usize,
    /// The engine's assessment.
    pub assessment: &'a Assessment,
    /// The findings it changed.
    pub changed: &'a [Finding],
    /// The breaks it ended.
    pub breaks: &'a [Break],
}

impl Store {
    /// Commit one sample, and the findings and breaks it changed, in one transaction.
    pub fn add_sample(&mut self, session: SessionId, new: &NewSample) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        for b in new.breaks {
            insert_break(&tx, session, b.start_s, b.end_s).map_err(e)?;
        }
        let (sample, assessment) = (new.sample, new.assessment);
        let (at, view, frames, missing) =
            (new.at.to_string(), new.view.map(View::name), new.frames as i64, missing_json(new.missing));
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
        tx.prepare_cached(&format!(
            "INSERT INTO samples (session_id, t_s, at, person, present, view, frames, movement, rula, static_posture,
               sitting_min, missing, {}) VALUES ({})",
            measure_columns(),
            placeholders.join(", ")
        ))
        .and_then(|mut insert| insert.execute(params_from_iter(values)))
        .map_err(e)?;
        Self::upsert_findings(&tx, session, new.changed).map_err(e)?;
        tx.execute("UPDATE sessions SET last_sample_s = ?1 WHERE id = ?2", params![sample.t_s, session])
            .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Record findings as they changed outside a sample (a pause closed them).
    pub fn update_findings(&mut self, session: SessionId, findings: &[Finding]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        Self::upsert_findings(&tx, session, findings).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Record a gap in the samples (the source failed).
    pub fn add_gap(&self, session: SessionId, t_s: f64, reason: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO gaps (session_id, t_s, reason) VALUES (?1, ?2, ?3)",
                params![session, t_s, reason],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Record a pause of a session.
    pub fn add_pause(&self, session: SessionId, pause: &Pause) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO pauses (session_id, start_s, end_s) VALUES (?1, ?2, ?3)",
                params![session, pause.start_s, pause.end_s],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Record a span of a session during which the desktop said nobody was at the screen
    /// (`kind`: [`Away::name`]).
    pub fn add_away(
        &self,
        session: SessionId,
        kind: Away,
        start_s: f64,
        end_s: f64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO away (session_id, kind, start_s, end_s) VALUES (?1, ?2, ?3, ?4)",
                params![session, kind.name(), start_s, end_s],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Record that a session's call began at `start_s` (it has no end yet); its row, for
    /// [`Store::end_call`].
    pub fn begin_call(&self, session: SessionId, start_s: f64) -> Result<i64, StoreError> {
        self.conn
            .execute("INSERT INTO calls (session_id, start_s) VALUES (?1, ?2)", params![session, start_s])
            .map(|_| self.conn.last_insert_rowid())
            .map_err(|e| self.err(e))
    }

    /// Record the end of the call begun in row `call`.
    pub fn end_call(&self, call: i64, end_s: f64) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE calls SET end_s = ?1 WHERE rowid = ?2", params![end_s, call])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// End a session: its findings as they closed, the breaks that ended with it, and the
    /// end time.
    pub fn end_session(
        &mut self,
        session: SessionId,
        at: jiff::Timestamp,
        findings: &[Finding],
        breaks: &[Break],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        for b in breaks {
            insert_break(&tx, session, b.start_s, b.end_s).map_err(e)?;
        }
        Self::upsert_findings(&tx, session, findings).map_err(e)?;
        tx.execute("UPDATE sessions SET ended_at = ?1 WHERE id = ?2", params![at.to_string(), session])
            .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Move an ended session back in wall time so that it ends no later than `by` (a
    /// recording replayed without a date is dated to end when its replay did, not that long
    /// after): its start and end, and every sample's time. Its findings, breaks and pauses
    /// are on its own clock and stay as they are. Nothing changes for a session that ends
    /// by then.
    pub fn end_session_by(&mut self, session: SessionId, by: jiff::Timestamp) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let (started, ended): (String, Option<String>) = tx
            .query_row("SELECT started_at, ended_at FROM sessions WHERE id = ?1", [session], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(e)?;
        let (Ok(started), Some(Ok(ended))) =
            (started.parse::<jiff::Timestamp>(), ended.map(|t| t.parse::<jiff::Timestamp>()))
        else {
            return Ok(());
        };
        let shift = by.duration_since(ended);
        if !shift.is_negative() {
            return Ok(());
        }
        let moved = |at: jiff::Timestamp| at.checked_add(shift).unwrap_or(at).to_string();
        tx.execute(
            "UPDATE sessions SET started_at = ?1, ended_at = ?2 WHERE id = ?3",
            params![moved(started), moved(ended), session],
        )
        .map_err(e)?;
        {
            let mut read = tx.prepare("SELECT id, at FROM samples WHERE session_id = ?1").map_err(e)?;
            let mut write = tx.prepare("UPDATE samples SET at = ?1 WHERE id = ?2").map_err(e)?;
            let rows: Vec<(i64, String)> = read
                .query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(e)?
                .collect::<Result<_, _>>()
                .map_err(e)?;
            for (id, at) in rows {
                if let Ok(at) = at.parse::<jiff::Timestamp>() {
                    write.execute(params![moved(at), id]).map_err(e)?;
                }
            }
        }
        tx.commit().map_err(e)
    }

    /// Insert or update the findings (by their id within the session).
    fn upsert_findings(
        tx: &rusqlite::Transaction,
        session: SessionId,
        findings: &[Finding],
    ) -> rusqlite::Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO findings (session_id, id, kind, severity, measure, start_s, end_s, value, limit_value, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (session_id, id) DO UPDATE SET severity = excluded.severity, end_s = excluded.end_s,
               value = excluded.value, limit_value = excluded.limit_value, reference = excluded.reference",
        )?;
        for f in findings {
            upsert.execute(params![
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
            ])?;
        }
        Ok(())
    }
}

/// Insert a break.
pub(super) fn insert_break(
    tx: &rusqlite::Transaction,
    session: SessionId,
    start_s: f64,
    end_s: f64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO breaks (session_id, start_s, end_s) VALUES (?1, ?2, ?3)")?
        .execute(params![session, start_s, end_s])
        .map(drop)
}
