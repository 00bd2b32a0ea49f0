// What a host chose when they last joined a session from this tab: camera,
// microphone, and whether each was on. Kept in the tab's sessionStorage per
// session, so a reload (or a dropped connection) rejoins at once with the
// same devices instead of stopping at the device check, while another tab
// still starts with the check. Forgotten when the host leaves or the session
// ends.

export interface RememberedDevices {
  cameraId: string | undefined;
  microphoneId: string | undefined;
  cameraLabel: string | undefined;
  microphoneLabel: string | undefined;
  cameraOn: boolean;
  micOn: boolean;
}

const keyOf = (sessionId: string) => `stagecast.studio.${sessionId}`;

const optionalString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export function loadRememberedDevices(storage: Storage, sessionId: string): RememberedDevices | undefined {
  const raw = storage.getItem(keyOf(sessionId));
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    return {
      cameraId: optionalString(value.cameraId),
      microphoneId: optionalString(value.microphoneId),
      cameraLabel: optionalString(value.cameraLabel),
      microphoneLabel: optionalString(value.microphoneLabel),
      cameraOn: value.cameraOn !== false,
      micOn: value.micOn !== false,
    };
  } catch {
    return undefined; // not ours, or damaged: the device check asks again
  }
}

export function rememberDevices(storage: Storage, sessionId: string, devices: RememberedDevices): void {
  storage.setItem(keyOf(sessionId), JSON.stringify(devices));
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
