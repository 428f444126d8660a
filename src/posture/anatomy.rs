//! Body dimensions the measures assume, and what BlazePose's landmarks are relative to the
//! anatomical points they stand for — each with its source. They set scales (pixels to
//! metres) and the position of points BlazePose does not detect (C7, the tragus). Errors in
//! them scale the measures a little; changes against a calibration are affected least.
//!
//! "Measured on the rendered set" means: on the 354 camera A/B frames of the rigged 3D body
//! whose posture is known (`tests/fixtures/render/README.md`), BlazePose (full model) against
//! the posed mesh's own points.

/// Distance between BlazePose's two ear landmarks on a frontal face, metres: they sit
/// 15–18 % of the head breadth inward of the tragi (measured on the rendered set; the
/// bitragion breadth of adults is ≈ 14–15 cm), ≈ 12 cm.
pub const BLAZEPOSE_EAR_SPAN_M: f64 = 0.12;
/// Interpupillary distance, metres (domain brief: D ≈ 63 mm).
pub const IPD_M: f64 = 0.063;
/// Where the tragus is relative to BlazePose's ear landmarks: this far in front of their
/// midpoint, metres …
pub const TRAGUS_AHEAD_OF_EAR_M: f64 = 0.01;
/// … and this far below it (measured on the rendered set: 1.1–1.2 cm and 0.3–0.7 cm).
pub const TRAGUS_BELOW_EAR_M: f64 = 0.005;
/// C7 to tragus, metres (domain brief: ≈ 10–12 cm; adults ≈ 10–14 cm). In a front view C7
/// is placed this far from the tragus, at the reference craniovertebral angle, in the
/// calibration posture; a neck 2 cm longer or shorter scales the angle's changes by
/// ≈ 17 %.
pub const NECK_LENGTH_M: f64 = 0.115;
/// Where C7 sits relative to BlazePose's shoulder landmark (the gleno-humeral joint centre)
/// in a side view of an upright trunk: this far behind it, metres …
pub const C7_BEHIND_SHOULDER_M: f64 = 0.06;
/// … and this far above it, metres. With these offsets an upright person with the normal
/// craniovertebral angle (50.6°) has the tragus ≈ 1 cm in front of the shoulder landmark,
/// the classic ear-over-shoulder plumb line. Rounded shoulders move the shoulder landmark
/// forward of this estimate, so side-view CVA then reads a little high.
pub const C7_ABOVE_SHOULDER_M: f64 = 0.05;
/// How far BlazePose's shoulder landmarks sit behind the tragus in an upright sitting
/// posture, metres (on the rendered bodies: 5.3 cm to the joint centres). A front-view
/// calibration places the shoulders with it; an error in it scales the shoulders' movements
/// by its share of the camera distance (1 cm: 1.5 %).
pub const SHOULDER_BEHIND_TRAGUS_M: f64 = 0.05;
/// Clavicle length, metres (adult ≈ 14–16 cm): the radius the shoulder swings on when it
/// protracts.
pub const CLAVICLE_M: f64 = 0.15;
/// Hip joints to shoulder joints, metres (seated adults ≈ 45–52 cm; 0.29 × stature): the
/// lever of a trunk lean.
pub const TRUNK_LENGTH_M: f64 = 0.50;
/// How much further the tragus moves than the shoulders when the trunk leans (its height
/// above the hips over the shoulders'; measured on the rendered leans: 1.42–1.49).
pub const TRUNK_HEAD_LEVER: f64 = 1.4;
/// The furthest a neck alone carries the head forward of the shoulders, metres (a maximal
/// chin poke): a head moving further forward than this took the trunk with it.
pub const NECK_MAX_FORWARD_M: f64 = 0.06;
/// BlazePose's ear axis to its nose, metres (the tragi ≈ 10 cm behind the nose tip, its
/// ears ≈ 1 cm further back): the radius the nose swings on when the head turns (the
/// view's yaw estimate).
pub const EAR_TO_NOSE_M: f64 = 0.11;
/// How far BlazePose's nose sits below its ears on a level head, metres (the frontal
/// layout's 0.089 ear spans): with [`EAR_TO_NOSE_M`], the ear→nose line's angle below the
/// horizontal in a profile of a level head (5.6°).
pub const NOSE_BELOW_EARS_M: f64 = 0.0107;
/// The lever BlazePose's nose acts on when the head pitches, metres. Anatomically the nose
/// tip is ≈ 11 cm in front of the ear axis, but BlazePose's ear and nose landmarks follow
/// the face as it pitches: on the rendered flexion, its nose drops against its ears as if
/// it stood 7.2 cm in front of them (camera A: 8.7 cm, camera B, below the face: 4.8 cm —
/// the one figure serves both, see `docs/measures.md`).
pub const NOSE_LEVER_EFFECTIVE_M: f64 = 0.072;
/// How much further BlazePose's ear landmarks drop than the tragus when the head pitches,
/// metres per unit sine of the pitch (measured on the rendered flexion: 1.8–1.9 cm at 25°
/// on both cameras). A front view adds it back, so that looking down does not read as the
/// head dropping forward.
pub const EAR_FOLLOWS_FACE_M: f64 = 0.044;
/// Normal craniovertebral angle, degrees: 50.6 ± 2.1° in people without neck pain (Lau et
/// al. 2009, Manual Therapy 14:363). Used as the calibration posture's CVA when only a
/// front view was calibrated.
pub const NORMAL_CVA_DEG: f64 = 50.6;
/// The ranges the front measures can take on a seated person; a value outside is a
/// measurement error, not a posture, and is left out (`OutOfRange`). The craniovertebral
/// angle, degrees (normal ≈ 50°, severe forward head < 40°) …
pub const CVA_RANGE_DEG: (f64, f64) = (15.0, 80.0);
/// … the head's forward shift against C7 since the calibration, cm (a maximal chin poke is
/// ≈ 6 cm; back, a few) …
pub const HEAD_FORWARD_RANGE_CM: (f64, f64) = (-10.0, 15.0);
/// … shoulder protraction, degrees (the clavicle's range is ≈ ±30°) …
pub const ROUNDING_RANGE_DEG: (f64, f64) = (-30.0, 45.0);
/// … neck flexion, degrees (the cervical range: ≈ 60° of extension, 80° of flexion) …
pub const NECK_FLEXION_RANGE_DEG: (f64, f64) = (-60.0, 90.0);
/// … the ear–shoulder gap over the calibrated one (a full shrug closes ≈ half of it) …
pub const ELEVATION_RANGE: (f64, f64) = (0.3, 1.7);
/// … and the trunk's lean since the calibration, degrees.
pub const TRUNK_RANGE_DEG: (f64, f64) = (-30.0, 60.0);
