# Shared helpers for the set-up scripts. Sourced, not run.
# Every helper is idempotent: it checks first and only then does work, so a
# second `npm start` / `npm test` skips everything that is already in place.

log() { printf '[setup] %s\n' "$*" >&2; }
die() {
  printf '[setup] error: %s\n' "$*" >&2
  exit 1
}

# Cache shared by every clone on this machine (the mediasoup worker, meson),
# so a fresh clone does not rebuild what another clone already built.
STAGECAST_CACHE_DIR=${STAGECAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stagecast}
export STAGECAST_CACHE_DIR

# Stamps live inside node_modules so that deleting node_modules resets them.
STAMP_DIR=node_modules/.stagecast-stamps

# Prints a hash over the given files' contents (missing files hash as absent).
content_hash() {
  local file
  for file in "$@"; do
    if [ -f "$file" ]; then
      printf '%s\n' "$file"
      cat "$file"
    fi
  done | sha256sum | cut -c1-16
}

# Prints a hash over every file under the given folders (sorted, so stable).
tree_hash() {
  find "$@" -type f -not -path '*/node_modules/*' -not -path '*/dist/*' -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
}

stamp_matches() { [ -f "$STAMP_DIR/$1" ] && [ "$(cat "$STAMP_DIR/$1")" = "$2" ]; }
write_stamp() {
  mkdir -p "$STAMP_DIR"
  printf '%s' "$2" >"$STAMP_DIR/$1"
}

# Installs the Debian packages among the arguments that are not installed yet.
# Runs `apt-get update` only when an install fails (stale or empty lists).
ensure_apt_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null ||
      die "missing Debian packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
    sudo=(sudo -n)
  fi
  log "installing Debian packages: ${missing[*]}"
  # Wait for a concurrent apt/dpkg (another set-up, unattended upgrades) instead of failing.
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
  if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/tmp/stagecast-apt.log 2>&1; then
    "${apt[@]}" update >>/tmp/stagecast-apt.log 2>&1 || true
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>/tmp/stagecast-apt.log 2>&1 ||
      die "apt-get could not install: ${missing[*]} (log: /tmp/stagecast-apt.log)"
  fi
}
