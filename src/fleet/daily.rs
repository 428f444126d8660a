//! The background audit's own push: once a day, on a thread of its own, so that a slow or
//! absent server never holds up a sample; a failure is retried an hour later (the ledger
//! remembers when, across restarts of the audit).

use std::path::PathBuf;
use std::thread::JoinHandle;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::DbUrl;
use super::push::{Ledger, Push, ledger_path};
use crate::config::FleetSettings;

/// How long after a failed push the next is tried.
pub const RETRY_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// A workstation's daily push, as `[fleet]` in the config file asks for it.
pub struct Daily {
    history: PathBuf,
    url: DbUrl,
    site: String,
    department: String,
    tz: TimeZone,
    /// A push under way: it says whether it succeeded.
    running: Option<JoinHandle<bool>>,
    /// Nothing is looked at before this.
    next: Option<Timestamp>,
}

impl Daily {
    /// The daily push of `history` that `settings` asks for: `None` unless its URL, site and
    /// department are all set.
    pub fn new(history: PathBuf, settings: &FleetSettings, tz: TimeZone) -> Option<Self> {
        let (Some(url), Some(site), Some(department)) = (&settings.url, &settings.site, &settings.department)
        else {
            if settings.url.is_some() || settings.site.is_some() || settings.department.is_some() {
                tracing::warn!(
                    "no team push: [fleet] in the config file needs url, site and department, all three"
                );
            }
            return None;
        };
        tracing::info!("pushing the day figures to {url} once a day");
        Some(Daily {
            history,
            url: url.clone(),
            site: site.clone(),
            department: department.clone(),
            tz,
            running: None,
            next: None,
        })
    }

    /// At each sample: start a push if one is due at `now` and none is under way.
    pub fn tick(&mut self, now: Timestamp) {
        if self.running.as_ref().is_some_and(|r| !r.is_finished()) || self.next.is_some_and(|n| now < n) {
            return;
        }
        // a push that failed before the ledger could say so (the history unreadable, the
        // ledger unwritable) waits as long as one that did
        if let Some(done) = self.running.take()
            && !done.join().unwrap_or(false)
        {
            self.next = Some(now + RETRY_AFTER);
            return;
        }
        let ledger = match Ledger::read(&ledger_path(&self.history)) {
            Ok(ledger) => ledger,
            Err(e) => {
                tracing::warn!("no team push: {e}");
                self.next = Some(now + RETRY_AFTER);
                return;
            }
        };
        if let Err(later) = due(ledger.as_ref(), now, &self.tz) {
            self.next = Some(later);
            return;
        }
        // looked at again once this push is over
        self.next = None;
        let (history, url, site, department, tz) = (
            self.history.clone(),
            self.url.clone(),
            self.site.clone(),
            self.department.clone(),
            self.tz.clone(),
        );
        let spawned = std::thread::Builder::new().name("team push".into()).spawn(move || {
            let push = Push { history: &history, url: &url, site: &site, department: &department, now, tz };
            match push.run() {
                Ok(done) => {
                    tracing::info!(
                        "team push: {} days sent to {url}, {} unchanged",
                        done.sent.len(),
                        done.unchanged
                    );
                    true
                }
                Err(e) => {
                    tracing::warn!(
                        "team push failed ({e}); tried again in {} min, the audit goes on",
                        RETRY_AFTER.as_mins()
                    );
                    false
                }
            }
        });
        match spawned {
            Ok(handle) => self.running = Some(handle),
            Err(e) => {
                tracing::warn!("no team push: {e}");
                self.next = Some(now + RETRY_AFTER);
            }
        }
    }
}

/// Whether a push is due at `now` given the `ledger` (`None`: never pushed): once a local
/// day, an hour after a failure. `Err` says when to look again.
pub fn due(ledger: Option<&Ledger>, now: Timestamp, tz: &TimeZone) -> Result<(), Timestamp> {
    let Some(ledger) = ledger else { return Ok(()) };
    let today = now.to_zoned(tz.clone());
    if let Some(last) = ledger.last_push
        && last.to_zoned(tz.clone()).date() >= today.date()
    {
        // tomorrow
        return Err(today
            .tomorrow()
            .and_then(|t| t.start_of_day())
            .map_or(now + RETRY_AFTER, |t| t.timestamp()));
    }
    if let Some(tried) = ledger.last_attempt
        && ledger.last_error.is_some()
        && now < tried + RETRY_AFTER
    {
        return Err(tried + RETRY_AFTER);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_that_fails_before_its_ledger_can_say_so_waits_an_hour_too() {
        let dir = tempfile::tempdir().unwrap();
        let settings = FleetSettings {
            url: Some("postgresql://push@127.0.0.1:1/team?sslmode=disable".parse().unwrap()),
            site: Some("Lyon".into()),
            department: Some("Finance".into()),
        };
        let history = dir.path().join("missing.sqlite");
        let mut daily = Daily::new(history.clone(), &settings, TimeZone::UTC).unwrap();
        let t0: Timestamp = "2026-12-07T08:00:00Z".parse().unwrap();
        daily.tick(t0);
        let running = daily.running.as_ref().expect("a push under way");
        while !running.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // the history cannot be read: no ledger says so, the next sample waits an hour
        let t1 = t0 + SignedDuration::from_secs(5);
        daily.tick(t1);
        assert!(daily.running.is_none());
        assert_eq!(daily.next, Some(t1 + RETRY_AFTER));
        daily.tick(t1 + SignedDuration::from_secs(5));
        assert!(daily.running.is_none(), "no push before the hour is out");
        assert!(!ledger_path(&history).exists(), "nothing made beside a history that is not there");
    }

    #[test]
    fn a_push_is_due_once_a_local_day_and_an_hour_after_a_failure() {
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        let at = |s: &str| -> Timestamp { s.parse().unwrap() };
        assert_eq!(due(None, at("2026-12-07T08:00:00Z"), &tz), Ok(()), "never pushed");
        let mut ledger = Ledger::new();
        ledger.last_push = Some(at("2026-12-07T08:00:00Z"));
        ledger.last_attempt = ledger.last_push;
        // later that day (09:00 local): tomorrow at local midnight, 23:00 UTC
        assert_eq!(due(Some(&ledger), at("2026-12-07T10:00:00Z"), &tz), Err(at("2026-12-07T23:00:00Z")));
        // 23:30 UTC is the 8th there: due
        assert_eq!(due(Some(&ledger), at("2026-12-07T23:30:00Z"), &tz), Ok(()));
        // a failure on the 8th: an hour later
        ledger.last_attempt = Some(at("2026-12-08T09:00:00Z"));
        ledger.last_error = Some("cannot connect".into());
        assert_eq!(due(Some(&ledger), at("2026-12-08T09:30:00Z"), &tz), Err(at("2026-12-08T10:00:00Z")));
        assert_eq!(due(Some(&ledger), at("2026-12-08T10:00:00Z"), &tz), Ok(()));
    }
}
