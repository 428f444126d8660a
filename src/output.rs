//! The binary's one way out, as ripgrep has one: every line it prints goes through
//! [`outln!`] (standard output) or [`errln!`] (standard error), and every bulk output through
//! [`Stdout`]. `print!`/`println!`/`eprintln!` are denied in the crate (they panic when the
//! stream cannot be written).
//!
//! A failed write to standard output is an error naming it: `main` ends quietly and
//! successfully on a closed pipe (`ergoaudit status | head -1`; noted here, see [`closed`],
//! so that no library's error wrapping can hide it) and with one line and exit 1 on anything
//! else (`> /dev/full`). A failed write to standard error is
//! dropped: there is nowhere left to say it.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Print a line on standard output, or return (with `?`) the error of writing it.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))?
    };
}

/// Print a line on standard error; a failure to write it is dropped.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::error_line(format_args!($($arg)*))
    };
}

/// Set once a write to standard output found its reader gone.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether standard output was found closed (its reader gone): then an error that ends the
/// program came of it, however a library wrapped it, and the end is a quiet success.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// The error of writing standard output, saying which stream failed; a closed pipe is noted
/// for [`closed`].
fn named(err: io::Error) -> io::Error {
    if err.kind() == io::ErrorKind::BrokenPipe {
        CLOSED.store(true, Ordering::Relaxed);
    }
    io::Error::new(err.kind(), format!("cannot write to standard output: {err}"))
}

/// Write one line on standard output now (see [`outln!`]).
pub fn line(args: std::fmt::Arguments<'_>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()).map_err(named)
}

/// Write one line on standard error (see [`errln!`]).
pub fn error_line(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    // nowhere left to report a failure to write standard error
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Standard output, buffered, for a bulk output (an export, a report, a completion script);
/// its errors say they came from standard output. Hand it to [`Stdout::write_with`], which
/// flushes it.
pub struct Stdout(io::BufWriter<io::StdoutLock<'static>>);

impl Stdout {
    /// Run `write` with standard output and flush it, so that no write error is lost in a
    /// drop.
    pub fn write_with<T, E: From<io::Error>>(
        write: impl FnOnce(&mut Stdout) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut out = Stdout(io::BufWriter::with_capacity(64 << 10, io::stdout().lock()));
        let value = write(&mut out)?;
        out.flush()?;
        Ok(value)
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(named)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(named)
    }
}
