//! The tray icon of a running audit (`audit --tray`, opt-in): a StatusNotifierItem on the
//! session bus (the `ksni` crate), coloured by the state `status` reports (green, amber,
//! red; blue in a call; grey paused, away or stale), with `status`'s text as its tooltip and
//! a menu: pause for 30 minutes, for an hour or until resumed, resume, and open today's
//! report. The pauses are the pause file `ergoaudit pause` writes.
//!
//! Without a tray host (no `org.kde.StatusNotifierWatcher` on the bus) there is no icon; the
//! audit says so once and goes on.

use std::path::{Path, PathBuf};

use ksni::blocking::TrayMethods;
use ksni::menu::{MenuItem, StandardItem};

use crate::report::status::{BarLine, State};

/// The icon's side, pixels (hosts scale it).
const SIDE: i32 = 32;

/// The icon's colour for a state, RGB.
fn colour(state: State) -> [u8; 3] {
    match state {
        State::Ok => [0x2e, 0x9e, 0x4f],
        State::Warn => [0xe0, 0x9b, 0x12],
        State::Risk => [0xd1, 0x34, 0x38],
        State::InCall => [0x2f, 0x6f, 0xd6],
        State::Stopped | State::Paused | State::Starting | State::Stale | State::Away => [0x8a, 0x8f, 0x98],
    }
}

/// A filled disc of `rgb` on a transparent square: ARGB32 in network byte order.
fn disc(rgb: [u8; 3]) -> ksni::Icon {
    let r = SIDE as f32 / 2.0;
    let mut data = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let d = ((x as f32 + 0.5 - r).powi(2) + (y as f32 + 0.5 - r).powi(2)).sqrt();
            // a soft edge one pixel wide
            let alpha = ((r - 1.0 - d + 0.5).clamp(0.0, 1.0) * 255.0) as u8;
            data.extend_from_slice(&[alpha, rgb[0], rgb[1], rgb[2]]);
        }
    }
    ksni::Icon { width: SIDE, height: SIDE, data }
}

/// What the icon shows and does.
#[derive(Debug)]
struct Item {
    /// The history the audit records into.
    db: PathBuf,
    /// The status last read.
    line: Option<BarLine>,
}

impl Item {
    /// Pause for `seconds` (0: until resumed), or resume (`None`), then show the new state.
    fn steer(&mut self, pause: Option<u64>) {
        let done = match pause {
            Some(seconds) => crate::control::pause(&self.db, seconds),
            None => crate::control::resume(&self.db),
        };
        if let Err(e) = done {
            tracing::warn!("the tray's pause: {}", crate::escape::terminal(&e));
        }
        self.line = read(&self.db);
    }

    /// Open today's report in the browser: `ergoaudit report` of this history, written into
    /// the user's cache folder.
    fn open_report(&self) {
        let Some(dir) =
            directories::ProjectDirs::from("", "", "ergoaudit").map(|d| d.cache_dir().to_path_buf())
        else {
            tracing::warn!("no cache folder to write today's report into");
            return;
        };
        let since_s = since_midnight_s(&jiff::Timestamp::now().to_zoned(crate::zone::local()));
        let run = std::fs::create_dir_all(&dir).and_then(|()| {
            std::process::Command::new(std::env::current_exe()?)
                .args(["report", "--since", &format!("{since_s}s"), "--open", "--db"])
                .arg(&self.db)
                .arg("-o")
                .arg(dir.join("today.html"))
                .stdin(std::process::Stdio::null())
                .spawn()
        });
        match run {
            // reaped by a thread of its own, so that no zombie is left
            Ok(mut child) => {
                drop(std::thread::Builder::new().name("report".into()).spawn(move || child.wait()))
            }
            Err(e) => tracing::warn!("cannot make today's report: {e}"),
        }
    }
}

/// Seconds from the last midnight to `now` (at least a minute, so that a report made just
/// after midnight still has the minute before).
fn since_midnight_s(now: &jiff::Zoned) -> i64 {
    now.start_of_day().map_or(86_400, |midnight| now.duration_since(&midnight).as_secs().max(60))
}

/// The status of `db` now, if it can be read.
fn read(db: &Path) -> Option<BarLine> {
    crate::control::status_line(db).ok()
}

impl ksni::Tray for Item {
    fn id(&self) -> String {
        "ergoaudit".into()
    }

    fn title(&self) -> String {
        "ergoaudit".into()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn status(&self) -> ksni::Status {
        match self.line.as_ref().map(|l| l.class) {
            Some(State::Risk) => ksni::Status::NeedsAttention,
            _ => ksni::Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        vec![disc(colour(self.line.as_ref().map_or(State::Starting, |l| l.class)))]
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icon_pixmap()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: self
                .line
                .as_ref()
                .map_or_else(|| "ergoaudit".to_owned(), |l| format!("ergoaudit: {}", l.text)),
            // status's tooltip is markup with every string of the user's escaped
            description: self.line.as_ref().map(|l| l.tooltip.clone()).unwrap_or_default(),
            ..Default::default()
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let paused = self.line.as_ref().is_some_and(|l| l.class == State::Paused);
        let item = |label: &str, enabled: bool, activate: Box<dyn Fn(&mut Self) + Send>| {
            MenuItem::Standard(StandardItem { label: label.into(), enabled, activate, ..Default::default() })
        };
        vec![
            item("Pause for 30 minutes", !paused, Box::new(|t: &mut Self| t.steer(Some(30 * 60)))),
            item("Pause for 1 hour", !paused, Box::new(|t: &mut Self| t.steer(Some(60 * 60)))),
            item("Pause until resumed", !paused, Box::new(|t: &mut Self| t.steer(Some(0)))),
            item("Resume", paused, Box::new(|t: &mut Self| t.steer(None))),
            MenuItem::Separator,
            item("Open today's report", true, Box::new(|t: &mut Self| t.open_report())),
        ]
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::warn!("the tray host went away ({reason:?}): no tray icon until it is back");
        true
    }
}

/// The tray icon of the audit recording into `db`.
pub struct Tray {
    handle: ksni::blocking::Handle<Item>,
    db: PathBuf,
}

impl std::fmt::Debug for Tray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tray").field("db", &self.db).finish_non_exhaustive()
    }
}

impl Tray {
    /// Show the icon for the audit recording into `db`; why not, when it cannot be shown (no
    /// session bus, no tray host, a bus that does not answer).
    pub fn start(db: &Path) -> Result<Tray, String> {
        let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
        let item = Item { db: db.clone(), line: read(&db) };
        let handle = crate::control::started_on_bus("tray", move |ready| {
            drop(ready.send(item.spawn().map_err(|e| e.to_string())));
        })?;
        Ok(Tray { handle, db })
    }

    /// Show the status `line`.
    pub fn show(&self, line: BarLine) {
        self.handle.update(|item| item.line = Some(line));
    }

    /// The history the audit records into (its whole path).
    pub fn db(&self) -> &Path {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_since_midnight_and_the_icon_is_the_band_s_disc() {
        // central European time, as a rule (no time zone database needed)
        let paris = jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let at = |s: &str| s.parse::<jiff::civil::DateTime>().unwrap().to_zoned(paris.clone()).unwrap();
        assert_eq!(since_midnight_s(&at("2026-12-07T10:30:00")), 37_800);
        assert_eq!(since_midnight_s(&at("2026-12-07T00:00:10")), 60);
        // a day with a daylight-saving change: the hours that passed, not the clock's
        assert_eq!(since_midnight_s(&at("2026-03-29T12:00:00")), 11 * 3600);
        let icon = disc(colour(State::Risk));
        let pixel = |x: i32, y: i32| {
            let i = ((y * icon.width + x) * 4) as usize;
            icon.data[i..i + 4].to_vec()
        };
        assert_eq!(icon.data.len(), (SIDE * SIDE * 4) as usize);
        assert_eq!(pixel(SIDE / 2, SIDE / 2), [255, 0xd1, 0x34, 0x38], "opaque red at the centre");
        assert_eq!(pixel(0, 0)[0], 0, "transparent in the corner");
    }
}
