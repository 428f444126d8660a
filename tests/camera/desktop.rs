//! Following the desktop — a private `dbus-daemon` per test, with a fake screen saver, a fake
//! notification server and GNOME's real dconf on one bus (the session bus) and a fake logind
//! on another (the system bus); and a PulseAudio of the test's own: the state at start, then
//! each change the desktop announces, as the audit reads it.

use crate::common::bus::Bus;
use crate::common::sound::Sound;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ergoaudit::desktop::dbus::{Answered, Buses, follow};
use ergoaudit::desktop::{Away, Desktop, DesktopState, Watched, sound};

/// Wait until `state` is `want`: the change is announced by another process, so this waits
/// for an event, not for a time (the deadline only stops a broken build from hanging).
fn until(state: &Watched, want: DesktopState) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while state.state() != want {
        assert!(Instant::now() < deadline, "the desktop never became {want:?}: {:?}", state.state());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The two buses, and a dconf database nowhere (never the machine's).
fn buses(session: &Bus, system: &Bus) -> Buses {
    Buses {
        session: Some(session.address.clone()),
        system: Some(system.address.clone()),
        dconf: Some("/nonexistent/dconf/user".into()),
    }
}

/// What tells the lock and sleep.
fn lock(names: &[&'static str]) -> Answered {
    Answered { lock: names.to_vec(), dnd: Vec::new() }
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
        lock(&[
            "org.freedesktop.ScreenSaver",
            "org.freedesktop.login1 (session lock)",
            "org.freedesktop.login1 (sleep)"
        ])
    );
    assert_eq!(state.state().away(), None);
    let (locked, asleep, neither) = (
        DesktopState { locked: true, ..DesktopState::default() },
        DesktopState { asleep: true, ..DesktopState::default() },
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
    assert_eq!(follow(buses(&session, &system), Arc::clone(&state)), lock(&["org.freedesktop.ScreenSaver"]));
    assert_eq!(state.state().away(), Some(Away::Locked));
    // logind says so (no screen saver)
    let (session, system) = (Bus::start(), Bus::start());
    system.logind(true);
    let state = Arc::new(Watched::default());
    let answered = follow(buses(&session, &system), Arc::clone(&state));
    assert!(answered.lock.contains(&"org.freedesktop.login1 (session lock)"), "{answered:?}");
    assert_eq!(state.state().away(), Some(Away::Locked));
}

#[test]
fn without_a_bus_or_a_service_nothing_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
    let state = Arc::new(Watched::default());
    let buses_nowhere = Buses { session: Some(nowhere.clone()), system: Some(nowhere), dconf: None };
    let answered = follow(buses_nowhere, Arc::clone(&state));
    assert_eq!(answered, Answered::default());
    // buses with nobody on them
    let (session, system) = (Bus::start(), Bus::start());
    assert_eq!(follow(buses(&session, &system), Arc::clone(&state)), Answered::default());
    assert_eq!(state.state(), DesktopState::default());
    // no sound server
    assert!(!sound::follow(Some(&dir.path().join("no-sound")), Arc::clone(&state)));
    assert_eq!(state.state(), DesktopState::default());
}

#[test]
fn do_not_disturb_is_followed_from_the_notification_server_and_from_gnome_s_settings() {
    let (session, system) = (Bus::start(), Bus::start());
    let _shown = session.notifications(false);
    let config = tempfile::tempdir().unwrap();
    let dconf = session.dconf(config.path());
    dconf.write(BANNERS, "true");
    let state = Arc::new(Watched::default());
    let answered =
        follow(Buses { dconf: Some(dconf.database()), ..buses(&session, &system) }, Arc::clone(&state));
    assert_eq!(answered.dnd, ["org.freedesktop.Notifications", "dconf (GNOME's show-banners)"]);
    assert!(answered.lock.is_empty(), "{answered:?}");
    let (dnd, not) = (DesktopState { dnd: true, ..DesktopState::default() }, DesktopState::default());
    assert_eq!(state.state(), not);
    // KDE's switch
    session.set_inhibited(true);
    until(&state, dnd);
    session.set_inhibited(false);
    until(&state, not);
    // GNOME's switch, through dconf itself
    dconf.write(BANNERS, "false");
    until(&state, dnd);
    // both on, then off one after the other
    session.set_inhibited(true);
    dconf.write(BANNERS, "true");
    session.set_inhibited(false);
    until(&state, not);
    // on at start
    dconf.write(BANNERS, "false");
    let state = Arc::new(Watched::default());
    follow(Buses { dconf: Some(dconf.database()), ..buses(&session, &system) }, Arc::clone(&state));
    assert_eq!(state.state(), dnd);
}

/// GNOME's Do Not Disturb: banners not shown.
const BANNERS: &str = "/org/gnome/desktop/notifications/show-banners";

#[test]
fn a_program_recording_from_the_microphone_is_followed_and_a_monitor_is_not() {
    let sound = Sound::start();
    let state = Arc::new(Watched::default());
    assert!(sound::follow(Some(&sound.socket), Arc::clone(&state)));
    let (call, not) = (DesktopState { microphone: true, ..DesktopState::default() }, DesktopState::default());
    assert_eq!(state.state(), not);
    // a screen recorder takes the speaker's sound all along: no call
    let _screen_recorder = sound.record("out.monitor");
    let microphone = sound.record("mic");
    until(&state, call);
    assert!(state.state().holds_camera());
    drop(microphone);
    // back to no call with the monitor still recorded
    until(&state, not);
    // a call under way at start is known at once
    let _microphone = sound.record("mic");
    let state = Arc::new(Watched::default());
    assert!(sound::follow(Some(&sound.socket), Arc::clone(&state)));
    assert_eq!(state.state(), call);
}
