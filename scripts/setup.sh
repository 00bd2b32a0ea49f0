#!/usr/bin/env bash
# Idempotent set-up behind `npm start` and `npm test` on a fresh clone:
# Debian packages, npm dependencies, the mediasoup worker, the Prisma client,
# the database (start) and the web app. Each step checks a stamp or the real
# thing first, so a second run takes seconds.
#   bash scripts/setup.sh prepare|start|test|bench
# prepare: everything needed to run (images run it at build time); start: also
# migrates the configured database; test: also what the tests need; bench:
# prepare and what the bench drives (Chromium pages, Janus as a peer SFU).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

mode=${1:-start}
case "$mode" in
  prepare | start | test | bench) ;;
  *) die "usage: setup.sh prepare|start|test|bench" ;;
esac

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die "Node.js >= 20.19 is required (found $(node -v))"

# --- Debian packages ---------------------------------------------------------
# FFmpeg (recorder; tests also use ffprobe). `ffmpeg-static` is tried first at
# run time, but it cannot install without internet, so make sure a system one
# exists unless FFMPEG_PATH names one.
packages=()
if [ -z "${FFMPEG_PATH:-}" ] && ! command -v ffmpeg >/dev/null; then packages+=(ffmpeg); fi
if [ "$mode" = test ]; then
  command -v ffprobe >/dev/null || packages+=(ffmpeg)
  # Browser tests drive Debian's Chromium; a browser is never downloaded.
  [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/lib/chromium/chromium ] || packages+=(chromium)
  command -v turnserver >/dev/null || packages+=(coturn)
  [ -n "${POSTGRES_BIN_DIR:-}" ] || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
  command -v redis-server >/dev/null || packages+=(redis-server)
  # The cluster tests' load balancer (testkit/nginx.ts); its service is never started.
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || packages+=(nginx)
fi
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  # The bench's peer SFU (`--vs janus`, and its smoke test): Debian's Janus, run in a network namespace.
  [ -n "${JANUS_PATH:-}" ] || command -v janus >/dev/null || packages+=(janus)
  command -v ip >/dev/null || packages+=(iproute2)
  [ "$mode" = test ] || [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/lib/chromium/chromium ] || packages+=(chromium)
fi
[ ${#packages[@]} -eq 0 ] || ensure_apt_packages "${packages[@]}"

# --- npm dependencies --------------------------------------------------------
# MEDIASOUP_WORKER_BIN makes mediasoup's postinstall skip its download; the
# worker is provided by ensure-mediasoup-worker.sh below.
npm_stamp=$(content_hash package.json package-lock.json)
if ! stamp_matches npm "$npm_stamp" || [ ! -d node_modules/mediasoup ]; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then
    MEDIASOUP_WORKER_BIN=${MEDIASOUP_WORKER_BIN:-skip} npm ci --no-audit --no-fund --loglevel=error
  else
    MEDIASOUP_WORKER_BIN=${MEDIASOUP_WORKER_BIN:-skip} npm install --no-audit --no-fund --loglevel=error
  fi
  write_stamp npm "$(content_hash package.json package-lock.json)"
fi

# --- mediasoup worker --------------------------------------------------------
bash scripts/ensure-mediasoup-worker.sh

# --- Prisma clients ----------------------------------------------------------
# One client per database provider (docs/database.md): prisma/generated/sqlite
# and prisma/generated/postgres, the latter from the committed rendering
# prisma/postgres/schema.prisma.
prisma_stamp=$(content_hash prisma/schema.prisma prisma/postgres/schema.prisma package-lock.json)
if ! stamp_matches prisma "$prisma_stamp" || [ ! -f prisma/generated/sqlite/client.ts ] ||
  [ ! -f prisma/generated/postgres/client.ts ]; then
  log "generating the Prisma clients"
  node --import tsx prisma/generateClients.ts >/tmp/stagecast-prisma-generate.log 2>&1 ||
    die "prisma generate failed: $(tail -5 /tmp/stagecast-prisma-generate.log)"
  write_stamp prisma "$prisma_stamp"
fi

# --- database (start only: tests create their own) ----------------------------
if [ "$mode" = start ]; then
  node --import tsx signaling/migrate.ts
fi

# --- web app -----------------------------------------------------------------
web_stamp=$(tree_hash web signaling/protocol)-$(content_hash package-lock.json)
if ! stamp_matches web "$web_stamp" || [ ! -f web/dist/index.html ]; then
  log "building the web app"
  npx --no-install vite build --config web/vite.config.ts --logLevel error
  write_stamp web "$web_stamp"
fi
