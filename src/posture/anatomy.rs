//! Body dimensions the measures assume, with their sources. They set scales (pixels to
//! metres) and the position of points BlazePose does not detect (C7). Errors in them scale
//! the measures a little; changes against a calibration are affected least.

/// Distance between the two ear landmarks (≈ bitragion breadth), metres. Adult
/// anthropometry: ≈ 14–15 cm.
pub const HEAD_BREADTH_M: f64 = 0.145;
/// Interpupillary distance, metres (domain brief: D ≈ 63 mm).
pub const IPD_M: f64 = 0.063;
/// C7 to tragus, metres (domain brief: ≈ 10–12 cm). The head is modelled as pivoting on
/// this "neck" around C7: a lower craniovertebral angle brings the tragus forward and down.
pub const NECK_LENGTH_M: f64 = 0.11;
/// Where C7 sits relative to BlazePose's shoulder landmark (the gleno-humeral joint centre)
/// in a side view of an upright trunk: this far behind it, metres …
pub const C7_BEHIND_SHOULDER_M: f64 = 0.06;
/// … and this far above it, metres. With these offsets an upright person with the normal
/// craniovertebral angle (50.6°) has the tragus ≈ 1 cm in front of the shoulder landmark,
/// the classic ear-over-shoulder plumb line. Rounded shoulders move the shoulder landmark
/// forward of this estimate, so side-view CVA then reads a little high.
pub const C7_ABOVE_SHOULDER_M: f64 = 0.05;
/// How far the shoulder landmarks sit behind the ears in the calibration posture, metres
/// (the same plumb-line geometry: tragus ≈ 1 cm ahead of the shoulder).
pub const SHOULDER_BEHIND_EAR_M: f64 = 0.01;
/// Clavicle length, metres (adult ≈ 14–16 cm): the radius the shoulder swings on when it
/// protracts.
pub const CLAVICLE_M: f64 = 0.15;
/// Ear axis to nose tip, metres (≈ 10 cm): the radius the nose swings on when the head
/// pitches.
pub const EAR_TO_NOSE_M: f64 = 0.10;
/// Normal craniovertebral angle, degrees: 50.6 ± 2.1° in people without neck pain (Lau et
/// al. 2009, Manual Therapy 14:363). Used as the calibration posture's CVA when only a
/// front view was calibrated.
pub const NORMAL_CVA_DEG: f64 = 50.6;
