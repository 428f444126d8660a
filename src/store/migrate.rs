//! Bringing an older file up to date, one transaction per migration, when an audit opens
//! it; and the breaks of sessions recorded before breaks were stored.

use super::error::{StoreError, sqlite_error};
use super::open::Store;
use super::read::SessionSpan;
use super::schema::{BREAKS_SCHEMA, MIGRATIONS};
use super::session::SessionId;
use super::write::insert_break;
use crate::risk::{Engine, Sample};
use crate::thresholds::Thresholds;

impl Store {
    /// Bring the file up to [`SCHEMA_VERSION`], one transaction per migration.
    pub(super) fn migrate(&mut self) -> Result<(), StoreError> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(self.schema as usize) {
            let version = i as i64 + 1;
            // the breaks of older sessions, found before the schema changes under them
            let replayed = if version == BREAKS_SCHEMA { self.replayed_breaks(None)? } else { Vec::new() };
            let e = |e| sqlite_error(&self.path, e);
            let tx = self.conn.transaction().map_err(e)?;
            tx.execute_batch(sql).map_err(e)?;
            for b in &replayed {
                insert_break(&tx, b.session, b.start_s, b.end_s).map_err(e)?;
            }
            tx.pragma_update(None, "user_version", version).map_err(e)?;
            tx.commit().map_err(e)?;
            self.schema = version;
        }
        Ok(())
    }

    /// The breaks of `sessions` (all when `None`) found by replaying their samples through
    /// the risk engine, judged with the thresholds each was recorded with.
    ///
    /// Why the store runs the risk engine: a break is what the engine says it is (an absence
    /// of at least `break_min`, its sitting clock reset), and since schema 3 the engine's
    /// breaks are stored as it records them. Sessions recorded before have none stored; their
    /// samples are all that is left, and replaying them through the same engine is the only
    /// way to find the same breaks — never a second definition of a break that could drift
    /// from the first. The migration to schema 3 stores them once; a reader of an older file
    /// (which never migrates it) replays them each time. Nothing else in the store judges.
    pub(super) fn replayed_breaks(
        &self,
        sessions: Option<&[SessionId]>,
    ) -> Result<Vec<SessionSpan>, StoreError> {
        let ids: Vec<SessionId> = match sessions {
            Some(ids) => ids.to_vec(),
            None => {
                let mut stmt =
                    self.conn.prepare("SELECT id FROM sessions ORDER BY id").map_err(|e| self.err(e))?;
                let ids = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
                ids.collect::<Result<_, _>>().map_err(|e| self.err(e))?
            }
        };
        let mut thresholds_of = self
            .conn
            .prepare("SELECT thresholds_json FROM sessions WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for id in ids {
            let json: Option<String> =
                rusqlite::OptionalExtension::optional(thresholds_of.query_row([id], |r| r.get(0)))
                    .map_err(|e| self.err(e))?;
            let thresholds = json.map_or_else(Thresholds::default, |j| Thresholds::from_stored(&j).0);
            let mut engine = Engine::new(thresholds);
            let samples = self.samples(&[id])?;
            for s in &samples {
                engine.push(&Sample {
                    t_s: s.t_s,
                    person: s.person,
                    measures: s.measures,
                    movement: s.movement,
                    view: s.view,
                });
            }
            engine.finish(samples.last().map_or(0.0, |s| s.t_s));
            out.extend(engine.take_breaks().into_iter().map(|b| SessionSpan {
                session: id,
                start_s: b.start_s,
                end_s: b.end_s,
            }));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use super::*;
    use crate::posture::{MeasureId, Measures, Missing};
    use crate::store::schema::SCHEMA_VERSION;
    use crate::store::{SessionEnd, read};

    /// A database as the first schema left it, with one sample.
    fn first_schema(path: &std::path::Path) {
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
        let one = SessionId(1);
        let expected = [SessionSpan { session: one, start_s: 600.0, end_s: 900.0 }];
        // a reader finds the breaks the engine would have recorded
        let read = Store::open_read(&path).unwrap();
        assert_eq!(read.breaks(&[one]).unwrap(), expected);
        assert_eq!(read.sessions_by_id(&[one]).unwrap()[0].end, SessionEnd::Interrupted);
        drop(read);
        // the next audit migrates and records them
        let store = Store::open_for_audit(&path).unwrap();
        assert_eq!(store.schema, SCHEMA_VERSION);
        assert_eq!(store.breaks(&[one]).unwrap(), expected);
        assert_eq!(store.sessions(None).unwrap()[0].session.end, SessionEnd::Interrupted);
    }

    #[test]
    fn an_older_database_is_read_as_it_is_and_migrated_by_the_next_audit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        first_schema(&path);
        let one = SessionId(1);
        // a reader does not migrate: the sample has its value and no reasons
        let read = Store::open_read(&path).unwrap();
        let s = read.samples(&[one]).unwrap();
        assert_eq!(s[0].measures[MeasureId::CvaDeg], Some(48.0));
        assert!(s[0].missing.values().all(Option::is_none));
        drop(read);
        // an audit migrates, keeping the sample, and stores reasons from then on
        let store = Store::open_for_audit(&path).unwrap();
        assert_eq!(store.schema, SCHEMA_VERSION);
        let s = store.samples(&[one]).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].missing.values().all(Option::is_none));
        let mut missing = Measures::default();
        missing[MeasureId::CvaDeg] = Some(Missing::ShouldersOutOfFrame);
        assert_eq!(
            read::missing_json(&missing).as_deref(),
            Some(r#"{"cva_deg":"shoulders below the frame"}"#)
        );
        assert_eq!(read::missing_json(&Measures::default()), None);
        // read back; what this build does not know is left out
        let back = read::missing_from_json(
            r#"{"cva_deg":"shoulders below the frame","retired_measure":"x","head_tilt_deg":"a new reason"}"#,
        );
        assert_eq!(back[MeasureId::CvaDeg], Some(Missing::ShouldersOutOfFrame));
        assert_eq!(back.values().filter(|m| m.is_some()).count(), 1);
    }

    #[test]
    fn a_session_whose_start_is_no_time_is_left_out_and_the_others_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        first_schema(&path);
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO sessions (started_at, source, interval_s, thresholds_json) VALUES ('yesterday', 'y', 5, '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        let read = Store::open_read(&path).unwrap();
        let ids: Vec<SessionId> = read.sessions(None).unwrap().iter().map(|s| s.session.id).collect();
        assert_eq!(ids, [SessionId(1)]);
        assert_eq!(read.sessions_by_id(&[SessionId(1), SessionId(2)]).unwrap().len(), 1);
    }
}
