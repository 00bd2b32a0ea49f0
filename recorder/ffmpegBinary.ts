// Finds the FFmpeg binary, the same way everywhere: FFMPEG_PATH, then the
// optional `ffmpeg-static` package (absent where its download cannot run),
// then `ffmpeg` on PATH. Set-up installs Debian's ffmpeg when none is found.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export class FfmpegNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FfmpegNotFoundError';
  }
}

export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FFMPEG_PATH) {
    if (!isExecutable(env.FFMPEG_PATH)) {
      throw new FfmpegNotFoundError(`FFMPEG_PATH=${env.FFMPEG_PATH} is not an executable file`);
    }
    return env.FFMPEG_PATH;
  }
  const fromPackage = ffmpegStaticPath();
  if (fromPackage && isExecutable(fromPackage)) return fromPackage;
  const onPath = findOnPath('ffmpeg', env.PATH ?? '');
  if (onPath) return onPath;
  throw new FfmpegNotFoundError(
    'FFmpeg not found: set FFMPEG_PATH, or install it (Debian: apt-get install ffmpeg; `npm start` does this)',
  );
}

function ffmpegStaticPath(): string | undefined {
  try {
    const value: unknown = createRequire(import.meta.url)('ffmpeg-static');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // optional dependency not installed
  }
}

export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
