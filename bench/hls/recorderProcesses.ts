// The server's recorder FFmpeg, found the way `ps` would: the mediasoup
// worker's parent is the server's Node process, and the recorder's FFmpeg is
// another child of it. Read from /proc (this machine only), so the bench can
// say what the live encode costs without asking the server.
import fs from 'node:fs';
import { processCpuSeconds } from '../server/processStats.ts';

/** Parent pid of `pid`, from /proc/<pid>/stat; undefined once it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Pids of the `ffmpeg` processes whose parent is `serverPid`. */
export function ffmpegChildren(serverPid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'ffmpeg' && parentPid(pid) === serverPid) pids.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/**
 * CPU of the server's FFmpeg children over a window, % of one core. The
 * recorder may restart FFmpeg meanwhile: pids seen at the start or the end
 * are summed, each over the part of the window it was alive and seen.
 */
export function startFfmpegCpuWindow(serverPid: number): { stop(): number } {
  const startedAt = performance.now();
  const before = new Map(ffmpegChildren(serverPid).map((pid) => [pid, processCpuSeconds(pid) ?? 0]));
  return {
    stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      let used = 0;
      for (const pid of new Set([...before.keys(), ...ffmpegChildren(serverPid)])) {
        const after = processCpuSeconds(pid);
        if (after !== undefined) used += after - (before.get(pid) ?? 0);
      }
      return seconds > 0 ? (used / seconds) * 100 : 0;
    },
  };
}
