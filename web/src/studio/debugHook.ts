// A small window hook for browser tests and for debugging in the console:
// what this studio receives and sends, and how long joining took. Installed
// while a studio is mounted, removed when it goes.
import type { StudioSession } from './StudioSession.svelte.ts';
import { resetTileFrames, tileFrames } from './tileFrames.ts';
import type { StudioDebugHook } from '../../../signaling/protocol/index.ts';

/** Installs the hook for `studio`; the returned function removes it (if still this studio's). */
export function installDebugHook(studio: StudioSession): () => void {
  const hook: StudioDebugHook = {
    phase: () => studio.phase,
    stats: () => studio.stats(),
    timings: () => structuredClone(studio.timings),
    candidateTypes: () => studio.candidateTypes(),
    mediaMode: () => studio.mediaMode,
    meshCandidateTypes: () => studio.meshCandidateTypes(),
    tileFrames: () => tileFrames(),
    resetTileFrames: () => resetTileFrames(),
    meshLinksClosed: () => ({ ...studio.meshLinksClosed }),
    roomViewRefreshes: () => studio.roomViewRefreshes,
    cameraEffects: () => studio.effects.stats(),
  };
  window.stagecastStudio = hook;
  return () => {
    if (window.stagecastStudio === hook) delete window.stagecastStudio;
  };
}
