import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundTripMsOf } from './roundTrip.ts';

/** An NTP time whose middle 32 bits are `middle` (1/65536 s units). */
const ntpWithMiddle = (middle: number): bigint => BigInt(Math.round(middle)) << 16n;

test('now − LSR − DLSR, in milliseconds', () => {
  // Sent at 10 s, held 0.5 s by the server, answered at 10.7 s: 200 ms on the wire.
  const rtt = roundTripMsOf({ lsr: 10 * 65536, dlsr: 0.5 * 65536 }, ntpWithMiddle(10.7 * 65536));
  assert.ok(rtt !== undefined && Math.abs(rtt - 200) < 0.1, `rtt ${rtt}`);
});

test('a block that answers no sender report, or a negative round trip, is no measurement', () => {
  assert.is(roundTripMsOf({ lsr: 0, dlsr: 0 }, ntpWithMiddle(5 * 65536)), undefined);
  assert.is(roundTripMsOf({ lsr: 10 * 65536, dlsr: 65536 }, ntpWithMiddle(10 * 65536)), undefined);
});

test('the middle 32 bits wrap', () => {
  const rtt = roundTripMsOf({ lsr: 0xffff_ff00, dlsr: 0 }, ntpWithMiddle(0x100));
  assert.ok(rtt !== undefined && Math.abs(rtt - (0x200 * 1000) / 65536) < 0.01);
});

test.run();
