//! The microphone: whether another program records from one, as the sound server says —
//! PulseAudio, or PipeWire's PulseAudio server (`pipewire-pulse`), asked in their native
//! protocol (the `pulseaudio` crate). A thread of its own subscribes to the server's changes
//! of sources and recording streams and writes into a [`Watched`] whether a program records
//! from a microphone: a recording stream (a source output) on a source that is no sink's
//! monitor (a screen recorder taking the desktop's own sound is no call), not corked (paused),
//! not a level meter of a volume control, and not this process.
//!
//! Where no sound server answers (a server, a container, a desktop without one) nothing is
//! followed, quietly: calls are then known by the camera alone.

use std::ffi::CString;
use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use pulseaudio::protocol::{self, Command, CommandReply, Prop, Props, SubscriptionMask};

use super::Watched;

/// The longest a request waits for the sound server (it answers in milliseconds).
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// Volume controls whose level meters record from every source: no call.
const METERS: [&[u8]; 3] = [b"org.PulseAudio.pavucontrol", b"org.gnome.VolumeControl", b"org.kde.plasma-pa"];

/// What went wrong with the sound server (said at debug level only: there may be none).
type Failed = Box<dyn std::error::Error + Send + Sync>;

/// The sound server's socket: `PULSE_SERVER` when it names a local one (`unix:PATH`; a
/// server on the network is not followed), else `$XDG_RUNTIME_DIR/pulse/native`.
fn socket() -> Option<PathBuf> {
    match std::env::var("PULSE_SERVER") {
        Ok(servers) => servers.split_whitespace().find_map(|s| s.strip_prefix("unix:")).map(PathBuf::from),
        Err(_) => std::env::var_os("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("pulse/native")),
    }
}

/// One connection to the sound server, authenticated and named.
struct Connection {
    socket: BufReader<UnixStream>,
    version: u16,
    seq: u32,
}

impl Connection {
    /// Connect to the server at `path` (its cookie, if any, from libpulse's places).
    fn open(path: &Path) -> Result<Connection, Failed> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(ANSWER_WAIT))?;
        stream.set_write_timeout(Some(ANSWER_WAIT))?;
        let cookie =
            pulseaudio::cookie_path_from_env().and_then(|p| std::fs::read(p).ok()).unwrap_or_default();
        let auth = protocol::AuthParams {
            version: protocol::MAX_VERSION,
            supports_shm: false,
            supports_memfd: false,
            cookie,
        };
        let mut connection =
            Connection { socket: BufReader::new(stream), version: protocol::MAX_VERSION, seq: 0 };
        let reply: protocol::AuthReply = connection.request(&Command::Auth(auth))?;
        connection.version = reply.version.min(protocol::MAX_VERSION);
        let mut props = Props::new();
        props.set(Prop::ApplicationName, CString::from(c"ergoaudit"));
        let _: protocol::SetClientNameReply = connection.request(&Command::SetClientName(props))?;
        Ok(connection)
    }

    /// Send `command` and read its reply.
    fn request<T: CommandReply>(&mut self, command: &Command) -> Result<T, Failed> {
        self.seq = self.seq.wrapping_add(1);
        protocol::write_command_message(self.socket.get_mut(), self.seq, command, self.version)?;
        Ok(protocol::read_reply_message::<T>(&mut self.socket, self.version)?.1)
    }

    /// Be told of every change of `mask` from now on (read with [`Connection::event`]); the
    /// socket then waits for events as long as it takes.
    fn subscribe(&mut self, mask: SubscriptionMask) -> Result<(), Failed> {
        self.seq = self.seq.wrapping_add(1);
        protocol::write_command_message(
            self.socket.get_mut(),
            self.seq,
            &Command::Subscribe(mask),
            self.version,
        )?;
        protocol::read_ack_message(&mut self.socket)?;
        self.socket.get_ref().set_read_timeout(None)?;
        Ok(())
    }

    /// Wait for the next event of a subscription.
    fn event(&mut self) -> Result<(), Failed> {
        loop {
            if let (_, Command::SubscribeEvent(_)) =
                protocol::read_command_message(&mut self.socket, self.version)?
            {
                return Ok(());
            }
        }
    }

    /// Whether another program records from a microphone now.
    fn recording(&mut self) -> Result<bool, Failed> {
        let sources: protocol::SourceInfoList = self.request(&Command::GetSourceInfoList)?;
        let monitors: Vec<u32> =
            sources.iter().filter(|s| s.monitor_of_sink_index.is_some()).map(|s| s.index).collect();
        let outputs: protocol::SourceOutputInfoList = self.request(&Command::GetSourceOutputInfoList)?;
        Ok(outputs.iter().any(|o| !o.corked && !monitors.contains(&o.source_index) && !meter_or_me(&o.props)))
    }
}

/// Whether a recording stream's properties name a volume control's level meter or this
/// process.
fn meter_or_me(props: &Props) -> bool {
    let value = |p| props.get(p).map(|v: &[u8]| v.strip_suffix(b"\0").unwrap_or(v));
    let me = std::process::id().to_string();
    value(Prop::ApplicationId).is_some_and(|id| METERS.contains(&id))
        || value(Prop::ApplicationProcessId).is_some_and(|pid| pid == me.as_bytes())
}

/// Follow whether another program records from a microphone into `state`, from a thread of
/// its own, through the sound server at `server` (its socket; `None`: the usual one). Returns
/// once the state at start is known: whether a sound server answered.
pub fn follow(server: Option<&Path>, state: Arc<Watched>) -> bool {
    let Some(path) = server.map(Path::to_path_buf).or_else(socket) else { return false };
    let (ready, answered) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("sound".into()).spawn(move || {
        let started = Connection::open(&path).and_then(|mut query| {
            let mut events = Connection::open(&path)?;
            events.subscribe(SubscriptionMask::SOURCE | SubscriptionMask::SOURCE_OUTPUT)?;
            let recording = query.recording()?;
            Ok((query, events, recording))
        });
        let (mut query, mut events) = match started {
            Ok((query, events, recording)) => {
                state.update(|s| s.microphone = recording);
                let _ = ready.send(true);
                (query, events)
            }
            Err(e) => {
                tracing::debug!(error = %e, path = %path.display(), "no sound server");
                let _ = ready.send(false);
                return;
            }
        };
        let ended = loop {
            if let Err(e) = events.event() {
                break e;
            }
            match query.recording() {
                Ok(recording) => {
                    tracing::debug!(recording, "microphone");
                    state.update(|s| s.microphone = recording);
                }
                Err(e) => break e,
            }
        };
        // the server went away (or stopped answering): nobody records through it
        tracing::info!(
            "the sound server stopped answering ({ended}): the microphone is not followed any more"
        );
        state.update(|s| s.microphone = false);
    });
    match spawned {
        Ok(_) => answered.recv_timeout(ANSWER_WAIT * 3).unwrap_or(false),
        Err(_) => false,
    }
}
