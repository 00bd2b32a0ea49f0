#!/usr/bin/env bash
# Makes sure node_modules/mediasoup has a working mediasoup-worker binary.
#
# mediasoup's own postinstall downloads a prebuilt worker from GitHub, and
# falls back to a build that downloads its dependencies; neither works on
# air-gapped machines. `npm install` therefore runs with MEDIASOUP_WORKER_BIN
# set (which makes that postinstall skip), and this script provides the binary:
#   1. the cache (one build per mediasoup version, shared by all clones);
#   2. else mediasoup's prebuilt download, where the network allows it;
#   3. else a build from the worker/ sources inside the npm package, against
#      Debian's libraries (scripts/mediasoup-worker/build.sh).
# The binary is then copied to where mediasoup looks by default, so nothing at
# run time needs to know about the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

package_dir=node_modules/mediasoup
[ -f "$package_dir/package.json" ] || die "mediasoup is not installed (node_modules/mediasoup missing): run npm install first"
version=$(node -p "require('./$package_dir/package.json').version")
platform="$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)"
installed_bin="$package_dir/worker/out/Release/mediasoup-worker"

# A worker binary is good when it starts and exits 41 for lacking MEDIASOUP_VERSION
# (the same check mediasoup's installer uses): it loads all its shared libraries.
runs_here() {
  local status=0
  "$1" >/dev/null 2>&1 || status=$?
  [ "$status" -eq 41 ]
}

# One set-up at a time per machine: a concurrent `npm start` / `npm test`
# waits here for the first to finish instead of building the worker twice.
mkdir -p "$STAGECAST_CACHE_DIR"
exec 9>"$STAGECAST_CACHE_DIR/mediasoup-worker.lock"
flock 9

# Recipe hash: a change to our build scripts invalidates source-built binaries.
recipe=$(tree_hash scripts/mediasoup-worker/build.sh scripts/mediasoup-worker/patch-meson.py \
  scripts/mediasoup-worker/patch-sources.py scripts/mediasoup-worker/include)
prebuilt_cache="$STAGECAST_CACHE_DIR/mediasoup-worker/$version-$platform-prebuilt/mediasoup-worker"
source_cache="$STAGECAST_CACHE_DIR/mediasoup-worker/$version-$platform-src-$recipe/mediasoup-worker"

# Copies a cached binary to where mediasoup looks (skipped when identical,
# so the common case costs one comparison).
install_from() {
  cmp -s "$1" "$installed_bin" 2>/dev/null && return 0
  mkdir -p "$(dirname "$installed_bin")"
  cp "$1" "$installed_bin.tmp"
  chmod 755 "$installed_bin.tmp"
  mv "$installed_bin.tmp" "$installed_bin"
}

for cached in "$prebuilt_cache" "$source_cache"; do
  if [ -x "$cached" ] && runs_here "$cached"; then
    install_from "$cached"
    exit 0
  fi
done

# 2. The prebuilt binary mediasoup publishes for this version, if reachable.
if [ -z "${STAGECAST_WORKER_FROM_SOURCE:-}" ]; then
  arch=$(node -p 'process.arch')
  kernel=$(uname -r | cut -d. -f1)
  base=${MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL:-https://github.com/versatica/mediasoup/releases/download}
  url="$base/$version/mediasoup-worker-$version-linux-$arch-kernel$kernel.tgz"
  tmp=$(mktemp -d)
  if curl -fsSL --connect-timeout 5 --max-time 120 "$url" 2>/dev/null | tar -xz -C "$tmp" 2>/dev/null &&
    [ -f "$tmp/mediasoup-worker" ] && runs_here "$tmp/mediasoup-worker"; then
    log "using mediasoup's prebuilt worker $version"
    mkdir -p "$(dirname "$prebuilt_cache")"
    mv "$tmp/mediasoup-worker" "$prebuilt_cache"
    rm -rf "$tmp"
    install_from "$prebuilt_cache"
    exit 0
  fi
  rm -rf "$tmp"
  log "no prebuilt mediasoup worker reachable; building $version from source (a few minutes, once per machine)"
fi

# 3. Build from the sources inside the npm package.
start=$(date +%s)
bash scripts/mediasoup-worker/build.sh "$package_dir" "$source_cache"
log "mediasoup worker $version built in $(($(date +%s) - start)) s (cached at $source_cache)"
install_from "$source_cache"
