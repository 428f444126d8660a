//! Following the desktop over D-Bus — a private `dbus-daemon` per test, with a fake screen
//! saver on one bus (the session bus) and a fake logind on another (the system bus): the
//! state at start, then each change the desktop announces, as the audit reads it.

use crate::common::bus::Bus;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ergoaudit::desktop::dbus::{Buses, follow};
use ergoaudit::desktop::{Away, Desktop, DesktopState, Watched};

/// Wait until `state` is `want`: the change is announced by another process, so this waits
/// for an event, not for a time (the deadline only stops a broken build from hanging).
fn until(state: &Watched, want: DesktopState) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while state.state() != want {
        assert!(Instant::now() < deadline, "the desktop never became {want:?}: {:?}", state.state());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn buses(session: &Bus, system: &Bus) -> Buses {
    Buses { session: Some(session.address.clone()), system: Some(system.address.clone()) }
}

#[test]
fn the_screen_saver_and_logind_are_followed_change_by_change() {
    let (session, system) = (Bus::start(), Bus::start());
    session.screen_saver(false);
    system.logind(false);
    let state = Arc::new(Watched::default());
    let answered = follow(buses(&session, &system), Arc::clone(&state));
    assert_eq!(
        answered,
        [
            "org.freedesktop.ScreenSaver",
            "org.freedesktop.login1 (session lock)",
            "org.freedesktop.login1 (sleep)"
        ]
    );
    assert_eq!(state.state().away(), None);
    let (locked, asleep, neither) = (
        DesktopState { locked: true, asleep: false },
        DesktopState { locked: false, asleep: true },
        DesktopState::default(),
    );
    session.set_screen_saver(true);
    until(&state, locked);
    session.set_screen_saver(false);
    until(&state, neither);
    system.set_locked_hint(true);
    until(&state, locked);
    assert_eq!(state.state().away(), Some(Away::Locked));
    system.set_locked_hint(false);
    until(&state, neither);
    system.set_sleeping(true);
    until(&state, asleep);
    assert_eq!(state.state().away(), Some(Away::Asleep));
    system.set_sleeping(false);
    until(&state, neither);
}

#[test]
fn a_screen_locked_at_start_is_known_before_following_begins() {
    // the screen saver says so
    let (session, system) = (Bus::start(), Bus::start());
    session.screen_saver(true);
    let state = Arc::new(Watched::default());
    assert_eq!(follow(buses(&session, &system), Arc::clone(&state)), ["org.freedesktop.ScreenSaver"]);
    assert_eq!(state.state().away(), Some(Away::Locked));
    // logind says so (no screen saver)
    let (session, system) = (Bus::start(), Bus::start());
    system.logind(true);
    let state = Arc::new(Watched::default());
    let answered = follow(buses(&session, &system), Arc::clone(&state));
    assert!(answered.contains(&"org.freedesktop.login1 (session lock)"), "{answered:?}");
    assert_eq!(state.state().away(), Some(Away::Locked));
}

#[test]
fn without_a_bus_or_a_service_nothing_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
    let state = Arc::new(Watched::default());
    let answered =
        follow(Buses { session: Some(nowhere.clone()), system: Some(nowhere) }, Arc::clone(&state));
    assert!(answered.is_empty(), "{answered:?}");
    // buses with nobody on them
    let (session, system) = (Bus::start(), Bus::start());
    assert!(follow(buses(&session, &system), Arc::clone(&state)).is_empty());
    assert_eq!(state.state(), DesktopState::default());
}
