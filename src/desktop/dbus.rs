//! The desktop's lock, sleep and Do Not Disturb over D-Bus, whichever services answer:
//! `org.freedesktop.ScreenSaver` and `org.gnome.ScreenSaver` (`ActiveChanged`, `GetActive`)
//! on the session bus; logind's session (`LockedHint`, `Lock`, `Unlock`) and its manager
//! (`PrepareForSleep`) on the system bus; the notification server's `Inhibited` property
//! (KDE's, and any server that has it) and GNOME's `show-banners` setting (read from the
//! dconf database it is kept in, again at each change dconf announces). A thread of its own
//! runs the buses' connections and writes what it hears into a [`Watched`].

use std::pin::Pin;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use futures_lite::{Stream, StreamExt};
use zbus::{Connection, Proxy};

use super::{Desktop, Watched};

/// The longest the audit waits for the buses' first answers (the state it starts in). A bus
/// answers in milliseconds; one that takes a connection and never answers is given up (the
/// audit then follows nothing, and says so).
const FIRST_ANSWERS: Duration = Duration::from_secs(10);

/// The screen savers asked on the session bus: name (also the interface) and object.
const SCREEN_SAVERS: [(&str, &str); 2] = [
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
];
/// logind's name and manager object on the system bus.
const LOGIND: (&str, &str) = ("org.freedesktop.login1", "/org/freedesktop/login1");

/// The notification server: name (also the interface) and object.
const NOTIFICATIONS: (&str, &str) = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications");
/// dconf's writer, which announces each change of the user's settings: its name …
const DCONF_NAME: &str = "ca.desrt.dconf";
/// … and its interface and the object of the user's database.
const DCONF: (&str, &str) = ("ca.desrt.dconf.Writer", "/ca/desrt/dconf/Writer/user");
/// GNOME's Do Not Disturb: notification banners not shown, as dconf keeps it.
const SHOW_BANNERS: &str = "/org/gnome/desktop/notifications/show-banners";
/// The largest dconf database read (they are kilobytes).
const DCONF_MAX_BYTES: u64 = 16 << 20;

/// A change the desktop announced.
#[derive(Clone, Copy, Debug)]
enum Change {
    Locked(bool),
    Asleep(bool),
    /// The notification server's `Inhibited`.
    Inhibited(bool),
    /// GNOME's banners turned off (`show-banners` false).
    BannersOff(bool),
}

type Changes = Pin<Box<dyn Stream<Item = Change> + Send>>;

/// The buses to follow the desktop on: their addresses, or (`None`) the usual ones
/// (`DBUS_SESSION_BUS_ADDRESS`, else the user's runtime folder; `DBUS_SYSTEM_BUS_ADDRESS`,
/// else `/run/dbus/system_bus_socket`).
#[derive(Clone, Debug, Default)]
pub struct Buses {
    /// The session bus's address.
    pub session: Option<String>,
    /// The system bus's address.
    pub system: Option<String>,
    /// The user's dconf database, where GNOME keeps its Do Not Disturb (`None`: the usual
    /// `$XDG_CONFIG_HOME/dconf/user`).
    pub dconf: Option<std::path::PathBuf>,
}

/// The services that answered, by what they tell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answered {
    /// Those that tell the screen lock and sleep.
    pub lock: Vec<&'static str>,
    /// Those that tell Do Not Disturb.
    pub dnd: Vec<&'static str>,
}

/// Follow the desktop's lock, sleep and Do Not Disturb on `buses` into `state`, from a thread
/// of its own. Returns once the state at start is known, with what answered (nothing: there
/// is nothing to follow — no bus, or no service on it).
pub fn follow(buses: Buses, state: Arc<Watched>) -> Answered {
    let (ready, answered) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("desktop".into())
        .spawn(move || zbus::block_on(watch(&buses, &state, &ready)));
    match spawned {
        Ok(_) => answered.recv_timeout(FIRST_ANSWERS).unwrap_or_default(),
        Err(_) => Answered::default(),
    }
}

/// The bus at `address`, or the usual one (`usual`: the session or the system bus).
pub(crate) fn bus_at<'a>(
    address: Option<&str>,
    usual: zbus::connection::Builder<'a>,
) -> zbus::connection::Builder<'a> {
    match address {
        Some(a) => zbus::connection::Builder::address(a),
        None => usual,
    }
}

/// A connection to the bus at `address`, or to the usual one (`usual`).
async fn connect(address: Option<&str>, usual: zbus::connection::Builder<'static>) -> Option<Connection> {
    bus_at(address, usual).build().await.ok()
}

/// Ask every service for its state, say what answered, then apply their changes for as long
/// as the process lives (or until every bus is gone).
async fn watch(buses: &Buses, state: &Watched, ready: &mpsc::Sender<Answered>) {
    let mut answered = Answered::default();
    let mut changes: Vec<Changes> = Vec::new();
    // Do Not Disturb from either source
    let (mut inhibited, mut banners_off) = (false, false);
    if let Some(bus) = connect(buses.session.as_deref(), zbus::connection::Builder::session()).await {
        for (name, path) in SCREEN_SAVERS {
            if let Some(c) = screen_saver(&bus, name, path, state).await {
                answered.lock.push(name);
                changes.push(c);
            }
        }
        if let Some((now, c)) = notifications_inhibited(&bus).await {
            answered.dnd.push("org.freedesktop.Notifications");
            inhibited = now;
            changes.push(c);
        }
        if let Some(db) = buses.dconf.clone().or_else(dconf_database)
            && (db.is_file() || has_owner(&bus, DCONF_NAME).await)
            && let Some(c) = dconf_changes(&bus, db.clone()).await
        {
            answered.dnd.push("dconf (GNOME's show-banners)");
            banners_off = read_banners_off(&db);
            changes.push(c);
        }
        state.update(|s| s.dnd = inhibited || banners_off);
    }
    if let Some(bus) = connect(buses.system.as_deref(), zbus::connection::Builder::system()).await {
        if let Some(c) = logind_session(&bus, state).await {
            answered.lock.push("org.freedesktop.login1 (session lock)");
            changes.push(c);
        }
        if let Some(c) = logind_sleep(&bus).await {
            answered.lock.push("org.freedesktop.login1 (sleep)");
            changes.push(c);
        }
    }
    // the receiver gave up waiting only if the buses took longer than it waits
    let _ = ready.send(answered);
    let Some(mut all) = changes.into_iter().reduce(|a, b| Box::pin(a.or(b))) else { return };
    while let Some(change) = all.next().await {
        tracing::debug!(?change, "desktop");
        match change {
            Change::Locked(locked) => state.update(|s| s.locked = locked),
            Change::Asleep(asleep) => state.update(|s| s.asleep = asleep),
            Change::Inhibited(on) => inhibited = on,
            Change::BannersOff(off) => banners_off = off,
        }
        let dnd = inhibited || banners_off;
        if dnd != state.state().dnd {
            tracing::info!(
                "Do Not Disturb is {}",
                if dnd { "on: notifications wait" } else { "off: notifications are shown" }
            );
            state.update(|s| s.dnd = dnd);
        }
    }
}

/// A screen saver's state now (into `state`) and its changes; `None` where it does not answer.
async fn screen_saver(
    bus: &Connection,
    name: &'static str,
    path: &'static str,
    state: &Watched,
) -> Option<Changes> {
    // asked only when it runs: a call would start one the bus can activate
    if !has_owner(bus, name).await {
        return None;
    }
    let proxy = Proxy::new(bus, name, path, name).await.ok()?;
    // subscribed before asking, so that no change falls in between
    let changes = proxy.receive_signal("ActiveChanged").await.ok()?;
    let active: bool = proxy.call("GetActive", &()).await.ok()?;
    if active {
        state.update(|s| s.locked = true);
    }
    Some(Box::pin(changes.filter_map(|m| m.body().deserialize::<bool>().ok().map(Change::Locked))))
}

/// This process's logind session: locked now (into `state`), and its changes (`LockedHint`,
/// `Lock`, `Unlock`); `None` without logind or outside a session.
async fn logind_session(bus: &Connection, state: &Watched) -> Option<Changes> {
    let manager = Proxy::new(bus, LOGIND.0, LOGIND.1, "org.freedesktop.login1.Manager").await.ok()?;
    let path: zbus::OwnedObjectPath = manager.call("GetSessionByPID", &(std::process::id())).await.ok()?;
    let session = Proxy::new(bus, LOGIND.0, path, "org.freedesktop.login1.Session").await.ok()?;
    let lock = session.receive_signal("Lock").await.ok()?.map(|_| Change::Locked(true));
    let unlock = session.receive_signal("Unlock").await.ok()?.map(|_| Change::Locked(false));
    let hint = session
        .receive_property_changed::<bool>("LockedHint")
        .await
        .then(|c| async move { c.get().await.ok().map(Change::Locked) });
    if session.get_property::<bool>("LockedHint").await.ok()? {
        state.update(|s| s.locked = true);
    }
    Some(Box::pin(lock.or(unlock).or(hint.filter_map(|c| c))))
}

/// logind's `PrepareForSleep`: the machine going to sleep (true) and waking (false).
async fn logind_sleep(bus: &Connection) -> Option<Changes> {
    // a subscription alone would succeed without logind: ask whether it is there
    if !has_owner(bus, LOGIND.0).await {
        return None;
    }
    let manager = Proxy::new(bus, LOGIND.0, LOGIND.1, "org.freedesktop.login1.Manager").await.ok()?;
    let sleeps = manager.receive_signal("PrepareForSleep").await.ok()?;
    Some(Box::pin(sleeps.filter_map(|m| m.body().deserialize::<bool>().ok().map(Change::Asleep))))
}

/// The notification server's `Inhibited` now and its changes; `None` where no server runs or
/// it has no such property.
async fn notifications_inhibited(bus: &Connection) -> Option<(bool, Changes)> {
    // asked only when it runs: a call would start one the bus can activate
    if !has_owner(bus, NOTIFICATIONS.0).await {
        return None;
    }
    let server = Proxy::new(bus, NOTIFICATIONS.0, NOTIFICATIONS.1, NOTIFICATIONS.0).await.ok()?;
    let changes = server
        .receive_property_changed::<bool>("Inhibited")
        .await
        .then(|c| async move { c.get().await.ok().map(Change::Inhibited) });
    let now = server.get_property::<bool>("Inhibited").await.ok()?;
    Some((now, Box::pin(changes.filter_map(|c| c))))
}

/// Where the user's dconf database is (`$XDG_CONFIG_HOME/dconf/user`), GNOME's settings.
fn dconf_database() -> Option<std::path::PathBuf> {
    Some(directories::BaseDirs::new()?.config_dir().join("dconf/user"))
}

/// Whether the dconf database at `db` turns GNOME's notification banners off (a database
/// that cannot be read, or lacks the key, does not).
fn read_banners_off(db: &std::path::Path) -> bool {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(db).and_then(|f| f.take(DCONF_MAX_BYTES).read_to_end(&mut bytes));
    if read.is_err() {
        return false;
    }
    let Ok(file) = gvdb::read::File::from_bytes(bytes.into()) else { return false };
    file.hash_table().and_then(|t| t.get::<bool>(SHOW_BANNERS)).is_ok_and(|shown| !shown)
}

/// GNOME's banners turned off or on, read again from `db` at each change dconf announces.
async fn dconf_changes(bus: &Connection, db: std::path::PathBuf) -> Option<Changes> {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(DCONF.0)
        .path(DCONF.1)
        .member("Notify")
        .build()
        .ok()?;
    let notes = zbus::MessageStream::for_match_rule(rule, bus, None).await.ok()?;
    Some(Box::pin(notes.map(move |_| Change::BannersOff(read_banners_off(&db)))))
}

/// Whether `name` has an owner on `bus` now.
pub(crate) async fn has_owner(bus: &Connection, name: &str) -> bool {
    let Ok(dbus) = zbus::fdo::DBusProxy::new(bus).await else { return false };
    match name.try_into() {
        Ok(name) => dbus.name_has_owner(name).await.unwrap_or(false),
        Err(_) => false,
    }
}
