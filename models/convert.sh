#!/usr/bin/env bash
# Reproduce models/*.onnx from the registry packages @mediapipe/pose@0.5.1675469404 and
# @mediapipe/face_mesh@0.4.1657299874 (npm), and check the face mesh's rigid-fit table in
# src/pose/face.rs. Nothing comes from a model hub: the .tflite files ship inside the npm
# packages.
#
#   models/convert.sh [WORKDIR]     (default: a fresh temporary folder)
#
# Needs: npm, python3 (3.9-3.11, for tensorflow-cpu 2.15), sha256sum. Takes ~5 minutes and
# ~1.5 GB in WORKDIR (a Python venv with TensorFlow). At the end it checks that every converted
# file holds the same graph and weights as the committed one and exits non-zero otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work" && cd "$work"
echo "working in $work"

# 1. Python tools. onnx must stay < 1.17 next to tensorflow-cpu 2.15 (ml_dtypes 0.3.2).
[ -x venv/bin/python ] || python3 -m venv venv
venv/bin/pip install -q "tensorflow-cpu==2.15.1" "tf2onnx==1.17.0" "onnx==1.16.2" "onnxruntime==1.17.3"

# 2. The npm package (Apache-2.0). pose_solution_packed_assets.data is exactly one file:
#    pose_detection.tflite (bytes 0..2962288, see pose_solution_packed_assets_loader.js).
[ -f mediapipe-pose-0.5.1675469404.tgz ] || npm pack -q @mediapipe/pose@0.5.1675469404
rm -rf package && tar xzf mediapipe-pose-0.5.1675469404.tgz
mkdir -p tflite onnx
cp package/pose_landmark_full.tflite package/pose_landmark_lite.tflite package/pose_landmark_heavy.tflite tflite/
cp package/pose_solution_packed_assets.data tflite/pose_detection.tflite
sha256sum -c - <<'SUMS'
e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f  tflite/pose_landmark_full.tflite
f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61  tflite/pose_landmark_lite.tflite
59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe  tflite/pose_landmark_heavy.tflite
a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85  tflite/pose_detection.tflite
SUMS

# 2b. The face mesh package (Apache-2.0). face_mesh_solution_packed_assets.data packs four
#     files (face_mesh_solution_packed_assets_loader.js gives their byte ranges): the face
#     mesh is bytes 2495952..3737848, the face-geometry metadata (the canonical face and its
#     Procrustes landmarks) bytes 3737848..3757224.
[ -f mediapipe-face_mesh-0.4.1657299874.tgz ] || npm pack -q @mediapipe/face_mesh@0.4.1657299874
rm -rf face_mesh && mkdir face_mesh && tar xzf mediapipe-face_mesh-0.4.1657299874.tgz -C face_mesh
packed=face_mesh/package/face_mesh_solution_packed_assets.data
slice() { dd if="$packed" of="$3" iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none; }
slice 2495952 1241896 tflite/face_landmark.tflite
slice 3737848 19376 tflite/geometry_pipeline_metadata_landmarks.binarypb
sha256sum -c - <<'SUMS'
c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1  tflite/face_landmark.tflite
bdbcda96dfcb7da883da124aaa2c55dee49770d934f0fcc71747f8c21bdc75b4  tflite/geometry_pipeline_metadata_landmarks.binarypb
SUMS

# 3. Landmark models and the face mesh: plain tf2onnx.
for v in pose_landmark_full pose_landmark_lite pose_landmark_heavy face_landmark; do
  venv/bin/python -m tf2onnx.convert --tflite tflite/$v.tflite --output onnx/$v.onnx --opset 13
done

# 4. Detector: its weights are block-sparse (38 DENSIFY ops), which tf2onnx cannot read.
#    Let TFLite densify them once, store the dense weights, drop the DENSIFY ops, convert.
venv/bin/python "$here/tools/densify_tflite.py" tflite/pose_detection.tflite tflite/pose_detection_dense.tflite
venv/bin/python -m tf2onnx.convert --tflite tflite/pose_detection_dense.tflite \
  --output onnx/pose_detection.onnx --opset 13

# 5. Every bilinear Resize as two MatMuls with constant interpolation matrices (tract runs a
#    matmul far faster than its Resize); checked node by node and model by model against
#    onnxruntime (tools/resize_as_matmul.py).
for f in pose_detection pose_landmark_full pose_landmark_lite pose_landmark_heavy; do
  venv/bin/python "$here/tools/resize_as_matmul.py" "onnx/$f.onnx" "onnx/$f.onnx"
done

# 6. The same models as the committed files? tf2onnx numbers intermediate tensors in an order
#    that changes from run to run, so the bytes (and sha256) differ; compare graph and weights
#    up to those names instead (tools/same_model.py).
status=0
for f in pose_detection pose_landmark_full pose_landmark_lite pose_landmark_heavy face_landmark; do
  echo -n "$f.onnx (made: sha256 $(sha256sum "onnx/$f.onnx" | cut -d' ' -f1)): "
  venv/bin/python "$here/tools/same_model.py" "onnx/$f.onnx" "$here/$f.onnx" || status=1
done

# 7. The canonical face's Procrustes landmarks, weights and positions, as src/pose/face.rs
#    holds them (tools/face_basis.py reads the metadata's protobuf).
python3 "$here/tools/face_basis.py" tflite/geometry_pipeline_metadata_landmarks.binarypb \
  "$here/../src/pose/face.rs" || status=1
exit $status
