//! A report from a history — the facade `report` and `status` use: which sessions a period
//! or a session id selects, their records loaded (a session begun before the period counted
//! with what it recorded within it), and each session judged with the thresholds it was
//! recorded with (a threshold flag changes its own value only).

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::assemble::{Builder, days};
use super::model::{Day, Period, Records, Report};
use crate::store::{SessionId, SessionSpan, Store, StoreError, StoredFinding, StoredSample, StoredSession};
use crate::thresholds::{Invalid, Thresholds};

/// A period longer than this is also shown day by day.
const DAY_BY_DAY_BEYOND: SignedDuration = SignedDuration::from_hours(24);

/// Which part of a history a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// One session, all of it.
    Session(SessionId),
    /// What was recorded in the period that ends now.
    Since(SignedDuration),
}

/// Where a report's data came from, as its `origin.kind` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Stored sessions.
    History,
    /// A recording audited on the spot.
    Recording,
}

impl Kind {
    /// `history` or `recording`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::History => "history",
            Kind::Recording => "recording",
        }
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The history cannot be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--session` names no session of the history.
    #[error("no session {id} in {}; `ergoaudit history` lists them", .db.display())]
    NoSuchSession {
        /// The id asked for.
        id: SessionId,
        /// The database.
        db: PathBuf,
    },
    /// A threshold flag makes a session's thresholds inconsistent.
    #[error("{0}; check the threshold flags")]
    Thresholds(Invalid),
}

/// The stored records of some sessions.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The sessions.
    pub sessions: Vec<StoredSession>,
    /// Their samples, in time order per session.
    pub samples: Vec<StoredSample>,
    /// Their findings.
    pub findings: Vec<StoredFinding>,
    /// Their breaks.
    pub breaks: Vec<SessionSpan>,
    /// Their pauses.
    pub pauses: Vec<SessionSpan>,
    /// Their times away (the screen locked, the machine asleep).
    pub away: Vec<SessionSpan>,
    /// Their calls.
    pub calls: Vec<SessionSpan>,
    /// Their gaps, each a moment.
    pub gaps: Vec<SessionSpan>,
}

impl Loaded {
    /// The records of the sessions `ids`: all of them, or those from `from` on (the samples
    /// taken since, the findings, breaks and pauses that had not ended before).
    pub fn load(store: &Store, ids: &[SessionId], from: Option<Timestamp>) -> Result<Self, StoreError> {
        let mut loaded = Self::load_without_samples(store, ids, from)?;
        store.each_sample(&loaded.sessions, from, |s| loaded.samples.push(s))?;
        Ok(loaded)
    }

    /// [`Loaded::load`] but the samples, which [`Store::each_sample`] streams.
    fn load_without_samples(
        store: &Store,
        ids: &[SessionId],
        from: Option<Timestamp>,
    ) -> Result<Self, StoreError> {
        let sessions = store.sessions_by_id(ids)?;
        let ids: Vec<SessionId> = sessions.iter().map(|s| s.id).collect();
        let mut loaded = Loaded {
            samples: Vec::new(),
            findings: store.findings(&ids)?,
            breaks: store.breaks(&ids)?,
            pauses: store.pauses(&ids)?,
            away: store.away(&ids)?,
            calls: store.calls(&ids)?,
            gaps: store.gaps(&ids)?,
            sessions,
        };
        if let Some(from) = from {
            // what ended before the period is left out
            let start: BTreeMap<SessionId, f64> =
                loaded.sessions.iter().map(|s| (s.id, s.clock_s(from))).collect();
            let ended = |session: SessionId, end_s: f64| start.get(&session).is_some_and(|&t0| end_s < t0);
            loaded.findings.retain(|f| f.end_s.is_none_or(|end| !ended(f.session, end)));
            loaded.breaks.retain(|b| !ended(b.session, b.end_s));
            loaded.pauses.retain(|p| !ended(p.session, p.end_s));
            loaded.away.retain(|a| !ended(a.session, a.end_s));
            loaded.calls.retain(|c| !ended(c.session, c.end_s));
            loaded.gaps.retain(|g| !ended(g.session, g.end_s));
        }
        Ok(loaded)
    }

    /// Each session's own thresholds (`overrides` set over them), with what they do not
    /// understand said once per session; an override that makes them inconsistent fails.
    pub fn judged(&self, overrides: &[(&'static str, f64)]) -> Result<Vec<(SessionId, Thresholds)>, Invalid> {
        self.sessions
            .iter()
            .map(|s| {
                let (mut t, problems) = Thresholds::from_stored(&s.setup.thresholds_json);
                if !problems.is_empty() {
                    tracing::warn!(
                        "session {}: stored thresholds not understood ({}); the defaults stand in for them",
                        s.id,
                        problems.join(", ")
                    );
                }
                for &(key, value) in overrides {
                    t.set(key, value);
                }
                t.validate().map(|()| (s.id, t))
            })
            .collect()
    }

    /// These records as a report sees them: judged with `judged` (the first session's
    /// thresholds stated, or `stated` without sessions).
    pub fn records<'a>(
        &'a self,
        kind: Kind,
        judged: &'a [(SessionId, Thresholds)],
        stated: &'a Thresholds,
        period: Option<&'a Period>,
        now: Timestamp,
        tz: &'a TimeZone,
    ) -> Records<'a> {
        Records {
            kind: kind.name(),
            sessions: &self.sessions,
            samples: &self.samples,
            findings: &self.findings,
            breaks: &self.breaks,
            pauses: &self.pauses,
            away: &self.away,
            calls: &self.calls,
            gaps: &self.gaps,
            period,
            thresholds: judged.first().map_or(stated, |(_, t)| t),
            judged,
            now,
            tz,
        }
    }
}

/// A report from a history, as the `report` command asks for it.
#[derive(Clone, Debug)]
pub struct FromHistory<'a> {
    /// Stored sessions, or a recording audited on the spot.
    pub kind: Kind,
    /// Which sessions.
    pub selection: Selection,
    /// Threshold flags, set over each session's own thresholds.
    pub overrides: &'a [(&'static str, f64)],
    /// The thresholds stated when no session is selected.
    pub defaults: &'a Thresholds,
    /// The time zone whose days divide a long period.
    pub tz: TimeZone,
    /// Now.
    pub now: Timestamp,
}

impl FromHistory<'_> {
    /// Read what the selection covers from `store` and build the report.
    pub fn build(&self, store: &Store) -> Result<Report, ReportError> {
        let (ids, from, period) = match self.selection {
            Selection::Session(id) => (vec![id], None, None),
            Selection::Since(since) => {
                let from = self.now.checked_sub(since).unwrap_or(Timestamp::MIN);
                let period =
                    (since > DAY_BY_DAY_BEYOND).then(|| Period { from, to: self.now, tz: self.tz.clone() });
                // a session that began before the period (the background audit runs for
                // days) counts with what it recorded within it
                (store.sessions_touching(from)?, Some(from), period)
            }
        };
        let loaded = Loaded::load_without_samples(store, &ids, from)?;
        if let Selection::Session(id) = self.selection
            && loaded.sessions.is_empty()
        {
            return Err(ReportError::NoSuchSession { id, db: store.path().to_path_buf() });
        }
        let judged = loaded.judged(self.overrides).map_err(ReportError::Thresholds)?;
        let records = loaded.records(self.kind, &judged, self.defaults, period.as_ref(), self.now, &self.tz);
        // the samples streamed, never held
        let mut report = Builder::new(&records);
        store.each_sample(&loaded.sessions, from, |s| report.add(&s))?;
        Ok(report.finish())
    }
}

/// Today so far (from local midnight in `tz` to `now`), judged as a report would judge it;
/// `None` when the history holds nothing of today.
pub fn today(store: &Store, now: Timestamp, tz: &TimeZone) -> Result<Option<Day>, StoreError> {
    let midnight = now.to_zoned(tz.clone()).start_of_day().map_or(now, |d| d.timestamp());
    let loaded = Loaded::load(store, &store.sessions_touching(midnight)?, Some(midnight))?;
    // a threshold this build cannot use is left as the session stored it
    let judged: Vec<(SessionId, Thresholds)> =
        loaded.sessions.iter().map(|s| (s.id, Thresholds::from_stored(&s.setup.thresholds_json).0)).collect();
    let defaults = Thresholds::default();
    let period = Period { from: midnight, to: now, tz: tz.clone() };
    let records = loaded.records(Kind::History, &judged, &defaults, Some(&period), now, tz);
    Ok(days(&records).pop())
}
