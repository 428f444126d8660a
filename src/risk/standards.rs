//! The published tables the engine judges against: ISO 11226:2000 maximum holding times and
//! RULA's score tables (McAtamney & Corlett 1993).

/// ISO 11226 head inclination: (degrees, maximum holding time in seconds). Below the first
/// point the posture is acceptable (no limit); above the last it is not acceptable.
const HEAD_INCLINATION: [(f64, f64); 7] =
    [(25.0, 480.0), (35.0, 410.0), (45.0, 340.0), (55.0, 270.0), (65.0, 200.0), (75.0, 130.0), (85.0, 60.0)];

/// Reference for ISO holding times.
pub const ISO_11226: &str = "ISO 11226:2000 maximum acceptable holding time";
/// Reference for the static rule.
pub const RULA_STATIC: &str = "RULA/REBA: a posture held > 1 min is static (+1)";

/// What ISO 11226 allows for a held posture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Allowance {
    /// Acceptable without a time limit.
    Unlimited,
    /// Acceptable for at most this many seconds.
    Seconds(f64),
    /// Not acceptable at all.
    NotAcceptable,
}

fn interpolate(table: &[(f64, f64)], angle: f64) -> Allowance {
    let (first, last) = (table[0], table[table.len() - 1]);
    if angle < first.0 {
        return Allowance::Unlimited;
    }
    if angle > last.0 {
        return Allowance::NotAcceptable;
    }
    let seconds = table
        .windows(2)
        .find(|w| angle <= w[1].0)
        .map_or(last.1, |w| w[0].1 + (angle - w[0].0) / (w[1].0 - w[0].0) * (w[1].1 - w[0].1));
    Allowance::Seconds(seconds)
}

/// Maximum holding time for a head inclination (degrees), linear between the table points.
pub fn head_inclination_allowance(deg: f64) -> Allowance {
    interpolate(&HEAD_INCLINATION, deg)
}

/// RULA neck score: 0–10° flexion 1, 10–20° 2, > 20° 3, extension 4; +1 side-bent.
pub fn rula_neck(flexion_deg: f64, side_bent: bool) -> u8 {
    let base = if flexion_deg < -5.0 {
        4
    } else if flexion_deg <= 10.0 {
        1
    } else if flexion_deg <= 20.0 {
        2
    } else {
        3
    };
    base + u8::from(side_bent)
}

/// RULA trunk score: well supported upright 1, 0–20° 2, 20–60° 3, > 60° 4.
pub fn rula_trunk(inclination_deg: Option<f64>) -> u8 {
    match inclination_deg {
        None => 1, // seated at a desk, trunk not seen: assumed supported upright
        Some(a) if a.abs() < 5.0 => 1,
        Some(a) if a.abs() <= 20.0 => 2,
        Some(a) if a.abs() <= 60.0 => 3,
        Some(_) => 4,
    }
}

/// RULA table B (neck × trunk, legs supported).
const TABLE_B: [[u8; 6]; 6] = [
    [1, 2, 3, 5, 6, 7],
    [2, 2, 4, 5, 6, 7],
    [3, 3, 4, 5, 6, 7],
    [5, 5, 6, 7, 7, 8],
    [7, 7, 7, 8, 8, 8],
    [8, 8, 8, 8, 9, 9],
];

/// RULA table C (score A rows 1–8, score B columns 1–7).
const TABLE_C: [[u8; 7]; 8] = [
    [1, 2, 3, 3, 4, 5, 5],
    [2, 2, 3, 4, 4, 5, 5],
    [3, 3, 3, 4, 4, 5, 6],
    [3, 3, 3, 4, 5, 6, 6],
    [4, 4, 4, 5, 6, 7, 7],
    [4, 4, 5, 6, 6, 7, 7],
    [5, 5, 6, 6, 7, 7, 7],
    [5, 5, 6, 7, 7, 7, 7],
];

/// Score A assumed for the arms, which a webcam rarely sees: a typing posture (upper arm
/// 20–45° = 2, forearm 60–100° = 1, wrist 0–15° = 2, no twist = 1 → table A = 3).
pub const ASSUMED_ARM_SCORE: u8 = 3;

/// RULA-style grand score (1–7) from the neck and trunk scores; a static posture adds the
/// muscle-use point to both groups.
pub fn rula_grand(neck: u8, trunk: u8, static_posture: bool) -> u8 {
    let b = TABLE_B[usize::from(neck.clamp(1, 6) - 1)][usize::from(trunk.clamp(1, 6) - 1)]
        + u8::from(static_posture);
    let a = ASSUMED_ARM_SCORE + u8::from(static_posture);
    TABLE_C[usize::from(a.clamp(1, 8) - 1)][usize::from(b.clamp(1, 7) - 1)]
}

/// RULA's action level (1–4) of a grand score: 1–2 → 1, 3–4 → 2, 5–6 → 3, 7 → 4.
pub fn rula_action_level(score: u8) -> u8 {
    match score {
        0..=2 => 1,
        3..=4 => 2,
        5..=6 => 3,
        _ => 4,
    }
}

/// What a RULA grand score asks for.
pub fn rula_action(score: u8) -> &'static str {
    match score {
        0..=2 => "acceptable",
        3..=4 => "investigate further",
        5..=6 => "investigate and change soon",
        _ => "investigate and change now",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn secs(a: Allowance) -> f64 {
        match a {
            Allowance::Seconds(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn iso_tables_interpolate_linearly() {
        assert_eq!(head_inclination_allowance(20.0), Allowance::Unlimited);
        assert_abs_diff_eq!(secs(head_inclination_allowance(25.0)), 480.0);
        assert_abs_diff_eq!(secs(head_inclination_allowance(30.0)), 445.0); // 7:25
        assert_abs_diff_eq!(secs(head_inclination_allowance(85.0)), 60.0);
        assert_eq!(head_inclination_allowance(86.0), Allowance::NotAcceptable);
    }

    #[test]
    fn rula_scores_follow_the_tables() {
        assert_eq!(rula_neck(5.0, false), 1);
        assert_eq!(rula_neck(15.0, true), 3);
        assert_eq!(rula_neck(-10.0, false), 4);
        assert_eq!(rula_trunk(None), 1);
        assert_eq!(rula_trunk(Some(30.0)), 3);
        // upright and moving: B = 1, A = 3 → 3; neck > 20° held static: B = 3 + 1, A = 4 → 4
        assert_eq!(rula_grand(1, 1, false), 3);
        assert_eq!(rula_grand(3, 1, true), 4);
        assert_eq!(rula_grand(4, 3, true), 6);
        assert_eq!(rula_action(7), "investigate and change now");
        let levels: Vec<u8> = (1..=7).map(rula_action_level).collect();
        assert_eq!(levels, [1, 1, 2, 2, 3, 3, 4]);
    }
}
