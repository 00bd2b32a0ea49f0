// The effects catalogue, unlocking and the remembered choice over
// /api/stream-filters. An account's choice lives on the server (any device
// opens the studio with it); a guest's stays in this browser.
import {
  EFFECTS_OFF,
  lookIds,
  SMOOTHING_MAX,
  ADJUSTMENT_MAX,
  ADJUSTMENT_MIN,
  stickerIds,
  voiceIds,
  type EffectChoice,
  type EffectUnlockReceipt,
  type EffectView,
} from '../../../../signaling/protocol/index.ts';
import { callApi } from '../../lib/httpApi.ts';
import type { StoredIdentity } from '../../lib/identity.ts';

const GUEST_CHOICE_KEY = 'stagecast.effects';

export function loadEffectCatalogue(identity: StoredIdentity): Promise<EffectView[]> {
  return callApi<EffectView[]>('/api/stream-filters', { token: identity.token });
}

export function unlockEffect(identity: StoredIdentity, effectId: string): Promise<EffectUnlockReceipt> {
  return callApi<EffectUnlockReceipt>(`/api/stream-filters/${encodeURIComponent(effectId)}/unlock`, {
    method: 'POST',
    token: identity.token,
  });
}

/** Uploads the account's background picture; answers the choice with it (shown once background is 'image'). */
export function uploadEffectBackground(identity: StoredIdentity, file: File): Promise<EffectChoice> {
  return callApi<EffectChoice>('/api/stream-filters/user/background', {
    method: 'PUT',
    rawBody: file,
    contentType: file.type,
    token: identity.token,
  });
}

export async function loadEffectChoice(identity: StoredIdentity): Promise<EffectChoice> {
  if (identity.account) return callApi<EffectChoice>('/api/stream-filters/user/choice', { token: identity.token });
  try {
    return storedChoice(JSON.parse(localStorage.getItem(GUEST_CHOICE_KEY) ?? 'null')) ?? EFFECTS_OFF;
  } catch {
    return EFFECTS_OFF;
  }
}

/** Keeps the choice for next time; the server refuses one with a locked effect (EFFECT_LOCKED). */
export async function saveEffectChoice(identity: StoredIdentity, choice: EffectChoice): Promise<void> {
  if (identity.account) {
    await callApi('/api/stream-filters/user/choice', { method: 'PUT', body: choice, token: identity.token });
  } else {
    localStorage.setItem(GUEST_CHOICE_KEY, JSON.stringify(choice));
  }
}

/** A guest's stored choice, if it still fits the catalogue. */
function storedChoice(value: unknown): EffectChoice | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as Record<string, unknown>;
  const oneOf = <T extends string>(ids: readonly T[], item: unknown): T | null =>
    ids.includes(item as T) ? (item as T) : null;
  const within = (item: unknown, min: number, max: number) =>
    Number.isInteger(item) && (item as number) >= min && (item as number) <= max ? (item as number) : 0;
  return {
    look: oneOf(lookIds, stored.look),
    smoothing: within(stored.smoothing, 0, SMOOTHING_MAX),
    brightness: within(stored.brightness, ADJUSTMENT_MIN, ADJUSTMENT_MAX),
    contrast: within(stored.contrast, ADJUSTMENT_MIN, ADJUSTMENT_MAX),
    // Guests have no picture of their own on the server: a blur at most.
    background: stored.background === 'blur' ? 'blur' : null,
    backgroundImage: null,
    sticker: oneOf(stickerIds, stored.sticker),
    voice: oneOf(voiceIds, stored.voice),
  };
}
