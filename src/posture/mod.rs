//! Posture measures from landmarks. Knows nothing of cameras or models: it takes plain
//! landmark data, so it is tested with synthetic and recorded landmarks.

pub mod view;
