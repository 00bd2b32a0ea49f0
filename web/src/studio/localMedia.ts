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
