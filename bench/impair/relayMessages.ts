// What the bench's main thread and the relay thread (relayThread.ts) say to
// each other.
import type { Impairment } from './impairment.ts';
import type { RelayCounters } from './impairmentRelay.ts';

export type RelayRequest =
  | { type: 'open'; id: number; server: { address: string; port: number }; up: Impairment; down: Impairment }
  | { type: 'set'; id: number; up: Impairment; down: Impairment }
  | { type: 'close'; id: number }
  | { type: 'totals'; id: number }
  | { type: 'counters'; id: number; relayIds: number[] };

export type RelayReply =
  | { type: 'opened'; id: number; port: number; serverSidePort: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'totals'; id: number; counters: RelayCounters }
  | { type: 'counters'; id: number; counters: RelayCounters };
