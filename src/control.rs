//! A running audit answers the desktop on the session bus: it owns `io.github.ergoaudit.Audit`
//! and serves, at `/io/github/ergoaudit/Audit`, the interface `io.github.ergoaudit.Audit1`:
//!
//! - `Status() → s`: the JSON line `ergoaudit status --json` prints;
//! - `Pause(t seconds)`: pause for that long (0: until resumed), as `ergoaudit pause` does;
//! - `Resume()`: end a pause, as `ergoaudit resume` does;
//! - the property `Database` (s): the history it records into;
//! - the signal `StatusChanged(s)`: the new status, when the band, the pause or the call
//!   state changes.
//!
//! `pause`, `resume` and `status --json` use the bus when an audit recording into the same
//! database answers there ([`Client`]), and the pause file and the database otherwise; both
//! ways end in the same pause file, so the two never disagree.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use futures_lite::StreamExt;
use zbus::object_server::SignalEmitter;

use crate::audit::{PauseFile, PauseRequest};
use crate::report::status::{BarLine, Status};

/// The audit's well-known name on the session bus.
pub const NAME: &str = "io.github.ergoaudit.Audit";
/// Its object.
pub const PATH: &str = "/io/github/ergoaudit/Audit";
/// Its interface.
pub const INTERFACE: &str = "io.github.ergoaudit.Audit1";
/// The longest pause asked for over the bus, seconds (as `ergoaudit pause`: ten years).
const MAX_PAUSE_S: u64 = 10 * 366 * 24 * 3600;
/// The longest wait for a bus to answer. A bus answers in milliseconds; one that takes a
/// connection and never answers is given up after this, and the pause file serves instead.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// The line `ergoaudit status --json` prints for `db` now.
pub fn status_line(db: &Path) -> Result<BarLine, String> {
    let status = Status::read(db, jiff::Timestamp::now(), crate::zone::local()).map_err(|e| e.to_string())?;
    Ok(status.bar())
}

/// The JSON line `ergoaudit status --json` prints for `db` now.
pub fn status_json(db: &Path) -> Result<String, String> {
    serde_json::to_string(&status_line(db)?).map_err(|e| e.to_string())
}

/// Run `start` on a thread of its own named `name` (where it goes on serving the bus) and
/// wait for what it sends back once the bus has answered, at most [`ANSWER_WAIT`].
pub(crate) fn started_on_bus<T: Send + 'static>(
    name: &str,
    start: impl FnOnce(mpsc::Sender<Result<T, String>>) + Send + 'static,
) -> Result<T, String> {
    let (ready, answered) = mpsc::channel();
    std::thread::Builder::new().name(name.into()).spawn(move || start(ready)).map_err(|e| e.to_string())?;
    answered
        .recv_timeout(ANSWER_WAIT)
        .map_err(|_| format!("the session bus did not answer within {} s", ANSWER_WAIT.as_secs()))?
}

/// Pause the audit of `db` for `seconds` (0: until resumed): the pause file, as
/// `ergoaudit pause` writes it.
pub(crate) fn pause(db: &Path, seconds: u64) -> Result<(), String> {
    if seconds > MAX_PAUSE_S {
        return Err(format!("a pause of {seconds} s is longer than ten years; ask for less"));
    }
    let now = jiff::Timestamp::now();
    let until = (seconds > 0)
        .then(|| now.checked_add(jiff::SignedDuration::from_secs(seconds.cast_signed())))
        .transpose()
        .map_err(|e| e.to_string())?;
    PauseFile::of(db).write(&PauseRequest { since: now, until }).map_err(|e| e.to_string())
}

/// End the pause of the audit of `db`, as `ergoaudit resume` does.
pub(crate) fn resume(db: &Path) -> Result<(), String> {
    PauseFile::of(db).remove(jiff::Timestamp::now()).map(drop).map_err(|e| e.to_string())
}

/// The object a running audit serves.
struct Audit {
    db: PathBuf,
}

#[zbus::interface(name = "io.github.ergoaudit.Audit1")]
impl Audit {
    /// The same JSON as `ergoaudit status --json`.
    fn status(&self) -> zbus::fdo::Result<String> {
        status_json(&self.db).map_err(zbus::fdo::Error::Failed)
    }

    /// Pause for `seconds` (0: until resumed); the new status is announced at once.
    async fn pause(
        &self,
        seconds: u64,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        pause(&self.db, seconds).map_err(zbus::fdo::Error::InvalidArgs)?;
        self.changed(&emitter).await;
        Ok(())
    }

    /// End a pause; the new status is announced at once.
    async fn resume(&self, #[zbus(signal_emitter)] emitter: SignalEmitter<'_>) -> zbus::fdo::Result<()> {
        resume(&self.db).map_err(zbus::fdo::Error::Failed)?;
        self.changed(&emitter).await;
        Ok(())
    }

    /// The history the audit records into.
    #[zbus(property)]
    fn database(&self) -> String {
        self.db.display().to_string()
    }

    /// The status changed: the band, the pause or the call state.
    #[zbus(signal)]
    async fn status_changed(emitter: &SignalEmitter<'_>, status: &str) -> zbus::Result<()>;
}

impl Audit {
    /// Announce the status now (a reader that cannot be read announces nothing).
    async fn changed(&self, emitter: &SignalEmitter<'_>) {
        if let Ok(json) = status_json(&self.db)
            && let Err(e) = Self::status_changed(emitter, &json).await
        {
            tracing::debug!("StatusChanged not sent: {e}");
        }
    }
}

/// The bus at `address`, or the session bus; a call it does not answer fails after
/// [`ANSWER_WAIT`].
fn builder(address: Option<&str>) -> zbus::connection::Builder<'static> {
    crate::desktop::dbus::bus_at(address, zbus::connection::Builder::session()).method_timeout(ANSWER_WAIT)
}

/// A running audit's presence on the bus.
#[derive(Debug)]
pub struct Server {
    conn: zbus::Connection,
    db: PathBuf,
}

impl Server {
    /// Serve the audit recording into `db` on the session bus (or the bus at `address`),
    /// from a thread of its own; why not, when it cannot (no bus, or another audit answers).
    pub fn start(db: &Path, address: Option<&str>) -> Result<Server, String> {
        // the whole path, so that a client elsewhere knows it for the same file
        let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
        let address = address.map(str::to_owned);
        let object = Audit { db: db.clone() };
        let conn = started_on_bus("control", move |ready| {
            zbus::block_on(async move {
                let built = builder(address.as_deref()).serve_at(PATH, object).name(NAME).build().await;
                match built {
                    Ok(conn) => {
                        let _ = ready.send(Ok(conn.clone()));
                        // the connection's work runs while this waits; it ends with the bus
                        let mut messages = zbus::MessageStream::from(&conn);
                        while messages.next().await.is_some_and(|m| m.is_ok()) {}
                    }
                    Err(e) => drop(ready.send(Err(e.to_string()))),
                }
            })
        })?;
        Ok(Server { conn, db })
    }

    /// The history the audit records into (its whole path).
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Say the status `line` (`StatusChanged`).
    pub fn announce(&self, line: &BarLine) {
        if let Ok(json) = serde_json::to_string(line) {
            let sent = zbus::block_on(self.conn.emit_signal(
                None::<&str>,
                PATH,
                INTERFACE,
                "StatusChanged",
                &(json,),
            ));
            if let Err(e) = sent {
                tracing::debug!("StatusChanged not sent: {e}");
            }
        }
    }
}

/// The running audit of one database, over the bus.
pub struct Client {
    proxy: zbus::Proxy<'static>,
}

impl Client {
    /// The audit recording into `db` if one answers on the session bus (or the bus at
    /// `address`); `None` without a bus, without an audit on it, or with one recording
    /// elsewhere.
    pub fn find(db: &Path, address: Option<&str>) -> Option<Client> {
        // asked from a thread of its own: a bus that takes the connection and never answers
        // holds up that thread, not the command
        let (db, address) = (db.to_path_buf(), address.map(str::to_owned));
        let (found, answer) = mpsc::channel();
        std::thread::Builder::new()
            .name("control-client".into())
            .spawn(move || drop(found.send(zbus::block_on(Self::ask(&db, address.as_deref())))))
            .ok()?;
        answer.recv_timeout(ANSWER_WAIT).ok().flatten()
    }

    /// [`Client::find`]'s question.
    async fn ask(db: &Path, address: Option<&str>) -> Option<Client> {
        let conn = builder(address).build().await.ok()?;
        if !crate::desktop::dbus::has_owner(&conn, NAME).await {
            return None;
        }
        let proxy = zbus::Proxy::new_owned(conn, NAME, PATH, INTERFACE).await.ok()?;
        let theirs: String = proxy.get_property("Database").await.ok()?;
        let same = |p: &Path| std::fs::canonicalize(p).ok();
        (same(Path::new(&theirs)).is_some() && same(Path::new(&theirs)) == same(db))
            .then_some(Client { proxy })
    }

    /// `Status()`: the JSON line of `status --json`.
    pub fn status(&self) -> Result<String, String> {
        zbus::block_on(self.proxy.call("Status", &())).map_err(|e| e.to_string())
    }

    /// `Pause(seconds)` (0: until resumed).
    pub fn pause(&self, seconds: u64) -> Result<(), String> {
        zbus::block_on(self.proxy.call::<_, _, ()>("Pause", &(seconds,))).map_err(|e| e.to_string())
    }

    /// `Resume()`.
    pub fn resume(&self) -> Result<(), String> {
        zbus::block_on(self.proxy.call::<_, _, ()>("Resume", &())).map_err(|e| e.to_string())
    }
}
