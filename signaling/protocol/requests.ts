// Request payloads, declared once as zod schemas: the server validates with
// them, and both sides use the inferred types. Shapes are checked here with
// bounded sizes; mediasoup checks the media semantics (codecs, SSRCs) and
// its complaints come back as INVALID_INPUT.
import type { types as client } from 'mediasoup-client';
import { z } from 'zod';
import { layoutKinds } from './layoutGeometry.ts';
import { sessionTypes, trackSources } from './multihost.ts';

const id = z.string().min(1).max(64);
const userId = z.string().min(1).max(64);

const rtcpFeedback = z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() });
const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()]));

const rtpCodecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: z.string().max(64),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
});

const headerExtensionCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  uri: z.string().max(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const rtpCapabilities = z.looseObject({
  codecs: z.array(rtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(headerExtensionCapability).max(64).optional(),
});

const rtpEncoding = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  maxBitrate: z.number().positive().optional(),
});

export const rtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z
    .array(
      z.looseObject({
        mimeType: z.string().max(64),
        payloadType: z.number().int().min(0).max(127),
        clockRate: z.number().int().positive(),
        channels: z.number().int().positive().max(8).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(
      z.looseObject({
        uri: z.string().max(256),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: codecParameters.optional(),
      }),
    )
    .max(16)
    .optional(),
  encodings: z.array(rtpEncoding).min(1).max(4).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional() }).optional(),
});

export const dtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().max(256),
      }),
    )
    .min(1)
    .max(8),
});

const layoutKind = z.enum(layoutKinds);
export const layoutChange = z
  .object({ layout: layoutKind, pinnedUserId: userId.nullable().default(null) })
  .transform(({ layout, pinnedUserId }) => ({ kind: layout, pinnedUserId }));

// --- HTTP bodies -------------------------------------------------------------

export const createSessionBody = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(120),
  type: z.enum(sessionTypes).default('collaboration'),
  layout: layoutKind.default('grid'),
});
export const inviteBody = z.object({ userId });
export const approveBody = z.object({ userId });
export const settingsBody = z
  .object({ title: z.string().trim().min(1).max(120), allowJoinRequests: z.boolean() })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'nothing to change');
export const guestBody = z.object({ displayName: z.string().trim().min(1, 'must not be empty').max(40) });

// --- Socket requests ---------------------------------------------------------

export const sessionRef = z.object({ sessionId: id });
export const joinRequest = z.object({ sessionId: id, rtpCapabilities });
export const emptyRequest = z.object({}).strict();
export const createTransportRequest = z.object({ direction: z.enum(['send', 'recv']) });
export const connectTransportRequest = z.object({ transportId: id, dtlsParameters });
export const produceRequest = z.object({
  transportId: id,
  kind: z.enum(['audio', 'video']),
  rtpParameters,
  source: z.enum(trackSources),
});
export const producerRef = z.object({ producerId: id });
export const consumerRef = z.object({ consumerId: id });
export const toggleTrackRequest = z.object({ source: z.enum(trackSources), enabled: z.boolean() });
export const viewportRequest = z.object({
  consumers: z
    .array(
      z.object({
        consumerId: id,
        visible: z.boolean(),
        /** Tile height in CSS pixels × devicePixelRatio. */
        height: z.number().int().min(0).max(4320),
        /** The main tile of the layout (spotlight, pinned): served first when bandwidth is short. */
        main: z.boolean().default(false),
      }),
    )
    .max(32),
});
export const kickRequest = z.object({ userId });
export const userRef = z.object({ userId });

export type CreateSessionBody = z.infer<typeof createSessionBody>;
// Media payloads are typed as mediasoup-client produces them; the schemas
// above check their shape on arrival.
export type JoinRequest = { sessionId: string; rtpCapabilities: client.RtpCapabilities };
export type CreateTransportRequest = z.infer<typeof createTransportRequest>;
export type ConnectTransportRequest = { transportId: string; dtlsParameters: client.DtlsParameters };
export type ProduceRequest = Omit<z.infer<typeof produceRequest>, 'rtpParameters'> & {
  rtpParameters: client.RtpParameters;
};
export type ToggleTrackRequest = z.infer<typeof toggleTrackRequest>;
export type ViewportRequest = z.input<typeof viewportRequest>;
export type LayoutChange = z.input<typeof layoutChange>;
