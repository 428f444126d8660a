//! `ergoaudit service install|print-unit|uninstall|status`: a systemd user unit that runs the
//! audit. It writes, prints or removes the unit file and prints the `systemctl --user`
//! commands; it never runs them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;

use ergoaudit::escape;

use crate::cli::{Cli, Command, ServiceAction, ServiceArgs};
use crate::options::AuditOptions;

const UNIT: &str = "ergoaudit.service";

fn unit_path() -> Result<PathBuf> {
    let base = directories::BaseDirs::new().context("cannot find this user's config folder")?;
    Ok(base.config_dir().join("systemd/user").join(UNIT))
}

/// The unit's text: `exe` (this executable unless given) running `audit` with `audit_args`,
/// each argument quoted for systemd.
fn unit(exe: Option<&Path>, audit_args: &[String]) -> Result<String> {
    let exe = match exe {
        Some(exe) => exe.to_owned(),
        None => std::env::current_exe().context("cannot find the ergoaudit executable")?,
    };
    let mut command = vec![exe.display().to_string(), "audit".to_owned()];
    command.extend(audit_args.iter().cloned());
    let exec = command.iter().map(|a| escape::systemd_arg(a)).collect::<Result<Vec<_>, _>>()?;
    Ok(format!(
        "[Unit]\nDescription=ergoaudit posture audit (webcam, sampled; no images stored)\nAfter=graphical-session.target\n\n\
         [Service]\nExecStart={}\nRestart=on-failure\nRestartSec=30\n\n[Install]\nWantedBy=default.target\n",
        exec.join(" ")
    ))
}

/// Refuse arguments the audit would refuse when the unit starts it (a unit that can never
/// start): parsed and resolved as `ergoaudit audit ARGS…` will be.
fn check_audit_args(audit_args: &[String]) -> Result<()> {
    let refused = |why: String| {
        anyhow::anyhow!("the audit would refuse `{}`: {why}", escape::terminal(&audit_args.join(" ")))
    };
    let command = ["ergoaudit", "audit"].into_iter().map(str::to_owned).chain(audit_args.iter().cloned());
    let cli = Cli::try_parse_from(command)
        .map_err(|e| refused(crate::cli::usage_error(&e.render().to_string())))?;
    let Command::Audit(args) = &cli.command else { return Err(refused("not an audit".into())) };
    AuditOptions::new(args, cli.config.as_deref()).map_err(|e| refused(format!("{e:#}")))?;
    Ok(())
}

/// Run `service`.
pub fn run(args: &ServiceArgs) -> Result<ExitCode> {
    let path = unit_path()?;
    match &args.action {
        ServiceAction::Install { audit_args } => {
            let unit = unit(None, audit_args)?;
            check_audit_args(audit_args)?;
            std::fs::create_dir_all(path.parent().expect("unit folder"))
                .with_context(|| format!("cannot create {}", path.display()))?;
            ergoaudit::files::write_atomically(&path, |out| out.write_all(unit.as_bytes()))
                .with_context(|| format!("cannot write {}", escape::path(&path)))?;
            outln!("wrote {}", escape::path(&path));
            outln!("to start it now and at every login, run:");
            outln!("  systemctl --user daemon-reload && systemctl --user enable --now {UNIT}");
        }
        // printed for another machine (packaging): its profiles are not this one's
        ServiceAction::PrintUnit { exe, audit_args } => {
            outln!("{}", unit(exe.as_deref(), audit_args)?.trim_end())
        }
        ServiceAction::Uninstall => {
            if !path.exists() {
                bail!("no {UNIT} installed ({} does not exist)", path.display());
            }
            outln!("first stop it:  systemctl --user disable --now {UNIT}");
            std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            outln!("removed {}", path.display());
            outln!("then run:  systemctl --user daemon-reload");
        }
        ServiceAction::Status => {
            if path.exists() {
                let unit = ergoaudit::files::read_to_string(&path, ergoaudit::files::CONFIG)
                    .with_context(|| format!("cannot read {}", escape::path(&path)))?;
                let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap_or("?");
                outln!("installed: {}\n  runs: {}", escape::path(&path), escape::terminal(exec));
                outln!("is it running?  systemctl --user status {UNIT}");
            } else {
                outln!(
                    "not installed ({} does not exist); `ergoaudit service install` writes it",
                    path.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
