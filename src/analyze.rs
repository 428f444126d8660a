//! `ergoaudit analyze`: pose and measures for image files.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use ergoaudit::annotate::draw_pose;
use ergoaudit::capture::{Frame, FrameSource, ImageFiles};
use ergoaudit::pose::{BlazePose, Pose, PoseEstimator};
use ergoaudit::posture::view::{self, View};
use ergoaudit::record::FrameRecord;

use crate::cli::AnalyzeArgs;

/// Run `analyze`. Inputs that cannot be read are reported on stderr one line each and the
/// others still processed; the exit code is then 1.
pub fn run(args: &AnalyzeArgs) -> Result<ExitCode> {
    let mut frames = ImageFiles::from_inputs(&args.inputs)?;
    if let Some(dir) = &args.annotate {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the --annotate folder {}", dir.display()))?;
    }
    let started = Instant::now();
    // still images are unrelated: every one goes through the detector
    let mut estimator = BlazePose::load(&args.model)?.with_redetect_interval(1);
    tracing::info!(model = %args.model, ms = started.elapsed().as_millis(), "pose models loaded");

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0usize;
    let mut written = HashSet::new();
    while let Some(frame) = frames.next_frame() {
        let frame = match frame {
            Ok(frame) => frame,
            Err(err) => {
                eprintln!("ergoaudit: {err}");
                failed += 1;
                continue;
            }
        };
        let t0 = Instant::now();
        let pose = estimator.estimate(&frame.image)?;
        tracing::debug!(source = %frame.source, ms = t0.elapsed().as_secs_f64() * 1e3, "pose estimated");
        if args.json {
            serde_json::to_writer(&mut out, &FrameRecord::new(&frame, pose.as_ref()))?;
            writeln!(out)?;
        } else {
            write_human(&mut out, &frame, pose.as_ref())?;
        }
        out.flush()?;
        if let Some(dir) = &args.annotate {
            annotate(dir, &frame, pose.as_ref(), &mut written)?;
        }
    }
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Landmark groups reported in the human output: name and BlazePose indices.
const GROUPS: [(&str, &[usize]); 5] = [
    ("face", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("shoulders", &[11, 12]),
    ("elbows", &[13, 14]),
    ("wrists", &[15, 16]),
    ("hips", &[23, 24]),
];

fn write_human(out: &mut impl Write, frame: &Frame, pose: Option<&Pose>) -> Result<()> {
    let (w, h) = (frame.image.width(), frame.image.height());
    writeln!(out, "{} ({w}×{h})", frame.source)?;
    let Some(pose) = pose else {
        writeln!(out, "  person      none found\n")?;
        return Ok(());
    };
    let seen = |i: usize| view::usable(&pose.landmarks[i], w, h);
    writeln!(
        out,
        "  person      yes (detector score {:.2}, presence {:.2})",
        pose.detection_score, pose.presence
    )?;
    let v = view::classify(&pose.landmarks, w, h);
    writeln!(out, "  view        {}", v.name())?;
    let groups: Vec<String> = GROUPS
        .iter()
        .map(|(name, ids)| format!("{name} {}/{}", ids.iter().filter(|&&i| seen(i)).count(), ids.len()))
        .collect();
    writeln!(out, "  key points  {}", groups.join(" · "))?;
    let both = |a: usize, b: usize| seen(a) && seen(b);
    let side = matches!(v, View::SideLeft | View::SideRight);
    let measures: Vec<&str> = [
        ("head tilt", both(7, 8)),
        ("shoulder tilt", both(11, 12)),
        ("head height over shoulders", seen(0) && both(11, 12)),
        ("craniovertebral angle", side && ((seen(7) && seen(11)) || (seen(8) && seen(12)))),
        ("trunk inclination", both(11, 23) || both(12, 24)),
        ("elbow angle", (both(11, 13) && seen(15)) || (both(12, 14) && seen(16))),
    ]
    .into_iter()
    .filter_map(|(name, ok)| ok.then_some(name))
    .collect();
    let measures =
        if measures.is_empty() { "nothing yet (too few key points)".to_owned() } else { measures.join(", ") };
    writeln!(out, "  measurable  {measures}\n")?;
    Ok(())
}

fn annotate(dir: &Path, frame: &Frame, pose: Option<&Pose>, written: &mut HashSet<PathBuf>) -> Result<()> {
    let stem = Path::new(&frame.source).file_stem().map_or_else(|| "frame".into(), |s| s.to_string_lossy());
    let mut path = dir.join(format!("{stem}.annotated.png"));
    for n in 2.. {
        if written.insert(path.clone()) {
            break;
        }
        path = dir.join(format!("{stem}-{n}.annotated.png"));
    }
    let mut canvas = frame.image.clone();
    if let Some(pose) = pose {
        draw_pose(&mut canvas, pose);
    }
    canvas.save(&path).with_context(|| format!("cannot write {}", path.display()))
}
