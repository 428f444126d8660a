//! Finding, verifying and loading the bundled ONNX models.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use prost::Message;
use sha2::{Digest, Sha256};
use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::*;

use super::ops;

/// An optimised, runnable tract model.
pub(crate) type Runnable = Arc<TypedRunnableModel>;

/// Environment variable naming a folder whose model files replace the built-in ones.
pub const MODEL_DIR_ENV: &str = "ERGOAUDIT_MODEL_DIR";

/// Errors of the pose stage.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    /// A model file could not be read.
    #[error(
        "cannot read model {}: {source}; check the path (a folder in {} must hold the detector, the face mesh and the landmark model asked for)",
        .path.display(),
        MODEL_DIR_ENV
    )]
    ModelUnreadable {
        /// The model file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A bundled model's sha256 does not match.
    #[error("model {} is corrupt or truncated (sha256 {actual}, expected {expected}); {fix}", .path.display())]
    ModelCorrupt {
        /// The model file.
        path: PathBuf,
        /// What to do about it.
        fix: &'static str,
        /// Expected sha256.
        expected: &'static str,
        /// Sha256 found.
        actual: String,
    },
    /// A model does not have BlazePose's inputs and outputs.
    #[error(
        "{} is not a usable BlazePose model: {reason}; use --model full, --model lite, --model heavy, or a pose_landmark_*.onnx made by models/convert.sh",
        .path.display()
    )]
    ModelInvalid {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// tract failed while running a model.
    #[error("pose inference failed: {0}")]
    Inference(String),
}

/// A tract error while running a model, as the pose stage reports it.
pub(crate) fn inference(e: TractError) -> PoseError {
    PoseError::Inference(format!("{e:#}"))
}

/// Output `i` of a model run, as f32 values.
pub(crate) fn output(out: &TVec<TValue>, i: usize) -> Result<&[f32], PoseError> {
    out[i].try_as_plain_ram().and_then(|v| v.as_slice::<f32>()).map_err(inference)
}

/// One of the ONNX files of `models/`, built into the binary, with the sha256 it must have.
///
/// The models travel inside the executable (86 MB) so that the binary alone is the whole
/// tool, however it was installed: `cargo install`, the Debian package, a copy. Pages of the
/// executable are read from disk only when touched, at model load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundledModel {
    /// File name inside the models folder.
    pub file: &'static str,
    /// Expected sha256, lower-case hex.
    pub sha256: &'static str,
    /// The file's bytes, as built in.
    pub bytes: &'static [u8],
}

/// BlazePose detector `blazepose_detector_eff_retina_4kp_sparse_2021_10_18` (densified).
pub const DETECTOR: BundledModel = BundledModel {
    file: "pose_detection.onnx",
    sha256: "f95d315a5aafee3123296ec46b98e50433fc39358458cada85884f68d7f5721d",
    bytes: include_bytes!("../../models/pose_detection.onnx"),
};
/// BlazePose GHUM landmark model, full (`blazepose_ghum_39kp_full_oss_2021_07_02`).
pub const LANDMARK_FULL: BundledModel = BundledModel {
    file: "pose_landmark_full.onnx",
    sha256: "bea3cf256ca47ed77d2ad80aed8c6336c12a0401701e69a9842d952e20fbc4af",
    bytes: include_bytes!("../../models/pose_landmark_full.onnx"),
};
/// BlazePose GHUM landmark model, lite.
pub const LANDMARK_LITE: BundledModel = BundledModel {
    file: "pose_landmark_lite.onnx",
    sha256: "04358d1ac74eb19bc7db4534c53ccceed5a023e8642f0dbbe736ada5072610b5",
    bytes: include_bytes!("../../models/pose_landmark_lite.onnx"),
};

/// BlazePose GHUM landmark model, heavy: the most accurate, about three times full's cost
/// (a side view's near shoulder, where full loses it).
pub const LANDMARK_HEAVY: BundledModel = BundledModel {
    file: "pose_landmark_heavy.onnx",
    sha256: "820b6e1fc77aeb30921e7812500f32f3d1451a36ab0246fa73635c87e5248693",
    bytes: include_bytes!("../../models/pose_landmark_heavy.onnx"),
};

/// MediaPipe face mesh (`face_landmark.tflite` of `@mediapipe/face_mesh@0.4.1657299874`: 468
/// face points with depth, and a face flag), run on the face BlazePose found.
pub const FACE_LANDMARK: BundledModel = BundledModel {
    file: "face_landmark.onnx",
    sha256: "f0c3b184db629228af3b19c3b61383e89ada39c6ebbf54d35a9a90622c99abc5",
    bytes: include_bytes!("../../models/face_landmark.onnx"),
};

/// Which landmark model to run (`--model lite|full|heavy|PATH`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// The bundled lite model: faster, a little less accurate.
    Lite,
    /// The bundled full model (default).
    Full,
    /// The bundled heavy model: the most accurate, about three times full's cost.
    Heavy,
    /// A user-supplied ONNX file with the BlazePose landmark model's inputs and outputs.
    /// It is not hash-checked.
    Path(PathBuf),
}

impl FromStr for ModelChoice {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "lite" => ModelChoice::Lite,
            "full" => ModelChoice::Full,
            "heavy" => ModelChoice::Heavy,
            path => ModelChoice::Path(PathBuf::from(path)),
        })
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelChoice::Lite => f.write_str("lite"),
            ModelChoice::Full => f.write_str("full"),
            ModelChoice::Heavy => f.write_str("heavy"),
            ModelChoice::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The folder whose model files replace the built-in ones: `$ERGOAUDIT_MODEL_DIR`, if set.
pub fn models_dir() -> Option<PathBuf> {
    std::env::var_os(MODEL_DIR_ENV).map(PathBuf::from)
}

/// Where a bundled model is read: the built-in copy, or its file in `dir`.
pub(crate) fn model_path(dir: Option<&Path>, model: &BundledModel) -> PathBuf {
    match dir {
        Some(dir) => dir.join(model.file),
        None => PathBuf::from(format!("(built in) {}", model.file)),
    }
}

/// A bundled model's bytes, checked against its sha256: the built-in copy, or its file in
/// `dir` when there is one.
pub(crate) fn read_verified(
    dir: Option<&Path>,
    model: &BundledModel,
) -> Result<Cow<'static, [u8]>, PoseError> {
    let path = model_path(dir, model);
    let bytes = match dir {
        None => Cow::Borrowed(model.bytes),
        Some(_) => Cow::Owned(
            crate::files::read(&path, crate::files::MODEL)
                .map_err(|source| PoseError::ModelUnreadable { path: path.clone(), source })?,
        ),
    };
    let actual = hex(&Sha256::digest(&bytes));
    if actual != model.sha256 {
        let fix = match dir {
            None => "the ergoaudit executable is damaged: reinstall it",
            Some(_) => {
                "restore it from ergoaudit's models/ folder (git checkout models/), or unset ERGOAUDIT_MODEL_DIR to use the built-in copy"
            }
        };
        return Err(PoseError::ModelCorrupt { path, fix, expected: model.sha256, actual });
    }
    Ok(bytes)
}

/// Let the kernel drop a built-in model's pages once tract has made its own copy of the
/// model: they are pages of the executable, read at load only to be hashed and parsed, and
/// would otherwise stay resident (27 MB for the detector, the full model and the face mesh).
/// A model read from a file (`Cow::Owned`) is freed here.
fn release(bytes: Cow<'static, [u8]>) {
    #[cfg(target_os = "linux")]
    if let Cow::Borrowed(b) = bytes {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096).max(1);
        let start = (b.as_ptr() as usize).next_multiple_of(page);
        let end = (b.as_ptr() as usize + b.len()) / page * page;
        if end > start {
            // SAFETY: the whole pages of a 'static slice of the executable's read-only data:
            // a private file mapping never written, whose dropped pages the next read (if
            // any) faults back in from the file unchanged. Nothing else is affected.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The outputs a model must have: name and shape.
pub(crate) type OutputShapes = [(&'static str, &'static [usize])];

/// A bundled model (the built-in copy, or its file in `dir`), sha256-checked and loaded as
/// [`load`] does; with where it was read from.
pub(crate) fn load_bundled(
    dir: Option<&Path>,
    model: &BundledModel,
    n: usize,
    outputs: &OutputShapes,
) -> Result<(PathBuf, Runnable), PoseError> {
    let path = model_path(dir, model);
    let runnable = load(&path, read_verified(dir, model)?, n, outputs)?;
    Ok((path, runnable))
}

/// Parse an ONNX model, fix its NHWC input to `[1, n, n, 3]`, keep only `outputs` (so tract
/// prunes every output nobody asked for), check each kept output's shape, and optimise it
/// with ergoaudit's own ops swapped in. The model's bytes are released once tract has its
/// own copy ([`release`]).
pub(crate) fn load(
    path: &Path,
    bytes: Cow<'static, [u8]>,
    n: usize,
    outputs: &OutputShapes,
) -> Result<Runnable, PoseError> {
    // decoded straight from the bytes (tract's reader would copy them whole first), which are
    // released before tract translates the protobuf: the weights are held twice, not three
    // times (heavy: 55 MB each)
    let proto = decode(path, &bytes);
    release(bytes);
    let model = typed(path, proto?, n, outputs)?;
    let runnable = model
        .into_decluttered()
        .and_then(|mut m| ops::swap_in(&mut m).map(|()| m))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| PoseError::ModelInvalid {
            path: path.to_path_buf(),
            reason: format!("cannot be optimised for inference ({e})"),
        });
    trim_heap();
    runnable
}

/// Give the heap's free pages back to the kernel. Loading a model holds its weights twice
/// for a moment (the parsed protobuf's bytes and tract's tensors: 2 × 55 MB for heavy), and
/// the allocator keeps most of what is freed resident: heavy's audit stayed at 145 MB
/// resident for 70 MB of heap.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of glibc's own heap; no precondition.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The ONNX protobuf in `bytes`.
fn decode(path: &Path, bytes: &[u8]) -> Result<ModelProto, PoseError> {
    ModelProto::decode(bytes).map_err(|e| PoseError::ModelInvalid {
        path: path.to_path_buf(),
        reason: format!("not a readable ONNX file ({e})"),
    })
}

/// The model of [`load`] before it is optimised.
fn typed(path: &Path, proto: ModelProto, n: usize, outputs: &OutputShapes) -> Result<TypedModel, PoseError> {
    let invalid = |reason: String| PoseError::ModelInvalid { path: path.to_path_buf(), reason };
    let mut model = tract_onnx::onnx()
        .model_for_proto_model(&proto)
        .map_err(|e| invalid(format!("not a readable ONNX file ({e})")))?;
    drop(proto);
    if model.inputs.len() != 1 {
        return Err(invalid(format!("expected 1 input, found {}", model.inputs.len())));
    }
    model
        .set_input_fact(0, InferenceFact::dt_shape(f32::datum_type(), [1, n, n, 3]))
        .map_err(|e| invalid(format!("input is not an image tensor [1, {n}, {n}, 3] ({e})")))?;
    let names: Vec<&str> = outputs.iter().map(|(name, _)| *name).collect();
    let model = model
        .with_outputs_by_name(names.iter().copied())
        .map_err(|e| invalid(format!("expected outputs {} ({e})", names.join(", "))))?;
    let model = model
        .into_typed()
        .map_err(|e| invalid(format!("input [1, {n}, {n}, 3] does not fit the graph ({e:#})")))?;
    for (i, (name, shape)) in outputs.iter().enumerate() {
        let fact = model.output_fact(i).map_err(|e| invalid(e.to_string()))?;
        let found: Option<Vec<usize>> = fact.shape.as_concrete().map(|s| s.to_vec());
        if found.as_deref() != Some(*shape) {
            return Err(invalid(format!("output {name} has shape {:?}, expected {shape:?}", fact.shape)));
        }
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_choice_parses_names_and_paths() {
        assert_eq!("lite".parse::<ModelChoice>().unwrap(), ModelChoice::Lite);
        assert_eq!("full".parse::<ModelChoice>().unwrap(), ModelChoice::Full);
        assert_eq!("heavy".parse::<ModelChoice>().unwrap(), ModelChoice::Heavy);
        assert_eq!(
            "my/model.onnx".parse::<ModelChoice>().unwrap(),
            ModelChoice::Path(PathBuf::from("my/model.onnx"))
        );
    }

    /// The five models with and without ergoaudit's ops, on a real photo squeezed to the
    /// model's input: the same outputs up to rounding, landmarks within 0.01 px (0.02 px for
    /// the deeper heavy model, where the rounding of more layers adds up).
    #[test]
    fn the_swapped_ops_keep_every_model_output() {
        let photo =
            image::open("tests/fixtures/images/frontal_headshoulders__skimage_astronaut.png").unwrap();
        let models: [(BundledModel, usize, &OutputShapes); 5] = [
            (DETECTOR, 224, &super::super::DETECTOR_OUTPUTS),
            (LANDMARK_FULL, 256, &super::super::LANDMARK_OUTPUTS),
            (LANDMARK_LITE, 256, &super::super::LANDMARK_OUTPUTS),
            (LANDMARK_HEAVY, 256, &super::super::LANDMARK_OUTPUTS),
            (FACE_LANDMARK, 192, &super::super::face::OUTPUTS),
        ];
        for (bundled, n, outputs) in models {
            let rgb = photo.resize_exact(n as u32, n as u32, image::imageops::FilterType::Triangle).to_rgb8();
            let input: Tensor = tract_ndarray::Array4::from_shape_fn((1, n, n, 3), |(_, y, x, c)| {
                f32::from(rgb.get_pixel(x as u32, y as u32)[c]) / 255.0
            })
            .into();
            let path = model_path(None, &bundled);
            let bytes = read_verified(None, &bundled).unwrap();
            let ours =
                load(&path, bytes.clone(), n, outputs).unwrap().run(tvec!(input.clone().into())).unwrap();
            let tracts = typed(&path, decode(&path, &bytes).unwrap(), n, outputs)
                .and_then(|m| {
                    m.into_optimized()
                        .and_then(|m| m.into_runnable())
                        .map_err(|e| PoseError::Inference(e.to_string()))
                })
                .unwrap()
                .run(tvec!(input.into()))
                .unwrap();
            for (i, (name, _)) in outputs.iter().enumerate() {
                let ours = ours[i].to_plain_array_view::<f32>().unwrap();
                let tracts = tracts[i].to_plain_array_view::<f32>().unwrap();
                let difference =
                    ours.iter().zip(tracts.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                let bound = match (*name, bundled.file) {
                    ("Identity", "pose_landmark_heavy.onnx") => 0.02,
                    ("Identity", _) => 0.01,
                    // the segmentation's logits reach ±1,700; only their sign is read
                    ("Identity_2", _) => 2.0,
                    _ => 1e-3,
                };
                assert!(difference <= bound, "{} {name}: differs from tract's by {difference}", bundled.file);
            }
        }
    }

    #[test]
    fn corrupt_bundled_model_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DETECTOR.file), b"truncated").unwrap();
        let err = read_verified(Some(dir.path()), &DETECTOR).unwrap_err();
        assert!(matches!(err, PoseError::ModelCorrupt { .. }), "{err}");
        assert!(err.to_string().contains("pose_detection.onnx"), "{err}");
    }

    #[test]
    fn the_built_in_models_are_the_checked_in_files() {
        for bundled in [DETECTOR, LANDMARK_FULL, LANDMARK_LITE, LANDMARK_HEAVY, FACE_LANDMARK] {
            let bytes = read_verified(None, &bundled).unwrap();
            assert_eq!(
                model_path(None, &bundled).display().to_string(),
                format!("(built in) {}", bundled.file)
            );
            let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(bundled.file);
            assert!(*bytes == *std::fs::read(file).unwrap(), "{}", bundled.file);
        }
    }
}
