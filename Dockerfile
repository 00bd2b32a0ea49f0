# Stagecast app image (used by docker-compose.yml).
FROM node:20-bookworm-slim

# FFmpeg for the recorder; curl/tar for mediasoup's prebuilt worker download.
# The worker build packages are installed by scripts/setup.sh only if no
# prebuilt worker can be downloaded.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl python3 \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# Installs npm dependencies, provides the mediasoup worker, generates the
# Prisma client and builds the web app; the database is migrated at start.
RUN bash scripts/setup.sh prepare

ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
EXPOSE 3000
CMD ["npm", "start"]
