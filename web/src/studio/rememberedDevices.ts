// What a host chose when they last joined a session from this tab: camera,
// microphone, and whether each was on. Kept in the tab's sessionStorage per
// session, so a reload rejoins at once with the same devices instead of
// stopping at the device check, while another tab still starts with the
// check. Only a reload soon after the tab was in the room uses them (within
// the session's wait for a dropped host, plus a margin): a duplicated tab, a
// visit hours later or by a link starts with the device check. Forgotten when
// the host leaves, the session ends or the studio page closes.

export interface RememberedDevices {
  cameraId: string | undefined;
  microphoneId: string | undefined;
  cameraLabel: string | undefined;
  microphoneLabel: string | undefined;
  cameraOn: boolean;
  micOn: boolean;
}

/** How long past the session's wait for a dropped host a reload still rejoins by itself. */
export const REJOIN_MARGIN_MS = 2 * 60_000;

/** When the tab was last in the room, and how long the session waits for a dropped host (from the join). */
export interface RememberedAt {
  savedAt: number;
  graceS: number | undefined;
}

const keyOf = (sessionId: string) => `stagecast.studio.${sessionId}`;

const optionalString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The devices to rejoin with at once, if this page load is a reload (`reload`)
 * of a tab that was in the room recently enough (`now`, ms since the epoch);
 * otherwise undefined, and the entry is forgotten (it is for no later load).
 */
export function loadRememberedDevices(
  storage: Storage,
  sessionId: string,
  load: { reload: boolean; now: number },
): RememberedDevices | undefined {
  const raw = storage.getItem(keyOf(sessionId));
  if (!raw) return undefined;
  const devices = parse(raw);
  if (!devices || !load.reload || !recent(devices, load.now)) {
    forgetDevices(storage, sessionId);
    return undefined;
  }
  const { savedAt: _savedAt, graceS: _graceS, ...remembered } = devices;
  return remembered;
}

function parse(raw: string): (RememberedDevices & RememberedAt) | undefined {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    return {
      cameraId: optionalString(value.cameraId),
      microphoneId: optionalString(value.microphoneId),
      cameraLabel: optionalString(value.cameraLabel),
      microphoneLabel: optionalString(value.microphoneLabel),
      cameraOn: value.cameraOn !== false,
      micOn: value.micOn !== false,
      savedAt: typeof value.savedAt === 'number' ? value.savedAt : Number.NaN,
      graceS: typeof value.graceS === 'number' && value.graceS >= 0 ? value.graceS : undefined,
    };
  } catch {
    return undefined; // not ours, or damaged: the device check asks again
  }
}

/** Saved no longer ago than the session's wait plus the margin (not in the future: a clock set back asks again). */
function recent({ savedAt, graceS }: RememberedAt, now: number): boolean {
  const age = now - savedAt;
  return age >= 0 && age <= (graceS ?? 0) * 1000 + REJOIN_MARGIN_MS;
}

export function rememberDevices(
  storage: Storage,
  sessionId: string,
  devices: RememberedDevices,
  at: RememberedAt,
): void {
  storage.setItem(keyOf(sessionId), JSON.stringify({ ...devices, ...at }));
}

export function forgetDevices(storage: Storage, sessionId: string): void {
  storage.removeItem(keyOf(sessionId));
}

/** The devices a captured stream uses, with the on/off state of each. */
export function devicesOf(stream: MediaStream, on: { cameraOn: boolean; micOn: boolean }): RememberedDevices {
  const [camera] = stream.getVideoTracks();
  const [microphone] = stream.getAudioTracks();
  return {
    cameraId: optionalString(camera?.getSettings().deviceId),
    microphoneId: optionalString(microphone?.getSettings().deviceId),
    cameraLabel: optionalString(camera?.label),
    microphoneLabel: optionalString(microphone?.label),
    ...on,
  };
}

/**
 * What to say when a remembered device could not be used and another took
 * its place (`replaced` lists which); undefined when nothing changed.
 */
export function replacementNotice(
  remembered: RememberedDevices,
  replaced: readonly ('camera' | 'microphone')[],
  stream: MediaStream,
): string | undefined {
  const lines = replaced.map((kind) => {
    const before = kind === 'camera' ? remembered.cameraLabel : remembered.microphoneLabel;
    const track = kind === 'camera' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    const was = before ? `“${before}”` : `the ${kind} you chose`;
    const now = track ? (track.label ? `“${track.label}”` : `the default ${kind}`) : `no ${kind}`;
    return `${was} is not available, using ${now}`;
  });
  return lines.length ? `Rejoined: ${lines.join('; ')}.` : undefined;
}
