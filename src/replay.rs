//! Replay: the per-frame JSON record that `analyze --json` writes (one object per line, so
//! other tools can consume it), and the landmarks file (`--landmarks`) that reads it back
//! in place of pixels.
//!
//! ```json
//! {"source": "photo.jpg", "frame": 0, "t_s": null, "width": 640, "height": 480,
//!  "person": true, "detection_score": 0.81,
//!  "landmarks": [[x_px, y_px, z, visibility, presence], ...33],
//!  "world_landmarks": [[x_m, y_m, z_m], ...33], "metrics": {}}
//! ```
//! Landmarks are in BlazePose order ([`crate::pose::point`]); `z` is MediaPipe's
//! normalised depth (same scale as `x / width`, negative towards the camera); world
//! landmarks are metres with the origin between the hips. With no person, `person` is false
//! and `detection_score`, `landmarks` and `world_landmarks` are null.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use serde_json::{Map, Value, json};

use crate::capture::CaptureError;
use crate::pose::{FACE_BASIS_POINTS, Face, Landmark, NUM_LANDMARKS, PoseData, PosedFrame};
use crate::posture::{FrameMeasures, Measures, Missing, View};
use crate::thresholds::{Thresholds, Verdict};

/// A line of a landmarks file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BadRecord {
    /// Not JSON, or not in the record's shape.
    #[error("not a frame record ({0})")]
    Json(#[from] serde_json::Error),
    /// `person` is true but the landmarks are missing or not 33.
    #[error("person is true but landmarks hold {0} points, not 33")]
    Landmarks(usize),
    /// `world_landmarks` are present but not 33.
    #[error("world_landmarks hold {0} points, not 33")]
    World(usize),
    /// A value outside what a recording can hold.
    #[error("{0}")]
    OutOfRange(String),
}

/// Latest frame time a record may carry: a year into its recording.
pub const MAX_T_S: f64 = 366.0 * 86_400.0;
/// Largest frame side a record may describe, pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Largest absolute landmark coordinate (pixels; a point may lie outside the frame, not
/// this far) and world coordinate (metres).
const MAX_PX: f64 = 1e6;
const MAX_M: f64 = 100.0;

/// One analysed frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// Where the frame came from.
    pub source: String,
    /// Frame index within the source.
    pub frame: u64,
    /// Time within the source, seconds (null for still images).
    pub t_s: Option<f64>,
    /// Frame width, pixels.
    pub width: u32,
    /// Frame height, pixels.
    pub height: u32,
    /// Whether a person was found.
    pub person: bool,
    /// Detector score of the person.
    pub detection_score: Option<f64>,
    /// 33 × `[x_px, y_px, z, visibility, presence]`.
    pub landmarks: Option<Vec<[f64; 5]>>,
    /// 33 × `[x_m, y_m, z_m]`.
    pub world_landmarks: Option<Vec<[f64; 3]>>,
    /// The silhouette's top edge above the left and right shoulder, `[[x_px, y_px] × 2]`
    /// (left out when not found, and in recordings made before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shoulder_tops: Option<[[f64; 2]; 2]>,
    /// What the face mesh found of the face, for the head's pitch (left out when the face was
    /// not seen, and in recordings made before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<FaceRecord>,
    /// Posture measures computed from the landmarks (written by `analyze`; ignored when
    /// read back).
    #[serde(default, skip_deserializing, serialize_with = "metrics_or_empty")]
    pub metrics: Option<Metrics>,
}

/// What the face mesh found of a frame's face, as a record keeps it (see
/// [`crate::pose::Face`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceRecord {
    /// The mesh's 33 points a rigid fit needs, `[x_px, y_px, z_px]` each.
    pub points: Vec<[f64; 3]>,
    /// The mesh's face flag, 0–1.
    pub presence: f64,
}

/// No metrics are written as an empty object, as a consumer expects an object there.
fn metrics_or_empty<S: serde::Serializer>(m: &Option<Metrics>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => m.serialize(s),
        None => Map::new().serialize(s),
    }
}

/// How one measure of a frame turned out.
#[derive(Clone, Debug, PartialEq)]
pub enum Quality {
    /// It has a value: with this confidence, method and verdict.
    Measured {
        /// 0–1.
        confidence: f64,
        /// How it was computed.
        method: Option<&'static str>,
        /// Its band; `None` for an estimate (a view it is not judged from, see
        /// [`crate::posture::MeasureId::judged_in`]).
        verdict: Option<Verdict>,
    },
    /// It has none, for this reason.
    Missing(Option<Missing>),
    /// Nobody was there to measure.
    NoPerson,
}

/// A frame's posture measures as `analyze --json` writes them: the view, every measure by
/// name (null when absent, 2 decimals), and `quality`: per measure its confidence, method
/// and verdict, or why it is missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// The camera view (`None`: nobody).
    pub view: Option<View>,
    /// The values.
    pub values: Measures<Option<f64>>,
    /// How each came out.
    pub quality: Measures<Quality>,
    /// The head's distance change since the calibration, a fraction (see
    /// [`FrameMeasures::distance_change`]).
    pub distance_change: Option<f64>,
}

impl Metrics {
    /// The metrics of a frame's posture sample (`None`: nobody), judged with `thresholds`.
    pub fn new(sample: Option<&FrameMeasures>, thresholds: &Thresholds) -> Self {
        Metrics {
            view: sample.map(|s| s.view),
            values: Measures::from_fn(|id| sample.and_then(|s| s.get(id).value)),
            quality: Measures::from_fn(|id| match sample.map(|s| s.get(id)) {
                Some(m) => match m.value {
                    Some(v) => Quality::Measured {
                        confidence: m.confidence,
                        method: m.method,
                        // a view the measure is not judged from gives an estimate
                        verdict: id.judged_in(sample.map(|s| s.view)).then(|| thresholds.verdict(id, v)),
                    },
                    None => Quality::Missing(m.missing),
                },
                None => Quality::NoPerson,
            }),
            distance_change: sample.and_then(|s| s.distance_change),
        }
    }
}

impl Serialize for Metrics {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let two = |v: f64| (v * 100.0).round() / 100.0;
        let mut map = Map::new();
        map.insert("view".into(), json!(self.view.map_or("none", View::name)));
        let mut quality = Map::new();
        for (id, value) in self.values.iter() {
            map.insert(id.name().into(), value.map_or(Value::Null, |v| json!(two(v))));
            let q = match &self.quality[id] {
                Quality::Measured { confidence, method, verdict: Some(verdict) } => json!({
                    "confidence": two(*confidence),
                    "method": method,
                    "verdict": verdict.name(),
                }),
                Quality::Measured { confidence, method, verdict: None } => json!({
                    "confidence": two(*confidence),
                    "method": method,
                    "verdict": "estimate",
                    "error_deg": crate::posture::FRONT_ROUNDING_ERROR_DEG,
                }),
                Quality::Missing(why) => json!({ "missing": why.map(Missing::text) }),
                Quality::NoPerson => json!({ "missing": "no person" }),
            };
            quality.insert(id.name().into(), q);
        }
        map.insert("quality".into(), Value::Object(quality));
        let three = |v: f64| (v * 1000.0).round() / 1000.0;
        map.insert(
            "viewing_distance_change".into(),
            self.distance_change.map_or(Value::Null, |c| json!(three(c))),
        );
        map.serialize(s)
    }
}

fn round(v: f32, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (f64::from(v) * k).round() / k
}

impl From<&PosedFrame> for FrameRecord {
    /// The record of a frame, without metrics (its values already rounded: see
    /// [`PosedFrame::new`]; printed with as many decimals).
    fn from(f: &PosedFrame) -> Self {
        let pose = f.pose.as_ref();
        FrameRecord {
            source: f.source.clone(),
            frame: f.index,
            t_s: f.t_s,
            width: f.width,
            height: f.height,
            person: pose.is_some(),
            detection_score: pose.map(|p| round(p.detection_score, 4)),
            landmarks: pose.map(|p| {
                p.landmarks
                    .iter()
                    .map(|l| {
                        [
                            round(l.x, 2),
                            round(l.y, 2),
                            round(l.z, 5),
                            round(l.visibility, 4),
                            round(l.presence, 4),
                        ]
                    })
                    .collect()
            }),
            world_landmarks: pose
                .and_then(|p| p.world.as_ref())
                .map(|w| w.iter().map(|p| p.map(|v| round(v, 4))).collect()),
            shoulder_tops: pose.and_then(|p| p.shoulder_tops).map(|t| t.map(|p| p.map(|v| round(v, 2)))),
            face: pose.and_then(|p| p.face).map(|f| FaceRecord {
                points: f.points.iter().map(|p| p.map(|v| round(v, 2))).collect(),
                presence: round(f.presence, 4),
            }),
            metrics: None,
        }
    }
}

impl From<FrameRecord> for PosedFrame {
    /// The frame a record describes (a record claiming a person without landmarks has
    /// none; [`FrameRecord::parse`] refuses those).
    fn from(r: FrameRecord) -> Self {
        let pose = r.landmarks.filter(|_| r.person).map(|landmarks| PoseData {
            landmarks: landmarks
                .iter()
                .map(|l| Landmark {
                    x: l[0] as f32,
                    y: l[1] as f32,
                    z: l[2] as f32,
                    visibility: l[3] as f32,
                    presence: l[4] as f32,
                })
                .collect(),
            world: r.world_landmarks.map(|w| w.iter().map(|p| p.map(|v| v as f32)).collect()),
            detection_score: r.detection_score.unwrap_or_default() as f32,
            shoulder_tops: r.shoulder_tops.map(|t| t.map(|p| p.map(|v| v as f32))),
            face: r.face.and_then(|f| {
                let points: Vec<[f32; 3]> = f.points.iter().map(|p| p.map(|v| v as f32)).collect();
                Some(Face { points: points.try_into().ok()?, presence: f.presence as f32 })
            }),
        });
        PosedFrame { source: r.source, index: r.frame, t_s: r.t_s, width: r.width, height: r.height, pose }
    }
}

impl FrameRecord {
    /// Parse one line of a landmarks file (the shape `analyze --json` writes; `metrics` may
    /// be left out) and check the landmark counts.
    pub fn parse(line: &str) -> Result<Self, BadRecord> {
        let record: FrameRecord = serde_json::from_str(line)?;
        let range = |what: String| Err(BadRecord::OutOfRange(what));
        if let Some(t) = record.t_s
            && !(0.0..=MAX_T_S).contains(&t)
        {
            return range(format!("t_s {t} is not between 0 and {MAX_T_S} s (a year)"));
        }
        if !(1..=MAX_SIDE).contains(&record.width) || !(1..=MAX_SIDE).contains(&record.height) {
            return range(format!("width and height must be 1 to {MAX_SIDE} pixels"));
        }
        if record.detection_score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            return range("detection_score must be between 0 and 1".into());
        }
        let bad_point = |l: &[f64; 5]| {
            l[..3].iter().any(|v| v.abs() > MAX_PX) || l[3..].iter().any(|p| !(0.0..=1.0).contains(p))
        };
        if record.landmarks.as_ref().is_some_and(|lm| lm.iter().any(bad_point)) {
            return range(format!(
                "landmarks must have coordinates within ±{MAX_PX} px and visibility and presence between 0 and 1"
            ));
        }
        if record.shoulder_tops.is_some_and(|t| t.iter().flatten().any(|v| v.abs() > MAX_PX)) {
            return range(format!("shoulder_tops must have coordinates within ±{MAX_PX} px"));
        }
        if record.face.as_ref().is_some_and(|f| {
            f.points.len() != FACE_BASIS_POINTS
                || f.points.iter().flatten().any(|v| v.abs() > MAX_PX)
                || !(0.0..=1.0).contains(&f.presence)
        }) {
            return range(format!(
                "face must have {FACE_BASIS_POINTS} points with coordinates within ±{MAX_PX} px and a presence between 0 and 1"
            ));
        }
        if record.world_landmarks.as_ref().is_some_and(|w| w.iter().flatten().any(|v| v.abs() > MAX_M)) {
            return range(format!("world_landmarks must lie within ±{MAX_M} m"));
        }
        if record.person {
            let n = record.landmarks.as_ref().map_or(0, Vec::len);
            if n != NUM_LANDMARKS {
                return Err(BadRecord::Landmarks(n));
            }
        }
        if let Some(w) = &record.world_landmarks
            && w.len() != NUM_LANDMARKS
        {
            return Err(BadRecord::World(w.len()));
        }
        Ok(record)
    }
}

/// How often a read of a landmarks stream waiting for its writer looks at the stop flag.
const STOP_POLL_MS: libc::c_int = 100;

/// The bytes of a landmarks file or stream; with a stop flag, a read that waits for a live
/// writer (a FIFO stalled mid-line) gives up, as the end of the input, once the flag is set.
struct Stream {
    file: std::fs::File,
    stop: Option<Arc<AtomicBool>>,
}

impl Stream {
    fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        if self.stop.is_some() {
            use std::os::fd::AsRawFd;
            loop {
                if self.stopped() {
                    return Ok(0);
                }
                let mut ready = libc::pollfd { fd: self.file.as_raw_fd(), events: libc::POLLIN, revents: 0 };
                // SAFETY: poll on one pollfd this function owns, for a bounded time
                match unsafe { libc::poll(&mut ready, 1, STOP_POLL_MS) } {
                    n if n > 0 => break, // data, or the writer is gone (the read says which)
                    0 => {}
                    _ => {
                        let e = std::io::Error::last_os_error();
                        if e.kind() != std::io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                }
            }
        }
        self.file.read(buf)
    }
}

/// A landmarks file (`--landmarks FILE.jsonl`): one frame record per line, in the shape
/// `analyze --json` writes. Blank lines are skipped.
pub struct LandmarkFile {
    path: PathBuf,
    reader: std::io::BufReader<Stream>,
    text: String,
    line: usize,
    done: bool,
}

/// A line of a landmarks file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: line {line}: {problem}; each line must be one JSON frame record as `analyze --json` writes", .path.display())]
pub struct BadLine {
    /// The file.
    pub path: PathBuf,
    /// Line number (1-based).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

impl LandmarkFile {
    /// Open a landmarks file (a regular file, or a named pipe written live; lines of at
    /// most 64 kB).
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let file = crate::files::open_stream(path, crate::files::LANDMARKS).map_err(|source| match source
            .kind()
        {
            std::io::ErrorKind::NotFound => CaptureError::Missing(path.to_path_buf()),
            _ => CaptureError::Unreadable { path: path.to_path_buf(), source },
        })?;
        Ok(LandmarkFile {
            path: path.to_path_buf(),
            reader: std::io::BufReader::new(Stream { file, stop: None }),
            text: String::new(),
            line: 0,
            done: false,
        })
    }

    /// End the records as soon as `stop` is set, even while waiting for a live writer
    /// mid-line (what was read of an unfinished line is dropped).
    pub fn stopped_by(mut self, stop: &Arc<AtomicBool>) -> Self {
        self.reader.get_mut().stop = Some(Arc::clone(stop));
        self
    }
}

impl Iterator for LandmarkFile {
    type Item = Result<FrameRecord, BadLine>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.line += 1;
            let bad = |problem: String| BadLine { path: self.path.clone(), line: self.line, problem };
            let read = crate::files::read_line(&mut self.reader, &mut self.text, crate::files::LANDMARK_LINE);
            if self.reader.get_ref().stopped() {
                self.done = true;
                break;
            }
            match read {
                Ok(true) if self.text.trim().is_empty() => {}
                Ok(true) => {
                    return Some(FrameRecord::parse(&self.text).map_err(|e: BadRecord| bad(e.to_string())));
                }
                Ok(false) => self.done = true,
                Err(e) => return Some(Err(bad(e.to_string()))),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(face: Option<FaceRecord>) -> String {
        let record = FrameRecord {
            source: "clip".into(),
            frame: 3,
            t_s: Some(1.5),
            width: 640,
            height: 480,
            person: true,
            detection_score: Some(0.9),
            landmarks: Some(vec![[320.0, 200.0, -0.1, 0.99, 0.99]; NUM_LANDMARKS]),
            world_landmarks: None,
            shoulder_tops: None,
            face,
            metrics: None,
        };
        serde_json::to_string(&record).unwrap()
    }

    #[test]
    fn the_face_mesh_travels_through_a_recording_and_is_checked() {
        let points: Vec<[f64; 3]> =
            (0..FACE_BASIS_POINTS).map(|k| [300.0 + k as f64, 180.5, -4.25]).collect();
        let good = FaceRecord { points: points.clone(), presence: 0.97 };
        let frame = PosedFrame::from(FrameRecord::parse(&record(Some(good))).unwrap());
        let face = frame.pose.unwrap().face.unwrap();
        assert_eq!((face.points[32], face.presence), ([332.0, 180.5, -4.25], 0.97));
        // recordings made before the face mesh have none, and still read
        let old = record(None);
        assert!(!old.contains("face"));
        assert_eq!(PosedFrame::from(FrameRecord::parse(&old).unwrap()).pose.unwrap().face, None);
        let mut far = points.clone();
        far[5][2] = 2.0 * MAX_PX;
        for bad in [
            FaceRecord { points: points[1..].to_vec(), presence: 0.97 },
            FaceRecord { points: far, presence: 0.97 },
            FaceRecord { points, presence: 1.5 },
        ] {
            let err = FrameRecord::parse(&record(Some(bad))).unwrap_err().to_string();
            assert!(err.contains("face must have 33 points"), "{err}");
        }
    }
}
