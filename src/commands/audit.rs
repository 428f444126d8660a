//! `ergoaudit audit`: sample posture on an interval, judge it over time, keep the history.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use ergoaudit::audit;
use ergoaudit::control::Server;
use ergoaudit::fleet::daily::Daily;
use ergoaudit::store::Store;
use ergoaudit::tray::Tray;

use crate::cli::AuditArgs;
use crate::display::Display;
use crate::options::AuditOptions;

/// Run `audit`.
pub fn run(args: &AuditArgs, config: Option<&Path>) -> Result<ExitCode> {
    let options = AuditOptions::new(args, config)?;
    let db = &options.db;
    let stop = Arc::new(AtomicBool::new(false));
    let source = options.recorder.open(&stop)?;
    audit::stop_on_signals(&stop)?;
    let mut store = Store::open_for_audit(db)?;
    // a live audit answers on the session bus (`ergoaudit pause` works without it, through the
    // pause file)
    let control = options.recorder.source.is_live().then(|| Server::start(db, None)).and_then(|served| {
        served
            .map_err(|e| tracing::info!("not on the session bus ({e}): the pause file steers the audit"))
            .ok()
    });
    let tray = options.tray.then(|| Tray::start(db)).and_then(|shown| {
        shown.map_err(|e| tracing::warn!("no tray icon ({e}): the audit goes on without one")).ok()
    });
    // a background audit pushes its days to the team's database once a day, if asked to
    let fleet = options
        .recorder
        .source
        .is_live()
        .then(|| Daily::new(db.clone(), &options.settings.fleet, ergoaudit::zone::local()))
        .flatten();
    let mut display = Display::new(options.notify, &options.settings, source.desktop())
        .announcing(control, tray)
        .pushing(fleet);
    let recorded =
        source.record(&mut store, &mut display).with_context(|| format!("audit in {}", db.display()))?;
    let code = display.finish();

    let (session, outcome) = (recorded.session, recorded.outcome);
    let findings = store.findings(&[session])?;
    outln!(
        "session {session}: {} samples over {} ({} gaps){}, {} findings; saved in {}",
        outcome.samples,
        ergoaudit::advice::minutes(outcome.end_s),
        outcome.gaps,
        if outcome.interrupted { ", stopped on request" } else { "" },
        findings.len(),
        db.display()
    );
    if let Some((cpu_s, rss_kb)) = rusage() {
        let per_sample = if outcome.samples > 0 { cpu_s / outcome.samples as f64 * 1e3 } else { 0.0 };
        outln!("cost: {cpu_s:.2} s CPU ({per_sample:.1} ms per sample), peak memory {} MB", rss_kb / 1024);
    }
    Ok(code)
}

/// This process's peak resident memory, kB: `VmHWM` on Linux (`ru_maxrss` would report
/// the parent's peak when it was larger, as it survives `execve`), else `ru_maxrss`.
fn peak_rss_kb(ru_maxrss: i64) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(ru_maxrss)
}

/// CPU seconds (user + system) and peak resident memory (kB) of this process.
fn rusage() -> Option<(f64, i64)> {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given and returns 0 on success
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) } == 0;
    ok.then(|| {
        // SAFETY: initialised by the successful call above
        let u = unsafe { u.assume_init() };
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        (secs(u.ru_utime) + secs(u.ru_stime), peak_rss_kb(u.ru_maxrss))
    })
}
