//! `ergoaudit pause` / `resume` across processes, without sockets: the pause is a small
//! file beside the database (`DB.pause`), written whole (a temporary file renamed over it)
//! by `pause`, removed by `resume`, and read by a running audit before every frame it asks
//! for. An audit started while the file says "paused" honours it.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Largest pause file read: the file holds two times.
const MAX_BYTES: u64 = 4096;

/// Errors of the pause file.
#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    /// It cannot be read or written.
    #[error("{}: {source}; check the data folder's permissions or pass another --db", .path.display())]
    Io {
        /// The pause file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It holds something else.
    #[error("{} is not an ergoaudit pause ({why}); `ergoaudit resume` removes it", .path.display())]
    Malformed {
        /// The pause file.
        path: PathBuf,
        /// What is wrong.
        why: Malformation,
    },
}

/// What is wrong with a pause file's contents.
#[derive(Debug, thiserror::Error)]
pub enum Malformation {
    /// More than a pause file holds.
    #[error("too long")]
    TooLong,
    /// Not the JSON of a pause.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// A pause: since when, and until when (`None`: until `ergoaudit resume`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRequest {
    /// When it was asked for.
    pub since: jiff::Timestamp,
    /// When it ends by itself.
    pub until: Option<jiff::Timestamp>,
}

impl PauseRequest {
    /// Whether it is in force at `now`.
    pub fn active_at(&self, now: jiff::Timestamp) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// The pause file of one database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PauseFile {
    path: PathBuf,
}

impl PauseFile {
    /// The pause file of the database `db` (`DB.pause`).
    pub fn of(db: &Path) -> Self {
        let mut path = db.as_os_str().to_owned();
        path.push(".pause");
        PauseFile { path: PathBuf::from(path) }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, e: std::io::Error) -> PauseError {
        PauseError::Io { path: self.path.clone(), source: e }
    }

    /// The pause written there (expired or not), if any.
    pub fn read(&self) -> Result<Option<PauseRequest>, PauseError> {
        let file = match crate::files::open_regular(
            &self.path,
            std::fs::OpenOptions::new().read(true),
            "a pause file",
        ) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let mut text = String::new();
        file.take(MAX_BYTES + 1).read_to_string(&mut text).map_err(|e| self.io(e))?;
        if text.len() as u64 > MAX_BYTES {
            return Err(PauseError::Malformed { path: self.path.clone(), why: Malformation::TooLong });
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| PauseError::Malformed { path: self.path.clone(), why: e.into() })
    }

    /// The pause in force at `now`, if any (an expired one is none).
    pub fn active(&self, now: jiff::Timestamp) -> Result<Option<PauseRequest>, PauseError> {
        Ok(self.read()?.filter(|p| p.active_at(now)))
    }

    /// Write `pause` (replacing any), whole: readers see the old file or the new one.
    pub fn write(&self, pause: &PauseRequest) -> Result<(), PauseError> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let text = serde_json::to_vec(pause).map_err(|e| self.io(e.into()))?;
        crate::files::write_atomically(&self.path, |out| out.write_all(&text)).map_err(|e| self.io(e))
    }

    /// Remove the pause; whether there was one in force at `now`.
    pub fn remove(&self, now: jiff::Timestamp) -> Result<bool, PauseError> {
        // a malformed file is removed all the same
        let was = self.active(now).unwrap_or(None).is_some();
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(was),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_is_written_read_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = PauseFile::of(&dir.path().join("h.sqlite"));
        assert_eq!(file.path(), dir.path().join("h.sqlite.pause"));
        let now: jiff::Timestamp = "2026-11-30T10:00:00Z".parse().unwrap();
        assert_eq!(file.read().unwrap(), None);
        let pause = PauseRequest { since: now, until: Some("2026-11-30T11:00:00Z".parse().unwrap()) };
        file.write(&pause).unwrap();
        assert_eq!(file.active(now).unwrap(), Some(pause));
        // expired: still there, no longer in force
        let later: jiff::Timestamp = "2026-11-30T11:00:00Z".parse().unwrap();
        assert_eq!(file.active(later).unwrap(), None);
        assert_eq!(file.read().unwrap(), Some(pause));
        // until resumed
        let open = PauseRequest { since: now, until: None };
        file.write(&open).unwrap();
        assert_eq!(file.active(later).unwrap(), Some(open));
        assert!(file.remove(later).unwrap());
        assert!(!file.remove(later).unwrap(), "nothing left to remove");
        // something else in its place: an error naming it and the fix, and resume removes it
        std::fs::write(file.path(), "hello").unwrap();
        let err = file.read().unwrap_err().to_string();
        assert!(err.contains("h.sqlite.pause") && err.contains("ergoaudit resume"), "{err}");
        std::fs::write(file.path(), vec![b' '; 5000]).unwrap();
        assert!(file.read().unwrap_err().to_string().contains("too long"));
        assert!(!file.remove(later).unwrap());
        assert!(!file.path().exists());
    }
}
