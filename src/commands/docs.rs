//! `ergoaudit completions` and `ergoaudit man-pages`: the shell completions and the man pages,
//! generated from the command line's own definition (`cli.rs`), so they never drift from it.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;
use ergoaudit::escape;

use crate::cli::{Cli, CompletionsArgs, ManPagesArgs};
use crate::output::Stdout;

/// The audit's D-Bus interface, as a section of `ergoaudit-audit.1` (roff; fixed text).
const DBUS_SECTION: &str = r#".SH "D-BUS INTERFACE"
A running audit of a camera or a stream owns \fBio.github.ergoaudit.Audit\fR on the session bus
and serves, at \fB/io/github/ergoaudit/Audit\fR, the interface \fBio.github.ergoaudit.Audit1\fR:
.TP
\fBStatus\fR() \(-> s
The JSON line \fBergoaudit status \-\-json\fR prints.
.TP
\fBPause\fR(t seconds)
Pause for that long (0: until resumed), as \fBergoaudit pause\fR does.
.TP
\fBResume\fR()
End a pause, as \fBergoaudit resume\fR does.
.TP
\fBDatabase\fR (property, s)
The history the audit records into.
.TP
\fBStatusChanged\fR(s) (signal)
The new status, when the band, the pause or the call state changes.
.PP
\fBergoaudit pause\fR, \fBresume\fR and \fBstatus \-\-json\fR use the bus when an audit recording into
the same database answers there, and its pause file otherwise. The audit also follows the
desktop: the screen savers (\fBorg.freedesktop.ScreenSaver\fR, \fBorg.gnome.ScreenSaver\fR) on
the session bus and logind (\fBLockedHint\fR, \fBLock\fR, \fBUnlock\fR, \fBPrepareForSleep\fR) on the
system bus: while the screen is locked or the machine asleep, the camera stays closed.
"#;

/// Print the completion script for the chosen shell on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut command = Cli::command();
    // generated in memory: clap_complete panics on a failed write
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ergoaudit", &mut script);
    Stdout::write_with(|out| out.write_all(&script))?;
    Ok(ExitCode::SUCCESS)
}

/// Write `ergoaudit.1` and one page per command (`ergoaudit-audit.1`, and
/// `ergoaudit-service-install.1` for the commands under `service`) into `args.out`.
pub fn man_pages(args: &ManPagesArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot make the folder {}", escape::path(&args.out)))?;
    let mut command = Cli::command();
    command.build();
    let written = write_pages(&command, "ergoaudit", &args.out)?;
    outln!("{written} man pages written to {}", escape::path(&args.out));
    Ok(ExitCode::SUCCESS)
}

/// The page of `command` named `name`, then those of its subcommands (clap's generated `help`
/// aside): how many.
fn write_pages(command: &clap::Command, name: &str, out: &Path) -> Result<usize> {
    // titled by its file's name, its synopsis as typed
    let page =
        command.clone().name(name.to_owned()).display_name(name.to_owned()).bin_name(name.replace('-', " "));
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text).context("cannot render a man page")?;
    if name == "ergoaudit-audit" {
        text.extend_from_slice(DBUS_SECTION.as_bytes());
    }
    let path = out.join(format!("{name}.1"));
    ergoaudit::files::write_atomically(&path, |out| out.write_all(&text))
        .with_context(|| format!("cannot write {}", escape::path(&path)))?;
    let mut written = 1;
    for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
        written += write_pages(sub, &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(written)
}
