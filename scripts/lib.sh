# Shared by scripts/demo and scripts/test: make sure the system has what the build needs.
# Debian/Ubuntu packages are installed with apt-get when running as root or with password-less
# sudo; otherwise the exact install line is printed and the script stops.

# System packages ergoaudit needs to build and run: a C compiler (tract's kernels, SQLite),
# libclang (nokhwa's V4L2 camera bindings are generated at build time), ffmpeg (video input).
ERGOAUDIT_PACKAGES=(gcc libc6-dev pkg-config libclang1-14 ffmpeg)
# … and to test: strace (the audit opens no network socket) and Chromium (the HTML report
# renders).
ERGOAUDIT_TEST_PACKAGES=(strace chromium)

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
