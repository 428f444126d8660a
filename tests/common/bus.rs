//! A private D-Bus bus for one test (Debian's `dbus-daemon`, started by the test, stopped
//! when dropped) and fake desktop services on it: a screen saver and a logind (a manager
//! that finds this test's session and announces sleep, and the session with its lock). Each
//! fake runs on a thread of its own and is driven over the bus itself, by its `Set…`
//! methods, so a test changes the desktop the way the desktop would: with a signal.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_lite::StreamExt;
use tempfile::TempDir;
use zbus::object_server::SignalEmitter;

/// A bus of the test's own.
pub struct Bus {
    daemon: Child,
    /// Its address, for `DBUS_SESSION_BUS_ADDRESS` / `DBUS_SYSTEM_BUS_ADDRESS`.
    pub address: String,
    _dir: TempDir,
}

impl Bus {
    /// Start `dbus-daemon` on a socket in a temporary folder, with a policy that lets
    /// anyone own any name (no service is activated: only what the test starts answers).
    pub fn start() -> Bus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().join("socket").display()
            ),
        )
        .unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian's dbus-daemon package; scripts/lib.sh installs it)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("unix:"), "dbus-daemon printed {line:?}");
        Bus { daemon, address: line.trim().to_owned(), _dir: dir }
    }

    /// A connection of the test's own.
    pub fn connect(&self) -> zbus::Connection {
        zbus::block_on(zbus::connection::Builder::address(self.address.as_str()).build()).unwrap()
    }

    /// Serve what `build` adds to a connection, on a thread of its own, until the bus stops.
    fn serve(
        &self,
        build: impl FnOnce(zbus::connection::Builder<'static>) -> zbus::connection::Builder<'static>
        + Send
        + 'static,
    ) {
        let address = self.address.clone();
        let (ready, served) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            zbus::block_on(async move {
                let builder = build(zbus::connection::Builder::address(address.as_str()));
                let conn = builder.build().await.unwrap();
                ready.send(()).unwrap();
                // the connection's work runs while this waits; the stream ends with the bus
                let mut messages = zbus::MessageStream::from(&conn);
                while messages.next().await.is_some_and(|m| m.is_ok()) {}
            })
        });
        served.recv().unwrap();
    }

    /// A screen saver (`org.freedesktop.ScreenSaver`) on this bus, active (locked) or not.
    pub fn screen_saver(&self, active: bool) {
        let saver = ScreenSaver { active: Arc::new(AtomicBool::new(active)) };
        self.serve(move |b| {
            b.serve_at("/org/freedesktop/ScreenSaver", saver).name("org.freedesktop.ScreenSaver")
        });
    }

    /// Lock (`true`) or unlock the fake screen saver: it announces `ActiveChanged`.
    pub fn set_screen_saver(&self, active: bool) {
        self.call(SAVER, "/org/freedesktop/ScreenSaver", SAVER, "SetActive", active);
    }

    /// A logind on this bus: its manager gives every process the session `_1`, whose
    /// `LockedHint` is `locked`.
    pub fn logind(&self, locked: bool) {
        let session = Session { locked: Arc::new(AtomicBool::new(locked)) };
        self.serve(move |b| b.serve_at(LOGIND, Manager).serve_at(SESSION, session).name(LOGIND_NAME));
    }

    /// Set the fake logind session's `LockedHint`, as a screen locker does: announced by
    /// `PropertiesChanged`.
    pub fn set_locked_hint(&self, locked: bool) {
        self.call(LOGIND_NAME, SESSION, "org.freedesktop.login1.Session", "SetLockedHint", locked);
    }

    /// The machine goes to sleep (`true`) or wakes: the fake logind announces
    /// `PrepareForSleep`.
    pub fn set_sleeping(&self, sleeping: bool) {
        self.call(LOGIND_NAME, LOGIND, "org.freedesktop.login1.Manager", "SetSleeping", sleeping);
    }

    fn call(&self, name: &str, path: &str, iface: &str, method: &str, body: bool) {
        let conn = self.connect();
        zbus::block_on(conn.call_method(Some(name), path, Some(iface), method, &(body,))).unwrap();
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

const SAVER: &str = "org.freedesktop.ScreenSaver";
const LOGIND_NAME: &str = "org.freedesktop.login1";
const LOGIND: &str = "/org/freedesktop/login1";
/// The logind session the fake manager gives.
const SESSION: &str = "/org/freedesktop/login1/session/_1";

struct ScreenSaver {
    active: Arc<AtomicBool>,
}

#[zbus::interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaver {
    fn get_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }

    /// The test's lever: lock or unlock, announced.
    async fn set_active(
        &self,
        active: bool,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        self.active.store(active, Ordering::SeqCst);
        Self::active_changed(&emitter, active).await?;
        Ok(())
    }

    #[zbus(signal)]
    async fn active_changed(emitter: &SignalEmitter<'_>, active: bool) -> zbus::Result<()>;
}

struct Manager;

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    #[zbus(name = "GetSessionByPID")]
    fn get_session_by_pid(&self, _pid: u32) -> zbus::OwnedObjectPath {
        zbus::OwnedObjectPath::try_from(SESSION).unwrap()
    }

    /// The test's lever: the machine goes to sleep (`true`) or wakes.
    async fn set_sleeping(
        &self,
        sleeping: bool,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        Self::prepare_for_sleep(&emitter, sleeping).await?;
        Ok(())
    }

    #[zbus(signal)]
    async fn prepare_for_sleep(emitter: &SignalEmitter<'_>, start: bool) -> zbus::Result<()>;
}

struct Session {
    locked: Arc<AtomicBool>,
}

#[zbus::interface(name = "org.freedesktop.login1.Session")]
impl Session {
    #[zbus(property)]
    fn locked_hint(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    /// As logind's own: what a screen locker calls; announced as a property change.
    async fn set_locked_hint(
        &self,
        locked: bool,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        self.locked.store(locked, Ordering::SeqCst);
        self.locked_hint_changed(&emitter).await?;
        Ok(())
    }
}
