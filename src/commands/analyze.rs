//! `ergoaudit analyze`: pose and posture measures for images or recorded landmarks.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::annotate::draw_pose;
use ergoaudit::capture::Frame;
use ergoaudit::config::Settings;
use ergoaudit::pose::{Landmark, PosedFrame};
use ergoaudit::posture::{Baseline, Camera, Observation, PostureSample, measure, view};
use ergoaudit::replay::{FrameRecord, LandmarkFile, Metrics};

use crate::cli::AnalyzeArgs;
use crate::options;

/// Run `analyze`. With images, unreadable ones are reported on stderr one line each and the
/// others still processed (exit code 1). A malformed landmarks line stops with its number.
pub fn run(args: &AnalyzeArgs, config: Option<&Path>) -> Result<ExitCode> {
    let settings = options::settings(config, &args.thresholds)?;
    let model = args.landmarks.is_none().then_some(&args.model);
    let profile = options::profile(args.profile.as_deref(), &settings, model)?;
    let (profile, baseline) = profile.unzip();
    let ctx = Judge { camera: settings.thresholds.camera(), settings, baseline, profile, json: args.json };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();

    if let Some(path) = &args.landmarks {
        for record in LandmarkFile::open(path)? {
            let record = record?;
            ctx.emit(&mut out, record.clone().into(), record)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.annotate {
        super::ensure_dir(dir, "--annotate")?;
    }
    let mut written = HashSet::new();
    let failed = super::for_each_input(&args.inputs, &args.model, args.fps, |frame, posed| {
        if let Some(dir) = &args.annotate {
            annotate(dir, frame, posed.pose.as_ref().map(|d| d.landmarks.as_slice()), &mut written)?;
        }
        let record = FrameRecord::from(&posed);
        ctx.emit(&mut out, posed, record)
    })?;
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// What every frame is judged with.
struct Judge {
    settings: Settings,
    camera: Camera,
    baseline: Option<Baseline>,
    profile: Option<String>,
    json: bool,
}

impl Judge {
    /// Write one frame: its record (as read, or made from the frame) with the metrics of
    /// the posed frame.
    fn emit(&self, out: &mut impl Write, posed: PosedFrame, mut record: FrameRecord) -> Result<()> {
        let sample = posed.pose.as_ref().map(|d| {
            measure(&Observation::of(d, posed.width, posed.height), &self.camera, self.baseline.as_ref())
        });
        if self.json {
            record.metrics = Some(Metrics::new(sample.as_ref(), &self.settings.thresholds));
            serde_json::to_writer(&mut *out, &record)?;
            writeln!(out)?;
        } else {
            self.write_human(out, &posed, sample.as_ref())?;
        }
        out.flush()?;
        Ok(())
    }

    fn write_human(
        &self,
        out: &mut impl Write,
        posed: &PosedFrame,
        sample: Option<&PostureSample>,
    ) -> Result<()> {
        let (w, h) = (posed.width, posed.height);
        let at = posed.t_s.map_or(String::new(), |t| format!(", frame {} at {t:.2} s", posed.index));
        writeln!(out, "{} ({w}×{h}{at})", ergoaudit::escape::terminal(&posed.source))?;
        let (Some(data), Some(sample)) = (&posed.pose, sample) else {
            writeln!(out, "  person      none found\n")?;
            return Ok(());
        };
        writeln!(out, "  person      yes (detector score {:.2})", data.detection_score)?;
        writeln!(out, "  view        {}", sample.view.name())?;
        writeln!(out, "  key points  {}", key_points(&data.landmarks, w, h))?;
        let profile =
            self.profile.as_deref().map_or("no calibration profile".to_owned(), |p| format!("profile `{p}`"));
        writeln!(
            out,
            "  measures    ({profile}, camera field of view {}°, tilt {}°)",
            self.camera.hfov_deg, self.camera.pitch_deg
        )?;
        for (id, m) in sample.iter() {
            let line = match m.value {
                Some(v) => {
                    let verdict = self.settings.thresholds.verdict(id, v);
                    format!(
                        "{:>7.1}{:<3} {:<5} {}, confidence {:.2}",
                        v,
                        id.unit(),
                        verdict.name(),
                        m.method.unwrap_or(""),
                        m.confidence
                    )
                }
                None => m.missing.map_or("", |w| w.text()).to_owned(),
            };
            writeln!(out, "    {:<22} {line}", id.label())?;
        }
        writeln!(out)?;
        Ok(())
    }
}

/// Landmark groups reported in the human output: name and BlazePose indices.
const GROUPS: [(&str, &[usize]); 5] = [
    ("face", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("shoulders", &[11, 12]),
    ("elbows", &[13, 14]),
    ("wrists", &[15, 16]),
    ("hips", &[23, 24]),
];

fn key_points(landmarks: &[Landmark], w: u32, h: u32) -> String {
    GROUPS
        .iter()
        .map(|(name, ids)| {
            let seen = ids.iter().filter(|&&i| view::usable(&landmarks[i], w, h)).count();
            format!("{name} {seen}/{}", ids.len())
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn annotate(
    dir: &Path,
    frame: &Frame,
    landmarks: Option<&[Landmark]>,
    written: &mut HashSet<PathBuf>,
) -> Result<()> {
    let stem = Path::new(&frame.source).file_stem().map_or_else(|| "frame".into(), |s| s.to_string_lossy());
    let mut path = dir.join(format!("{stem}.annotated.png"));
    for n in 2.. {
        if written.insert(path.clone()) {
            break;
        }
        path = dir.join(format!("{stem}-{n}.annotated.png"));
    }
    let mut canvas = frame.image.clone();
    if let Some(landmarks) = landmarks {
        draw_pose(&mut canvas, landmarks);
    }
    canvas.save(&path).with_context(|| format!("cannot write {}", path.display()))
}
