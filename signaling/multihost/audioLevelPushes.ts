// Which `webrtc:audio-levels` updates are worth sending to a session's
// clients. mediasoup reports the loudest hosts every 400 ms; clients show who
// is speaking (the studio uses who is in the list), so an update goes out
// when that list changes or a level moves noticeably, and otherwise only as
// a refresh for clients that joined meanwhile. A steady room then costs one
// push per socket every couple of seconds instead of 2.5 a second.

export interface HostLevel {
  userId: string;
  /** dBov, -127 (silence) to 0. */
  volume: number;
}

export interface LevelsPush {
  levels: readonly HostLevel[];
  atMs: number;
}

/** A level that moved this far (dB) since it was last sent is sent again. */
export const LEVEL_STEP_DB = 6;
/** While anyone is audible, levels are sent at least this often. */
export const LEVEL_REFRESH_MS = 2000;

export function audioLevelsWorthPushing(
  last: LevelsPush | undefined,
  levels: readonly HostLevel[],
  nowMs: number,
): boolean {
  if (!last) return levels.length > 0;
  if (levels.length !== last.levels.length) return true;
  if (levels.length === 0) return false; // silence, already told
  const lastVolumeByUserId = new Map(last.levels.map((level) => [level.userId, level.volume]));
  for (const { userId, volume } of levels) {
    const lastVolume = lastVolumeByUserId.get(userId);
    if (lastVolume === undefined || Math.abs(volume - lastVolume) >= LEVEL_STEP_DB) return true;
  }
  return nowMs - last.atMs >= LEVEL_REFRESH_MS;
}
