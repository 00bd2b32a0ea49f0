import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BattleSideState, BattleState, SessionState } from '../protocol/index.ts';
import { battleInvitationNotice, channelLiveNotice, hostInvitationNotice } from './notices.ts';

const side = (sessionId: string, sessionTitle: string, hostName: string): BattleSideState => ({
  sessionId,
  sessionTitle,
  hostId: `${hostName}-id`,
  hostName,
  score: 0,
  outcome: null,
  mvp: null,
});

test('a live session: the primary host by name, the show, its watch page; once per session', () => {
  const session = {
    id: 's/1',
    title: 'Night shift',
    primaryHostId: 'u1',
    hosts: [
      { userId: 'u2', displayName: 'Co-host' },
      { userId: 'u1', displayName: 'Grace' },
    ],
  } as unknown as SessionState;
  assert.equal(channelLiveNotice(session), {
    kind: 'channel-live',
    dedupeKey: 'live:s/1',
    text: 'Grace is live: Night shift',
    path: '/watch/s%2F1',
  });
});

test('an invitation to host leads to the studio; a battle invitation to the invited side’s studio, its length in words', () => {
  assert.equal(hostInvitationNotice('s1', 'Duet', 'Ada'), {
    kind: 'host-invitation',
    dedupeKey: 'host:s1',
    text: 'Ada invited you to host Duet',
    path: '/studio/s1',
  });
  const battle = { id: 'b1', durationS: 180, sides: [side('a', 'Show A', 'Ada'), side('b', 'Show B', 'Ken')] };
  assert.equal(battleInvitationNotice(battle as unknown as BattleState), {
    kind: 'battle-invitation',
    dedupeKey: 'battle:b1',
    text: 'Ada challenges Show B to a 3-minute PK battle',
    path: '/studio/b',
  });
  const odd = { ...battle, durationS: 90 } as unknown as BattleState;
  assert.match(battleInvitationNotice(odd).text, 'a 90-second PK battle');
});

test.run();
