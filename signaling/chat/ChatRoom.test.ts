import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { ChatRoom, type ChatMemberRecord } from './ChatRoom.ts';

const t0 = new Date('2026-01-01T12:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function room(members: Record<string, Partial<ChatMemberRecord>> = {}, options: { slowModeSeconds?: number } = {}) {
  return new ChatRoom({
    sessionId: 's1',
    primaryHostId: 'primary',
    slowModeSeconds: options.slowModeSeconds ?? 0,
    pinnedMessageId: null,
    members: new Map(
      Object.entries(members).map(([userId, record]) => [
        userId,
        { moderator: false, mutedUntil: null, banned: false, ...record },
      ]),
    ),
    isHost: (userId) => userId === 'primary' || userId === 'cohost',
  });
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error.code;
  }
}

test('ranks: the primary host outranks moderators, who outrank everyone else; co-hosts are not moderators', () => {
  const chat = room({ mod: { moderator: true }, mod2: { moderator: true } });
  assert.is(
    codeOf(() => chat.assertCanDelete('viewer', 'other')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('viewer', 'viewer')),
    undefined,
    'own messages',
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('mod', 'viewer')),
    undefined,
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('mod', 'mod2')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('mod', 'primary')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('primary', 'mod')),
    undefined,
  );
  assert.is(
    codeOf(() => chat.assertCanDelete('cohost', 'viewer')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.planMute('cohost', 'viewer', at(60))),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.planMute('mod', 'mod', at(60))),
    'INVALID_INPUT',
  );
  assert.is(
    codeOf(() => chat.planBan('mod', 'primary', true)),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => chat.planModerator('mod', 'viewer', true)),
    'NOT_ALLOWED',
    'only the primary appoints',
  );
  assert.is(
    codeOf(() => chat.planModerator('primary', 'primary', true)),
    'INVALID_INPUT',
  );
  assert.equal(chat.planModerator('primary', 'viewer', true), { moderator: true, mutedUntil: null, banned: false });
  assert.equal(
    [chat.badgeOf('primary'), chat.badgeOf('cohost'), chat.badgeOf('mod'), chat.badgeOf('viewer')],
    ['host', 'host', 'moderator', null],
  );
});

test('a muted user cannot write until the mute ends; a banned user not at all', () => {
  const chat = room({ muted: { mutedUntil: at(60) }, banned: { banned: true } });
  assert.is(
    codeOf(() => chat.admitMessage('muted', at(59))),
    'NOT_ALLOWED',
  );
  assert.equal(chat.standing('muted', at(59)).mutedUntil, at(60).toISOString());
  assert.is(
    codeOf(() => chat.admitMessage('muted', at(60))),
    undefined,
  );
  assert.is(chat.standing('muted', at(60)).mutedUntil, null);
  assert.is(
    codeOf(() => chat.admitMessage('banned', at(3600))),
    'NOT_ALLOWED',
  );
  assert.equal(chat.standing(undefined, t0), {
    userId: null,
    canModerate: false,
    isPrimaryHost: false,
    mutedUntil: null,
    banned: false,
  });
});

test('member states list users with a moderation state; an expired mute alone is none', () => {
  const chat = room({ mod: { moderator: true }, muted: { mutedUntil: at(60) }, banned: { banned: true }, plain: {} });
  const state = (userId: string, moderator: boolean, mutedUntil: string | null, banned: boolean) => ({
    sessionId: 's1',
    userId,
    moderator,
    mutedUntil,
    banned,
  });
  assert.equal(chat.memberStates(at(59)), [
    state('mod', true, null, false),
    state('muted', false, at(60).toISOString(), false),
    state('banned', false, null, true),
  ]);
  assert.equal(
    chat.memberStates(at(60)).map((member) => member.userId),
    ['mod', 'banned'],
  );
});

test('slow mode spaces messages per user; hosts and moderators are exempt', () => {
  const chat = room({ mod: { moderator: true } }, { slowModeSeconds: 10 });
  assert.is(
    codeOf(() => chat.admitMessage('viewer', at(0))),
    undefined,
  );
  assert.is(
    codeOf(() => chat.admitMessage('other', at(1))),
    undefined,
    'per user',
  );
  assert.is(
    codeOf(() => chat.admitMessage('viewer', at(9.9))),
    'RATE_LIMITED',
  );
  assert.is(
    codeOf(() => chat.admitMessage('viewer', at(10))),
    undefined,
  );
  for (const exempt of ['mod', 'cohost', 'mod', 'cohost']) {
    assert.is(
      codeOf(() => chat.admitMessage(exempt, at(11))),
      undefined,
      exempt,
    );
  }
  chat.setSlowMode(0);
  assert.is(
    codeOf(() => chat.admitMessage('viewer', at(11))),
    undefined,
  );
});

test.run();
