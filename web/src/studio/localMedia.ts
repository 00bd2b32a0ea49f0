// The host's own camera and microphone: device lists, capture constraints,
// and the test-only capture size override (`?capture=320x180`, optionally
// `@15` for the frame rate) that lets several tabs on a small machine encode
// simulcast without starving the CPU. The override is kept for the tab
// (sessionStorage) so it survives the in-app navigation to the studio.

export interface CaptureSize {
  width: number;
  height: number;
  frameRate: number;
}

export interface DeviceChoice {
  cameraId: string | undefined;
  microphoneId: string | undefined;
}

export const DEFAULT_CAPTURE: CaptureSize = { width: 1280, height: 720, frameRate: 30 };
const OVERRIDE_KEY = 'stagecast.capture';

export function parseCaptureSize(value: string | null | undefined): CaptureSize | undefined {
  const match = /^(\d{2,4})x(\d{2,4})(?:@(\d{1,2}))?$/.exec(value ?? '');
  if (!match) return undefined;
  const [, width, height, frameRate] = match;
  return { width: Number(width), height: Number(height), frameRate: frameRate ? Number(frameRate) : 30 };
}

/** Keeps a `?capture=` of the page the tab opened on (the home page's link drops the query). */
function rememberCaptureOverride(): void {
  const fromUrl = new URLSearchParams(location.search).get('capture');
  if (fromUrl && parseCaptureSize(fromUrl)) sessionStorage.setItem(OVERRIDE_KEY, fromUrl);
}
if (typeof location !== 'undefined') rememberCaptureOverride();

export function captureSize(): CaptureSize {
  rememberCaptureOverride();
  return parseCaptureSize(sessionStorage.getItem(OVERRIDE_KEY)) ?? DEFAULT_CAPTURE;
}

export async function listDevices(): Promise<{ cameras: MediaDeviceInfo[]; microphones: MediaDeviceInfo[] }> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((device) => device.kind === 'videoinput'),
    microphones: devices.filter((device) => device.kind === 'audioinput'),
  };
}

/** Camera and microphone in one stream (one permission prompt). */
export function captureCameraAndMicrophone(choice: DeviceChoice): Promise<MediaStream> {
  const size = captureSize();
  return navigator.mediaDevices.getUserMedia({
    video: {
      ...(choice.cameraId ? { deviceId: { exact: choice.cameraId } } : {}),
      width: { ideal: size.width },
      height: { ideal: size.height },
      frameRate: { ideal: size.frameRate },
    },
    audio: {
      ...(choice.microphoneId ? { deviceId: { exact: choice.microphoneId } } : {}),
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    },
  });
}

export function stopStream(stream: MediaStream | undefined): void {
  stream?.getTracks().forEach((track) => track.stop());
}

/** A device that is gone (unplugged, or its id changed): another one may do. */
const isMissingDevice = (error: unknown) =>
  error instanceof DOMException && (error.name === 'OverconstrainedError' || error.name === 'NotFoundError');

/**
 * Captures with the devices chosen before; when one of them is gone, the
 * default one takes its place. Says which were replaced. Other failures
 * (permission refused) are thrown as they are.
 */
export async function captureWithFallback(
  choice: DeviceChoice,
): Promise<{ stream: MediaStream; replaced: ('camera' | 'microphone')[] }> {
  const attempts: [DeviceChoice, ('camera' | 'microphone')[]][] = [
    [choice, []],
    [{ cameraId: choice.cameraId, microphoneId: undefined }, ['microphone']],
    [{ cameraId: undefined, microphoneId: choice.microphoneId }, ['camera']],
    [{ cameraId: undefined, microphoneId: undefined }, ['camera', 'microphone']],
  ];
  let lastError: unknown;
  const tried = new Set<string>();
  for (const [attempt, replaced] of attempts) {
    const key = `${attempt.cameraId ?? ''}|${attempt.microphoneId ?? ''}`;
    if (tried.has(key)) continue;
    tried.add(key);
    try {
      const stream = await captureCameraAndMicrophone(attempt);
      // Only what was asked for and then dropped counts as replaced.
      return {
        stream,
        replaced: replaced.filter((kind) => (kind === 'camera' ? choice.cameraId : choice.microphoneId)),
      };
    } catch (error) {
      if (!isMissingDevice(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
