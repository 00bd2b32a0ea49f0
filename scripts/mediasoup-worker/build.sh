#!/usr/bin/env bash
# Build mediasoup's C++ worker from an installed mediasoup npm package against
# Debian 12 system libraries, without GitHub access (see README.md for why).
#
#   bash scripts/mediasoup-worker/build.sh <mediasoup-package-dir> <output-binary-path>
#
# The package dir is never modified: worker/ is copied to a temp dir, patched
# (patch-meson.py + include/), built with meson/ninja, checked, then installed
# atomically at <output-binary-path>.
#
# Env: STAGECAST_CACHE_DIR (meson install cache), STAGECAST_BUILD_JOBS (ninja -j).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MESON_VERSION=1.12.1
# Debian 12 packages needed to configure and compile the worker.
DEB_PACKAGES=(libuv1-dev libssl-dev libsrtp2-dev libflatbuffers-dev flatbuffers-compiler
	libabsl-dev pkg-config ninja-build g++ python3)

# Failure: exactly one line with a fixed prefix (callers/CI grep for it).
die() { echo "mediasoup-worker build: $*" >&2; exit 1; }
# Progress: distinct prefix so it is not mistaken for the failure line.
say() { echo "[mediasoup-worker] $*" >&2; }
# Failure of a logged step: show the log tail for context, then the one line.
die_log() {
	if [[ -s "$LOG" ]]; then
		echo "----- last 40 lines of $(basename "$LOG") -----" >&2
		tail -n 40 "$LOG" >&2
		echo "-----" >&2
	fi
	die "$*"
}

[[ $# -eq 2 ]] || die "usage: build.sh <mediasoup-package-dir> <output-binary-path>"
PKG_DIR=$1
OUT_BIN=$2
[[ -d "$PKG_DIR" ]] || die "mediasoup package dir not found: $PKG_DIR"
[[ -f "$PKG_DIR/package.json" && -f "$PKG_DIR/worker/meson.build" ]] ||
	die "not a mediasoup package dir (need package.json and worker/meson.build): $PKG_DIR"
[[ -n "$OUT_BIN" && "$OUT_BIN" != */ ]] || die "output binary path must be a file path: '$OUT_BIN'"
PKG_DIR=$(cd "$PKG_DIR" && pwd)
OUT_DIR=$(dirname "$OUT_BIN")
mkdir -p "$OUT_DIR" || die "cannot create output directory: $OUT_DIR"
OUT_BIN="$(cd "$OUT_DIR" && pwd)/$(basename "$OUT_BIN")"

# Temp workspace, removed on any exit (also Ctrl-C / kill).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/msbuild.XXXXXX") || die "mktemp -d failed"
TMP_BIN=""
LOG="$WORK/build.log"
cleanup() { rm -rf "$WORK"; [[ -z "$TMP_BIN" ]] || rm -f "$TMP_BIN"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
START=$SECONDS

# --- 1. Debian build packages -------------------------------------------------
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script targets Debian 12"
missing_packages() {
	local p
	for p in "${DEB_PACKAGES[@]}"; do
		[[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || echo "$p"
	done
}
mapfile -t MISSING < <(missing_packages)
if ((${#MISSING[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		die "missing Debian packages: ${MISSING[*]} (install with: sudo apt-get install -y --no-install-recommends ${MISSING[*]})"
	fi
	say "installing Debian packages: ${MISSING[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_install() { apt-get install -y --no-install-recommends "${MISSING[@]}" >>"$LOG" 2>&1; }
	# Only refresh package lists when there are none or the install failed.
	if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
		apt-get update >>"$LOG" 2>&1 || die_log "apt-get update failed"
	fi
	if ! apt_install; then
		say "apt-get install failed; running apt-get update and retrying"
		apt-get update >>"$LOG" 2>&1 || die_log "apt-get update failed"
		apt_install || die_log "apt-get install failed for: ${MISSING[*]}"
	fi
	mapfile -t MISSING < <(missing_packages)
	((${#MISSING[@]} == 0)) || die_log "packages still missing after apt-get install: ${MISSING[*]}"
fi

# --- 2. Meson >= 1.1 (worker's meson_version; Debian 12 has 1.0.1) ---------------
export PYTHONPATH="${PYTHONPATH:-}"
MESON=()
if command -v meson >/dev/null; then
	v=$(meson --version 2>/dev/null || true)
	if [[ -n "$v" && "$(printf '%s\n' 1.1.0 "$v" | sort -V | head -n1)" == 1.1.0 ]]; then
		MESON=(meson)
		say "using meson $v from PATH"
	fi
fi
if ((${#MESON[@]} == 0)); then
	MESON_DIR="${STAGECAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stagecast}/meson-$MESON_VERSION"
	meson_ok() { [[ "$(PYTHONPATH="$1" python3 "$1/bin/meson" --version 2>/dev/null)" == "$MESON_VERSION" ]]; }
	if meson_ok "$MESON_DIR"; then
		say "using cached meson $MESON_VERSION ($MESON_DIR)"
	else
		say "installing meson $MESON_VERSION into $MESON_DIR"
		mkdir -p "$(dirname "$MESON_DIR")" || die "cannot create cache dir: $(dirname "$MESON_DIR")"
		# Install next to the final dir, then rename: a half-done install is
		# never picked up, and concurrent runs do not trample each other.
		staging=$(mktemp -d "$MESON_DIR.tmp.XXXXXX")
		if ! python3 -m pip install --disable-pip-version-check --no-input --quiet \
			--target "$staging" "meson==$MESON_VERSION" >>"$LOG" 2>&1; then
			rm -rf "$staging"
			die_log "meson $MESON_VERSION not installable with pip (python3 -m pip install --target DIR meson==$MESON_VERSION failed)"
		fi
		if meson_ok "$MESON_DIR"; then
			rm -rf "$staging" # a concurrent run finished first: keep its copy
		else
			rm -rf "$MESON_DIR" # broken/partial leftover
			mv "$staging" "$MESON_DIR" 2>/dev/null || rm -rf "$staging"
		fi
		meson_ok "$MESON_DIR" || die_log "meson $MESON_VERSION installed in $MESON_DIR but does not run"
	fi
	# Exported so meson's own re-invocations from ninja (regeneration) work too.
	export PYTHONPATH="$MESON_DIR${PYTHONPATH:+:$PYTHONPATH}"
	MESON=(python3 "$MESON_DIR/bin/meson")
fi

# --- 3. Copy and patch the worker sources ---------------------------------------
MS_VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("version","?"))' \
	"$PKG_DIR/package.json" 2>/dev/null || echo "?")
say "building mediasoup-worker for mediasoup $MS_VERSION in $WORK"
mkdir "$WORK/worker"
# worker/out may hold a previous build or the downloaded prebuilt binary: skip it.
tar -C "$PKG_DIR/worker" --exclude=./out -cf - . | tar -C "$WORK/worker" -xf - ||
	die "cannot copy $PKG_DIR/worker to $WORK"
chmod -R u+w "$WORK/worker"
cp -r "$HERE/include" "$WORK/worker/stagecast-include" || die "cannot copy $HERE/include"
python3 "$HERE/patch-meson.py" "$WORK/worker" # prints its own one-line error
python3 "$HERE/patch-sources.py" "$WORK/worker" # likewise

# --- 4. Configure and build ---------------------------------------------------
# nodownload: any leftover wrap fallback fails instead of reaching for GitHub.
# Tests/fuzzer are off (their targets need the catch2 wrap), as is the default.
say "meson setup (log: $LOG)"
(cd "$WORK/worker" && "${MESON[@]}" setup --wrap-mode=nodownload --buildtype release \
	-Db_ndebug=true -Dms_build_tests=false -Dms_build_fuzzer=false "$WORK/build") >>"$LOG" 2>&1 ||
	die_log "meson setup failed: $(grep -m1 'ERROR:' "$LOG" || echo 'see log above')"

say "compiling (ninja${STAGECAST_BUILD_JOBS:+ -j $STAGECAST_BUILD_JOBS}); this takes several minutes"
ninja -C "$WORK/build" ${STAGECAST_BUILD_JOBS:+-j "$STAGECAST_BUILD_JOBS"} mediasoup-worker >>"$LOG" 2>&1 ||
	die_log "compile failed: $(grep -m1 -E 'error:|FAILED:' "$LOG" || echo 'see log above')"
BUILT="$WORK/build/mediasoup-worker"
[[ -x "$BUILT" ]] || die_log "ninja succeeded but $BUILT was not produced"

# --- 5. Sanity check: mediasoup's own probe -----------------------------------
# Without MEDIASOUP_VERSION the worker exits 41 right after start; any other
# code (127 = missing shared library, crash, ...) means the binary is unusable.
rc=0
env -u MEDIASOUP_VERSION timeout 20 "$BUILT" </dev/null >>"$LOG" 2>&1 || rc=$?
[[ $rc -eq 41 ]] || die_log "built binary failed its self-check (exit code $rc, expected 41)"

# --- 6. Install atomically ----------------------------------------------------
TMP_BIN=$(mktemp "$OUT_DIR/.mediasoup-worker.XXXXXX") || die "cannot write to $OUT_DIR"
cp "$BUILT" "$TMP_BIN" && chmod 755 "$TMP_BIN" && mv -f "$TMP_BIN" "$OUT_BIN" ||
	die "cannot install binary at $OUT_BIN"
TMP_BIN=""
say "done in $((SECONDS - START))s: $OUT_BIN ($(stat -c %s "$OUT_BIN") bytes)"
