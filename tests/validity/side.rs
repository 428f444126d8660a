//! Validity of the side view: the three rendered bodies seen in profile by two side cameras
//! (`tests/fixtures/render/side/`), through the heavy model, each calibrated on its own
//! `base` frames, every frame measured on its own against the truth measured on the posed
//! mesh. `cargo test --release --test validity side:: -- --nocapture` prints every figure.

use crate::common;

use common::fixture;
use common::render::{estimate, largest, observe};
use ergoaudit::capture::read_image;
use ergoaudit::pose::{BlazePose, ModelChoice, Pose};
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::posture::{FrameMeasures, MeasureId, Optics, View, measure};
use image::RgbImage;
use serde_json::Value;

const SHAPES: [&str; 3] = ["heavy_man", "slim_woman", "mid_shape"];
const SEQUENCES: [&str; 5] = ["protrude", "flex", "shrug", "round", "combo"];
/// Clavicle length the rounding angle assumes (`anatomy::CLAVICLE_M`), cm.
const CLAVICLE_CM: f64 = 15.0;

fn truth() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("render/side/truth.json")).unwrap()).unwrap()
}

/// One side frame: its measures (`None`: nobody found) and its truth.
struct Frame {
    sequence: &'static str,
    sample: Option<FrameMeasures>,
    derived: Value,
}

impl Frame {
    fn value(&self, id: MeasureId) -> Option<f64> {
        self.sample.as_ref().and_then(|s| s.get(id).value)
    }
    fn delta(&self, key: &str) -> f64 {
        self.derived["delta"][key].as_f64().unwrap()
    }
}

/// The figures of one body and camera.
#[derive(Debug)]
struct Figures {
    /// Frames in which the view was recognised as a side view, of all.
    recognised: (usize, usize),
    /// The calibrated CVA against the truth's, and the largest CVA error on `base`, °.
    base_cva: (f64, f64),
    /// Largest error of the CVA's change on `protrude` and `flex`, °.
    cva_change: f64,
    /// Largest error of the head-forward change on `protrude` and `flex`, cm.
    head_forward: f64,
    /// Rounding frames: the shoulder's forward shift read / true, cm.
    shift: Vec<(f64, f64)>,
    /// Largest error of the forward shift (`round`, `combo`), cm.
    shift_error: f64,
    /// Rounding frames: the rounding read against the forward shoulder angle's fall, °.
    rounding_vs_fsa: Vec<(f64, f64)>,
    /// Largest rounding on `shrug` and `protrude` (neither is rounding), °.
    false_rounding: f64,
}

fn measure_body(pose: &mut BlazePose, truth: &Value, shape: &str, cam: &str) -> Figures {
    let seq = |s: &str| truth["sequences"][format!("{shape}/{cam}/{s}")].clone();
    let c = &seq("base")["camera"];
    // a side camera: level, its field of view known
    let camera = Optics { hfov_deg: c["hfov_deg"].as_f64().unwrap(), hfov_known: true, pitch_deg: 0.0 };
    let load = |f: &Value| {
        read_image(&fixture(&format!("render/side/{}", f["file"].as_str().unwrap()))).unwrap().image
    };
    let mut calibrator = Calibrator::new(camera);
    let mut frames = Vec::new();
    let base = seq("base");
    let base_frames = base["frames"].as_array().unwrap();
    let base_poses: Vec<(RgbImage, Option<Pose>)> = base_frames
        .iter()
        .map(|f| {
            let image = load(f);
            let p = estimate(pose, &image);
            (image, p)
        })
        .collect();
    for (image, p) in &base_poses {
        calibrator.add(p.as_ref().map(|p| observe(p, image)).as_ref());
    }
    let baseline = calibrator.finish(format!("{shape}/{cam}"), jiff::Timestamp::UNIX_EPOCH).unwrap();
    let calibrated = baseline.side.as_ref().expect("a side calibration").cva_deg;
    for ((image, p), f) in base_poses.iter().zip(base_frames) {
        let sample = p.as_ref().map(|p| measure(&observe(p, image), &camera, Some(&baseline)));
        frames.push(Frame { sequence: "base", sample, derived: f["derived"].clone() });
    }
    for name in SEQUENCES {
        for f in seq(name)["frames"].as_array().unwrap() {
            let image = load(f);
            let p = estimate(pose, &image);
            let sample = p.as_ref().map(|p| measure(&observe(p, &image), &camera, Some(&baseline)));
            frames.push(Frame { sequence: name, sample, derived: f["derived"].clone() });
        }
    }
    let of = |names: &[&str]| frames.iter().filter(|f| names.contains(&f.sequence)).collect::<Vec<_>>();
    let v = |f: &Frame, id| f.value(id).unwrap_or(f64::NAN);
    let truth_cva = base["base_truth"]["cva_deg"].as_f64().unwrap();
    let shift = |f: &Frame| CLAVICLE_CM * v(f, MeasureId::ShoulderRoundingDeg).to_radians().sin();
    let rounding = of(&["round", "combo"]);
    Figures {
        recognised: (
            frames
                .iter()
                .filter(|f| {
                    f.sample.as_ref().is_some_and(|s| matches!(s.view, View::SideLeft | View::SideRight))
                })
                .count(),
            frames.len(),
        ),
        base_cva: (
            calibrated - truth_cva,
            largest(
                of(&["base"])
                    .iter()
                    .map(|f| v(f, MeasureId::CvaDeg) - f.derived["cva_deg"].as_f64().unwrap()),
            ),
        ),
        cva_change: largest(
            of(&["protrude", "flex"])
                .iter()
                .map(|f| (v(f, MeasureId::CvaDeg) - calibrated) - f.delta("cva_deg")),
        ),
        head_forward: largest(
            of(&["protrude", "flex"])
                .iter()
                .filter(|f| f.sample.is_some())
                .map(|f| v(f, MeasureId::HeadForwardCm) - f.delta("head_forward_vs_c7_cm")),
        ),
        shift: rounding.iter().map(|f| (shift(f), f.delta("acromion_forward_vs_c7_cm"))).collect(),
        shift_error: largest(
            rounding
                .iter()
                .filter(|f| f.sample.is_some())
                .map(|f| shift(f) - f.delta("acromion_forward_vs_c7_cm")),
        ),
        rounding_vs_fsa: rounding
            .iter()
            .map(|f| (v(f, MeasureId::ShoulderRoundingDeg), -f.delta("fsa_deg")))
            .collect(),
        false_rounding: largest(
            of(&["shrug", "protrude"]).iter().map(|f| v(f, MeasureId::ShoulderRoundingDeg)),
        ),
    }
}

#[test]
fn the_side_view_against_the_rendered_truth() {
    let truth = truth();
    let mut pose = BlazePose::load(&ModelChoice::Heavy).unwrap();
    for cam in ["side", "side_hd"] {
        for shape in SHAPES {
            let f = measure_body(&mut pose, &truth, shape, cam);
            eprintln!("{cam} {shape}: {f:.1?}");
            // the bounds that hold: the view recognised (heavy finds nobody in three
            // of slim_woman's 1280×720 frames), the calibrated CVA within 5° of the truth
            assert!(f.recognised.0 + 3 >= f.recognised.1, "{cam} {shape}: {:?}", f.recognised);
            assert!(f.base_cva.0.abs() <= 5.0, "{cam} {shape}: calibrated CVA off by {:.1}°", f.base_cva.0);
            // where the bound is not met, the measured figure as a floor that must not get
            // worse (docs/measures.md): per-frame CVA on base 5° (one heavy_man side_hd frame
            // puts the ear 2.3 cm forward: 9.2°), its change within 3° on protrude and flex
            // (the ear drops less than the tragus in a chin poke: 3.2–5.4°), the rounding's
            // forward shift within 1 cm (0.7–2.8 cm), shrug and chin poke not rounding within
            // 3° (2.4–15.4°)
            assert!(f.base_cva.1 <= 10.0, "{cam} {shape}: base CVA off by {:.1}°", f.base_cva.1);
            assert!(f.cva_change <= 6.0, "{cam} {shape}: CVA change off by {:.1}°", f.cva_change);
            assert!(f.head_forward <= 3.0, "{cam} {shape}: head forward off by {:.1} cm", f.head_forward);
            assert!(f.shift_error <= 3.0, "{cam} {shape}: forward shift off by {:.1} cm", f.shift_error);
            assert!(f.false_rounding <= 16.0, "{cam} {shape}: {:.1}° of rounding read", f.false_rounding);
            // on mid_shape (the acromion 2 cm below C7) the forward shoulder angle falls by about
            // the clavicle's swing: the rounding follows it within 4.4° on `side` (11.3° on
            // `side_hd`, where 24° reads 24.8° for 13.5°)
            if shape == "mid_shape" {
                // (`round` only: in `combo` the chin poke raises the angle again)
                let off = largest(f.rounding_vs_fsa.iter().take(4).map(|(read, fall)| read - fall));
                assert!(off <= if cam == "side" { 5.0 } else { 12.0 }, "{cam}: {:?}", f.rounding_vs_fsa);
            }
            // rounding of 16° and 24° of clavicle rotation reads as rounding
            let (read, _) = f.shift[3];
            assert!(read > 2.0, "{cam} {shape}: 24° of clavicle rotation reads {read:.1} cm: {:?}", f.shift);
        }
    }
}
