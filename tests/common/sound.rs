//! A sound server for one test: Debian's PulseAudio (`pulseaudio`, started by the test on a
//! socket in a temporary folder, with no configuration of the machine's; stopped when
//! dropped), with a microphone (a null source, `mic`) and a speaker (a null sink, `out`,
//! whose monitor a screen recorder would record); and recordings by another program
//! (`parecord`, from `pulseaudio-utils`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A sound server of the test's own.
pub struct Sound {
    daemon: Child,
    /// Its socket, for `PULSE_SERVER=unix:…`.
    pub socket: PathBuf,
    dir: TempDir,
}

impl Sound {
    /// Start PulseAudio with one microphone and one speaker, and wait until it answers.
    pub fn start() -> Sound {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let daemon = Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "--use-pid-file=no"])
            .arg(format!("--load=module-native-protocol-unix socket={} auth-anonymous=1", socket.display()))
            .args(["--load=module-null-source source_name=mic", "--load=module-null-sink sink_name=out"])
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio (Debian's pulseaudio package; scripts/lib.sh installs it)");
        let sound = Sound { daemon, socket, dir };
        let deadline = Instant::now() + Duration::from_secs(120);
        while sound.pactl(&["info"]).is_none() {
            assert!(Instant::now() < deadline, "pulseaudio never answered");
            std::thread::sleep(Duration::from_millis(20));
        }
        sound
    }

    /// `PULSE_SERVER` for this server.
    pub fn server(&self) -> String {
        format!("unix:{}", self.socket.display())
    }

    /// `pactl ARGS` against this server: what it printed, if it succeeded.
    fn pactl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", self.server())
            .env("HOME", self.dir.path())
            .stderr(Stdio::null())
            .output()
            .expect("pactl (Debian's pulseaudio-utils package; scripts/lib.sh installs it)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Another program records from `source` (`mic`, or `out.monitor`) until the recording is
    /// dropped; returns once the server has its stream.
    pub fn record(&self, source: &str) -> Recording {
        let before = self.streams();
        let child = Command::new("parecord")
            .arg(format!("--device={source}"))
            .arg("/dev/null")
            .env("PULSE_SERVER", self.server())
            .env("HOME", self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord (Debian's pulseaudio-utils package; scripts/lib.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.streams() <= before {
            assert!(Instant::now() < deadline, "parecord's stream never appeared");
            std::thread::sleep(Duration::from_millis(20));
        }
        Recording(child)
    }

    /// How many recording streams the server has.
    fn streams(&self) -> usize {
        self.pactl(&["list", "short", "source-outputs"]).map_or(0, |s| s.lines().count())
    }
}

impl Drop for Sound {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A recording by another program, ended when dropped.
pub struct Recording(Child);

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
