//! `ergoaudit status`: how things stand now — whether an audit records, since when, paused
//! or not, the last sample and its bands, the open findings, and today's figures — as lines
//! for a person and as one JSON object shaped for status bars (waybar's `text`, `tooltip`,
//! `class`, `alt`).

use std::path::Path;

use serde::Serialize;

use super::model::Day;
use crate::advice::hm;
use crate::audit::{PauseError, PauseFile, PauseRequest};
use crate::posture::MeasureId;
use crate::risk::FindingKind;
use crate::store::{SessionEnd, Store, StoreError, StoredFinding, StoredSample, StoredSession};
use crate::thresholds::{Thresholds, Verdict};

/// The measures the status shows for the last sample.
const SHOWN: [MeasureId; 4] =
    [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::ShoulderRoundingDeg, MeasureId::NeckFlexionDeg];

/// A sample is stale when it is older than this many intervals (and a minute).
const STALE_INTERVALS: f64 = 3.0;

/// How things stand: what `status` shows.
#[derive(Clone, Debug)]
pub struct Status {
    /// The database, as the user named it (shown escaped).
    pub db: String,
    /// An audit holds the database's lock.
    pub recording: bool,
    /// The pause in force, if any.
    pub pause: Option<PauseRequest>,
    /// While the recording audit is in a call (its camera or a microphone taken by another
    /// program): since when.
    pub call_since: Option<jiff::Timestamp>,
    /// The latest session (the running one while recording).
    pub session: Option<StoredSession>,
    /// Its last sample.
    pub last: Option<StoredSample>,
    /// Its findings (the open ones are shown while it records).
    pub findings: Vec<StoredFinding>,
    /// Today so far.
    pub today: Option<Day>,
    /// The thresholds the session judges with.
    pub thresholds: Thresholds,
    /// Now.
    pub now: jiff::Timestamp,
    /// The time zone times are shown in.
    pub tz: jiff::tz::TimeZone,
}

/// Why the status cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The history cannot be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pause file cannot be read.
    #[error(transparent)]
    Pause(#[from] PauseError),
}

/// The state in one word: the status bar's `class` (and `alt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// No audit records into the database.
    Stopped,
    /// An audit records, paused.
    Paused,
    /// An audit records, no sample yet.
    Starting,
    /// An audit records, in a call (the camera or a microphone taken by another program).
    InCall,
    /// An audit records, but its last sample is old (the camera failing).
    Stale,
    /// The person is away.
    Away,
    /// Present; nothing in a warn or risk band.
    Ok,
    /// Present; something in a warn band.
    Warn,
    /// Present; something in a risk band, or a break overdue.
    Risk,
}

/// One line for a status bar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BarLine {
    /// The short text.
    pub text: String,
    /// Everything `status` says, for the tooltip (Pango markup: user text escaped).
    pub tooltip: String,
    /// The state.
    pub class: State,
    /// The state again, for waybar's `format-icons`.
    pub alt: State,
}

/// Short names for a status bar.
fn short(id: MeasureId) -> &'static str {
    match id {
        MeasureId::CvaDeg => "CVA",
        MeasureId::HeadForwardCm => "head fwd",
        MeasureId::ShoulderRoundingDeg => "rounding",
        MeasureId::NeckFlexionDeg => "neck",
        other => other.label(),
    }
}

fn clock(at: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%H:%M").to_string()
}

/// Whole minutes, for a status bar.
fn mins(seconds: f64) -> String {
    format!("{}m", (seconds.max(0.0) / 60.0).floor())
}

impl Status {
    /// How things stand for the database `db` at `now`: its lock, its pause file, and (read
    /// without the page check, and as immutable when no audit writes) its latest session and
    /// today's figures. Never blocks, never writes.
    pub fn read(db: &Path, now: jiff::Timestamp, tz: jiff::tz::TimeZone) -> Result<Status, StatusError> {
        let recording = Store::is_recording(db)?;
        let pause = PauseFile::of(db).active(now)?;
        let mut status = Status {
            db: db.display().to_string(),
            recording,
            pause,
            call_since: None,
            session: None,
            last: None,
            findings: Vec::new(),
            today: None,
            thresholds: Thresholds::default(),
            now,
            tz,
        };
        // an audit that is just starting may not have made its tables yet
        let store = match Store::open_glance(db, recording) {
            Ok(store) => store,
            Err(StoreError::Missing(_)) => return Ok(status),
            Err(e) => return Err(e.into()),
        };
        let Some(id) = store.latest_session()? else { return Ok(status) };
        status.session = store.sessions_by_id(&[id])?.pop();
        if let Some(session) = &status.session {
            status.thresholds = Thresholds::from_stored(&session.setup.thresholds_json).0;
        }
        status.last = store.last_sample(id)?;
        // a finding is open, and a call under way, only while its audit records
        if recording {
            status.findings = store.findings(&[id])?;
            let session = status.session.as_ref();
            status.call_since = store.call_under_way(id)?.and_then(|t| session.and_then(|s| s.wall(t)));
        }
        status.today = super::history::today(&store, now, &status.tz)?;
        Ok(status)
    }

    fn open_findings(&self) -> Vec<&StoredFinding> {
        if !self.recording {
            return Vec::new();
        }
        self.findings.iter().filter(|f| f.end_s.is_none()).collect()
    }

    /// The last sample's bands, for the measures shown (none for an estimate: a value from
    /// a view the measure is not judged from).
    fn bands(&self) -> Vec<(MeasureId, Option<f64>, Option<Verdict>)> {
        let Some(s) = self.last.as_ref().filter(|s| s.present && s.person) else { return Vec::new() };
        SHOWN
            .iter()
            .map(|&id| {
                let judged = s.measures[id].filter(|_| id.judged_in(s.view));
                (id, s.measures[id], judged.map(|v| self.thresholds.verdict(id, v)))
            })
            .collect()
    }

    fn sample_age_s(&self) -> Option<f64> {
        let at = self.last.as_ref()?.at?;
        Some(self.now.duration_since(at).as_secs_f64().max(0.0))
    }

    /// The state.
    pub fn state(&self) -> State {
        if !self.recording {
            return State::Stopped;
        }
        if self.pause.is_some() {
            return State::Paused;
        }
        if self.call_since.is_some() {
            return State::InCall;
        }
        let Some(last) = &self.last else { return State::Starting };
        let interval = self.session.as_ref().map_or(5.0, |s| s.setup.interval_s);
        if self.sample_age_s().is_some_and(|age| age > (STALE_INTERVALS * interval).max(60.0)) {
            return State::Stale;
        }
        if !last.present {
            return State::Away;
        }
        let findings = self.open_findings().iter().map(|f| f.severity).max();
        let sample = self.bands().iter().filter_map(|b| b.2).max();
        match findings.max(sample).unwrap_or(Verdict::Ok) {
            Verdict::Ok => State::Ok,
            Verdict::Warn => State::Warn,
            Verdict::Risk => State::Risk,
        }
    }

    /// Everything, one fact per line (user text escaped with `escape`).
    pub fn lines(&self, escape: impl Fn(&str) -> String) -> Vec<String> {
        let tz = &self.tz;
        let mut out = Vec::new();
        let source = self.session.as_ref().map(|s| escape(&s.setup.source)).unwrap_or_default();
        out.push(match (self.recording, &self.session) {
            (true, Some(s)) => format!(
                "audit: recording into {} since {} (session {}, {source})",
                escape(&self.db),
                clock(s.started_at, tz),
                s.id
            ),
            (true, None) => format!("audit: recording into {}", escape(&self.db)),
            (false, Some(s)) => format!(
                "audit: none recording into {}; the last, session {} ({source}), {}",
                escape(&self.db),
                s.id,
                match s.end {
                    SessionEnd::Ended(at) => format!("ended at {}", clock(at, tz)),
                    SessionEnd::Running | SessionEnd::Interrupted => "was cut short".to_owned(),
                }
            ),
            (false, None) => format!("audit: none recording into {}", escape(&self.db)),
        });
        out.push(match self.pause {
            None => "pause: none".to_owned(),
            Some(PauseRequest { until: None, .. }) => "pause: paused until `ergoaudit resume`".to_owned(),
            Some(PauseRequest { until: Some(u), .. }) => format!(
                "pause: paused until {} ({} left)",
                clock(u, tz),
                hm(u.duration_since(self.now).as_secs_f64())
            ),
        });
        if let Some(since) = self.call_since {
            out.push(format!(
                "call: in a call since {} (the camera or the microphone is in use: sitting, posture unknown, no break)",
                clock(since, tz)
            ));
        }
        if let Some(s) = &self.last {
            let when = s.at.map_or_else(|| "–".to_owned(), |at| clock(at, tz));
            let age = self.sample_age_s().map_or_else(String::new, |a| format!(", {} ago", hm(a)));
            let seen = if s.present && s.person {
                let bands: Vec<String> = self
                    .bands()
                    .iter()
                    .map(|(id, v, verdict)| match (v, verdict) {
                        (Some(v), Some(b)) => format!("{} {v:.1}{} {}", id.label(), id.unit(), b.name()),
                        (Some(v), None) => format!("{} {v:.1}{} (front estimate)", id.label(), id.unit()),
                        _ => format!("{} –", id.label()),
                    })
                    .collect();
                format!("present, sitting {}; {}", hm(s.sitting_min * 60.0), bands.join(", "))
            } else if s.present {
                "present, not seen in this sample".to_owned()
            } else {
                "away".to_owned()
            };
            out.push(format!("last sample: {when}{age}: {seen}"));
        } else if self.recording {
            out.push("last sample: none yet".to_owned());
        }
        let open = self.open_findings();
        if self.recording {
            let list: Vec<String> = open
                .iter()
                .map(|f| {
                    let what =
                        f.measure.map_or_else(|| f.kind.name().replace('_', " "), |m| m.label().to_owned());
                    let kind = match f.kind {
                        FindingKind::Posture => "",
                        FindingKind::StaticHold => "static hold, ",
                        FindingKind::BreakOverdue => "",
                    };
                    let since = self
                        .session
                        .as_ref()
                        .and_then(|s| s.wall(f.start_s))
                        .map_or_else(String::new, |at| format!(" since {}", clock(at, tz)));
                    format!("{} {kind}{what}{since}", f.severity.name())
                })
                .collect();
            out.push(format!(
                "open findings: {}",
                if list.is_empty() { "none".to_owned() } else { list.join("; ") }
            ));
        }
        if let Some(d) = &self.today {
            out.push(format!(
                "today: present {}, paused {}, breaks {} of {} due, longest sitting stretch {}",
                hm(d.present_s),
                hm(d.paused_s),
                d.breaks_taken,
                d.breaks_due,
                hm(d.longest_sitting_min * 60.0)
            ));
        }
        out
    }

    /// The line for a status bar.
    pub fn bar(&self) -> BarLine {
        let state = self.state();
        let text = match state {
            State::Stopped => "off".to_owned(),
            State::Paused => match self.pause.and_then(|p| p.until) {
                Some(u) => format!("paused {}", mins(u.duration_since(self.now).as_secs_f64() + 59.0)),
                None => "paused".to_owned(),
            },
            State::Starting => "starting".to_owned(),
            State::InCall => format!(
                "in a call {}",
                mins(self.call_since.map_or(0.0, |c| self.now.duration_since(c).as_secs_f64()))
            ),
            State::Stale => format!("no sample {}", mins(self.sample_age_s().unwrap_or_default())),
            State::Away => "away".to_owned(),
            State::Ok | State::Warn | State::Risk => {
                let sitting = self.last.as_ref().map_or(0.0, |s| s.sitting_min * 60.0);
                let mut text = format!("sit {}", mins(sitting));
                let overdue = self.open_findings().iter().any(|f| f.kind == FindingKind::BreakOverdue);
                let worst = self
                    .bands()
                    .into_iter()
                    .filter_map(|(id, v, b)| Some((b?, id, v?)))
                    .filter(|(b, ..)| *b > Verdict::Ok)
                    .max_by_key(|(b, ..)| *b);
                if overdue {
                    text.push_str(" · break due");
                } else if let Some((_, id, v)) = worst {
                    text.push_str(&format!(" · {} {v:.0}{}", short(id), id.unit()));
                }
                text
            }
        };
        let tooltip = self.lines(crate::escape::html).join("\n");
        BarLine { text, tooltip, class: state, alt: state }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{details, finding, sample};
    use super::*;

    /// The status of a running session (started 2026-01-05 09:00 UTC) whose last sample is
    /// `last`, seen `age_s` after it.
    fn bar_of(last: &StoredSample, findings: &[StoredFinding], age_s: f64) -> BarLine {
        let now = last.at.unwrap() + jiff::SignedDuration::from_secs_f64(age_s);
        Status {
            db: "<db>".into(),
            recording: true,
            pause: None,
            call_since: None,
            session: Some(details(5.0)),
            last: Some(last.clone()),
            findings: findings.to_vec(),
            today: None,
            thresholds: Thresholds::default(),
            now,
            tz: jiff::tz::TimeZone::UTC,
        }
        .bar()
    }

    #[test]
    fn the_state_follows_the_last_sample_and_the_open_findings() {
        let mut upright = sample(600.0, true, Some(52.0));
        upright.sitting_min = 10.0;
        let b = bar_of(&upright, &[], 3.0);
        assert_eq!((b.class, b.text.as_str()), (State::Ok, "sit 10m"));
        // user text in the tooltip is escaped for Pango markup
        assert!(
            b.tooltip.contains("&lt;db&gt;") && b.tooltip.contains("since 09:00 (session 1, camera)"),
            "{}",
            b.tooltip
        );
        let b = bar_of(&sample(600.0, true, Some(47.0)), &[], 3.0);
        assert_eq!((b.class, b.text.as_str()), (State::Warn, "sit 0m · CVA 47°"));
        let b = bar_of(&sample(600.0, true, Some(41.0)), &[], 3.0);
        assert_eq!(b.class, State::Risk);
        // an open overdue break is a risk and said first; a closed finding is not open
        let overdue = finding(FindingKind::BreakOverdue, None, Verdict::Risk, 2700.0, None, Some(45.0));
        let b = bar_of(&sample(3000.0, true, Some(52.0)), std::slice::from_ref(&overdue), 3.0);
        assert_eq!((b.class, b.text.as_str()), (State::Risk, "sit 0m · break due"));
        let closed = StoredFinding { end_s: Some(2800.0), ..overdue };
        assert_eq!(bar_of(&sample(3000.0, true, Some(52.0)), &[closed], 3.0).class, State::Ok);
        // away; and a last sample older than three intervals (and a minute) is stale
        assert_eq!(bar_of(&sample(600.0, false, None), &[], 3.0).class, State::Away);
        let b = bar_of(&upright, &[], 125.0);
        assert_eq!((b.class, b.text.as_str()), (State::Stale, "no sample 2m"));
    }

    #[test]
    fn a_call_under_way_is_said_with_its_start_not_as_a_stale_sample() {
        let last = sample(600.0, true, Some(52.0));
        let at = last.at.unwrap();
        let status = Status {
            db: "db".into(),
            recording: true,
            pause: None,
            call_since: Some(at + jiff::SignedDuration::from_secs(5)),
            session: Some(details(5.0)),
            last: Some(last),
            findings: Vec::new(),
            today: None,
            thresholds: Thresholds::default(),
            now: at + jiff::SignedDuration::from_mins(13),
            tz: jiff::tz::TimeZone::UTC,
        };
        let b = status.bar();
        assert_eq!((b.class, b.text.as_str()), (State::InCall, "in a call 12m"));
        let since =
            (at + jiff::SignedDuration::from_secs(5)).to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M");
        assert!(b.tooltip.contains(&format!("call: in a call since {since}")), "{}", b.tooltip);
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(
            (hm(44.6), hm(1930.0), hm(11_520.0)),
            ("45 s".into(), "32 min".into(), "3 h 12 min".into())
        );
    }
}
