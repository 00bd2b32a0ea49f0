// What the audience should see of a session right now, derived from the
// session's state and its media room's producers.
import type { types } from 'mediasoup';
import type { Composition } from '../../recorder/HlsRecorder.ts';
import type { SessionState } from '../protocol/index.ts';

export function compositionOf(
  state: SessionState,
  findProducer: (producerId: string) => types.Producer | undefined,
): Composition {
  const hosts = state.hosts
    .filter((host) => host.connected)
    .map((host) => {
      const live = (source: 'camera' | 'microphone') => {
        const track = host.tracks.find((candidate) => candidate.source === source && !candidate.paused);
        return track ? findProducer(track.producerId) : undefined;
      };
      const video = live('camera');
      const audio = live('microphone');
      return {
        hostId: host.userId,
        displayName: host.displayName,
        ...(video ? { video } : {}),
        ...(audio ? { audio } : {}),
      };
    });
  // Spotlight, sidebar and pip follow the pinned host, else the active speaker.
  const focusHostId = state.layout.pinnedUserId ?? state.activeSpeakerId ?? state.primaryHostId;
  return { hosts, layout: state.layout.kind, focusHostId };
}

/** Two compositions with the same key render the same picture (nothing to send the recorder). */
export function compositionKey(composition: Composition): string {
  const focusMatters = composition.layout !== 'grid' && composition.hosts.length > 1;
  return JSON.stringify({
    layout: composition.layout,
    focus: focusMatters ? composition.focusHostId : null,
    hosts: composition.hosts.map((host) => [
      host.hostId,
      host.video?.id ?? null,
      host.audio?.id ?? null,
      host.video ? null : (host.displayName ?? null),
    ]),
  });
}
