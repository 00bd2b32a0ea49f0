// What the audience should see of a session right now, derived from the
// session's state and its media room's producers.
import type { types } from 'mediasoup';
import type { Composition } from '../../recorder/HlsRecorder.ts';
import type { SessionState, TrackSource } from '../protocol/index.ts';

export function compositionOf(
  state: SessionState,
  findProducer: (producerId: string) => types.Producer | undefined,
): Composition {
  const hosts = state.hosts
    .filter((host) => host.connected)
    .map((host) => {
      const live = (source: TrackSource) => {
        const track = host.tracks.find((candidate) => candidate.source === source && !candidate.paused);
        return track ? findProducer(track.producerId) : undefined;
      };
      const video = live('camera');
      const audio = live('microphone');
      const screen = live('screen');
      const screenAudio = live('screen-audio');
      return {
        hostId: host.userId,
        displayName: host.displayName,
        ...(video ? { video } : {}),
        ...(audio ? { audio } : {}),
        ...(screen ? { screen } : {}),
        ...(screenAudio ? { screenAudio } : {}),
      };
    });
  // Spotlight, sidebar and pip follow the pinned host, else a shared screen,
  // else the active speaker (the recorder applies stageFocus, as the studio does).
  const focusHostId = state.activeSpeakerId ?? state.primaryHostId;
  return {
    hosts,
    layout: state.layout.kind,
    ...(state.layout.pinnedUserId ? { pinnedHostId: state.layout.pinnedUserId } : {}),
    focusHostId,
  };
}

/** Two compositions with the same key render the same picture (nothing to send the recorder). */
export function compositionKey(composition: Composition): string {
  const tiles = composition.hosts.length + composition.hosts.filter((host) => host.screen).length;
  const focusMatters = composition.layout !== 'grid' && tiles > 1;
  return JSON.stringify({
    layout: composition.layout,
    focus: focusMatters ? [composition.pinnedHostId ?? null, composition.focusHostId ?? null] : null,
    hosts: composition.hosts.map((host) => [
      host.hostId,
      host.video?.id ?? null,
      host.audio?.id ?? null,
      host.screen?.id ?? null,
      host.screenAudio?.id ?? null,
      // Every tile carries its host's name.
      host.displayName ?? null,
    ]),
  });
}
