//! What a running audit shows: notifications, a status line on a terminal, and each kind
//! of capture trouble said once.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ergoaudit::audit::{Observer, Status};
use ergoaudit::capture::CaptureError;
use ergoaudit::config::Settings;
use ergoaudit::control::Server;
use ergoaudit::desktop::Desktop;
use ergoaudit::fleet::daily::Daily;
use ergoaudit::notify::Notifier;
use ergoaudit::posture::MeasureId;
use ergoaudit::risk::Event;
use ergoaudit::tray::Tray;

/// Notifications, the status line and gap messages.
pub struct Display {
    notifier: Notifier,
    bar: indicatif::ProgressBar,
    gap_said: Option<String>,
    failed_inputs: usize,
    /// The audit on the session bus, told when its status changes.
    control: Option<Server>,
    /// The tray icon, shown the status when it changes.
    tray: Option<Tray>,
    /// Whether the last sample found the person present.
    present: Option<bool>,
    /// The daily push to the team's database, if `[fleet]` asks for one.
    fleet: Option<Daily>,
}

impl Display {
    /// A status line on a terminal (hidden otherwise), and notifications when `notify` (held
    /// while `desktop` says Do Not Disturb).
    pub fn new(notify: bool, settings: &Settings, desktop: Arc<dyn Desktop>) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Display {
            notifier: Notifier::new(notify, &settings.thresholds, settings.quiet_hours).following(desktop),
            bar,
            gap_said: None,
            failed_inputs: 0,
            control: None,
            tray: None,
            present: None,
            fleet: None,
        }
    }

    /// The day figures pushed to the team's database once a day by `fleet`.
    pub fn pushing(mut self, fleet: Option<Daily>) -> Self {
        self.fleet = fleet;
        self
    }

    /// The status announced on the bus through `control` and shown by `tray` too.
    pub fn announcing(mut self, control: Option<Server>, tray: Option<Tray>) -> Self {
        (self.control, self.tray) = (control, tray);
        self
    }

    /// Show what Do Not Disturb held, once it is over.
    fn release(&mut self) {
        if let Some((title, body)) = self.notifier.released() {
            self.bar.suspend(|| self.notifier.deliver(&title, &body));
        }
    }

    /// Tell the desktop the status now (`StatusChanged` on the session bus, the tray icon).
    fn announce(&self) {
        // the status read once, for both
        let db = self.control.as_ref().map(Server::db).or_else(|| self.tray.as_ref().map(Tray::db));
        let Some(line) = db.and_then(|db| ergoaudit::control::status_line(db).ok()) else { return };
        if let Some(control) = &self.control {
            control.announce(&line);
        }
        if let Some(tray) = &self.tray {
            tray.show(line);
        }
    }

    /// Remove the status line; the exit code: failure when an input file could not be read
    /// (the others were still audited, as `analyze` does).
    pub fn finish(&mut self) -> ExitCode {
        self.notifier.finish();
        self.bar.finish_and_clear();
        if self.failed_inputs > 0 {
            errln!("ergoaudit: {} input files could not be read (see above)", self.failed_inputs);
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl Observer for Display {
    fn event(&mut self, event: &Event, at: jiff::Timestamp, t_s: f64) {
        tracing::info!(kind = event.finding.kind.name(), change = ?event.change, "finding");
        // a band (or a hold, or a break due) changed
        self.announce();
        self.release();
        if let Some((title, body)) = self.notifier.consider(event, at, t_s) {
            self.bar.suspend(|| self.notifier.deliver(&title, &body));
        }
    }

    fn sample(&mut self, status: &Status) {
        self.release();
        if let Some(fleet) = &mut self.fleet {
            fleet.tick(jiff::Timestamp::now());
        }
        let s = status.sampled;
        let a = status.assessment;
        let mut parts = vec![
            format!("sample {}", status.samples),
            format!("t {}", ergoaudit::advice::minutes(s.sample.t_s)),
        ];
        if a.present {
            parts.push(format!("view {}", s.sample.view.map_or("?", |v| v.name())));
            for id in [MeasureId::CvaDeg, MeasureId::NeckFlexionDeg, MeasureId::HeadTiltDeg] {
                if let Some(v) = s.sample.measures[id] {
                    parts.push(format!("{} {v:.0}{}", id.label(), id.unit()));
                }
            }
            parts.push(format!("sitting {:.0} min", a.sitting_min));
            if a.static_posture {
                parts.push("held still".into());
            }
        } else {
            parts.push("away".into());
        }
        self.bar.set_message(parts.join(" · "));
        self.bar.tick();
        self.gap_said = None;
        if self.present.replace(a.present) != Some(a.present) {
            self.announce();
        }
    }

    fn call(&mut self, in_call: bool) {
        if in_call {
            self.bar.set_message(
                "in a call: the camera or the microphone is in use by another program (sitting, no break)",
            );
            self.bar.tick();
        }
        self.announce();
    }

    fn paused(&mut self, paused: bool) {
        self.announce();
        if paused {
            self.bar.set_message("paused: the camera is closed, nothing is recorded (`ergoaudit resume`)");
            self.bar.tick();
        }
    }

    fn gap(&mut self, error: &CaptureError, t_s: f64) {
        let text = ergoaudit::escape::terminal(error.to_string().trim_end()).into_owned();
        if matches!(
            error,
            CaptureError::Missing(_) | CaptureError::Unreadable { .. } | CaptureError::Undecodable { .. }
        ) {
            // a file of a recording: said once, skipped, and the exit code says so
            self.failed_inputs += 1;
            self.bar.suspend(|| errln!("ergoaudit: {text}"));
            return;
        }
        // say each kind of trouble once, not at every retry
        if self.gap_said.as_deref() != Some(text.as_str()) {
            self.bar
                .suspend(|| errln!("ergoaudit: {text} (at {}); retrying", ergoaudit::advice::minutes(t_s)));
            self.gap_said = Some(text);
        }
    }
}
