//! What the desktop says that an audit follows — the one seam through which it reaches the
//! audit: [`Desktop`], asked before each sample and each notification. While the screen is
//! locked or the machine is going to sleep, nobody is at the screen: the camera is not opened
//! and nothing is sampled ([`crate::audit::Session`]). While another program records from a
//! microphone, the person is in a call: the camera is left to the call. While Do Not Disturb
//! is on, notifications wait ([`crate::notify::Notifier`]).
//!
//! Watchers (the D-Bus one and the sound server's on a desktop) write what they hear into a
//! [`Watched`]; a server, a container or a recording has [`NoDesktop`].

use std::sync::Mutex;

pub mod dbus;
pub mod sound;

/// Why the desktop says nobody is at the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Away {
    /// The screen is locked.
    Locked,
    /// The machine is going to sleep (or waking from it).
    Asleep,
}

impl Away {
    /// The name the store keeps.
    pub fn name(self) -> &'static str {
        match self {
            Away::Locked => "locked",
            Away::Asleep => "asleep",
        }
    }
}

/// What the desktop says now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DesktopState {
    /// The screen is locked.
    pub locked: bool,
    /// The machine is going to sleep.
    pub asleep: bool,
    /// Another program records from a microphone: a call.
    pub microphone: bool,
    /// Do Not Disturb is on: no notification pops up.
    pub dnd: bool,
}

impl DesktopState {
    /// Why nobody is at the screen, if so (sleep first: a machine going to sleep is usually
    /// locked too).
    pub fn away(self) -> Option<Away> {
        if self.asleep {
            Some(Away::Asleep)
        } else if self.locked {
            Some(Away::Locked)
        } else {
            None
        }
    }

    /// Whether the camera is left closed: nobody is at the screen, or a call may want it.
    pub fn holds_camera(self) -> bool {
        self.away().is_some() || self.microphone
    }
}

/// Where an audit learns the desktop's state.
pub trait Desktop: Send + Sync + std::fmt::Debug {
    /// The state now.
    fn state(&self) -> DesktopState;
}

/// No desktop to follow (a server, a container, a recording): never locked.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDesktop;

impl Desktop for NoDesktop {
    fn state(&self) -> DesktopState {
        DesktopState::default()
    }
}

/// The desktop's state as its watcher last heard it: the watcher writes, the audit reads.
#[derive(Debug, Default)]
pub struct Watched(Mutex<DesktopState>);

impl Watched {
    /// Change the state (a lock, an unlock, a sleep, a wake-up).
    pub fn update(&self, change: impl FnOnce(&mut DesktopState)) {
        // a watcher that panicked while holding the lock left a whole state: use it
        change(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}

impl Desktop for Watched {
    fn state(&self) -> DesktopState {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_outranks_the_lock_and_a_watched_state_is_what_was_last_heard() {
        let watched = Watched::default();
        assert_eq!(watched.state().away(), None);
        watched.update(|s| s.locked = true);
        assert_eq!(watched.state().away(), Some(Away::Locked));
        watched.update(|s| s.asleep = true);
        assert_eq!(watched.state().away(), Some(Away::Asleep));
        watched.update(|s| *s = DesktopState::default());
        assert_eq!(watched.state().away(), None);
        assert_eq!(NoDesktop.state().away(), None);
        assert!(!watched.state().holds_camera());
        watched.update(|s| s.microphone = true);
        assert!(watched.state().holds_camera() && watched.state().away().is_none());
    }
}
