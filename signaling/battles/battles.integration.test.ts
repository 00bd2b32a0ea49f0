// PK battles against a real server (SQLite, real mediasoup and FFmpeg for
// the live sessions), with the battle clocks 20 times faster
// (BATTLE_TIME_SCALE): a 1-minute battle lasts 3 s, the countdown 0.25 s,
// the result phase 0.75 s, an invitation 1.5 s. Hosts act over HTTP,
// viewers gift over their sockets and watch the pushes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, type SignedInAccount } from '../../testkit/accountClient.ts';
import { startBattle, startLiveSession, type LiveSession } from '../../testkit/battles.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { endSession, errorCode } from '../../testkit/sessions.ts';
import { api, connectClient, signInGuest, type TestClient } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import type { BattleState, BattleStatsView, Leaderboards } from '../protocol/index.ts';
import type { WalletSummary } from '../wallet/LedgerTypes.ts';

const SCALE = '20';
let server: TestServer;
let admin: SignedInAccount;
const clients: TestClient[] = [];
let giftCount = 0;

test.before(async () => {
  server = await startTestServer({ BATTLE_TIME_SCALE: SCALE });
  admin = await makeAdmin(server.url, { DATA_DIR: server.dataDir });
});
test.after(async () => {
  for (const client of clients) client.close();
  await server.close();
});

async function viewer(coins: number, name = 'Viewer'): Promise<{ account: SignedInAccount; socket: TestClient }> {
  const account = await registerAccount(server.url, { displayName: name });
  if (coins > 0) await topUp(server.url, admin, account.user.userId, coins);
  const socket = await connectClient(server.url, account.token);
  clients.push(socket);
  return { account, socket };
}

function gift(
  socket: TestClient,
  sessionId: string,
  giftTypeId: string,
  quantity = 1,
  extra: { battleId?: string } = {},
) {
  giftCount += 1;
  return socket.request('gift:send', { sessionId, giftTypeId, quantity, clientGiftId: `g-${giftCount}`, ...extra });
}

async function battle(id: string): Promise<BattleState> {
  const { body } = await api<BattleState>(server.url, 'GET', `/api/pk-battles/${id}`);
  if (!body.ok) throw new Error(body.error.message);
  return body.data;
}

/** Polls the battle until it is in one of `phases` (bounded). */
function battleIn(
  id: string,
  phases: BattleState['phase'][],
  timeoutMs = 8000,
  baseUrl?: string,
): Promise<BattleState> {
  return waitFor(
    `battle ${id} ${phases.join('/')}`,
    async () => {
      const { body } = await api<BattleState>(baseUrl ?? server.url, 'GET', `/api/pk-battles/${id}`);
      return body.ok && phases.includes(body.data.phase) ? body.data : undefined;
    },
    timeoutMs,
  );
}

async function balanceOf(account: SignedInAccount): Promise<number> {
  const { body } = await api<WalletSummary>(server.url, 'GET', '/api/wallet', account.token);
  if (!body.ok) throw new Error(body.error.message);
  return body.data.balance;
}

async function twoLiveSessions(): Promise<[LiveSession, LiveSession]> {
  return [await startLiveSession(server.url, 'Ada'), await startLiveSession(server.url, 'Bo')];
}

async function endBoth(...sessions: LiveSession[]): Promise<void> {
  for (const live of sessions) await endSession(server.url, live.host.token, live.session.id).catch(() => undefined);
}

test('invitations: only a live primary host invites, never itself, one battle at a time; decline, withdraw, expiry', async () => {
  const [a, b] = await twoLiveSessions();
  const c = await startLiveSession(server.url, 'Cy');
  const guest = await signInGuest(server.url, 'Gus');
  const invite = (token: string | undefined, body: unknown) =>
    api<BattleState>(server.url, 'POST', '/api/pk-battles', token, body);

  assert.is(
    errorCode((await invite(undefined, { sessionId: a.session.id, opponentSessionId: b.session.id })).body),
    'UNAUTHENTICATED',
  );
  assert.is(
    errorCode((await invite(guest.token, { sessionId: a.session.id, opponentSessionId: b.session.id })).body),
    'UNAUTHENTICATED',
  );
  assert.is(
    errorCode((await invite(b.host.token, { sessionId: a.session.id, opponentSessionId: b.session.id })).body),
    'NOT_ALLOWED',
  );
  assert.is(
    errorCode((await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: a.session.id })).body),
    'INVALID_INPUT',
  );
  for (const durationS of [0, 59, 660, 90.5]) {
    const refused = await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: b.session.id, durationS });
    assert.is(errorCode(refused.body), 'INVALID_INPUT', `durationS ${durationS}`);
  }
  assert.is(
    errorCode((await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: 'nope' })).body),
    'NOT_FOUND',
  );

  // B's host hears the invitation on every connection.
  const hostB = await connectClient(server.url, b.host.token);
  clients.push(hostB);
  const invitedPush = hostB.next('pk-battle:invited');
  const first = await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: b.session.id });
  assert.is(first.status, 201);
  assert.ok(first.body.ok);
  const invitation = first.body.data;
  assert.is(invitation.phase, 'invited');
  assert.is(invitation.durationS, 300);
  assert.is((await invitedPush).battle.id, invitation.id);
  // One battle per session at a time, on either side.
  assert.is(
    errorCode((await invite(c.host.token, { sessionId: c.session.id, opponentSessionId: b.session.id })).body),
    'CONFLICT',
  );
  assert.is(
    errorCode((await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: c.session.id })).body),
    'CONFLICT',
  );
  // Only the invited host answers.
  assert.is(
    errorCode((await api(server.url, 'POST', `/api/pk-battles/${invitation.id}/accept`, c.host.token)).body),
    'NOT_ALLOWED',
  );
  assert.is(
    errorCode((await api(server.url, 'POST', `/api/pk-battles/${invitation.id}/accept`, a.host.token)).body),
    'NOT_ALLOWED',
  );
  const declined = await api<BattleState>(server.url, 'POST', `/api/pk-battles/${invitation.id}/decline`, b.host.token);
  assert.ok(declined.body.ok);
  assert.is(declined.body.data.phase, 'declined');
  assert.is(
    errorCode((await api(server.url, 'POST', `/api/pk-battles/${invitation.id}/accept`, b.host.token)).body),
    'CONFLICT',
  );

  // Withdrawn by the inviter.
  const second = await invite(a.host.token, { sessionId: a.session.id, opponentSessionId: c.session.id });
  assert.ok(second.body.ok);
  const withdrawn = await api<BattleState>(
    server.url,
    'DELETE',
    `/api/pk-battles/${second.body.data.id}`,
    a.host.token,
  );
  assert.ok(withdrawn.body.ok);
  assert.is(withdrawn.body.data.phase, 'cancelled');

  // Unanswered: expires (30 s / 20).
  const third = await invite(c.host.token, { sessionId: c.session.id, opponentSessionId: b.session.id });
  assert.ok(third.body.ok);
  assert.is((await battleIn(third.body.ok ? third.body.data.id : '', ['expired'], 5000)).phase, 'expired');
  await endBoth(a, b, c);
});

test('a battle: gifts score for their side once, the higher total wins, MVP, reward, stats, leaderboard; gifts after the bell are refused', async () => {
  const [a, b] = await twoLiveSessions();
  const fan = await viewer(1000, 'Fan');
  const rival = await viewer(1000, 'Rival');
  await fan.socket.call('stream:watch', { sessionId: a.session.id });
  const hostBalanceBefore = await balanceOf(a.host);

  const started = await startBattle(server.url, a, b, 60);
  assert.is(started.phase, 'countdown');
  // Not scoring yet: a gift insisting on the battle is refused, and nothing moves.
  assert.is(errorCode(await gift(fan.socket, a.session.id, 'rose', 1, { battleId: started.id })), 'BATTLE_NOT_ACTIVE');
  assert.is(await balanceOf(fan.account), 1000);

  await fan.socket.next('pk-battle:started', ({ battle: state }) => state.id === started.id, 3000);
  const scorePush = fan.socket.next('pk-battle:gift', (push) => push.scores[0] === 130);
  const sent = await gift(fan.socket, a.session.id, 'star', 3, { battleId: started.id }); // 30
  assert.ok(sent.ok);
  assert.is(sent.data.gift.value, 30);
  assert.is(sent.data.balance, 970);
  assert.ok((await gift(fan.socket, a.session.id, 'rocket')).ok); // 100, counts for the battle without battleId
  // A resend of the first gift changes nothing and answers as the first time.
  const resend = await fan.socket.request('gift:send', {
    sessionId: a.session.id,
    giftTypeId: 'star',
    quantity: 3,
    clientGiftId: sent.data.gift.clientGiftId,
    battleId: started.id,
  });
  assert.ok(resend.ok);
  assert.ok(resend.data.replayed);
  assert.is(resend.data.gift.id, sent.data.gift.id);
  assert.is(resend.data.balance, 970);
  // The same key for another gift is a conflict.
  const reused = await fan.socket.request('gift:send', {
    sessionId: a.session.id,
    giftTypeId: 'rose',
    quantity: 1,
    clientGiftId: sent.data.gift.clientGiftId,
  });
  assert.is(errorCode(reused), 'CONFLICT');
  assert.ok((await gift(rival.socket, b.session.id, 'heart', 2)).ok); // 10 for B
  const push = await scorePush;
  assert.ok(push.streaks.some((streak) => streak.senderName === 'Fan' && streak.giftTypeId === 'rocket'));

  const result = await fan.socket.next('pk-battle:result', ({ battle: state }) => state.id === started.id, 6000);
  assert.equal(
    result.battle.sides.map((side) => [side.score, side.outcome, side.mvp?.displayName, side.mvp?.value]),
    [
      [130, 'win', 'Fan', 130],
      [10, 'loss', 'Rival', 10],
    ],
  );
  assert.is(result.battle.winnerSessionId, a.session.id);
  assert.is(result.battle.endReason, 'time-up');
  // After the bell: refused, nothing moved.
  assert.is(errorCode(await gift(fan.socket, a.session.id, 'rose', 1, { battleId: started.id })), 'BATTLE_NOT_ACTIVE');
  assert.is(await balanceOf(fan.account), 870);
  // The winner's coins: gifts received plus the reward.
  assert.is(await balanceOf(a.host), hostBalanceBefore + 130 + 100);

  const ended = await fan.socket.next('pk-battle:ended', ({ battle: state }) => state.id === started.id, 3000);
  assert.is(ended.battle.phase, 'ended');
  const stored = await battle(started.id);
  assert.equal([stored.sides[0].score, stored.sides[1].score, stored.phase], [130, 10, 'ended']);
  const history = await api<{ battles: BattleState[]; stats: BattleStatsView }>(
    server.url,
    'GET',
    `/api/pk-battles/user/${a.host.user.userId}`,
  );
  assert.ok(history.body.ok);
  assert.is(history.body.data.battles[0]?.id, started.id);
  assert.equal(
    [
      history.body.data.stats.battles,
      history.body.data.stats.wins,
      history.body.data.stats.winStreak,
      history.body.data.stats.giftValue,
    ],
    [1, 1, 1, 130],
  );
  const boards = await api<Leaderboards>(server.url, 'GET', '/api/pk-battles/leaderboard/rankings?period=daily');
  assert.ok(boards.body.ok);
  assert.ok(boards.body.data.hostsByWins.some((entry) => entry.userId === a.host.user.userId && entry.value >= 1));
  assert.ok(
    boards.body.data.topGifters.some((entry) => entry.userId === fan.account.user.userId && entry.value === 130),
  );
  assert.is(
    errorCode((await api(server.url, 'GET', '/api/pk-battles/leaderboard/rankings?period=yearly')).body),
    'INVALID_INPUT',
  );
  await endBoth(a, b);
});

test('bad gifts get typed errors and move nothing', async () => {
  const [a, b] = await twoLiveSessions();
  const poor = await viewer(3, 'Poor');
  const anonymous = await connectClient(server.url);
  clients.push(anonymous);
  const guest = await signInGuest(server.url, 'Gus');
  const guestSocket = await connectClient(server.url, guest.token);
  clients.push(guestSocket);

  assert.is(errorCode(await gift(anonymous, a.session.id, 'rose')), 'UNAUTHENTICATED');
  assert.is(errorCode(await gift(guestSocket, a.session.id, 'rose')), 'UNAUTHENTICATED');
  assert.is(errorCode(await gift(poor.socket, a.session.id, 'unicorn')), 'INVALID_INPUT');
  for (const quantity of [0, -1, 100, 1.5]) {
    assert.is(
      errorCode(await gift(poor.socket, a.session.id, 'rose', quantity)),
      'INVALID_INPUT',
      `quantity ${quantity}`,
    );
  }
  const tooDear = await gift(poor.socket, a.session.id, 'heart');
  assert.is(errorCode(tooDear), 'INSUFFICIENT_COINS');
  assert.match(tooDear.ok ? '' : tooDear.error.message, /2 more than you have/);
  assert.is(errorCode(await gift(poor.socket, 'no-such-session', 'rose')), 'CONFLICT');
  assert.is(
    errorCode(await gift(poor.socket, a.session.id, 'rose', 1, { battleId: 'no-battle' })),
    'BATTLE_NOT_ACTIVE',
  );
  assert.is(errorCode(await gift(await hostSocket(a), a.session.id, 'rose')), 'INVALID_INPUT'); // to yourself
  assert.is(await balanceOf(poor.account), 3);
  // A plain gift outside battles reaches the session's audience as a streak.
  await poor.socket.call('stream:watch', { sessionId: b.session.id });
  const streak = poor.socket.next('gift:received', (push) => push.streaks.some((s) => s.count === 2));
  assert.ok((await gift(poor.socket, b.session.id, 'rose')).ok);
  assert.ok((await gift(poor.socket, b.session.id, 'rose')).ok);
  assert.is((await streak).streaks[0]?.value, 2);
  assert.is(await balanceOf(poor.account), 1);
  // HTTP routes validate the same way.
  const httpGift = await api(server.url, 'POST', `/api/multihost/${b.session.id}/gift`, poor.account.token, {
    giftTypeId: 'rose',
    quantity: 1,
    clientGiftId: 'http-1',
  });
  assert.is(httpGift.status, 201);
  assert.is(await balanceOf(poor.account), 0);
  const broke = await api(server.url, 'POST', `/api/multihost/${b.session.id}/gift`, poor.account.token, {
    giftTypeId: 'rose',
    quantity: 1,
    clientGiftId: 'http-2',
  });
  assert.is(errorCode(broke.body), 'INSUFFICIENT_COINS');
  await endBoth(a, b);
});

async function hostSocket(live: LiveSession): Promise<TestClient> {
  const socket = await connectClient(server.url, live.host.token);
  clients.push(socket);
  return socket;
}

test('forfeits: a host cancelling or a session ending gives the other side the win; viewers cannot cancel; a tie is a draw', async () => {
  const [a, b] = await twoLiveSessions();
  const fan = await viewer(100);
  const first = await startBattle(server.url, a, b);
  await battleIn(first.id, ['live']);
  assert.is(
    errorCode((await api(server.url, 'DELETE', `/api/pk-battles/${first.id}`, fan.account.token)).body),
    'NOT_ALLOWED',
  );
  assert.ok((await gift(fan.socket, a.session.id, 'star')).ok); // A leads 10–0…
  const forfeited = await api<BattleState>(server.url, 'DELETE', `/api/pk-battles/${first.id}`, a.host.token);
  assert.ok(forfeited.body.ok);
  // …and forfeits: B wins.
  assert.equal(
    [forfeited.body.data.phase, forfeited.body.data.endReason, forfeited.body.data.winnerSessionId],
    ['result', 'forfeit', b.session.id],
  );
  await battleIn(first.id, ['ended']);

  // A tie at the bell.
  const second = await startBattle(server.url, b, a);
  const tie = await battleIn(second.id, ['ended']);
  assert.equal([tie.winnerSessionId, tie.sides[0].outcome, tie.sides[1].outcome], [null, 'draw', 'draw']);

  // A's session ends mid-battle: B wins by forfeit.
  const third = await startBattle(server.url, a, b);
  await battleIn(third.id, ['live']);
  await endSession(server.url, a.host.token, a.session.id);
  const afterEnd = await battleIn(third.id, ['result', 'ended']);
  assert.equal([afterEnd.endReason, afterEnd.winnerSessionId], ['forfeit', b.session.id]);
  await endBoth(b);
});

test('quick match: the first session waits, the next one is paired with it; leaving the queue works', async () => {
  const [a, b] = await twoLiveSessions();
  const c = await startLiveSession(server.url, 'Cy');
  const [socketA, socketB, socketC] = [await hostSocket(a), await hostSocket(b), await hostSocket(c)];
  // C waits and leaves again; A waits; B's request is paired with A (not with C, gone from the queue).
  assert.equal(await socketC.call('pk-battle:quick-match', { sessionId: c.session.id }), { status: 'waiting' });
  assert.is(await socketC.call('pk-battle:leave-queue', { sessionId: c.session.id }), null);
  assert.equal(await socketA.call('pk-battle:quick-match', { sessionId: a.session.id, durationS: 60 }), {
    status: 'waiting',
  });
  const countdown = socketA.next('pk-battle:countdown');
  const matched = await socketB.call('pk-battle:quick-match', { sessionId: b.session.id });
  assert.is(matched.status, 'matched');
  if (matched.status !== 'matched') return;
  assert.equal(
    matched.battle.sides.map((side) => side.sessionId),
    [a.session.id, b.session.id],
  );
  assert.is(matched.battle.durationS, 60, "the waiting session's duration");
  assert.is((await countdown).battle.id, matched.battle.id);
  assert.is(await socketC.call('pk-battle:current', { sessionId: c.session.id }), null);
  assert.is((await socketC.call('pk-battle:current', { sessionId: a.session.id }))?.id, matched.battle.id);
  // Someone else's session cannot queue.
  assert.is(errorCode(await socketC.request('pk-battle:quick-match', { sessionId: a.session.id })), 'NOT_ALLOWED');
  await endBoth(a, b, c);
});

test('a server stopping mid-battle closes it as interrupted with the exact scores, and the next start finds it so', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-battle-restart-'));
  const first = await startTestServer({ BATTLE_TIME_SCALE: '1', DATA_DIR: dataDir });
  try {
    const firstAdmin = await makeAdmin(first.url, { DATA_DIR: dataDir });
    const a = await startLiveSession(first.url, 'Ada');
    const b = await startLiveSession(first.url, 'Bo');
    const fan = await registerAccount(first.url, { displayName: 'Fan' });
    await topUp(first.url, firstAdmin, fan.user.userId, 50);
    const socket = await connectClient(first.url, fan.token);
    const started = await startBattle(first.url, a, b);
    await battleIn(started.id, ['live'], 10_000, first.url);
    for (let index = 0; index < 7; index++) {
      const sent = await socket.request('gift:send', {
        sessionId: b.session.id,
        giftTypeId: 'heart',
        quantity: 1,
        clientGiftId: `r-${index}`,
      });
      assert.ok(sent.ok);
    }
    socket.close();
    await first.close();
    const second = await startTestServer({ DATA_DIR: dataDir });
    try {
      const { body } = await api<BattleState>(second.url, 'GET', `/api/pk-battles/${started.id}`);
      assert.ok(body.ok);
      assert.equal(
        [
          body.data.phase,
          body.data.endReason,
          body.data.winnerSessionId,
          body.data.sides[0].score,
          body.data.sides[1].score,
        ],
        ['ended', 'interrupted', null, 0, 35],
      );
    } finally {
      await second.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
