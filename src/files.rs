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
/// libpq's password file (a few lines).
pub const PGPASS: Limit = Limit { what: "a password file", bytes: 64 << 10 };
/// The team push ledger beside a history (a hash per day, at most 400 days).
pub const LEDGER: Limit = Limit { what: "a team push ledger", bytes: 1 << 20 };
/// A certificate authority's certificate (PEM).
pub const CERTIFICATE: Limit = Limit { what: "a certificate", bytes: 1 << 20 };

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Check that `path` is a regular file (following symlinks) of at most `limit` bytes; its
/// size. For a file handed to another program (a video to ffmpeg); what ergoaudit reads
/// itself is opened with [`open`]. Errors read as the cause in "PATH: cannot read it: …".
pub fn check(path: &Path, limit: Limit) -> io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(meta.is_dir(), limit.what));
    }
    if meta.len() > limit.bytes {
        return Err(too_large(meta.len(), limit));
    }
    Ok(meta.len())
}

/// The refusal of something that is not a regular file.
fn not_regular(folder: bool, what: &str) -> io::Error {
    let kind = if folder { "a folder" } else { "not a regular file (a pipe or a device?)" };
    invalid(format!("it is {kind}; give {what}"))
}

fn too_large(bytes: u64, limit: Limit) -> io::Error {
    invalid(format!(
        "{} MB is more than {} may have ({} MB); check it is the right file",
        bytes.div_ceil(1 << 20),
        limit.what,
        limit.bytes >> 20
    ))
}

/// Open `path` as `options` say, only if it is a regular file (`what` names what it should
/// be, for the refusal). It is opened without blocking — opening a FIFO waits for the other
/// end, forever if nobody comes — then checked on the open file (`fstat`, so it cannot be
/// swapped between the check and the use), and made blocking again.
pub fn open_regular(
    path: &Path,
    options: &mut std::fs::OpenOptions,
    what: &str,
) -> io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        // a FIFO opened to write without blocking, with no reader
        if cfg!(unix) && e.raw_os_error() == Some(libc::ENXIO) { not_regular(false, what) } else { e }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.is_dir(), what));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns, with integer arguments only
        let cleared = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) == 0
        };
        if !cleared {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(file)
}

/// Open `path` for reading: a regular file (see [`open_regular`]) of at most `limit` bytes.
pub fn open(path: &Path, limit: Limit) -> io::Result<std::fs::File> {
    let file = open_regular(path, std::fs::OpenOptions::new().read(true), limit.what)?;
    let size = file.metadata()?.len();
    if size > limit.bytes {
        return Err(too_large(size, limit));
    }
    Ok(file)
}

/// Open a stream to read a line at a time: a regular file (see [`open`]) or a named pipe
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

/// Read all of `path` after [`open`] (and never more than the limit, should it grow).
pub fn read(path: &Path, limit: Limit) -> io::Result<Vec<u8>> {
    let file = open(path, limit)?;
    let size = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.bytes + 1).read_to_end(&mut bytes)?;
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
/// `force`); a device or a pipe (`-o /dev/stdout`, even through its symbolic link) written
/// directly. `what` names our kind of file for the refusal (`an ergoaudit report`).
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
    refuse_symlink(path)?;
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
    match open_regular(path, std::fs::OpenOptions::new().read(true), "an output file") {
        Ok(f) => {
            f.take(4096).read_to_end(&mut head)?;
            Ok(is_ours(&head))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
    }
}

/// Refuse to write where a symbolic link is: one planted in a folder we write into would
/// have the write land on its target (or create a file elsewhere through a dangling one).
fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::read_link(path).map(|t| crate::escape::path(&t)).unwrap_or_default();
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("it is a symbolic link (to {target}); write to the file itself, or remove the link"),
            ))
        }
        _ => Ok(()),
    }
}

/// Write `path` through `write`, whole or not at all: into an unnamed temporary file in the
/// same folder (Linux `O_TMPFILE`; a named `.ergoaudit-*.tmp` elsewhere), flushed and
/// synced, then given its name by a rename — which replaces a file, and never follows a
/// symbolic link. A symbolic link at `path` is refused. If anything fails `path` is left as
/// it was, and a process killed while writing leaves nothing behind (the unnamed file is
/// freed by the system).
pub fn write_atomically<E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    refuse_symlink(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg(target_os = "linux")]
    if let Some(mut file) = unnamed::create(dir)? {
        fill(&mut file, write)?;
        unnamed::name(&file, dir, path)?;
        return Ok(());
    }
    let mut file = tempfile::Builder::new().prefix(".ergoaudit-").suffix(".tmp").tempfile_in(dir)?;
    fill(file.as_file_mut(), write)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Write a temporary file through `write`, buffered, and sync it to the disk.
fn fill<E: From<io::Error>>(
    file: &mut std::fs::File,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    {
        let mut out = io::BufWriter::new(&mut *file);
        write(&mut out)?;
        out.flush()?;
    }
    file.sync_all()?;
    Ok(())
}

/// Unnamed temporary files (`O_TMPFILE`), named once written.
#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::CString;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    /// An unnamed file in `dir`, readable by its owner only (as the named temporary files
    /// were: a report is health data); `None` where the file system (or the system, without
    /// `/proc`) does not have them.
    pub fn create(dir: &Path) -> io::Result<Option<std::fs::File>> {
        // naming it later goes through /proc
        if !Path::new("/proc/self/fd").is_dir() {
            return Ok(None);
        }
        match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_TMPFILE).mode(0o600).open(dir) {
            Ok(file) => Ok(Some(file)),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Give `file` (unnamed, in `dir`) the name `path`: linked under a fresh temporary name,
    /// then renamed over `path`.
    pub fn name(file: &std::fs::File, dir: &Path, path: &Path) -> io::Result<()> {
        let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).expect("no NUL");
        for n in 0..100u32 {
            let tmp = dir.join(format!(".ergoaudit-{}-{n}.tmp", std::process::id()));
            let to = CString::new(tmp.as_os_str().as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))?;
            // SAFETY: linkat with two NUL-terminated paths that outlive the call
            let linked = unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            };
            if linked != 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::AlreadyExists {
                    continue;
                }
                return Err(e);
            }
            return std::fs::rename(&tmp, path).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            });
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name in the folder"))
    }
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_being_written_has_no_name_so_a_killed_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        write_atomically(&path, |out| -> io::Result<()> {
            out.write_all(&[b'x'; 1 << 20])?;
            // mid-write, as a `kill -9` would find it: nothing in the folder
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
            Ok(())
        })
        .unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 1 << 20);
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600,
            "its owner's only"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
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
