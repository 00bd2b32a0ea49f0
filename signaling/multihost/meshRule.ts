// When a session's media may run peer to peer (docs/mesh.md): a small room
// that is not on air. Going live needs the media on the server (the
// compositor), and so does a battle, which needs a live session; a host
// beyond the limit means more uplinks than a browser should carry.
import type { MediaMode, SessionStatus } from '../protocol/index.ts';

export interface MeshLimits {
  /** MESH_MAX_HOSTS: most hosts in a mesh room; 0 turns the mesh off. */
  maxHosts: number;
  /** MESH_RETURN_DELAY_MS: how long a room must fit a mesh again before it goes back. */
  returnDelayMs: number;
}

export function fitsMesh(limits: MeshLimits, status: SessionStatus, hostsInRoom: number): boolean {
  return limits.maxHosts > 0 && status === 'scheduled' && hostsInRoom <= limits.maxHosts;
}

/** The mode a session starts in. */
export function initialMediaMode(limits: MeshLimits): MediaMode {
  return limits.maxHosts > 0 ? 'mesh' : 'sfu';
}
