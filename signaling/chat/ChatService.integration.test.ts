// The chat's persistence and rules against both databases it runs on (an
// embedded SQLite file and a real PostgreSQL server started for the test),
// without sockets: history paging with no duplicates or gaps while messages
// arrive and are deleted, blocks in history, reactions, reports, mutes that
// end on time (a test clock), and moderation that survives a restart.
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { migrateDatabase } from '../../prisma/migrateDatabase.ts';
import { startPostgres } from '../../testkit/postgres.ts';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import type { ChatMessageView } from '../protocol/chat.ts';
import { defaultChatConfig, type ChatConfig } from './chatConfig.ts';
import type { ChatPushes } from './ChatPushes.ts';
import { ChatService } from './ChatService.ts';
import { ChatStore } from './ChatStore.ts';

interface Context {
  database: Database;
  close: () => Promise<void>;
}

const providers: Record<string, () => Promise<Context>> = {
  async sqlite() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-chat-'));
    const url = `file:${path.join(dir, 'chat.db')}`;
    await migrateDatabase(url);
    return withDatabase(url, async () => fs.rmSync(dir, { recursive: true, force: true }));
  },
  async postgresql() {
    const postgres = await startPostgres();
    await migrateDatabase(postgres.url);
    return withDatabase(postgres.url, () => postgres.stop());
  },
};

function withDatabase(url: string, cleanUp: () => Promise<void>): Context {
  const database = openDatabase(url);
  return {
    database,
    async close() {
      await database.$disconnect();
      await cleanUp();
    },
  };
}

/** A chat over one database with a movable clock, fake live sessions and recorded pushes. */
class Harness {
  readonly pushes: { event: string; args: unknown[] }[] = [];
  readonly activeHosts = new Map<string, Set<string>>();
  nowMs = Date.parse('2026-01-01T12:00:00Z');
  readonly chat: ChatService;

  constructor(
    readonly database: Database,
    config: ChatConfig = defaultChatConfig,
  ) {
    const record =
      (event: string) =>
      (...args: unknown[]) =>
        this.pushes.push({ event, args });
    const pushes: ChatPushes = {
      message: record('message'),
      messageDeleted: record('messageDeleted'),
      reaction: record('reaction'),
      pinned: record('pinned'),
      slowMode: record('slowMode'),
      memberUpdated: record('memberUpdated'),
      closed: record('closed'),
      hide: record('hide'),
    };
    this.chat = new ChatService({
      store: new ChatStore(database, createLogger('silent')),
      sessions: {
        active: (sessionId) => {
          const hosts = this.activeHosts.get(sessionId);
          return hosts && { isHost: (userId: string) => hosts.has(userId) };
        },
        // The picture is the session's (SessionService); these chat tests do not reach it.
        showComment: () => Promise.reject(new Error('no picture in the chat service tests')),
        // Every session here is public; private ones are the server's tests (AudienceGate).
        admit: () => Promise.resolve(),
      },
      pushes,
      config,
      logger: createLogger('silent'),
      now: () => new Date(this.nowMs),
    });
  }

  pushed(event: string): unknown[][] {
    return this.pushes.filter((push) => push.event === event).map((push) => push.args);
  }
}

let sessionCount = 0;
async function createSession(harness: Harness, primary: Identity): Promise<string> {
  sessionCount += 1;
  const id = `session-${sessionCount}`;
  await harness.database.liveSession.create({
    data: {
      id,
      title: 'Chat test',
      type: 'collaboration',
      layout: 'grid',
      status: 'live',
      primaryHostId: primary.userId,
      primaryHostName: primary.displayName,
    },
  });
  harness.activeHosts.set(id, new Set([primary.userId]));
  return id;
}

const guest = (name: string): Identity => ({ userId: `g_${name.toLowerCase()}`, displayName: name });

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  return error;
}

for (const [provider, open] of Object.entries(providers)) {
  const chatSuite = suite<{ context: Context }>(`ChatService on ${provider}`);

  chatSuite.before(async (state) => {
    state.context = await open();
  });
  chatSuite.after(async (state) => {
    await state.context.close();
  });

  chatSuite('history pages cover every visible message once, while messages arrive and go', async ({ context }) => {
    const harness = new Harness(context.database, { ...defaultChatConfig, rate: { burst: 1000, perS: 1000 } });
    const host = guest('Host');
    const sessionId = await createSession(harness, host);
    const sent: ChatMessageView[] = [];
    // Several messages share a millisecond: ties are ordered by id.
    for (let i = 0; i < 57; i++) {
      if (i % 4 === 0) harness.nowMs += 1;
      sent.push(await harness.chat.send(host, sessionId, `message ${i}`));
    }
    const deleted = new Set([sent[3]!.id, sent[30]!.id]);
    for (const id of deleted) await harness.chat.deleteMessage(host, id);

    const newest = await harness.chat.history(undefined, sessionId, undefined, 10);
    const seen = [...newest.messages];
    let before = newest.nextBefore;
    let pages = 1;
    while (before) {
      // Newer messages arriving, and already-paged ones being deleted, do not shift older pages.
      harness.nowMs += 1;
      await harness.chat.send(host, sessionId, `late ${pages}`);
      const page = await harness.chat.history(undefined, sessionId, before, 10);
      assert.ok(page.messages.length > 0 && page.messages.length <= 10);
      seen.unshift(...page.messages);
      before = page.nextBefore;
      pages += 1;
    }
    const expected = sent
      .filter((message) => !deleted.has(message.id))
      .sort((x, y) => x.createdAt.localeCompare(y.createdAt) || (x.id < y.id ? -1 : 1))
      .map((message) => message.id);
    assert.equal(
      seen.map((message) => message.id),
      expected,
      'oldest first, no duplicates, no gaps',
    );
    assert.is(pages, 6);
    const badCursor = await appError(harness.chat.history(undefined, sessionId, 'bm90LWEtY3Vyc29y', 10));
    assert.is(badCursor.code, 'INVALID_INPUT');
  });

  chatSuite(
    'a blocked user is hidden from the blocker only; soft-deleted messages from everyone',
    async ({ context }) => {
      const harness = new Harness(context.database);
      const [host, troll, viewer] = [guest('Host2'), guest('Troll'), guest('Viewer')];
      const sessionId = await createSession(harness, host);
      await harness.chat.send(host, sessionId, 'welcome');
      await harness.chat.send(troll, sessionId, 'spam spam');
      const gone = await harness.chat.send(viewer, sessionId, 'oops');
      await harness.chat.deleteMessage(viewer, gone.id);

      await harness.chat.block(viewer, troll.userId);
      assert.equal(harness.pushed('hide'), [[viewer.userId, troll.userId, true]]);
      const texts = async (who: Identity) =>
        (await harness.chat.history(who, sessionId, undefined, 50)).messages.map((message) => message.text);
      assert.equal(await texts(viewer), ['welcome']);
      assert.equal(await texts(host), ['welcome', 'spam spam']);
      assert.equal(await harness.chat.blockedIds(viewer.userId), [troll.userId]);
      assert.is((await appError(harness.chat.block(viewer, viewer.userId))).code, 'INVALID_INPUT');
      assert.is((await appError(harness.chat.block(viewer, 'g_nobody'))).code, 'NOT_FOUND');

      await harness.chat.unblock(viewer, troll.userId);
      assert.equal(await texts(viewer), ['welcome', 'spam spam']);
    },
  );

  chatSuite('a mute ends on time; a ban holds until lifted; both survive a restart', async ({ context }) => {
    const harness = new Harness(context.database);
    const [host, chatter] = [guest('Host3'), guest('Chatter')];
    const sessionId = await createSession(harness, host);
    await harness.chat.send(chatter, sessionId, 'hello');

    const muted = await harness.chat.mute(host, sessionId, chatter.userId, 5);
    assert.is(muted.mutedUntil, new Date(harness.nowMs + 5 * 60_000).toISOString());
    const refused = await appError(harness.chat.send(chatter, sessionId, 'let me talk'));
    assert.is(refused.code, 'NOT_ALLOWED');
    assert.match(refused.message, muted.mutedUntil ?? 'never');

    // A new node reading the same database (rooms are loaded from it) knows the mute.
    const restarted = new Harness(context.database);
    restarted.nowMs = harness.nowMs + 4 * 60_000;
    restarted.activeHosts.set(sessionId, new Set([host.userId]));
    assert.is((await appError(restarted.chat.send(chatter, sessionId, 'now?'))).code, 'NOT_ALLOWED');
    restarted.nowMs = harness.nowMs + 5 * 60_000 + 1;
    await restarted.chat.send(chatter, sessionId, 'free again');

    await restarted.chat.ban(host, sessionId, chatter.userId, true);
    assert.match((await appError(restarted.chat.send(chatter, sessionId, 'hi'))).message, /banned/);
    const again = new Harness(context.database);
    again.nowMs = restarted.nowMs;
    again.activeHosts.set(sessionId, new Set([host.userId]));
    const open = await again.chat.open(chatter, sessionId, []);
    assert.equal(open.you, {
      userId: chatter.userId,
      canModerate: false,
      isPrimaryHost: false,
      mutedUntil: null,
      banned: true,
    });
    await again.chat.ban(host, sessionId, chatter.userId, false);
    await again.chat.send(chatter, sessionId, 'back');
  });

  chatSuite('reactions count per emoji and are idempotent; the pinned message comes with join', async ({ context }) => {
    const harness = new Harness(context.database);
    const [host, a, b] = [guest('Host4'), guest('Ann'), guest('Ben')];
    const sessionId = await createSession(harness, host);
    const message = await harness.chat.send(host, sessionId, 'react to me');
    await harness.chat.react(a, message.id, '🔥', false);
    await harness.chat.react(a, message.id, '🔥', false);
    await harness.chat.react(b, message.id, '🔥', false);
    const last = await harness.chat.react(b, message.id, '👍', false);
    assert.equal(last.reactions, { '🔥': 2, '👍': 1 });
    assert.equal((await harness.chat.react(b, message.id, '👍', true)).reactions, { '🔥': 2 });

    await harness.chat.pin(host, message.id);
    const open = await harness.chat.open(undefined, sessionId, []);
    assert.is(open.pinned?.id, message.id);
    assert.equal(open.pinned?.reactions, { '🔥': 2 });
    assert.is(open.pinned?.badge, 'host');
    assert.equal(open.messages.at(-1)?.reactions, { '🔥': 2 });

    // Deleting the pinned message unpins it.
    await harness.chat.deleteMessage(host, message.id);
    assert.equal(harness.pushed('pinned').at(-1), [sessionId, null]);
    assert.is((await harness.chat.open(undefined, sessionId, [])).pinned, null);
    assert.is((await appError(harness.chat.react(a, message.id, '🔥', false))).code, 'NOT_FOUND');
  });

  chatSuite('reports are stored with the message text, even after the message is deleted', async ({ context }) => {
    const harness = new Harness(context.database);
    const [host, troll, reporter] = [guest('Host5'), guest('Troll5'), guest('Reporter')];
    const sessionId = await createSession(harness, host);
    const message = await harness.chat.send(troll, sessionId, 'something nasty');
    await harness.chat.deleteMessage(host, message.id);
    const report = await harness.chat.report(reporter, {
      messageId: message.id,
      reason: 'harassment',
      details: 'kept at it',
    });
    assert.equal(
      { ...report, id: undefined, createdAt: undefined },
      {
        id: undefined,
        createdAt: undefined,
        reporterId: reporter.userId,
        targetUserId: troll.userId,
        messageId: message.id,
        sessionId,
        messageText: 'something nasty',
        reason: 'harassment',
        details: 'kept at it',
        status: 'open',
      },
    );
    const byUser = await harness.chat.report(reporter, { userId: troll.userId, reason: 'spam', details: '' });
    assert.is(byUser.messageId, null);
    assert.equal(
      (await harness.chat.listReports('open', 10)).map((listed) => listed.id),
      [byUser.id, report.id],
    );
    assert.is(
      (await appError(harness.chat.report(troll, { messageId: message.id, reason: 'spam', details: '' }))).code,
      'INVALID_INPUT',
    );
    assert.is(
      (await appError(harness.chat.report(reporter, { messageId: 'nope', reason: 'spam', details: '' }))).code,
      'NOT_FOUND',
    );
  });

  chatSuite('an ended session keeps its history readable and takes no messages', async ({ context }) => {
    const harness = new Harness(context.database);
    const host = guest('Host6');
    const sessionId = await createSession(harness, host);
    await harness.chat.send(host, sessionId, 'last words');
    harness.activeHosts.delete(sessionId);
    harness.chat.sessionEnded(sessionId);
    assert.equal(harness.pushed('closed'), [[sessionId]]);
    assert.is((await appError(harness.chat.send(host, sessionId, 'more'))).code, 'CONFLICT');
    const open = await harness.chat.open(undefined, sessionId, []);
    assert.is(open.open, false);
    assert.equal(
      open.messages.map((message) => message.text),
      ['last words'],
    );
    assert.is((await appError(harness.chat.open(undefined, 'no-such-session', []))).code, 'NOT_FOUND');
  });

  chatSuite.run();
}
