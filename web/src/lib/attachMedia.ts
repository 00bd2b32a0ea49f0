// Svelte attachments that play a track in a <video>/<audio> element. The
// element gets a MediaStream of its own, set once per track (re-setting
// srcObject on every render would restart playback).
import type { Attachment } from 'svelte/attachments';
import { warn } from './warn.ts';

/**
 * Starts playback. Two refusals are expected and stay quiet: autoplay with
 * sound before the user has interacted with the page (NotAllowedError: the
 * element waits, muted players show an unmute button) and a play that a new
 * source or a pause interrupted (AbortError). Anything else is logged.
 */
export function startPlayback(element: HTMLMediaElement): void {
  element.play().catch((error: unknown) => {
    if (error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError')) return;
    warn('media playback did not start', error);
  });
}

export function playTrack(track: MediaStreamTrack | undefined): Attachment<HTMLMediaElement> {
  return (element) => {
    element.srcObject = track ? new MediaStream([track]) : null;
    if (track) startPlayback(element);
    return () => {
      element.srcObject = null;
    };
  };
}

export function playStream(stream: MediaStream | undefined): Attachment<HTMLMediaElement> {
  return (element) => {
    element.srcObject = stream ?? null;
    if (stream) startPlayback(element);
    return () => {
      element.srcObject = null;
    };
  };
}
