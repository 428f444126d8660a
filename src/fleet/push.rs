//! Pushing a workstation's day figures to the team's database: per local day, the figures a
//! report's `days[]` computes, under a random workstation id kept beside the history, and
//! nothing else — no sample, path, profile, host or user name. A ledger beside the history
//! keeps a hash of each day sent, so only changed days travel; the push is one statement
//! (`ergoaudit.push`), so a server lost midway leaves no day half-written, and sending a day
//! again replaces it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{FleetError, why};
use super::{DbUrl, connect};
use crate::report::{Day, FromHistory, Kind, Selection};
use crate::store::Store;
use crate::team::check_name;
use crate::thresholds::Thresholds;

/// The measures whose bands travel, by the names `ergoaudit.push` takes.
const BANDS: [crate::posture::MeasureId; 3] = crate::report::TREND_MEASURES;

/// How far back a first push reaches: as far as a report's days do.
const FIRST_PUSH_DAYS: i64 = crate::report::MAX_DAYS as i64;

/// How many days before the last push's a later push looks at again (a session running
/// across midnight adds to the day before).
const LOOK_BACK_DAYS: i64 = 2;

/// The ledger beside the history `history`: `history.sqlite.fleet.json`.
pub fn ledger_path(history: &Path) -> PathBuf {
    let mut name = history.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".fleet.json");
    history.with_file_name(name)
}

/// What was sent from this workstation, kept beside its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// The workstation's random id: the only thing that ties its days together centrally.
    pub workstation: uuid::Uuid,
    /// The database the days went to (`host:port/database`); another one starts afresh.
    pub to: Option<String>,
    /// Each day sent: a hash of what was sent, and when.
    pub sent: BTreeMap<Date, Sent>,
    /// The last push that succeeded.
    pub last_push: Option<Timestamp>,
    /// The last push tried.
    pub last_attempt: Option<Timestamp>,
    /// Why the last push tried failed, if it did.
    pub last_error: Option<String>,
}

/// One day sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// SHA-256 of the site, the department and the day's figures as sent.
    pub hash: String,
    /// When.
    pub at: Timestamp,
}

impl Ledger {
    /// A ledger for a workstation not yet known centrally: a new random id, nothing sent.
    pub fn new() -> Self {
        Ledger {
            workstation: uuid::Uuid::new_v4(),
            to: None,
            sent: BTreeMap::new(),
            last_push: None,
            last_attempt: None,
            last_error: None,
        }
    }

    /// The ledger beside the history `history`, which must be there: without one, nothing was
    /// ever sent from this workstation, which then has no id.
    pub fn of(history: &Path) -> Result<Self, FleetError> {
        let path = ledger_path(history);
        Self::read(&path)?.ok_or_else(|| FleetError::NothingSent { ledger: crate::escape::path(&path) })
    }

    /// The ledger at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Self>, FleetError> {
        let bad = |why: String| FleetError::Ledger { path: crate::escape::path(path), why };
        match crate::files::read(path, crate::files::LEDGER) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| bad(format!("{e}; move it away to start afresh (a new workstation id)"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(bad(e.to_string())),
        }
    }

    /// Write the ledger to `path`, whole or not at all.
    pub fn write(&self, path: &Path) -> Result<(), FleetError> {
        crate::files::write_atomically(path, |out| {
            serde_json::to_writer_pretty(out, self).map_err(Into::into)
        })
        .map_err(|e: std::io::Error| FleetError::Ledger {
            path: crate::escape::path(path),
            why: e.to_string(),
        })
    }
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a ledger's days went: the database, whoever pushed.
fn destination(url: &DbUrl) -> String {
    format!("{}:{}/{}", url.host, url.port, url.dbname)
}

/// A push to make.
#[derive(Clone, Debug)]
pub struct Push<'a> {
    /// The local history.
    pub history: &'a Path,
    /// The team's database.
    pub url: &'a DbUrl,
    /// The site the workstation belongs to.
    pub site: &'a str,
    /// Its department.
    pub department: &'a str,
    /// Now.
    pub now: Timestamp,
    /// The time zone whose days divide the history.
    pub tz: TimeZone,
}

/// What a push did.
#[derive(Clone, Debug, PartialEq)]
pub struct Pushed {
    /// The workstation's id.
    pub workstation: uuid::Uuid,
    /// The days sent (new or changed).
    pub sent: Vec<Date>,
    /// The days with figures left unsent, as they were sent before.
    pub unchanged: usize,
}

impl Push<'_> {
    /// Send the days that changed since they were last sent, and note them in the ledger. A
    /// failure is noted there too (for `fleet status`), and nothing is half-sent.
    pub fn run(&self) -> Result<Pushed, FleetError> {
        check_name("site", self.site)?;
        check_name("department", self.department)?;
        // the history is there before a ledger is made beside it
        let store = Store::open_read(self.history).map_err(|e| self.unreadable(e.to_string()))?;
        let path = ledger_path(self.history);
        let mut ledger = match Ledger::read(&path)? {
            Some(ledger) => ledger,
            None => {
                // the id is kept before anything is sent
                let ledger = Ledger::new();
                ledger.write(&path)?;
                ledger
            }
        };
        let to = destination(self.url);
        if ledger.to.as_deref() != Some(to.as_str()) {
            ledger = Ledger { to: Some(to), sent: BTreeMap::new(), last_push: None, ..ledger };
        }
        let result = self.send(&store, &mut ledger);
        ledger.last_attempt = Some(self.now);
        ledger.last_error = result.as_ref().err().map(ToString::to_string);
        // a ledger that cannot be written after a push only means its days go again
        ledger.write(&path)?;
        result
    }

    /// Send what changed, noting it in `ledger`.
    fn send(&self, store: &Store, ledger: &mut Ledger) -> Result<Pushed, FleetError> {
        let days = self.days(store, ledger.last_push)?;
        let mut payload = Vec::new();
        let mut hashes = Vec::new();
        let mut unchanged = 0;
        for day in &days {
            let Ok(date) = day.date.parse::<Date>() else { continue };
            let figures = figures(day);
            let hash = self.hash(&figures);
            if ledger.sent.get(&date).is_some_and(|s| s.hash == hash) {
                unchanged += 1;
                continue;
            }
            payload.push(figures);
            hashes.push((date, hash));
        }
        if !payload.is_empty() {
            let mut client = connect(self.url)?;
            let days = serde_json::Value::Array(payload).to_string();
            let ws = ledger.workstation.to_string();
            client
                .execute(
                    "SELECT ergoaudit.push($1::text::uuid, $2::text, $3::text, $4::text::jsonb)",
                    &[&ws, &self.site, &self.department, &days],
                )
                .map_err(|e| FleetError::Sql { what: "push the days", why: why(&e) })?;
        }
        for (date, hash) in &hashes {
            ledger.sent.insert(*date, Sent { hash: hash.clone(), at: self.now });
        }
        // what a later push no longer looks at is forgotten
        let oldest =
            self.now.to_zoned(self.tz.clone()).date().checked_sub(jiff::Span::new().days(FIRST_PUSH_DAYS));
        if let Ok(oldest) = oldest {
            ledger.sent.retain(|date, _| *date >= oldest);
        }
        ledger.last_push = Some(self.now);
        Ok(Pushed {
            workstation: ledger.workstation,
            sent: hashes.into_iter().map(|(d, _)| d).collect(),
            unchanged,
        })
    }

    /// The days with something recorded: from two days before the last push's, or, for a
    /// first push, the last [`FIRST_PUSH_DAYS`].
    fn days(&self, store: &Store, last_push: Option<Timestamp>) -> Result<Vec<Day>, FleetError> {
        let from = match last_push {
            Some(at) => at
                .to_zoned(self.tz.clone())
                .date()
                .checked_sub(jiff::Span::new().days(LOOK_BACK_DAYS))
                .and_then(|d| d.to_zoned(self.tz.clone()))
                .map_or(Timestamp::MIN, |z| z.timestamp()),
            None => self
                .now
                .checked_sub(SignedDuration::from_hours(24 * FIRST_PUSH_DAYS))
                .unwrap_or(Timestamp::MIN),
        };
        let since = self.now.duration_since(from).max(SignedDuration::from_hours(25));
        let report = FromHistory {
            kind: Kind::History,
            selection: Selection::Since(since),
            overrides: &[],
            defaults: &Thresholds::default(),
            tz: self.tz.clone(),
            now: self.now,
        }
        .build(store)
        .map_err(|e| self.unreadable(e.to_string()))?;
        Ok(report
            .days
            .into_iter()
            .filter(|d| d.samples > 0 || d.paused_s > 0.0 || d.locked_s > 0.0 || d.call_s > 0.0)
            .collect())
    }

    /// The history cannot be read: `why`.
    fn unreadable(&self, why: String) -> FleetError {
        FleetError::History { path: crate::escape::path(self.history), why }
    }

    /// The hash of a day's figures as sent, with the site and department they are filed under.
    fn hash(&self, figures: &serde_json::Value) -> String {
        let mut h = Sha256::new();
        for part in [self.site, self.department, &figures.to_string()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        format!("{:x}", h.finalize())
    }
}

/// A day's figures as `ergoaudit.push` takes them: the report's day, and the time per band of
/// each measure (present without a judged value: `unknown_s`).
fn figures(day: &Day) -> serde_json::Value {
    let bands: Vec<serde_json::Value> = BANDS
        .iter()
        .map(|&id| {
            let b = day.bands.get(id).cloned().unwrap_or_default();
            serde_json::json!({
                "measure": id.name(),
                "ok_s": b.ok_s,
                "warn_s": b.warn_s,
                "risk_s": b.risk_s,
                "unknown_s": b.no_value_s + b.estimate_s,
            })
        })
        .collect();
    serde_json::json!({
        "day": day.date,
        "present_s": day.present_s,
        "away_s": day.away_s,
        "paused_s": day.paused_s,
        "locked_s": day.locked_s,
        "call_s": day.call_s,
        "breaks_taken": day.breaks_taken,
        "breaks_due": day.breaks_due,
        "longest_sitting_min": day.longest_sitting_min,
        "holds": day.holds,
        "hold_s": day.hold_s,
        "samples": day.samples,
        "samples_seen": day.samples_seen,
        "gaps": day.gaps,
        "rula": day.rula,
        "bands": bands,
    })
}

/// Delete this workstation's rows from the team's database (`ergoaudit.forget`), then start
/// its ledger afresh under a new id; the number of days deleted.
pub fn forget(history: &Path, url: &DbUrl) -> Result<i32, FleetError> {
    let ledger = Ledger::of(history)?;
    let mut client = connect(url)?;
    let ws = ledger.workstation.to_string();
    let days: i32 = client
        .query_one("SELECT ergoaudit.forget($1::text::uuid)", &[&ws])
        .map_err(|e| FleetError::Sql { what: "forget the workstation", why: why(&e) })?
        .get(0);
    Ledger::new().write(&ledger_path(history))?;
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_lives_beside_the_history_and_a_damaged_one_is_named() {
        assert_eq!(ledger_path(Path::new("/h/history.sqlite")), Path::new("/h/history.sqlite.fleet.json"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite.fleet.json");
        assert_eq!(Ledger::read(&path).unwrap(), None);
        let mut ledger = Ledger::new();
        ledger
            .sent
            .insert("2026-12-01".parse().unwrap(), Sent { hash: "ab".into(), at: Timestamp::UNIX_EPOCH });
        ledger.write(&path).unwrap();
        assert_eq!(Ledger::read(&path).unwrap(), Some(ledger.clone()));
        assert_ne!(Ledger::new().workstation, ledger.workstation, "a random id each");
        std::fs::write(&path, "{\"workstation\": 3").unwrap();
        let err = Ledger::read(&path).unwrap_err().to_string();
        assert!(err.contains("h.sqlite.fleet.json") && err.contains("move it away"), "{err}");
    }

    #[test]
    fn names_are_checked_and_a_day_s_hash_follows_its_figures_and_its_names() {
        assert!(check_name("site", "Lyon \"HQ\"\n<b>").is_ok());
        for bad in ["", "  ", "a\0b"] {
            assert!(check_name("site", bad).is_err(), "{bad:?}");
        }
        assert!(check_name("department", &"é".repeat(crate::team::MAX_NAME_CHARS)).is_ok());
        assert!(check_name("department", &"é".repeat(crate::team::MAX_NAME_CHARS + 1)).is_err());
        let url: DbUrl = "postgresql://push@db/team".parse().unwrap();
        let push = |site| Push {
            history: Path::new("h.sqlite"),
            url: &url,
            site,
            department: "Finance",
            now: Timestamp::UNIX_EPOCH,
            tz: TimeZone::UTC,
        };
        let mut day = Day { date: "2026-12-01".into(), present_s: 60.0, ..Day::default() };
        let (a, b) = (push("Lyon"), push("Paris"));
        let first = a.hash(&figures(&day));
        assert_eq!(first, a.hash(&figures(&day)));
        assert_ne!(first, b.hash(&figures(&day)), "a move to another site sends the day again");
        day.present_s += 5.0;
        assert_ne!(first, a.hash(&figures(&day)));
        // every band travels, a measure without values as zeros
        let sent = figures(&day);
        let measures: Vec<&str> =
            sent["bands"].as_array().unwrap().iter().map(|b| b["measure"].as_str().unwrap()).collect();
        assert_eq!(measures, ["cva_deg", "head_forward_cm", "shoulder_rounding_deg"]);
        assert_eq!(sent["bands"][0]["ok_s"], 0.0);
    }
}
