//! The local time zone, read with the care of any file a user names: `TZ` and `TZDIR` are
//! the user's to set, so a time zone file is read only when it is a regular file of at most
//! 1 MB (`TZ=/dev/zero` would never end, a FIFO would block forever), and a `TZ` that cannot
//! be used falls back to UTC with one warning. jiff's own look-up reads any file `TZ` names
//! whole, so it is not used for the system's zone.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use jiff::tz::TimeZone;

use crate::{escape, files};

/// A time zone file (TZif): a few kB in practice.
const TZIF: files::Limit = files::Limit { what: "a time zone file", bytes: 1 << 20 };

/// The system's zone names, unless `TZDIR` names another folder.
const ZONEINFO: &str = "/usr/share/zoneinfo";

/// The longest `TZ` value looked at (a zone name or a rule is at most a few dozen bytes).
const MAX_TZ: usize = 1024;

/// The local time zone, found once: `TZ` when set (a POSIX rule like `CET-1CEST,M3.5.0,M10.5.0/3`,
/// a zone name looked up in `TZDIR` or the system's zone folder, or the path of a zone file;
/// a leading `:` is allowed; empty is UTC), else `/etc/localtime` (UTC when there is none).
/// One that cannot be used is said once, as a warning, and UTC is used.
pub fn local() -> TimeZone {
    static LOCAL: OnceLock<TimeZone> = OnceLock::new();
    LOCAL
        .get_or_init(|| {
            resolve(std::env::var_os("TZ").as_deref(), std::env::var_os("TZDIR").as_deref()).unwrap_or_else(
                |why| {
                    tracing::warn!("{why}; times are shown in UTC");
                    TimeZone::UTC
                },
            )
        })
        .clone()
}

/// The zone `tz` (the value of `TZ`) names, looking names up in `tzdir` (the value of
/// `TZDIR`) or the system's zone folder; why not, as a sentence.
fn resolve(tz: Option<&OsStr>, tzdir: Option<&OsStr>) -> Result<TimeZone, String> {
    let zoneinfo = tzdir.filter(|d| !d.is_empty()).map_or_else(|| PathBuf::from(ZONEINFO), PathBuf::from);
    let Some(tz) = tz else { return system() };
    let bytes = tz.as_encoded_bytes();
    let shown = escape::terminal(&String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_TZ)])).into_owned();
    if bytes.len() > MAX_TZ {
        return Err(format!("TZ={shown}… is longer than a time zone can be"));
    }
    let text = tz.to_str().ok_or_else(|| format!("TZ={shown} is not UTF-8 text"))?;
    let text = text.strip_prefix(':').unwrap_or(text);
    if matches!(text, "" | "UTC" | "Etc/UTC" | "UTC0" | "GMT" | "Etc/GMT") {
        return Ok(TimeZone::UTC);
    }
    if let Ok(rule) = TimeZone::posix(text) {
        return Ok(rule);
    }
    let name = text.rsplit_once("zoneinfo/").map_or(text, |(_, name)| name);
    if text.starts_with('/') {
        return read(Path::new(text), name).map_err(|why| format!("TZ={shown}: {why}"));
    }
    if !Path::new(text).components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("TZ={shown} is neither a zone name (like Europe/Paris) nor a rule"));
    }
    let path = zoneinfo.join(text);
    read(&path, name).map_err(|why| format!("TZ={shown}: {}: {why}", escape::path(&path)))
}

/// The zone of `/etc/localtime` (named after the zone file it links to); UTC when there is
/// none, as the C library does.
#[cfg(unix)]
fn system() -> Result<TimeZone, String> {
    let path = Path::new("/etc/localtime");
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(TimeZone::UTC);
    }
    let target = std::fs::read_link(path).ok();
    let name = target
        .as_deref()
        .and_then(Path::to_str)
        .and_then(|t| t.rsplit_once("zoneinfo/"))
        .map_or("localtime", |(_, name)| name);
    read(path, name).map_err(|why| format!("{}: {why}", path.display()))
}

/// The system's zone, as jiff finds it.
#[cfg(not(unix))]
fn system() -> Result<TimeZone, String> {
    TimeZone::try_system().map_err(|e| format!("the system's time zone: {e}"))
}

/// The zone file at `path`, named `name`.
fn read(path: &Path, name: &str) -> Result<TimeZone, String> {
    let bytes = files::read(path, TZIF).map_err(|e| e.to_string())?;
    TimeZone::tzif(name, &bytes).map_err(|e| format!("not a time zone file ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(tz: &str, tzdir: Option<&Path>) -> Result<TimeZone, String> {
        resolve(Some(OsStr::new(tz)), tzdir.map(Path::as_os_str))
    }

    #[test]
    fn rules_names_and_paths_are_understood() {
        let summer: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        let offset = |tz: TimeZone| tz.to_offset(summer).seconds();
        assert_eq!(offset(resolved("CET-1CEST,M3.5.0,M10.5.0/3", None).unwrap()), 7200);
        assert_eq!(offset(resolved("", None).unwrap()), 0);
        assert_eq!(offset(resolved(":UTC", None).unwrap()), 0);
        // a real zone file, where the system has them: by name and by path
        if Path::new("/usr/share/zoneinfo/Europe/Paris").is_file() {
            assert_eq!(offset(resolved("Europe/Paris", None).unwrap()), 7200);
            assert_eq!(offset(resolved(":/usr/share/zoneinfo/Europe/Paris", None).unwrap()), 7200);
        }
    }

    #[test]
    fn endless_blocking_and_escaping_zones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        // a FIFO as a zone name in TZDIR, and as a path: refused before it is opened
        let fifo = dir.path().join("Fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let err = resolved("Fifo", Some(dir.path())).unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
        let err = resolved(&format!(":{}", fifo.display()), None).unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
        let err = resolved("/dev/zero", None).unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
        // a file larger than any zone file is not read
        let big = dir.path().join("Big");
        std::fs::File::create(&big).unwrap().set_len(2 << 20).unwrap();
        let err = resolved("Big", Some(dir.path())).unwrap_err();
        assert!(err.contains("more than a time zone file may have"), "{err}");
        // a name may not climb out of the zone folder
        let err = resolved("../../../../dev/zero", None).unwrap_err();
        assert!(err.contains("neither a zone name"), "{err}");
        let err = resolved(&"x".repeat(5000), None).unwrap_err();
        assert!(err.contains("longer than"), "{err}");
        let err = resolved("Nowhere/\u{202e}City", Some(dir.path())).unwrap_err();
        assert!(!err.contains('\u{202e}'), "escaped for the terminal: {err}");
    }
}
