//! The `ergoaudit` binary: parse the command line, dispatch, map the result to an exit code.

// every line printed goes through `output` (`outln!`, `errln!`), never a panicking macro
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod output;

mod cli;
mod commands;
mod display;
mod options;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help, --version: through the one output path (clap's own print hides a full disk)
            let text = err.render();
            let text = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                text.ansi().to_string()
            } else {
                text.to_string()
            };
            let printed = output::line(format_args!("{}", text.trim_end()));
            return exit_code(printed.map(|()| ExitCode::SUCCESS).map_err(anyhow::Error::from));
        }
        Err(err) => {
            errln!("ergoaudit: {}; see `ergoaudit --help`", cli::usage_error(&err.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let default = ["ergoaudit=warn", "ergoaudit=info", "ergoaudit=debug"][usize::from(cli.verbose.min(2))];
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("ERGOAUDIT_LOG").unwrap_or_else(|_| EnvFilter::new(default)))
        .with_writer(std::io::stderr)
        // colours only on a terminal, not in the journal or a log file
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    exit_code(run(&cli))
}

/// The exit code of a command's result: its own; success on a closed standard output (the
/// reader has all it wanted); else failure, the error said on one line.
fn exit_code(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) if output::closed() || is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            errln!("ergoaudit: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &cli::Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    match &cli.command {
        cli::Command::Analyze(args) => commands::analyze::run(args, config),
        cli::Command::Calibrate(args) => commands::calibrate::run(args, config),
        cli::Command::Thresholds(args) => commands::thresholds::run(args, config),
        cli::Command::Audit(args) => commands::audit::run(args, config),
        cli::Command::Cameras(args) => commands::cameras::run(args, config),
        cli::Command::Status(args) => commands::live::status(args),
        cli::Command::Pause(args) => commands::live::pause(args),
        cli::Command::Resume(args) => commands::live::resume(args),
        cli::Command::History(args) => commands::history::history(args),
        cli::Command::Export(args) => commands::history::export(args),
        cli::Command::Report(args) => commands::report::run(args, config),
        cli::Command::Service(args) => commands::service::run(args),
        cli::Command::Fleet(args) => commands::fleet::run(args, config),
        cli::Command::Completions(args) => commands::docs::completions(args),
        cli::Command::ManPages(args) => commands::docs::man_pages(args),
    }
}

/// An error and its causes on one line (as `{:#}` joins them), each cause's trailing
/// whitespace trimmed (a decoder's message may end in a newline), a cause that its error's
/// message already quotes left out, and every control character left in a file name or a
/// message shown as a visible escape.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.trim_end();
        if line.is_empty() {
            line.push_str(text);
        } else if !line.contains(text) {
            line.push_str(": ");
            line.push_str(text);
        }
    }
    ergoaudit::escape::terminal(&line).into_owned()
}

/// An error of writing a pipe whose reader is gone that did not pass through
/// [`output::Stdout`] (`report -o /dev/stdout | head`).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
