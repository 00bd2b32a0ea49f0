// Peer-to-peer negotiation between the hosts of a mesh session (docs/mesh.md):
// the server relays offers, answers and ICE candidates from one host to
// another host of the same session and reads nothing in them but their size.
// Also the tracks a host sends peer to peer, which the session lists like
// producers so every client knows what each host publishes in either mode.
import { z } from 'zod';
import { entityId } from './commonRequests.ts';
import { MAX_ICE_CANDIDATE_LENGTH, MAX_ICE_CANDIDATES_PER_MESSAGE, MAX_SDP_LENGTH, trackSources } from './multihost.ts';

const sdp = z.string().min(1).max(MAX_SDP_LENGTH, `session description too large (max ${MAX_SDP_LENGTH} characters)`);

export const meshDescriptionRequest = z.object({ toUserId: entityId, sdp });

const iceCandidate = z.object({
  candidate: z.string().max(MAX_ICE_CANDIDATE_LENGTH),
  sdpMid: z.string().max(32).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

/** Candidates gathered together go in one message (Chromium finds ~10 at once). */
export const meshCandidateRequest = z.object({
  toUserId: entityId,
  candidates: z.array(iceCandidate).min(1).max(MAX_ICE_CANDIDATES_PER_MESSAGE),
});

export const meshTracksRequest = z.object({
  /** Everything this host sends peer to peer now (the full list: an absent source is not sent). */
  tracks: z
    .array(z.object({ source: z.enum(trackSources), kind: z.enum(['audio', 'video']), paused: z.boolean() }))
    .max(trackSources.length)
    .refine((tracks) => new Set(tracks.map((track) => track.source)).size === tracks.length, 'one track per source'),
});

export type MeshDescriptionRequest = z.infer<typeof meshDescriptionRequest>;
export type MeshCandidateRequest = z.infer<typeof meshCandidateRequest>;
export type MeshCandidate = z.infer<typeof iceCandidate>;
export type MeshTracksRequest = z.infer<typeof meshTracksRequest>;
