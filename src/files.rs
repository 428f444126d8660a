//! The files a user names, read and written with care: only regular files are read (a FIFO
//! would block forever, a device like `/dev/zero` never ends), each kind of input has a size
//! limit, and outputs are written to a temporary file beside the target and renamed over it,
//! so a failed write (a full disk) leaves the old file, or none, never a truncated one.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

/// A kind of input and the most bytes it may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// What the file is, for the error (`a config file`).
    pub what: &'static str,
    /// Most bytes accepted.
    pub bytes: u64,
}

/// A config file or a calibration profile (TOML): a few kB in practice.
pub const CONFIG: Limit = Limit { what: "a config or profile file", bytes: 1 << 20 };
/// A landmark model (the bundled ones are 3–7 MB; the largest BlazePose, heavy, is 27 MB).
pub const MODEL: Limit = Limit { what: "a pose model", bytes: 64 << 20 };
/// An image file.
pub const IMAGE: Limit = Limit { what: "an image", bytes: 256 << 20 };
/// One line of a landmarks file (a frame record is about 3 kB).
pub const LANDMARK_LINE: Limit = Limit { what: "a landmarks line", bytes: 64 << 10 };
/// A landmarks file (read a line at a time; a day of samples is a few hundred MB).
pub const LANDMARKS: Limit = Limit { what: "a landmarks file", bytes: 16 << 30 };
/// A video file (read by ffmpeg).
pub const VIDEO: Limit = Limit { what: "a video", bytes: 64 << 30 };
/// A scripted camera's script.
pub const SCRIPT: Limit = Limit { what: "a camera script", bytes: 1 << 20 };

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Check that `path` is a regular file (following symlinks) of at most `limit` bytes; its
/// size. Errors read as the cause in "PATH: cannot read it: …".
pub fn check(path: &Path, limit: Limit) -> io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() { "a folder" } else { "not a regular file (a pipe or a device?)" };
        return Err(invalid(format!("it is {kind}; give {}", limit.what)));
    }
    if meta.len() > limit.bytes {
        return Err(too_large(meta.len(), limit));
    }
    Ok(meta.len())
}

fn too_large(bytes: u64, limit: Limit) -> io::Error {
    invalid(format!(
        "{} MB is more than {} may have ({} MB); check it is the right file",
        bytes.div_ceil(1 << 20),
        limit.what,
        limit.bytes >> 20
    ))
}

/// Open `path` for reading after [`check`].
pub fn open(path: &Path, limit: Limit) -> io::Result<std::fs::File> {
    check(path, limit)?;
    std::fs::File::open(path)
}

/// Open a stream to read a line at a time: a regular file (see [`check`]) or a named pipe
/// another program writes live (opening it waits for that writer); never a device or a
/// folder.
pub fn open_stream(path: &Path, limit: Limit) -> io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path)?.file_type().is_fifo() {
            return std::fs::File::open(path);
        }
    }
    open(path, limit)
}

/// Read all of `path` after [`check`] (and never more than the limit, should it grow).
pub fn read(path: &Path, limit: Limit) -> io::Result<Vec<u8>> {
    let size = check(path, limit)?;
    let mut bytes = Vec::with_capacity(size as usize);
    std::fs::File::open(path)?.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path, limit: Limit) -> io::Result<String> {
    String::from_utf8(read(path, limit)?).map_err(|_| invalid("it is not UTF-8 text".into()))
}

/// Read one line (up to `\n`, which is dropped with a `\r` before it) of at most
/// `limit.bytes` into `line`; `Ok(false)` at the end of the input. A longer line is an
/// error, after which the reader is left past it.
pub fn read_line(reader: &mut impl BufRead, line: &mut String, limit: Limit) -> io::Result<bool> {
    line.clear();
    let mut bytes = Vec::new();
    let read = reader.take(limit.bytes + 1).read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(false);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() as u64 > limit.bytes {
        // skip the rest of the long line, so a caller may go on
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let n = reader.take(1 << 16).read_until(b'\n', &mut rest)?;
            if n == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
        return Err(invalid(format!("longer than the {} kB {} may have", limit.bytes >> 10, limit.what)));
    }
    *line = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8 text".into()))?;
    Ok(true)
}

/// Write an output the user named with `-o`: a regular file through
/// [`write_atomically`], replacing an existing one only if `is_ours` recognises it (or
/// `force`); a device or a pipe (`-o /dev/stdout`) written directly. `what` names our kind
/// of file for the refusal (`an ergoaudit report`).
pub fn write_output<E: From<io::Error>>(
    path: &Path,
    force: bool,
    what: &str,
    is_ours: impl Fn(&[u8]) -> bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut out = io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
            write(&mut out)?;
            out.flush()?;
            return Ok(());
        }
        _ => {}
    }
    if !may_replace(path, force, is_ours)? {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("it exists and is not {what}; choose another name, or --force to replace it"),
        )
        .into());
    }
    write_atomically(path, write)
}

/// Whether an existing output file may be replaced: it is ours (`is_ours` recognises its
/// first 4 kB as something ergoaudit wrote), or the user said `--force`. A missing file may
/// always be written.
fn may_replace(path: &Path, force: bool, is_ours: impl Fn(&[u8]) -> bool) -> io::Result<bool> {
    if force {
        return Ok(true);
    }
    let mut head = Vec::new();
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(4096).read_to_end(&mut head)?;
            Ok(is_ours(&head))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
    }
}

/// Write `path` through `write`: into a temporary file in the same folder, flushed and
/// synced, then renamed over `path`. If anything fails the temporary file is removed and
/// `path` is left as it was.
pub fn write_atomically<E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new().prefix(".ergoaudit-").suffix(".tmp").tempfile_in(dir)?;
    {
        let mut out = io::BufWriter::new(file.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.toml");
        std::fs::write(&small, "x = 1\n").unwrap();
        assert_eq!(read_to_string(&small, CONFIG).unwrap(), "x = 1\n");
        let tiny = Limit { what: "a test file", bytes: 3 };
        let err = read(&small, tiny).unwrap_err().to_string();
        assert!(err.contains("more than a test file may have"), "{err}");
        let err = read(dir.path(), CONFIG).unwrap_err().to_string();
        assert!(err.contains("a folder"), "{err}");
        #[cfg(unix)]
        {
            let err = read(Path::new("/dev/zero"), CONFIG).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
            let fifo = dir.path().join("f.png");
            assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
            // refused before it is opened: opening a FIFO blocks until a writer comes
            let err = open(&fifo, IMAGE).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
    }

    #[test]
    fn lines_are_bounded_and_the_reader_goes_on_past_a_long_one() {
        let limit = Limit { what: "a test line", bytes: 8 };
        let text = format!("short\r\n{}\nnext\nlast", "y".repeat(100_000));
        let mut reader = io::BufReader::new(text.as_bytes());
        let mut line = String::new();
        assert!(read_line(&mut reader, &mut line, limit).unwrap());
        assert_eq!(line, "short");
        let err = read_line(&mut reader, &mut line, limit).unwrap_err().to_string();
        assert!(err.contains("a test line"), "{err}");
        assert!(read_line(&mut reader, &mut line, limit).unwrap());
        assert_eq!(line, "next");
        assert!(read_line(&mut reader, &mut line, limit).unwrap());
        assert_eq!(line, "last");
        assert!(!read_line(&mut reader, &mut line, limit).unwrap());
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_litter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomically(&path, |out| -> io::Result<()> {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        write_atomically(&path, |out| -> io::Result<()> { out.write_all(b"new") }).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn only_our_own_outputs_are_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.md");
        let ours = |head: &[u8]| head.starts_with(b"# Ergonomics report");
        assert!(may_replace(&path, false, ours).unwrap(), "missing");
        std::fs::write(&path, "# Ergonomics report\n").unwrap();
        assert!(may_replace(&path, false, ours).unwrap());
        std::fs::write(&path, "my thesis").unwrap();
        assert!(!may_replace(&path, false, ours).unwrap());
        assert!(may_replace(&path, true, ours).unwrap());
    }
}
