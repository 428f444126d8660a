//! Notifications: a desktop notification through the session bus when there is one, else a
//! line on the terminal; a cool-down per finding kind and quiet hours so that it never nags;
//! none while the desktop says Do Not Disturb, and one that sums them up once it is over.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::Duration;

use crate::advice::{action, hm, minutes};
use crate::desktop::{Desktop, NoDesktop};
use crate::risk::{Change, Event, Finding, FindingKind};
use crate::thresholds::{Thresholds, Verdict};

/// Quiet hours: no notifications from `start` to `end` local time (may wrap midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    /// Start, local time.
    pub start: jiff::civil::Time,
    /// End, local time.
    pub end: jiff::civil::Time,
}

impl std::str::FromStr for QuietHours {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, b) = s.split_once('-').ok_or_else(|| format!("`{s}`: write HH:MM-HH:MM"))?;
        let time = |t: &str| t.trim().parse::<jiff::civil::Time>().map_err(|e| format!("`{t}`: {e}"));
        Ok(QuietHours { start: time(a)?, end: time(b)? })
    }
}

impl QuietHours {
    fn contains(&self, t: jiff::civil::Time) -> bool {
        if self.start <= self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }
}

/// The title and body of the notification for a finding (`now_s` on the session clock),
/// the break rule as `thresholds` set it.
pub fn message(f: &Finding, now_s: f64, thresholds: &Thresholds) -> (String, String) {
    let held = minutes(f.duration_s(now_s));
    let what = |unit: &str| f.value.map_or_else(String::new, |v| format!("{v:.0}{unit}"));
    let (title, why) = match f.kind {
        FindingKind::BreakOverdue => {
            let move_for = hm(thresholds.break_min * 60.0);
            return (
                "Movement break overdue".to_owned(),
                format!(
                    "Sitting for {} min without a break; the rule: move for {move_for} every {}. Stand up and \
                     move for {move_for}: walk, roll your shoulders, look into the distance.",
                    f.value.unwrap_or_default().round(),
                    hm(thresholds.sitting_max * 60.0),
                ),
            );
        }
        FindingKind::StaticHold => (
            format!("Held still for {held}"),
            match f.limit {
                Some(limit) if f.reference.contains("ISO") => {
                    format!("{} head inclination; {} allows {}.", what("°"), f.reference, minutes(limit))
                }
                _ => format!("{}.", f.reference),
            },
        ),
        FindingKind::Posture => {
            let m = f.measure.expect("posture findings name a measure");
            let level = if f.severity == Verdict::Risk { "risk" } else { "warn" };
            (
                format!("{} for {held}", crate::advice::capitalise(m.label())),
                format!(
                    "{}{} (beyond the {level} limit {}{}: {}).",
                    what(""),
                    m.unit(),
                    f.limit.map_or_else(String::new, |l| format!("{l}")),
                    m.unit(),
                    f.reference
                ),
            )
        }
    };
    (title, format!("{why} {}", action(f.kind, f.measure)))
}

/// How long [`Notifier::finish`] waits for queued notifications to be shown.
const FINISH_WAIT: Duration = Duration::from_secs(10);

/// The desktop's notification service, asked by a thread of its own: a session bus that
/// never answers (`DBUS_SESSION_BUS_ADDRESS` naming a socket nobody serves) holds up that
/// thread, never the audit.
/// When the service fails (there is none), the thread prints the notifications on the
/// terminal instead, in their order.
#[derive(Debug)]
struct Service {
    queue: SyncSender<(String, String)>,
    /// Closed by the thread when its queue is done.
    done: Receiver<()>,
}

impl Service {
    /// Start the thread; `None` when it cannot be started.
    fn start() -> Option<Service> {
        let (queue, notifications) = std::sync::mpsc::sync_channel::<(String, String)>(4);
        let (finished, done) = std::sync::mpsc::channel::<()>();
        let shown = std::thread::Builder::new().name("notify".into()).spawn(move || {
            let _finished = finished; // dropped, and so `done` closed, when the queue is done
            let mut desktop = true;
            for (title, body) in notifications.iter() {
                if desktop {
                    let shown = notify_rust::Notification::new()
                        .appname("ergoaudit")
                        .summary(&title)
                        .body(&body)
                        .show();
                    match shown {
                        Ok(_) => continue,
                        Err(e) => {
                            tracing::info!(error = %e, "no desktop notifications; printing them instead");
                            desktop = false;
                        }
                    }
                }
                to_terminal(&title, &body);
            }
        });
        shown.ok().map(|_| Service { queue, done })
    }
}

/// Print a notification on stderr.
fn to_terminal(title: &str, body: &str) {
    // a terminal that cannot be written has nowhere left to be told so
    let _ = writeln!(std::io::stderr(), "ergoaudit: {title} — {body}");
}

/// Decides which events are worth a notification, and delivers them.
#[derive(Debug)]
pub struct Notifier {
    enabled: bool,
    /// The desktop's service, once asked; `None` before, and after it failed.
    service: Option<Service>,
    /// The desktop failed or does not answer: notifications go to the terminal.
    terminal: bool,
    thresholds: Thresholds,
    cooldown_s: f64,
    quiet: Option<QuietHours>,
    last: HashMap<FindingKind, jiff::Timestamp>,
    /// Where Do Not Disturb is told.
    desktop: Arc<dyn Desktop>,
    /// What Do Not Disturb held back: the first few, titles and bodies in their order, and
    /// how many in all.
    held: Held,
}

/// The notifications Do Not Disturb held back: the first [`SUMMARY_TITLES`] (all a summary
/// lists) and how many in all, however long it lasts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Held {
    /// The first ones, title and body.
    first: Vec<(String, String)>,
    /// How many in all.
    count: usize,
}

impl Held {
    /// Hold one more.
    fn push(&mut self, message: (String, String)) {
        if self.first.len() < SUMMARY_TITLES {
            self.first.push(message);
        }
        self.count += 1;
    }
}

/// The most titles a summary of held notifications lists.
const SUMMARY_TITLES: usize = 5;

/// The one notification that sums up those `held` while Do Not Disturb was on (one alone is
/// shown as it was).
fn summary(held: &Held) -> Option<(String, String)> {
    match (held.count, held.first.as_slice()) {
        (0, _) | (_, []) => None,
        (1, [one, ..]) => Some(one.clone()),
        (count, first) => {
            let mut titles: Vec<&str> = first.iter().map(|(t, _)| t.as_str()).collect();
            titles.dedup();
            let more = count - first.len();
            let more = if more > 0 { format!("; and {more} more") } else { String::new() };
            Some((
                format!("While Do Not Disturb was on: {count} notifications"),
                format!("{}{more}. `ergoaudit report` has the details.", titles.join("; ")),
            ))
        }
    }
}

impl Notifier {
    /// The thresholds' `notify_cooldown` between two notifications of one kind (their break
    /// rule in the break's); none during `quiet` hours; none at all unless `enabled`.
    pub fn new(enabled: bool, thresholds: &Thresholds, quiet: Option<QuietHours>) -> Self {
        Notifier {
            enabled,
            service: None,
            terminal: false,
            thresholds: *thresholds,
            cooldown_s: thresholds.notify_cooldown * 60.0,
            quiet,
            last: HashMap::new(),
            desktop: Arc::new(NoDesktop),
            held: Held::default(),
        }
    }

    /// Hold notifications while `desktop` says Do Not Disturb.
    pub fn following(mut self, desktop: Arc<dyn Desktop>) -> Self {
        self.desktop = desktop;
        self
    }

    /// The notification for `event` at wall time `at`, `now_s` seconds into the session
    /// (how long the finding has lasted is told from it), if it passes the rules: a finding
    /// that opened or got worse, outside quiet hours, past its kind's cool-down.
    pub fn consider(&mut self, event: &Event, at: jiff::Timestamp, now_s: f64) -> Option<(String, String)> {
        if !self.enabled || event.change == Change::Closed {
            return None;
        }
        if let Some(q) = self.quiet
            && q.contains(at.to_zoned(crate::zone::local()).time())
        {
            return None;
        }
        let kind = event.finding.kind;
        if let Some(last) = self.last.get(&kind)
            && at.duration_since(*last).as_secs_f64() < self.cooldown_s
        {
            return None;
        }
        self.last.insert(kind, at);
        let now = event.finding.end_s.unwrap_or(now_s).max(event.finding.start_s);
        let message = message(&event.finding, now, &self.thresholds);
        if self.desktop.state().dnd {
            tracing::info!(title = %message.0, "Do Not Disturb: the notification waits");
            self.held.push(message);
            return None;
        }
        Some(message)
    }

    /// Once Do Not Disturb is over, the one notification that sums up what it held.
    pub fn released(&mut self) -> Option<(String, String)> {
        if self.held.count == 0 || self.desktop.state().dnd {
            return None;
        }
        summary(&std::mem::take(&mut self.held))
    }

    /// Show a notification on the desktop, without waiting for it; when there is no
    /// notification service, or it does not take them, print it on stderr instead (and stop
    /// trying the desktop).
    pub fn deliver(&mut self, title: &str, body: &str) {
        if !self.terminal {
            if self.service.is_none() {
                self.service = Service::start();
            }
            let queued = match &self.service {
                Some(d) => match d.queue.try_send((title.into(), body.into())) {
                    Ok(()) => true,
                    Err(TrySendError::Full(_)) => {
                        tracing::info!(
                            "the desktop's notification service does not answer; printing them instead"
                        );
                        false
                    }
                    Err(TrySendError::Disconnected(_)) => false,
                },
                None => false,
            };
            if queued {
                return;
            }
            self.terminal = true;
        }
        to_terminal(title, body);
    }

    /// Let the notifications queued for the desktop be shown (or printed, when it failed),
    /// waiting at most 10 s for a desktop that does not answer; what Do Not Disturb held is
    /// summed up first if it is over.
    pub fn finish(&mut self) {
        if let Some((title, body)) = self.released() {
            self.deliver(&title, &body);
        } else if self.held.count > 0 {
            tracing::info!(
                "{} notifications held for Do Not Disturb are not shown: it is still on",
                self.held.count
            );
        }
        if let Some(Service { queue, done, .. }) = self.service.take() {
            drop(queue);
            // Err either way: disconnected once the thread is done, or timed out
            let _ = done.recv_timeout(FINISH_WAIT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::MeasureId;

    fn cooldown(minutes: f64) -> Thresholds {
        Thresholds { notify_cooldown: minutes, ..Thresholds::default() }
    }

    fn finding(kind: FindingKind) -> Finding {
        Finding {
            id: 0,
            kind,
            severity: Verdict::Warn,
            measure: (kind == FindingKind::Posture).then_some(MeasureId::NeckFlexionDeg),
            start_s: 0.0,
            end_s: None,
            value: Some(30.0),
            limit: Some(445.0),
            reference: "ISO 11226:2000 maximum acceptable holding time for 30° head inclination".into(),
        }
    }

    #[test]
    fn a_new_finding_says_how_long_it_has_lasted() {
        // a hold found at 1:00 into the session that began at 0:00: "for 1:00", not "0:00"
        let mut n = Notifier::new(true, &cooldown(10.0), None);
        let t0: jiff::Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        for kind in [FindingKind::StaticHold, FindingKind::Posture] {
            let opened = Event { finding: finding(kind), change: Change::Opened };
            let (title, _) = n.consider(&opened, t0, 60.0).unwrap();
            assert!(title.ends_with("for 1:00"), "{title}");
        }
        // a closed one is told to its end
        let mut f = finding(FindingKind::StaticHold);
        f.end_s = Some(90.0);
        let (title, _) = message(&f, 300.0, &Thresholds::default());
        assert!(title.ends_with("for 1:30"), "{title}");
    }

    #[test]
    fn cool_down_per_kind_and_quiet_hours() {
        let mut n = Notifier::new(true, &cooldown(10.0), None);
        let t0: jiff::Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let ev = |kind| Event { finding: finding(kind), change: Change::Opened };
        assert!(n.consider(&ev(FindingKind::StaticHold), t0, 0.0).is_some());
        assert!(
            n.consider(&ev(FindingKind::StaticHold), t0 + jiff::SignedDuration::from_mins(5), 0.0).is_none()
        );
        assert!(
            n.consider(&ev(FindingKind::BreakOverdue), t0 + jiff::SignedDuration::from_mins(5), 0.0)
                .is_some()
        );
        assert!(
            n.consider(&ev(FindingKind::StaticHold), t0 + jiff::SignedDuration::from_mins(11), 0.0).is_some()
        );
        let closed = Event { finding: finding(FindingKind::Posture), change: Change::Closed };
        assert!(n.consider(&closed, t0 + jiff::SignedDuration::from_hours(1), 0.0).is_none());

        let all_day: QuietHours = "00:00-23:59".parse().unwrap();
        let mut quiet = Notifier::new(true, &cooldown(10.0), Some(all_day));
        assert!(quiet.consider(&ev(FindingKind::StaticHold), t0, 0.0).is_none());
        let night: QuietHours = "22:00-07:00".parse().unwrap();
        assert!(night.contains("23:30".parse().unwrap()) && night.contains("06:59".parse().unwrap()));
        assert!(!night.contains("12:00".parse().unwrap()));
        assert!("22:00".parse::<QuietHours>().is_err());
    }

    #[test]
    fn do_not_disturb_holds_notifications_and_sums_them_up_once_it_is_over() {
        let desktop = Arc::new(crate::desktop::Watched::default());
        let mut n = Notifier::new(true, &cooldown(0.0), None).following(Arc::clone(&desktop) as _);
        let t0: jiff::Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let ev = |kind| Event { finding: finding(kind), change: Change::Opened };
        desktop.update(|s| s.dnd = true);
        assert!(n.consider(&ev(FindingKind::StaticHold), t0, 60.0).is_none());
        assert!(n.consider(&ev(FindingKind::Posture), t0, 120.0).is_none());
        assert_eq!(n.released(), None, "still on");
        desktop.update(|s| s.dnd = false);
        let (title, body) = n.released().unwrap();
        assert_eq!(title, "While Do Not Disturb was on: 2 notifications");
        assert!(body.starts_with("Held still for 1:00; Neck flexion for 2:00."), "{body}");
        assert_eq!(n.released(), None, "summed up once");
        // after it, notifications are shown again
        assert!(n.consider(&ev(FindingKind::BreakOverdue), t0, 180.0).is_some());
        // one held alone is shown as it was; a long list is cut, and only its head is kept
        let mut held = Held::default();
        assert_eq!(summary(&held), None);
        held.push(("a".to_owned(), "b".to_owned()));
        assert_eq!(summary(&held), Some(("a".into(), "b".into())));
        let mut held = Held::default();
        for i in 0..1000 {
            held.push((format!("t{i}"), String::new()));
        }
        assert_eq!(held.first.len(), SUMMARY_TITLES);
        let (title, body) = summary(&held).unwrap();
        assert_eq!(title, "While Do Not Disturb was on: 1000 notifications");
        assert!(body.starts_with("t0; t1; t2; t3; t4; and 995 more."), "{body}");
    }

    #[test]
    fn messages_say_what_how_long_which_limit_and_what_to_do() {
        let mut f = finding(FindingKind::StaticHold);
        f.end_s = Some(240.0);
        let (title, body) = message(&f, 240.0, &Thresholds::default());
        assert_eq!(title, "Held still for 4:00");
        assert!(body.contains("30° head inclination") && body.contains("allows 7:25"), "{body}");
        assert!(body.contains("Change position"), "{body}");
        let (title, body) = message(&finding(FindingKind::Posture), 120.0, &Thresholds::default());
        assert_eq!(title, "Neck flexion for 2:00");
        assert!(body.contains("30°") && body.contains("Raise the screen"), "{body}");
    }

    #[test]
    fn the_break_notification_names_the_rule_the_thresholds_set() {
        let mut overdue = finding(FindingKind::BreakOverdue);
        overdue.value = Some(31.0);
        let (title, body) = message(&overdue, 0.0, &Thresholds::default());
        assert_eq!(title, "Movement break overdue");
        assert!(body.contains("31 min without a break; the rule: move for 2 min every 45 min"), "{body}");
        let mine = Thresholds { break_min: 3.0, sitting_max: 30.0, ..Thresholds::default() };
        let (_, body) = message(&overdue, 0.0, &mine);
        assert!(
            body.contains("move for 3 min every 30 min") && body.contains("Stand up and move for 3 min"),
            "{body}"
        );
        assert!(!body.contains("45") && !body.contains("two minutes"), "{body}");
    }
}
