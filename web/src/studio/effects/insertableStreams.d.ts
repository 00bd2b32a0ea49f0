// Chromium's tracks of frames ("breakout box"), which TypeScript's DOM types
// do not have yet: MediaStreamTrackProcessor reads a track's frames,
// MediaStreamTrackGenerator is a track whose frames are written.
// https://w3c.github.io/mediacapture-transform/

interface MediaStreamVideoTrack extends MediaStreamTrack {
  readonly kind: 'video';
}

declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<VideoFrame>;
}

declare class MediaStreamTrackGenerator extends MediaStreamTrack {
  constructor(init: { kind: 'video' });
  readonly kind: 'video';
  readonly writable: WritableStream<VideoFrame>;
}
