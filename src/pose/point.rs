//! BlazePose's 33 body landmarks by name: the index of each in a pose's landmarks (the
//! model's order; "left" is the subject's left).

/// `nose`.
pub const NOSE: usize = 0;
/// `left_eye_inner`.
pub const LEFT_EYE_INNER: usize = 1;
/// `left_eye`.
pub const LEFT_EYE: usize = 2;
/// `left_eye_outer`.
pub const LEFT_EYE_OUTER: usize = 3;
/// `right_eye_inner`.
pub const RIGHT_EYE_INNER: usize = 4;
/// `right_eye`.
pub const RIGHT_EYE: usize = 5;
/// `right_eye_outer`.
pub const RIGHT_EYE_OUTER: usize = 6;
/// `left_ear`.
pub const LEFT_EAR: usize = 7;
/// `right_ear`.
pub const RIGHT_EAR: usize = 8;
/// `mouth_left`.
pub const MOUTH_LEFT: usize = 9;
/// `mouth_right`.
pub const MOUTH_RIGHT: usize = 10;
/// `left_shoulder`.
pub const LEFT_SHOULDER: usize = 11;
/// `right_shoulder`.
pub const RIGHT_SHOULDER: usize = 12;
/// `left_elbow`.
pub const LEFT_ELBOW: usize = 13;
/// `right_elbow`.
pub const RIGHT_ELBOW: usize = 14;
/// `left_wrist`.
pub const LEFT_WRIST: usize = 15;
/// `right_wrist`.
pub const RIGHT_WRIST: usize = 16;
/// `left_pinky`.
pub const LEFT_PINKY: usize = 17;
/// `right_pinky`.
pub const RIGHT_PINKY: usize = 18;
/// `left_index`.
pub const LEFT_INDEX: usize = 19;
/// `right_index`.
pub const RIGHT_INDEX: usize = 20;
/// `left_thumb`.
pub const LEFT_THUMB: usize = 21;
/// `right_thumb`.
pub const RIGHT_THUMB: usize = 22;
/// `left_hip`.
pub const LEFT_HIP: usize = 23;
/// `right_hip`.
pub const RIGHT_HIP: usize = 24;
/// `left_knee`.
pub const LEFT_KNEE: usize = 25;
/// `right_knee`.
pub const RIGHT_KNEE: usize = 26;
/// `left_ankle`.
pub const LEFT_ANKLE: usize = 27;
/// `right_ankle`.
pub const RIGHT_ANKLE: usize = 28;
/// `left_heel`.
pub const LEFT_HEEL: usize = 29;
/// `right_heel`.
pub const RIGHT_HEEL: usize = 30;
/// `left_foot_index`.
pub const LEFT_FOOT_INDEX: usize = 31;
/// `right_foot_index`.
pub const RIGHT_FOOT_INDEX: usize = 32;

/// The landmark model's auxiliary point at the hip centre (its 34th of 39; not a body
/// landmark): where the next frame's region is centred.
pub const AUX_HIP_CENTRE: usize = 33;
/// The landmark model's auxiliary scale point (its 35th): sets the next region's size and
/// rotation.
pub const AUX_SCALE: usize = 34;
