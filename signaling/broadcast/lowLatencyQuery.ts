// The query of an LL-HLS playlist request (RFC 8216bis 6.2.5): `_HLS_msn`
// and `_HLS_part` ask the server to hold the response until that segment or
// part is listed; `_HLS_skip` asks for a delta update. Bad values are a 400
// at once and nothing is held.
import { z } from 'zod';

const index = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number')
  .transform(Number);

export const lowLatencyQuery = z
  .object({
    _HLS_msn: index.optional(),
    _HLS_part: index.optional(),
    _HLS_skip: z.enum(['YES', 'v2'], { error: 'must be YES or v2' }).optional(),
  })
  .refine((query) => query._HLS_part === undefined || query._HLS_msn !== undefined, {
    message: '_HLS_part needs _HLS_msn',
  });

export type LowLatencyQuery = z.infer<typeof lowLatencyQuery>;
