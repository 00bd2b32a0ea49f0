// The relay thread: every impairment relay of the run lives here, off the
// generator's event loop (relaying doubles the packets a peer's process
// handles; in the generator's thread a 9-host room saturated it). Counters
// of closed relays are kept, so the totals cover the whole run.
import { parentPort } from 'node:worker_threads';
import { ImpairmentRelay, sumRelayCounters, type RelayCounters } from './impairmentRelay.ts';
import type { RelayReply, RelayRequest } from './relayMessages.ts';

const port = parentPort!;
const relays = new Map<number, ImpairmentRelay>();
const closedCounters: { relayCounters: RelayCounters }[] = [];

function reply(message: RelayReply): void {
  port.postMessage(message);
}

port.on('message', (request: RelayRequest) => {
  switch (request.type) {
    case 'open':
      ImpairmentRelay.open(request.server, request.up, request.down).then(
        (relay) => {
          relays.set(request.id, relay);
          reply({ type: 'opened', id: request.id, port: relay.port, serverSidePort: relay.serverSidePort });
        },
        (error: unknown) => reply({ type: 'failed', id: request.id, message: String(error) }),
      );
      break;
    case 'set':
      relays.get(request.id)?.setImpairment(request.up, request.down);
      break;
    case 'close': {
      const relay = relays.get(request.id);
      if (!relay) break;
      closedCounters.push({ relayCounters: relay.counters });
      relay.close();
      relays.delete(request.id);
      break;
    }
    case 'counters':
      reply({
        type: 'counters',
        id: request.id,
        counters: sumRelayCounters(
          request.relayIds.flatMap((id) => {
            const relay = relays.get(id);
            return relay ? [{ relayCounters: relay.counters }] : [];
          }),
        ),
      });
      break;
    case 'totals':
      reply({
        type: 'totals',
        id: request.id,
        counters: sumRelayCounters([
          ...closedCounters,
          ...[...relays.values()].map((relay) => ({ relayCounters: relay.counters })),
        ]),
      });
      break;
  }
});
