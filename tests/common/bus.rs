//! A private D-Bus bus for one test (Debian's `dbus-daemon`, started by the test, stopped
//! when dropped) and desktop services on it: fakes of a screen saver, a logind (a manager
//! that finds this test's session and announces sleep, and the session with its lock), a
//! notification server with Do Not Disturb (KDE's `Inhibited`) and a tray host (a
//! StatusNotifierWatcher); and GNOME's real dconf (Debian's `dconf-service`). Each fake runs
//! on a thread of its own and is driven over the bus itself, by its `Set…` methods, so a test
//! changes the desktop the way the desktop would: with a signal.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

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

    /// A notification server on this bus, in Do Not Disturb (`Inhibited`) or not: what it is
    /// asked to show, title and body, arrives on the receiver.
    pub fn notifications(&self, inhibited: bool) -> mpsc::Receiver<(String, String)> {
        let (shown, received) = mpsc::channel();
        let server =
            Notifications { inhibited: Arc::new(AtomicBool::new(inhibited)), shown: Mutex::new(shown) };
        self.serve(move |b| b.serve_at(NOTIFICATIONS_PATH, server).name(NOTIFICATIONS));
        received
    }

    /// Turn the fake notification server's Do Not Disturb on or off: announced by
    /// `PropertiesChanged`.
    pub fn set_inhibited(&self, inhibited: bool) {
        self.call(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "SetInhibited", inhibited);
    }

    /// A tray host on this bus: the services of the items it is asked to register arrive on
    /// the receiver.
    pub fn tray_host(&self) -> mpsc::Receiver<String> {
        let (registered, items) = mpsc::channel();
        let watcher = Watcher { registered: Mutex::new(registered) };
        self.serve(move |b| {
            b.serve_at("/StatusNotifierWatcher", watcher).name("org.kde.StatusNotifierWatcher")
        });
        items
    }

    /// GNOME's settings on this bus: Debian's `dconf-service`, keeping its database under
    /// `config` (`$XDG_CONFIG_HOME`); stopped when dropped.
    pub fn dconf(&self, config: &Path) -> Dconf {
        let runtime = config.join("runtime");
        std::fs::create_dir_all(&runtime).unwrap();
        let service = Command::new("/usr/libexec/dconf-service")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_CONFIG_HOME", config)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dconf-service (Debian's dconf-service package; scripts/lib.sh installs it)");
        let dconf = Dconf { service, address: self.address.clone(), config: config.to_path_buf(), runtime };
        // it answers once it owns its name
        let conn = self.connect();
        let dbus = zbus::block_on(zbus::fdo::DBusProxy::new(&conn)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while !zbus::block_on(dbus.name_has_owner("ca.desrt.dconf".try_into().unwrap())).unwrap() {
            assert!(Instant::now() < deadline, "dconf-service never took its name");
            std::thread::sleep(Duration::from_millis(5));
        }
        dconf
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

/// A running `dconf-service` and the way to write a setting through it.
pub struct Dconf {
    service: Child,
    address: String,
    config: PathBuf,
    runtime: PathBuf,
}

impl Dconf {
    /// `dconf write KEY VALUE` (Debian's `dconf-cli`): the database is written and dconf
    /// announces the change.
    pub fn write(&self, key: &str, value: &str) {
        let status = Command::new("dconf")
            .args(["write", key, value])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_CONFIG_HOME", &self.config)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .status()
            .expect("dconf (Debian's dconf-cli package; scripts/lib.sh installs it)");
        assert!(status.success(), "dconf write {key} {value}");
    }

    /// The database dconf keeps.
    pub fn database(&self) -> PathBuf {
        self.config.join("dconf/user")
    }
}

impl Drop for Dconf {
    fn drop(&mut self) {
        let _ = self.service.kill();
        let _ = self.service.wait();
    }
}

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

struct Notifications {
    inhibited: Arc<AtomicBool>,
    shown: Mutex<mpsc::Sender<(String, String)>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self.shown.lock().unwrap().send((summary.to_owned(), body.to_owned()));
        1
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("fake".into(), "ergoaudit tests".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}

    /// KDE's Do Not Disturb.
    #[zbus(property)]
    fn inhibited(&self) -> bool {
        self.inhibited.load(Ordering::SeqCst)
    }

    /// The test's lever: Do Not Disturb on or off, announced as a property change.
    async fn set_inhibited(
        &self,
        inhibited: bool,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        self.inhibited.store(inhibited, Ordering::SeqCst);
        self.inhibited_changed(&emitter).await?;
        Ok(())
    }
}

/// A tray host's watcher: takes every item, and says a host is there.
struct Watcher {
    registered: Mutex<mpsc::Sender<String>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        // an item may give its path instead of its name: the sender is then the service
        let service = if service.starts_with('/') {
            header.sender().map(|s| s.to_string()).unwrap_or_default()
        } else {
            service.to_owned()
        };
        let _ = self.registered.lock().unwrap().send(service);
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        Vec::new()
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
