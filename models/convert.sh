#!/usr/bin/env bash
# Reproduce models/*.onnx from the registry package @mediapipe/pose@0.5.1675469404 (npm).
# Nothing comes from a model hub: the .tflite files ship inside the npm package.
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

# 3. Landmark models: plain tf2onnx.
for v in full lite heavy; do
  venv/bin/python -m tf2onnx.convert --tflite tflite/pose_landmark_$v.tflite \
    --output onnx/pose_landmark_$v.onnx --opset 13
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
for f in pose_detection pose_landmark_full pose_landmark_lite pose_landmark_heavy; do
  echo -n "$f.onnx (made: sha256 $(sha256sum "onnx/$f.onnx" | cut -d' ' -f1)): "
  venv/bin/python "$here/tools/same_model.py" "onnx/$f.onnx" "$here/$f.onnx" || status=1
done
exit $status
