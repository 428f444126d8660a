//! Where settings come from: defaults, the TOML config file, `ERGOAUDIT_*` environment
//! variables and command-line flags (in rising precedence), and calibration profiles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

use crate::notify::QuietHours;
use crate::posture::{Baseline, Optics};
use crate::thresholds::{Invalid, SPECS, Thresholds};

/// Environment variable that relocates the config folder (config file and profiles).
pub const CONFIG_DIR_ENV: &str = "ERGOAUDIT_CONFIG_DIR";
/// Prefix of the environment variables that set thresholds (`ERGOAUDIT_CVA_WARN`).
pub const ENV_PREFIX: &str = "ERGOAUDIT_";
/// Name of the profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// Where a threshold's effective value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetBy {
    /// The built-in default.
    Default,
    /// The config file.
    File,
    /// An `ERGOAUDIT_*` environment variable.
    Env,
    /// A command-line flag.
    Flag,
    /// The calibration profile (the camera's field of view `calibrate --distance` fixed).
    Profile,
}

impl SetBy {
    /// `default`, `file`, `env`, `flag` or `profile`.
    pub fn name(&self) -> &'static str {
        match self {
            SetBy::Default => "default",
            SetBy::File => "file",
            SetBy::Env => "env",
            SetBy::Flag => "flag",
            SetBy::Profile => "profile",
        }
    }
}

/// Errors in configuration and profiles.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No config folder could be determined.
    #[error("cannot find a config folder for this user; set {CONFIG_DIR_ENV}")]
    NoConfigDir,
    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has a wrong value type.
    #[error("{}: line {line}: {message}; fix the file or pass --config with another one", .path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// Line (1-based).
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The config file names something that does not exist.
    #[error("{}: line {line}: unknown {what} `{key}`; run `ergoaudit thresholds` for the valid keys", .path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// Line (1-based).
        line: usize,
        /// "key" or "section".
        what: &'static str,
        /// The key.
        key: String,
    },
    /// An environment variable holds no number.
    #[error("{var}={value:?}: not a number")]
    Env {
        /// The variable.
        var: String,
        /// Its value.
        value: String,
    },
    /// A threshold value breaks a rule.
    #[error("threshold {invalid} (set by {origin})")]
    Invalid {
        /// What is wrong.
        invalid: Invalid,
        /// Where the value came from, e.g. `--cva-warn` or `config.toml line 3`.
        origin: String,
    },
    /// A named profile does not exist.
    #[error("no calibration profile `{name}` (looked for {}); run `ergoaudit calibrate --profile {name}` first", .path.display())]
    NoProfile {
        /// Profile name.
        name: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A profile file is damaged.
    #[error("calibration profile {} is damaged ({message}); run `ergoaudit calibrate` again to replace it", .path.display())]
    BadProfile {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A profile name with characters that do not belong in a file name.
    #[error("profile name `{0}`: use letters, digits, `-` and `_` only")]
    BadProfileName(String),
    /// A profile made by an earlier version, whose measures this version computes otherwise.
    #[error(
        "calibration profile {} was made by an earlier version of ergoaudit (format {found}, now {})\
         ; run `ergoaudit calibrate` again to replace it",
        .path.display(),
        crate::posture::calibration::FORMAT
    )]
    OldProfile {
        /// The file.
        path: PathBuf,
        /// Its format.
        found: u32,
    },
}

/// The user's config folder: `$ERGOAUDIT_CONFIG_DIR`, else the platform's
/// (`~/.config/ergoaudit` on Linux).
pub fn config_dir() -> Result<PathBuf, ConfigError> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ergoaudit")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or(ConfigError::NoConfigDir)
}

/// Effective thresholds and where each came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The values.
    pub thresholds: Thresholds,
    /// `[notify] quiet_hours` from the config file.
    pub quiet_hours: Option<QuietHours>,
    /// `[audit] tray` from the config file: a live audit shows a tray icon.
    pub tray: bool,
    /// `[fleet]` from the config file: where and as what this workstation pushes its days.
    pub fleet: FleetSettings,
    /// Source of each threshold, by key.
    pub sources: BTreeMap<&'static str, SetBy>,
    /// The config file read, if any.
    pub file: Option<PathBuf>,
}

impl Settings {
    /// The camera optics the measures assume (`camera_hfov`, `camera_pitch`): the field of
    /// view is known unless it is the built-in default.
    pub fn optics(&self) -> Optics {
        let t = &self.thresholds;
        let known = self.sources.get("camera_hfov").is_some_and(|by| *by != SetBy::Default);
        Optics { hfov_deg: t.camera_hfov, hfov_known: known, pitch_deg: t.camera_pitch }
    }
}

/// `[fleet]` in the config file: team mode, opted into per workstation. With `url`, `site`
/// and `department` all set, the background audit pushes its days once a day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetSettings {
    /// The team's database (a URL without a password).
    pub url: Option<crate::team::DbUrl>,
    /// The workstation's site.
    pub site: Option<String>,
    /// Its department.
    pub department: Option<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

type SpannedTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// What a config file sets.
struct FileSettings {
    thresholds: Vec<(&'static str, f64, usize)>,
    quiet_hours: Option<QuietHours>,
    tray: bool,
    fleet: FleetSettings,
}

/// Read a config file: the `[thresholds]` table as `(key, value, line)`, `[notify]` and
/// `[audit]`.
fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = crate::files::read_to_string(path, crate::files::CONFIG)
        .map_err(|source| ConfigError::Unreadable { path: path.to_path_buf(), source })?;
    let toml_error = |e: toml::de::Error| ConfigError::Toml {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| line_of(&text, s.start)),
        message: e.message().trim().replace('\n', " "),
    };
    let top: BTreeMap<Spanned<String>, Spanned<SpannedTable>> = toml::from_str(&text).map_err(toml_error)?;
    let mut out = Vec::new();
    let mut quiet_hours = None;
    let mut tray = false;
    let mut fleet = FleetSettings::default();
    for (section, table) in &top {
        if ["notify", "audit", "fleet"].contains(&section.get_ref().as_str()) {
            for (key, value) in table.get_ref() {
                let line = line_of(&text, key.span().start);
                let bad = |message: String| ConfigError::Toml { path: path.to_path_buf(), line, message };
                let checked = |what, name: &String| {
                    crate::team::check_name(what, name).map(|()| name.clone()).map_err(|e| bad(e.to_string()))
                };
                match (section.get_ref().as_str(), key.get_ref().as_str(), value.get_ref()) {
                    ("notify", "quiet_hours", toml::Value::String(s)) => {
                        quiet_hours = Some(s.parse().map_err(|e| bad(format!("quiet_hours {e}")))?);
                    }
                    ("notify", "quiet_hours", _) => {
                        return Err(bad("quiet_hours must be a string like \"22:00-07:00\"".into()));
                    }
                    ("audit", "tray", toml::Value::Boolean(on)) => tray = *on,
                    ("audit", "tray", _) => return Err(bad("tray must be true or false".into())),
                    ("fleet", "url", toml::Value::String(url)) => {
                        // the URL's error never repeats a password
                        fleet.url = Some(url.parse().map_err(|e: crate::team::UrlError| bad(e.to_string()))?);
                    }
                    ("fleet", "site", toml::Value::String(name)) => fleet.site = Some(checked("site", name)?),
                    ("fleet", "department", toml::Value::String(name)) => {
                        fleet.department = Some(checked("department", name)?);
                    }
                    ("fleet", key @ ("url" | "site" | "department"), _) => {
                        return Err(bad(format!("{key} must be a string")));
                    }
                    (_, other, _) => {
                        return Err(ConfigError::UnknownKey {
                            path: path.to_path_buf(),
                            line,
                            what: "key",
                            key: other.to_owned(),
                        });
                    }
                }
            }
            continue;
        }
        if section.get_ref() != "thresholds" {
            return Err(ConfigError::UnknownKey {
                path: path.to_path_buf(),
                line: line_of(&text, section.span().start),
                what: "section",
                key: section.get_ref().clone(),
            });
        }
        for (key, value) in table.get_ref() {
            let line = line_of(&text, key.span().start);
            let Some(spec) = SPECS.iter().find(|s| s.key == key.get_ref()) else {
                return Err(ConfigError::UnknownKey {
                    path: path.to_path_buf(),
                    line,
                    what: "key",
                    key: key.get_ref().clone(),
                });
            };
            let number = match value.get_ref() {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    return Err(ConfigError::Toml {
                        path: path.to_path_buf(),
                        line,
                        message: format!("{} must be a number, not {}", spec.key, other.type_str()),
                    });
                }
            };
            out.push((spec.key, number, line));
        }
    }
    Ok(FileSettings { thresholds: out, quiet_hours, tray, fleet })
}

/// Resolve the thresholds: defaults, overridden by `file` (the default config file
/// `config.toml` in [`config_dir`] when `None`, which may be absent), by `ERGOAUDIT_<KEY>`
/// variables read through `env`, and by `flags`. Every value is then validated; an error
/// names the key and where its value came from.
pub fn load(
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
    flags: &[(&'static str, f64)],
) -> Result<Settings, ConfigError> {
    let mut thresholds = Thresholds::default();
    let mut sources: BTreeMap<&'static str, SetBy> = SPECS.iter().map(|s| (s.key, SetBy::Default)).collect();
    let mut origins: BTreeMap<&'static str, String> = BTreeMap::new();

    let path = match file {
        Some(p) => Some(p.to_path_buf()),
        None => config_dir().ok().map(|d| d.join("config.toml")).filter(|p| p.exists()),
    };
    let (mut quiet_hours, mut tray, mut fleet) = (None, false, FleetSettings::default());
    if let Some(path) = &path {
        let file = read_file(path)?;
        (quiet_hours, tray, fleet) = (file.quiet_hours, file.tray, file.fleet);
        for (key, value, line) in file.thresholds {
            thresholds.set(key, value);
            sources.insert(key, SetBy::File);
            origins.insert(key, format!("{} line {line}", path.display()));
        }
    }
    for spec in SPECS {
        let var = format!("{ENV_PREFIX}{}", spec.key.to_uppercase());
        if let Some(text) = env(&var) {
            let value =
                text.trim().parse::<f64>().map_err(|_| ConfigError::Env { var: var.clone(), value: text })?;
            thresholds.set(spec.key, value);
            sources.insert(spec.key, SetBy::Env);
            origins.insert(spec.key, var);
        }
    }
    for &(key, value) in flags {
        thresholds.set(key, value);
        sources.insert(key, SetBy::Flag);
        origins.insert(key, format!("--{}", key.replace('_', "-")));
    }
    thresholds.validate().map_err(|invalid| {
        let origin = origins.get(invalid.key).cloned().unwrap_or_else(|| "the defaults".to_owned());
        ConfigError::Invalid { invalid, origin }
    })?;
    Ok(Settings { thresholds, quiet_hours, tray, fleet, sources, file: path })
}

fn profile_path(name: &str) -> Result<PathBuf, ConfigError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ConfigError::BadProfileName(name.to_owned()));
    }
    Ok(config_dir()?.join("profiles").join(format!("{name}.toml")))
}

/// Load the calibration profile `name`; `Ok(None)` when it does not exist and
/// `required` is false.
pub fn load_profile(name: &str, required: bool) -> Result<Option<Baseline>, ConfigError> {
    let path = profile_path(name)?;
    let text = match crate::files::read_to_string(&path, crate::files::CONFIG) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NoProfile { name: name.to_owned(), path });
        }
        Err(source) => return Err(ConfigError::Unreadable { path, source }),
    };
    let bad = |e: toml::de::Error| ConfigError::BadProfile {
        path: path.clone(),
        message: e.message().trim().replace('\n', " "),
    };
    /// Enough of a profile to tell an old one (no `format`, the first version's keys) from
    /// a damaged one.
    #[derive(serde::Deserialize)]
    struct Header {
        format: Option<u32>,
        created: Option<toml::Value>,
        camera_hfov_deg: Option<toml::Value>,
    }
    let header: Header = toml::from_str(&text).map_err(bad)?;
    let found = match header.format {
        Some(n) => n,
        None if header.created.is_some() && header.camera_hfov_deg.is_some() => 1,
        None => crate::posture::calibration::FORMAT,
    };
    if found != crate::posture::calibration::FORMAT {
        return Err(ConfigError::OldProfile { path, found });
    }
    let baseline: Baseline = toml::from_str(&text).map_err(bad)?;
    if baseline.front.as_ref().is_some_and(|f| !f.is_valid()) {
        return Err(ConfigError::BadProfile {
            path,
            message: "its front view holds no usable face template or positions".into(),
        });
    }
    Ok(Some(baseline))
}

/// Store `baseline` as profile `name` (through [`crate::files::write_atomically`], so a
/// crash never leaves half a profile, and a symbolic link planted in its place is refused).
/// Returns the file written.
pub fn save_profile(name: &str, baseline: &Baseline) -> Result<PathBuf, ConfigError> {
    let path = profile_path(name)?;
    let unwritable = |source| ConfigError::Unwritable { path: path.clone(), source };
    std::fs::create_dir_all(path.parent().expect("profiles folder")).map_err(unwritable)?;
    let text = format!(
        "# ergoaudit calibration profile `{name}`: the upright reference posture at one desk set-up\n{}",
        toml::to_string(baseline).expect("a baseline serialises")
    );
    crate::files::write_atomically(&path, |out| out.write_all(text.as_bytes())).map_err(unwritable)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn flag_beats_env_beats_file_beats_default() {
        let (_d, path) = write("[thresholds]\ncva_warn = 49\ncva_risk = 44\nneck_flexion_warn = 12\n");
        let env =
            |v: &str| (v == "ERGOAUDIT_CVA_WARN" || v == "ERGOAUDIT_TRUNK_WARN").then(|| "48.5".to_owned());
        let s = load(Some(&path), env, &[("trunk_warn", 25.0)]).unwrap();
        assert_eq!(s.thresholds.cva_warn, 48.5);
        assert_eq!(s.sources["cva_warn"], SetBy::Env);
        assert_eq!(s.thresholds.cva_risk, 44.0);
        assert_eq!(s.sources["cva_risk"], SetBy::File);
        assert_eq!(s.thresholds.trunk_warn, 25.0);
        assert_eq!(s.sources["trunk_warn"], SetBy::Flag);
        assert_eq!(s.sources["static_hold"], SetBy::Default);
    }

    #[test]
    fn file_errors_name_the_line() {
        let (_d, path) = write("[thresholds]\ncva_warn = 49\nbogus = 3\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("bogus"), "{err}");
        let (_d, path) = write("[thresholds]\ncva_warn = \"high\"\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("must be a number"), "{err}");
        let (_d, path) = write("[thresholds]\ncva_warn = = 3\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let (_d, path) = write("[notify]\nquiet_hours = \"22:00\"\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("quiet_hours"), "{err}");
        let (_d, path) = write("[notify]\nquiet_hours = \"22:00-07:30\"\n");
        assert!(load(Some(&path), |_| None, &[]).unwrap().quiet_hours.is_some());
        let (_d, path) = write("[audit]\ntray = true\n");
        assert!(load(Some(&path), |_| None, &[]).unwrap().tray);
        let (_d, path) = write("[audit]\ntray = \"yes\"\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("tray must be true or false"), "{err}");
        let (_d, path) = write("[audit]\nquiet_hours = \"22:00-07:00\"\n");
        assert!(load(Some(&path), |_| None, &[]).is_err(), "quiet hours belong to [notify]");
        let (_d, path) = write("[thresholdz]\ncva_warn = 3\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("section `thresholdz`"), "{err}");
    }

    #[test]
    fn the_fleet_section_is_checked_where_it_is_read() {
        let (_d, path) = write(
            "[fleet]\nurl = \"postgresql://push@db.example.org/team?sslmode=require\"\nsite = \"Lyon \\\"HQ\\\"\"\ndepartment = \"Fin\\nance\"\n",
        );
        let fleet = load(Some(&path), |_| None, &[]).unwrap().fleet;
        assert_eq!(fleet.url.unwrap().host, "db.example.org");
        assert_eq!(
            (fleet.site.as_deref(), fleet.department.as_deref()),
            (Some("Lyon \"HQ\""), Some("Fin\nance"))
        );
        // a password in the URL: refused, and not repeated
        let (_d, path) = write("[fleet]\n\nurl = \"postgresql://push:Hunter2@db/team\"\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("PGPASSWORD") && !err.contains("Hunter2"), "{err}");
        let (_d, path) = write(&format!("[fleet]\nsite = \"{}\"\n", "x".repeat(201)));
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("1 to 200 characters"), "{err}");
        let (_d, path) = write("[fleet]\ndepartment = 7\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("department must be a string"), "{err}");
        let (_d, path) = write("[fleet]\nsites = \"a\"\n");
        assert!(load(Some(&path), |_| None, &[]).unwrap_err().to_string().contains("sites"));
    }

    #[test]
    fn invalid_values_say_where_they_came_from() {
        let (_d, path) = write("[thresholds]\ncva_warn = 40\n");
        let err = load(Some(&path), |_| None, &[]).unwrap_err().to_string();
        assert!(err.contains("cva_warn = 40") && err.contains("line 2"), "{err}");
        let (_d, empty) = write("");
        let err = load(Some(&empty), |_| None, &[("static_hold", -5.0)]).unwrap_err().to_string();
        assert!(err.contains("--static-hold") && err.contains("negative"), "{err}");
        let env = |v: &str| (v == "ERGOAUDIT_BREAK_MIN").then(|| "soon".to_owned());
        let err = load(Some(&empty), env, &[]).unwrap_err().to_string();
        assert!(err.contains("ERGOAUDIT_BREAK_MIN"), "{err}");
    }
}
