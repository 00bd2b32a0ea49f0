// Svelte attachments that play a track in a <video>/<audio> element. The
// element gets a MediaStream of its own, set once per track (re-setting
// srcObject on every render would restart playback).
import type { Attachment } from 'svelte/attachments';

export function playTrack(track: MediaStreamTrack | undefined): Attachment<HTMLMediaElement> {
  return (element) => {
    element.srcObject = track ? new MediaStream([track]) : null;
    if (track) element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  };
}

export function playStream(stream: MediaStream | undefined): Attachment<HTMLMediaElement> {
  return (element) => {
    element.srcObject = stream ?? null;
    if (stream) element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  };
}
