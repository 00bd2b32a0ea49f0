// Effect request bodies as zod schemas (signaling/effects/effectRoutes.ts
// validates with them).
import { z } from 'zod';
import {
  ADJUSTMENT_MAX,
  ADJUSTMENT_MIN,
  backgroundModes,
  EFFECT_BACKGROUND_PATH,
  effectKinds,
  lookIds,
  SMOOTHING_MAX,
  stickerIds,
  voiceIds,
} from './effects.ts';

const adjustment = z.number().int().min(ADJUSTMENT_MIN).max(ADJUSTMENT_MAX);

export const effectChoiceBody = z
  .object({
    look: z.enum(lookIds).nullable(),
    smoothing: z.number().int().min(0).max(SMOOTHING_MAX),
    brightness: adjustment,
    contrast: adjustment,
    background: z.enum(backgroundModes).nullable(),
    /** Only a picture of ours (an upload's address), never another site's. */
    backgroundImage: z
      .string()
      .regex(
        new RegExp(`^${EFFECT_BACKGROUND_PATH}[A-Za-z0-9-]+\\.(png|jpg|webp)$`),
        'not a background picture of ours',
      )
      .nullable(),
    sticker: z.enum(stickerIds).nullable(),
    voice: z.enum(voiceIds).nullable(),
  })
  .strict()
  .refine((choice) => choice.background !== 'image' || choice.backgroundImage !== null, {
    message: 'upload a background picture first',
    path: ['backgroundImage'],
  });

/** GET /api/stream-filters?category= (the seed's word for a kind). */
export const effectListQuery = z.object({ category: z.enum(effectKinds).optional() }).strict();

export type EffectChoiceBody = z.infer<typeof effectChoiceBody>;
