//! Time, behind one seam: everything that waits or reads the time while an audit runs (the
//! audit's pacing and pause checks, the capture thread's deadlines, the scripted camera's
//! frame rate, stalls and unplugs) asks a [`Clock`]. The [`SystemClock`] is the real one.
//! The [`SimulatedClock`] lets tests run a 16-second camera script without depending on how
//! busy the machine is: its time stands still while any thread taking part in it works, and
//! jumps to the next wake-up once all of them wait on it.
//!
//! How a simulation stays deterministic: the thread that makes a simulated clock takes part
//! in it; another thread takes part only while it holds a [`Participant`] (handed to it with
//! the work it is given, before it could start). When every participant waits, the waiter
//! with the earliest wake-up (the first to have asked, among equals) is released — one at a
//! time, so that two threads never run at once at the same simulated instant. A thread that
//! blocks on anything but the clock while it takes part would stop time; the capture thread
//! therefore takes part only while it serves a request.

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Where time is read and waited for.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Time since the clock began; never goes back.
    fn now(&self) -> Duration;

    /// The wall-clock time now.
    fn wall(&self) -> jiff::Timestamp;

    /// Wait `d`. A simulated clock lets every other participant run until it waits first,
    /// even for a zero `d`.
    fn sleep(&self, d: Duration);

    /// Count one more thread as taking part until the guard is dropped (see the module
    /// documentation); nothing for the system clock.
    fn take_part(&self) -> Participant;
}

/// The system clock, shared by everything that runs in real time.
pub fn system() -> Arc<dyn Clock> {
    static SYSTEM: OnceLock<Arc<SystemClock>> = OnceLock::new();
    SYSTEM.get_or_init(|| Arc::new(SystemClock { origin: Instant::now() })).clone()
}

/// Real time: the monotonic clock, the system's wall clock, `thread::sleep`.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn wall(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }

    fn take_part(&self) -> Participant {
        Participant(None)
    }
}

/// A thread's part in a simulated clock: while it is held, simulated time does not pass
/// unless its thread waits on the clock. Dropping it ends the part.
#[must_use = "the part ends when the guard is dropped"]
pub struct Participant(Option<Arc<Shared>>);

impl Drop for Participant {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            let mut state = shared.lock();
            state.running = state.running.saturating_sub(1);
            shared.release_next(&mut state);
        }
    }
}

impl std::fmt::Debug for Participant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Participant(simulated)" } else { "Participant(system)" })
    }
}

/// Simulated time for tests (see the module documentation).
pub struct SimulatedClock {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    released: Condvar,
    /// The wall time at simulated zero.
    wall0: jiff::Timestamp,
}

struct State {
    now: Duration,
    /// Participants not waiting on the clock.
    running: usize,
    /// Waiters by wake-up time, then by the order they asked.
    waiting: BTreeSet<(Duration, u64)>,
    /// The waiter allowed to go on.
    released: Option<u64>,
    asked: u64,
}

impl std::fmt::Debug for SimulatedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedClock").field("now", &self.now()).finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// With every participant waiting, release the first waiter (time moves to its wake-up).
    fn release_next(&self, state: &mut State) {
        if state.running > 0 || state.released.is_some() {
            return;
        }
        if let Some((wake, ticket)) = state.waiting.pop_first() {
            state.now = state.now.max(wake);
            state.running += 1;
            state.released = Some(ticket);
            self.released.notify_all();
        }
    }
}

impl SimulatedClock {
    /// A simulated clock at zero, whose wall time starts at `wall0`; the calling thread takes
    /// part in it from now on.
    pub fn new(wall0: jiff::Timestamp) -> Arc<Self> {
        Arc::new(SimulatedClock {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    now: Duration::ZERO,
                    running: 1,
                    waiting: BTreeSet::new(),
                    released: None,
                    asked: 0,
                }),
                released: Condvar::new(),
                wall0,
            }),
        })
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Duration {
        self.shared.lock().now
    }

    fn wall(&self) -> jiff::Timestamp {
        let now = self.now();
        jiff::SignedDuration::try_from(now)
            .ok()
            .and_then(|d| self.shared.wall0.checked_add(d).ok())
            .unwrap_or(self.shared.wall0)
    }

    fn sleep(&self, d: Duration) {
        let shared = &self.shared;
        let mut state = shared.lock();
        let ticket = state.asked;
        state.asked += 1;
        let wake = state.now.saturating_add(d);
        state.waiting.insert((wake, ticket));
        state.running = state.running.saturating_sub(1);
        shared.release_next(&mut state);
        while state.released != Some(ticket) {
            state = shared.released.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.released = None;
    }

    fn take_part(&self) -> Participant {
        self.shared.lock().running += 1;
        Participant(Some(Arc::clone(&self.shared)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Arc<SimulatedClock> {
        SimulatedClock::new("2026-01-05T09:00:00Z".parse().unwrap())
    }

    #[test]
    fn alone_a_simulated_sleep_jumps_at_once() {
        let clock = clock();
        clock.sleep(Duration::from_secs(3600));
        assert_eq!(clock.now(), Duration::from_secs(3600));
        assert_eq!(clock.wall().to_string(), "2026-01-05T10:00:00Z");
    }

    #[test]
    fn threads_wake_in_the_order_of_their_wake_ups_and_time_stands_still_while_one_works() {
        let clock = clock();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for (name, naps) in [("a", [300u64, 300, 300]), ("b", [500, 500, 500])] {
            let (clock, log, part) = (Arc::clone(&clock), Arc::clone(&log), clock.take_part());
            threads.push(std::thread::spawn(move || {
                let _part = part;
                for nap in naps {
                    clock.sleep(Duration::from_millis(nap));
                    // work that takes real time takes no simulated time
                    let at = clock.now();
                    std::thread::sleep(Duration::from_millis(5));
                    assert_eq!(clock.now(), at);
                    log.lock().unwrap().push((at.as_millis(), name));
                }
            }));
        }
        // the main thread waits on the clock too, past everyone's end
        clock.sleep(Duration::from_secs(2));
        for t in threads {
            t.join().unwrap();
        }
        let log = log.lock().unwrap().clone();
        assert_eq!(log, [(300, "a"), (500, "b"), (600, "a"), (900, "a"), (1000, "b"), (1500, "b")]);
        assert_eq!(clock.now(), Duration::from_secs(2));
    }

    #[test]
    fn a_zero_sleep_lets_the_others_run_first() {
        let clock = clock();
        let (tx, rx) = std::sync::mpsc::channel();
        let part = clock.take_part();
        let worker = {
            let clock = Arc::clone(&clock);
            std::thread::spawn(move || {
                let _part = part;
                clock.sleep(Duration::from_millis(40));
                tx.send(clock.now()).unwrap();
            })
        };
        clock.sleep(Duration::ZERO);
        assert!(rx.try_recv().is_err(), "the worker waits 40 ms: not yet");
        clock.sleep(Duration::from_millis(40));
        // released after the worker, which asked first for the same instant
        assert_eq!(rx.try_recv().unwrap(), Duration::from_millis(40));
        worker.join().unwrap();
    }

    #[test]
    fn the_system_clock_moves_on_its_own() {
        let clock = system();
        let before = clock.now();
        clock.sleep(Duration::from_millis(2));
        assert!(clock.now() > before);
        assert!(format!("{:?}", clock.take_part()).contains("system"));
    }
}
