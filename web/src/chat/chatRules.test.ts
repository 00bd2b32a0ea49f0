import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatStanding } from '../../../signaling/protocol/index.ts';
import {
  canAppoint,
  canDelete,
  canModerateUser,
  describeChatError,
  rateWaitSeconds,
  spendMessage,
  type ChatRoles,
} from './chatRules.ts';

const roles: ChatRoles = {
  primaryHostId: 'host',
  members: {
    mod: { sessionId: 's', userId: 'mod', moderator: true, mutedUntil: null, banned: false },
    mod2: { sessionId: 's', userId: 'mod2', moderator: true, mutedUntil: null, banned: false },
  },
};
const standing = (userId: string | null, extra: Partial<ChatStanding> = {}): ChatStanding => ({
  userId,
  canModerate: userId === 'host' || userId === 'mod' || userId === 'mod2',
  isPrimaryHost: userId === 'host',
  mutedUntil: null,
  banned: false,
  ...extra,
});

test('controls follow the ranks: nobody acts on their own rank or above', () => {
  assert.ok(canDelete(standing('viewer'), 'viewer', roles), 'own message');
  assert.not.ok(canDelete(standing('viewer'), 'other', roles));
  assert.ok(canDelete(standing('mod'), 'viewer', roles));
  assert.not.ok(canDelete(standing('mod'), 'mod2', roles));
  assert.not.ok(canDelete(standing('mod'), 'host', roles));
  assert.ok(canDelete(standing('host'), 'mod', roles));
  assert.not.ok(canDelete(standing(null), 'viewer', roles), 'anonymous');

  assert.ok(canModerateUser(standing('mod'), 'viewer', roles));
  assert.not.ok(canModerateUser(standing('mod'), 'mod2', roles));
  assert.not.ok(canModerateUser(standing('mod'), 'mod', roles), 'not yourself');
  assert.not.ok(canModerateUser(standing('viewer'), 'other', roles));
  assert.ok(canModerateUser(standing('host'), 'mod', roles));

  assert.ok(canAppoint(standing('host'), 'viewer', roles));
  assert.not.ok(canAppoint(standing('mod'), 'viewer', roles), 'the primary host only');
  assert.not.ok(canAppoint(standing('host'), 'host', roles));
});

test('errors in words; ISO times become local times', () => {
  assert.is(describeChatError('RATE_LIMITED', 'you are sending messages too fast'), 'Slow down a little.');
  assert.is(
    describeChatError('RATE_LIMITED', 'slow mode: wait 7 s before your next message'),
    'Slow down: wait 7 s before your next message.',
  );
  const muted = describeChatError('NOT_ALLOWED', 'you are muted in this chat until 2030-01-01T12:00:00.000Z');
  assert.ok(muted.startsWith('You are muted in this chat until '), muted);
  assert.not.ok(muted.includes('2030-01-01T'), muted);
  assert.is(
    describeChatError('CONFLICT', 'the session has ended: its chat is closed'),
    'The chat is closed: the show has ended.',
  );
  assert.is(describeChatError('TIMEOUT', 'no answer within 10000 ms'), 'The server did not answer; try again.');
  assert.is(describeChatError('UNAUTHENTICATED', 'sign in'), 'Sign in to chat.');
});

test('the send budget mirrors the server: a burst, then the rate', () => {
  const rate = { burst: 3, perS: 1 };
  let budget = undefined;
  for (let i = 0; i < 3; i++) {
    assert.is(rateWaitSeconds(budget, rate, 0), 0);
    budget = spendMessage(budget, rate, 0);
  }
  assert.is(rateWaitSeconds(budget, rate, 0), 1, 'burst spent');
  assert.is(rateWaitSeconds(budget, rate, 1000), 0, 'one more a second later');
  assert.is(rateWaitSeconds(spendMessage(budget, rate, 500), rate, 500), 1);
});

test.run();
