// The search query as a zod schema (signaling/search/searchRoutes.ts).
import { z } from 'zod';
import { SEARCH_MAX_CHARS, SEARCH_MIN_CHARS } from './search.ts';

export const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(SEARCH_MIN_CHARS, `type at least ${SEARCH_MIN_CHARS} characters`)
    .max(SEARCH_MAX_CHARS, `at most ${SEARCH_MAX_CHARS} characters`),
});
export type SearchQuery = z.infer<typeof searchQuery>;
