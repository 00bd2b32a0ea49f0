// Media negotiation payloads (webrtc:* requests) as zod schemas. Shapes are
// checked here with bounded sizes; mediasoup checks the media semantics
// (codecs, SSRCs) and its complaints come back as INVALID_INPUT. The payload
// types are mediasoup-client's own, since that is what clients send.
import type { types as client } from 'mediasoup-client';
import { z } from 'zod';
import { entityId } from './commonRequests.ts';
import { trackSources } from './multihost.ts';

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

export const createTransportRequest = z.object({ direction: z.enum(['send', 'recv']) });
export const connectTransportRequest = z.object({ transportId: entityId, dtlsParameters });
export const produceRequest = z.object({
  transportId: entityId,
  kind: z.enum(['audio', 'video']),
  rtpParameters,
  source: z.enum(trackSources),
});
export const producerRef = z.object({ producerId: entityId });
export const consumerRef = z.object({ consumerId: entityId });
export const toggleTrackRequest = z.object({ source: z.enum(trackSources), enabled: z.boolean() });
export const viewportRequest = z.object({
  consumers: z
    .array(
      z.object({
        consumerId: entityId,
        visible: z.boolean(),
        /** Tile height in CSS pixels × devicePixelRatio. */
        height: z.number().int().min(0).max(4320),
        /** The main tile of the layout (spotlight, pinned): served first when bandwidth is short. */
        main: z.boolean().default(false),
      }),
    )
    .max(32),
});

export type CreateTransportRequest = z.infer<typeof createTransportRequest>;
export type ConnectTransportRequest = { transportId: string; dtlsParameters: client.DtlsParameters };
export type ProduceRequest = Omit<z.infer<typeof produceRequest>, 'rtpParameters'> & {
  rtpParameters: client.RtpParameters;
};
export type ToggleTrackRequest = z.infer<typeof toggleTrackRequest>;
export type ViewportRequest = z.input<typeof viewportRequest>;
