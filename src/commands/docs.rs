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
    let path = out.join(format!("{name}.1"));
    ergoaudit::files::write_atomically(&path, |out| out.write_all(&text))
        .with_context(|| format!("cannot write {}", escape::path(&path)))?;
    let mut written = 1;
    for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
        written += write_pages(sub, &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(written)
}
