// The chat's word filter: pure, so tests call it directly. Words match whole
// (not inside other words: "class" is not "ass"), ignoring case and
// compatibility forms (fullwidth letters); a trailing `*` also matches words
// that start with it ("fuck*" catches "fucking"). Masking replaces each
// character of a match with `*`, so the message keeps its shape.

export type WordFilterMode = 'mask' | 'reject';

/** Deliberately small: operators set their own list (CHAT_WORD_FILTER, docs/protocol.md). */
export const defaultFilteredWords: readonly string[] = [
  'fuck*',
  'motherfuck*',
  'shit*',
  'bullshit*',
  'cunt*',
  'bitch*',
  'asshole*',
  'dickhead*',
  'wanker*',
];

export interface FilterResult {
  /** The text with matches masked (unchanged when nothing matched). */
  text: string;
  /** Whether any filtered word occurred. */
  matched: boolean;
}

export interface WordFilter {
  readonly mode: WordFilterMode;
  apply(text: string): FilterResult;
}

/** A letter, digit or mark: what a word is made of. */
const wordChar = String.raw`[\p{L}\p{N}\p{M}]`;

export function createWordFilter(words: readonly string[], mode: WordFilterMode): WordFilter {
  const patterns = words
    .map((word) => word.normalize('NFKC').toLowerCase().trim())
    .filter((word) => word.replace(/\*$/, '').length > 0)
    .map((word) => (word.endsWith('*') ? `${escapeRegExp(word.slice(0, -1))}${wordChar}*` : escapeRegExp(word)));
  const matcher =
    patterns.length > 0 ? new RegExp(`(?<!${wordChar})(?:${patterns.join('|')})(?!${wordChar})`, 'giu') : undefined;

  return {
    mode,
    apply(text) {
      if (!matcher) return { text, matched: false };
      // Matching runs on the normalised text (fullwidth "ｆｕｃｋ" is "fuck"); a
      // text with a match comes back normalised and masked, any other as given.
      const normalized = text.normalize('NFKC');
      let matched = false;
      const masked = normalized.replace(matcher, (match) => {
        matched = true;
        return '*'.repeat([...match].length);
      });
      if (!matched) return { text, matched: false };
      return { text: masked, matched: true };
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
