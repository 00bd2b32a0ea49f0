// Co-host session payloads as zod schemas: the HTTP bodies of /api/room and
// the multihost:* socket requests.
import type { types as client } from 'mediasoup-client';
import { z } from 'zod';
import { entityId } from './commonRequests.ts';
import { layoutKinds } from './layoutGeometry.ts';
import {
  DESCRIPTION_MAX_LENGTH,
  MAX_SCHEDULE_AHEAD_DAYS,
  MAX_TAGS,
  TAG_MAX_LENGTH,
  DENY_REASON_MAX_LENGTH,
  invitationLifetimesS,
  MAX_AUDIENCE_CAPACITY,
  sessionTypes,
  stoppableSources,
  WATCH_PASSWORD_MAX_LENGTH,
  WATCH_PASSWORD_MIN_LENGTH,
} from './multihost.ts';
import { BANNER_MAX_LENGTH, onScreenText, TICKER_MAX_LENGTH } from './onScreen.ts';
import { rtpCapabilities } from './webrtcRequests.ts';

const layoutKind = z.enum(layoutKinds);
export const layoutChange = z
  .object({ layout: layoutKind, pinnedUserId: entityId.nullable().default(null) })
  .transform(({ layout, pinnedUserId }) => ({ kind: layout, pinnedUserId }));

/** A private session's password: as typed (not trimmed), printable. */
const watchPassword = z
  .string()
  .min(WATCH_PASSWORD_MIN_LENGTH, `must be at least ${WATCH_PASSWORD_MIN_LENGTH} characters`)
  .max(WATCH_PASSWORD_MAX_LENGTH, `must be at most ${WATCH_PASSWORD_MAX_LENGTH} characters`)
  .refine((password) => !/\p{Cc}/u.test(password), 'must not contain control characters');
/** Most audience pages at once; null: no limit. */
const audienceCapacity = z.number().int().min(1, 'must be at least 1').max(MAX_AUDIENCE_CAPACITY).nullable();

/**
 * When a session is planned to start: from a few minutes ago (a form filled
 * in slowly) to MAX_SCHEDULE_AHEAD_DAYS ahead; null: not announced.
 */
const scheduledFor = z.iso
  .datetime({ offset: true, message: 'must be an ISO date-time' })
  .refine((iso) => Date.parse(iso) > Date.now() - 10 * 60_000, 'must not be in the past')
  .refine(
    (iso) => Date.parse(iso) < Date.now() + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000,
    `must be within ${MAX_SCHEDULE_AHEAD_DAYS} days`,
  )
  .nullable();
/** Free text: control characters other than line breaks dropped, trimmed. */
const description = z
  .string()
  .max(DESCRIPTION_MAX_LENGTH, `must be at most ${DESCRIPTION_MAX_LENGTH} characters`)
  .transform((text) => text.replace(/[^\P{Cc}\n]/gu, '').trim());
/** One word each, lower-cased; repeats dropped. */
const tags = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(
        new RegExp(`^[\\p{L}\\p{N}-]{1,${TAG_MAX_LENGTH}}$`, 'u'),
        `a tag is one word of letters, digits or -, at most ${TAG_MAX_LENGTH}`,
      ),
  )
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .transform((words) => [...new Set(words)]);

// --- HTTP bodies -------------------------------------------------------------

export const createSessionBody = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(120),
  type: z.enum(sessionTypes).default('collaboration'),
  layout: layoutKind.default('grid'),
  /** Co-hosts wait backstage until put on air (the default), or go on air as they join. */
  backstage: z.boolean().default(true),
  /** Only people with the watch link (or the password) may watch. */
  private: z.boolean().default(false),
  password: watchPassword.optional(),
  maxViewers: audienceCapacity.default(null),
  /** Announced: listed as upcoming, counted down on its audience page, kept across restarts until then. */
  scheduledFor: scheduledFor.default(null),
  description: description.default(''),
  tags: tags.default([]),
});
export const inviteBody = z.object({ userId: entityId });
export const invitationBody = z.object({
  ttlS: z
    .number()
    .refine((value) => (invitationLifetimesS as readonly number[]).includes(value), 'must be 3600, 86400 or 604800')
    .default(86_400),
});
/** `GET /api/multihost/upcoming?hostId=`: one host's only. */
export const upcomingQuery = z.object({ hostId: entityId.optional() });
export const joinByInvitationBody = z.object({ invitation: z.string().min(1).max(2048) });
export const approveBody = z.object({ userId: entityId });
/** A blank reason is no reason. */
export const denyBody = z.object({
  userId: entityId,
  reason: z
    .string()
    .trim()
    .max(DENY_REASON_MAX_LENGTH, `must be at most ${DENY_REASON_MAX_LENGTH} characters`)
    .optional()
    .transform((reason) => reason || null),
});
export const settingsBody = z
  .object({
    title: z.string().trim().min(1).max(120),
    allowJoinRequests: z.boolean(),
    backstage: z.boolean(),
    private: z.boolean(),
    /** null: no password (the link only). */
    password: watchPassword.nullable(),
    maxViewers: audienceCapacity,
    scheduledFor,
    description,
    tags,
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'nothing to change');

// --- Socket requests ---------------------------------------------------------

export const sessionRef = z.object({ sessionId: entityId });
export const joinRequest = z.object({ sessionId: entityId, rtpCapabilities });
export const kickRequest = z.object({ userId: entityId });
export const onAirBody = z.object({ onAir: z.boolean() });
export const onAirRequest = z.object({ userId: entityId, onAir: z.boolean() });
export const stopHostMediaRequest = z.object({ userId: entityId, source: z.enum(stoppableSources) });
/** Words for the picture: no control characters; kept to what the compositor draws (onScreenText); null hides. */
const onScreenWords = (maxLength: number) =>
  z
    .string()
    .max(maxLength * 2, `must be at most ${maxLength} characters`)
    .refine((text) => !/\p{Cc}/u.test(text), 'must not contain control characters')
    .transform((text) => onScreenText(text, maxLength))
    .refine((text) => text.length > 0, 'has nothing that can be shown (letters, digits, spaces and . , ! ? & + # @ -)')
    .nullable();
/** `POST /api/banners`: a banner to keep, as the compositor would draw it. */
export const savedBannerBody = z.object({ text: onScreenWords(BANNER_MAX_LENGTH).unwrap() });
const themeColour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb')
  .transform((colour) => colour.toLowerCase());
export const onScreenRequest = z
  .object({
    banner: onScreenWords(BANNER_MAX_LENGTH),
    ticker: onScreenWords(TICKER_MAX_LENGTH),
    // Any of the show's colours; the others stay.
    theme: z
      .object({ background: themeColour, nameTag: themeColour, banner: themeColour })
      .partial()
      .strict()
      .refine((value) => Object.keys(value).length > 0, 'name a colour to change'),
    // A comment is put on screen from the chat (`chat:show-on-screen`); here it can only be taken off.
    comment: z.null(),
  })
  .partial()
  // Anything else is refused, not dropped: the pictures, say, are changed by uploading them.
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'nothing to change');
export const hostPermissionsRequest = z.object({
  userId: entityId,
  permissions: z.object({ layout: z.boolean(), stage: z.boolean() }).strict(),
});

export type CreateSessionBody = z.infer<typeof createSessionBody>;
export type SettingsRequest = z.input<typeof settingsBody>;
export type OnAirRequest = z.infer<typeof onAirRequest>;
export type OnScreenRequest = z.input<typeof onScreenRequest>;
export type StopHostMediaRequest = z.infer<typeof stopHostMediaRequest>;
export type HostPermissionsRequest = z.infer<typeof hostPermissionsRequest>;
// Media payloads are typed as mediasoup-client produces them; the schemas
// check their shape on arrival.
export type JoinRequest = { sessionId: string; rtpCapabilities: client.RtpCapabilities };
export type LayoutChange = z.input<typeof layoutChange>;
