// Camera and voice effects: the catalogue (what exists, what it costs) and a
// host's choice of effects. The studio applies the choice on the host's own
// device, before publishing, so co-hosts, battle opponents, the compositor
// and recordings all see and hear it (docs/effects.md). The server lists the
// catalogue, sells premium effects through the ledger and keeps each
// account's last choice, refusing one that uses a locked effect.

export const effectKinds = ['look', 'beauty', 'background', 'sticker', 'voice'] as const;
export type EffectKind = (typeof effectKinds)[number];

/** Colour looks: a 3D lookup table each (web/src/studio/effects/lookTables.ts). */
export const lookIds = ['warm', 'cool', 'vintage', 'mono', 'vivid', 'noir'] as const;
export type LookId = (typeof lookIds)[number];
/** Stickers and frames drawn over the picture. */
export const stickerIds = ['hearts', 'sparkles', 'golden-frame'] as const;
export type StickerId = (typeof stickerIds)[number];
/** Voice effects on the microphone (Web Audio). */
export const voiceIds = ['pitch-up', 'pitch-down', 'echo', 'robot'] as const;
export type VoiceId = (typeof voiceIds)[number];
/** Behind the person (a segmentation model in the studio): blurred, or a picture the account uploaded. */
export const backgroundModes = ['blur', 'image'] as const;
export type BackgroundMode = (typeof backgroundModes)[number];
/** A background mode's effect id in the catalogue. */
export const backgroundEffectId = (mode: BackgroundMode) => `background-${mode}` as const;
/** Where background pictures are served; a choice's backgroundImage is this and the stored name. */
export const EFFECT_BACKGROUND_PATH = '/api/effect-backgrounds/';
/** A background picture: PNG, JPEG or WebP, at most this many bytes. */
export const EFFECT_BACKGROUND_MAX_BYTES = 2 * 1024 * 1024;
/** Where the studio loads the segmentation model and its runtime from (signaling/http/effectModelRoute.ts). */
export const EFFECT_MODEL_PATH = '/effects-model';
/** The skin smoothing filter: one effect with a strength. */
export const SMOOTHING_EFFECT_ID = 'smoothing' as const;

export type EffectId =
  LookId | StickerId | VoiceId | typeof SMOOTHING_EFFECT_ID | ReturnType<typeof backgroundEffectId>;

export interface EffectDefinition {
  id: EffectId;
  kind: EffectKind;
  name: string;
  /** 0: free for everyone; otherwise unlocked once per account for this many coins. */
  priceCoins: number;
}

export const EFFECT_CATALOGUE: readonly EffectDefinition[] = [
  { id: 'smoothing', kind: 'beauty', name: 'Skin smoothing', priceCoins: 0 },
  { id: 'background-blur', kind: 'background', name: 'Blurred background', priceCoins: 0 },
  { id: 'background-image', kind: 'background', name: 'Background picture', priceCoins: 0 },
  { id: 'warm', kind: 'look', name: 'Warm', priceCoins: 0 },
  { id: 'cool', kind: 'look', name: 'Cool', priceCoins: 0 },
  { id: 'vintage', kind: 'look', name: 'Vintage', priceCoins: 0 },
  { id: 'mono', kind: 'look', name: 'Black and white', priceCoins: 0 },
  { id: 'vivid', kind: 'look', name: 'Vivid', priceCoins: 20 },
  { id: 'noir', kind: 'look', name: 'Noir', priceCoins: 50 },
  { id: 'hearts', kind: 'sticker', name: 'Hearts', priceCoins: 0 },
  { id: 'sparkles', kind: 'sticker', name: 'Sparkles', priceCoins: 0 },
  { id: 'golden-frame', kind: 'sticker', name: 'Golden frame', priceCoins: 30 },
  { id: 'pitch-up', kind: 'voice', name: 'Higher voice', priceCoins: 0 },
  { id: 'pitch-down', kind: 'voice', name: 'Deeper voice', priceCoins: 0 },
  { id: 'echo', kind: 'voice', name: 'Echo', priceCoins: 0 },
  { id: 'robot', kind: 'voice', name: 'Robot', priceCoins: 40 },
];

export function effectDefinition(id: string): EffectDefinition | undefined {
  return EFFECT_CATALOGUE.find((effect) => effect.id === id);
}

/** A catalogue entry as GET /api/stream-filters lists it for the caller. */
export interface EffectView extends EffectDefinition {
  /** Free, or unlocked by this account. */
  unlocked: boolean;
}

/** Brightness, contrast and smoothing run from these bounds; 0 changes nothing. */
export const ADJUSTMENT_MIN = -50;
export const ADJUSTMENT_MAX = 50;
export const SMOOTHING_MAX = 100;

/** Everything a host has turned on; EFFECTS_OFF is the raw camera and microphone. */
export interface EffectChoice {
  look: LookId | null;
  /** Skin smoothing strength, 0 (off) to SMOOTHING_MAX. */
  smoothing: number;
  /** ADJUSTMENT_MIN to ADJUSTMENT_MAX, 0 unchanged. */
  brightness: number;
  contrast: number;
  /** Behind the person: null keeps the camera's own. */
  background: BackgroundMode | null;
  /** The account's background picture (EFFECT_BACKGROUND_PATH + name), used when background is 'image'. */
  backgroundImage: string | null;
  sticker: StickerId | null;
  voice: VoiceId | null;
}

export const EFFECTS_OFF: EffectChoice = {
  look: null,
  smoothing: 0,
  brightness: 0,
  contrast: 0,
  background: null,
  backgroundImage: null,
  sticker: null,
  voice: null,
};

/** The effects a choice uses (what must be unlocked for it). */
export function effectsUsed(choice: EffectChoice): EffectId[] {
  return [
    ...(choice.look ? [choice.look] : []),
    ...(choice.smoothing > 0 ? [SMOOTHING_EFFECT_ID] : []),
    ...(choice.background ? [backgroundEffectId(choice.background)] : []),
    ...(choice.sticker ? [choice.sticker] : []),
    ...(choice.voice ? [choice.voice] : []),
  ];
}

/** Whether the camera's picture needs processing at all (otherwise the raw track is sent). */
export function changesPicture(choice: EffectChoice): boolean {
  return (
    choice.look !== null ||
    choice.smoothing > 0 ||
    choice.brightness !== 0 ||
    choice.contrast !== 0 ||
    choice.background !== null ||
    choice.sticker !== null
  );
}

/** What POST /api/stream-filters/:id/unlock answers. */
export interface EffectUnlockReceipt {
  effectId: EffectId;
  /** False when it was free or unlocked before: nothing was charged this time. */
  charged: boolean;
  /** The wallet's balance after the unlock. */
  balance: number;
}
