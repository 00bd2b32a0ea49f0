// Chat settings from the environment (documented in docs/protocol.md):
//   CHAT_WORD_FILTER       comma-separated words (`word*` matches prefixes);
//                          unset: defaultFilteredWords; `none`: no filter
//   CHAT_WORD_FILTER_MODE  mask (default: matches become ***) | reject
//   CHAT_BURST             messages a user may send at once in one chat (5)
//   CHAT_PER_S             then this many per second (1)
// Read with the same rules as signaling/config (a bad value names the
// variable), kept beside the chat so the chat owns its knobs.
import { z } from 'zod';
import { ConfigError } from '../config/ConfigError.ts';
import { defaultFilteredWords, type WordFilterMode } from './wordFilter.ts';

export interface ChatConfig {
  filteredWords: readonly string[];
  filterMode: WordFilterMode;
  /** Per user and session: a burst of `burst` messages, refilled at `perS`. */
  rate: { burst: number; perS: number };
}

const chatEnv = z.object({
  CHAT_WORD_FILTER: z
    .string()
    .max(20_000)
    .transform((value) =>
      value.trim().toLowerCase() === 'none'
        ? []
        : value
            .split(',')
            .map((word) => word.trim())
            .filter(Boolean),
    )
    .optional(),
  CHAT_WORD_FILTER_MODE: z.enum(['mask', 'reject']).default('mask'),
  CHAT_BURST: z.coerce.number().int('must be an integer').min(1).max(1000).default(5),
  CHAT_PER_S: z.coerce.number().positive('must be positive').max(1000).default(1),
});

export const defaultChatConfig: ChatConfig = {
  filteredWords: defaultFilteredWords,
  filterMode: 'mask',
  rate: { burst: 5, perS: 1 },
};

export function loadChatConfig(env: NodeJS.ProcessEnv): ChatConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('CHAT_') && value));
  const parsed = chatEnv.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'CHAT_*');
    const given = env[variable];
    const shown = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
    throw new ConfigError(variable, `${issue?.message ?? 'is invalid'}${shown}`);
  }
  const e = parsed.data;
  return {
    filteredWords: e.CHAT_WORD_FILTER ?? defaultFilteredWords,
    filterMode: e.CHAT_WORD_FILTER_MODE,
    rate: { burst: e.CHAT_BURST, perS: e.CHAT_PER_S },
  };
}
