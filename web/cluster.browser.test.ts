// Two hosts in real Chromium on a three-node cluster behind nginx: the
// primary creates the session through the load balancer (placed on some
// node), a co-host's studio is loaded from a node that does not own it, and
// both see and hear each other: their signalling is forwarded to the owner,
// their media goes to the owner's worker. Two sessions owned by different
// nodes battle from their studios (media piped between the nodes). Then the
// owner of a live session is killed.
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { makeAdmin, topUp } from '../testkit/coins.ts';
import { addCoHost, createSession } from '../testkit/sessions.ts';
import type { BattleState, SessionState } from '../signaling/protocol/index.ts';
import { api, signInGuest, type Guest, identityOf } from '../testkit/signalingClient.ts';
import {
  assertReceivesFrom,
  byTestId,
  joinAsHost,
  openHostPage,
  openPage,
  report,
  STEP_TIMEOUT_MS,
  type HostPage,
} from '../testkit/studioPages.ts';
import { assertOpponentVideo, OPPONENT_BAR, OWN_BAR, waitForHlsBar, waitForScores } from '../testkit/battlePages.ts';
import { endSession } from '../testkit/sessions.ts';
import { livePlaylist } from '../testkit/hlsFiles.ts';
import { startTestCluster, type TestCluster } from '../testkit/testCluster.ts';

const CAPTURE = '320x180@15';

let cluster: TestCluster;
let browser: Browser;
const pages: HostPage[] = [];

const ownerOf = (sessionId: string) => cluster.ownerOf(sessionId);

test.before(async () => {
  // Two live sessions battle: two compositors beside four pages on two cores; at 15 fps they keep real time.
  cluster = await startTestCluster(3, { HLS_FPS: '15' });
  browser = await launchChromium();
});

test.after(async () => {
  for (const page of pages) await page.context.close().catch(() => undefined);
  await browser?.close();
  await cluster?.stop();
});

/** Two hosts' studios for `sessionId`, the first through the load balancer, the second on `elsewhere`; both joined. */
async function joinTwoStudios(
  sessionId: string,
  hosts: [Guest, Guest],
  elsewhere: string,
): Promise<[HostPage, HostPage]> {
  const studio = (base: string) => `${base}/studio/${sessionId}?capture=${CAPTURE}`;
  const opened: HostPage[] = [];
  for (const [guest, base] of [
    [hosts[0], cluster.lb.url],
    [hosts[1], elsewhere],
  ] as const) {
    const page = await openHostPage(browser, guest.displayName, studio(base), guest);
    page.userId = guest.userId;
    pages.push(page);
    opened.push(page);
  }
  for (const page of opened) await joinAsHost(page);
  return opened as [HostPage, HostPage];
}

test('a host on a node that does not own the session and one through the load balancer exchange media', async () => {
  const primary = await signInGuest(cluster.lb.url, 'Ada');
  const coHost = await signInGuest(cluster.lb.url, 'Grace');
  const session = await createSession(cluster.lb.url, primary.token, 'Cluster panel');
  await addCoHost(cluster.lb.url, primary.token, coHost, session.id);
  const ownerId = await ownerOf(session.id);
  const elsewhere = cluster.nodes.find((node) => node.id !== ownerId)!;
  report(`session on ${ownerId}; the co-host's studio is served by ${elsewhere.id}`);

  const [first, second] = await joinTwoStudios(session.id, [primary, coHost], elsewhere.url);
  await assertReceivesFrom(first, [second]);
  await assertReceivesFrom(second, [first]);
  // Two pages fewer for the next test's two cores.
  for (const page of pages.splice(0)) await page.context.close();
});

/** A live session's playlist once it lists a segment (the owner may be starting, or taking it over). */
async function livePlaylistWithSegments(sessionId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const playlist = await livePlaylist(cluster.lb.url, sessionId);
    if (playlist && playlist.segments.length > 0) return playlist;
    if (Date.now() > deadline) throw new Error(`no live playlist for ${sessionId} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const playhead = (viewer: HostPage) => viewer.page.evaluate(() => window.stagecastPlayer?.currentTime() ?? -1);

/** The viewer's player has played up to `seconds`. */
async function waitForPlayhead(viewer: HostPage, seconds: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let at = await playhead(viewer);
  while (at < seconds) {
    if (Date.now() > deadline) throw new Error(`the player stopped at ${at} s (wanted ${seconds} s)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    at = await playhead(viewer);
  }
}

/** A new account with 500 coins, and the catalogue's first gift. */
async function toppedUpFan(displayName: string) {
  const admin = await makeAdmin(cluster.lb.url, { DATABASE_URL: cluster.postgres.url });
  const fan = await registerAccount(cluster.lb.url, { displayName });
  await topUp(cluster.lb.url, admin, fan.user.userId, 500);
  const catalogue = await api<{ id: string; coinValue: number }[]>(cluster.lb.url, 'GET', '/api/gifts');
  if (!catalogue.body.ok) throw new Error(catalogue.body.error.message);
  const [giftType] = catalogue.body.data;
  if (!giftType) throw new Error('the gift catalogue is empty');
  return { fan, giftType };
}

test('sessions of two nodes battle in the studios: each decodes the other, both HLS pictures split, gifts score on both sides', async () => {
  const ana = identityOf(await registerAccount(cluster.lb.url, { displayName: 'Ana' }));
  const ben = identityOf(await registerAccount(cluster.lb.url, { displayName: 'Ben' }));
  const sessionA = await createSession(cluster.lb.url, ana.token, 'Ana show');
  const ownerA = await ownerOf(sessionA.id);
  let sessionB: SessionState | undefined;
  for (let attempt = 0; attempt < 8 && !sessionB; attempt++) {
    const candidate = await createSession(cluster.lb.url, ben.token, 'Ben show');
    if ((await ownerOf(candidate.id)) !== ownerA) sessionB = candidate;
    else await endSession(cluster.lb.url, ben.token, candidate.id);
  }
  if (!sessionB) throw new Error('placement kept choosing one node');
  report(`A on ${ownerA}, B on ${await ownerOf(sessionB.id)}`);
  const studio = (sessionId: string) => `${cluster.lb.url}/studio/${sessionId}?capture=${CAPTURE}`;
  const hostA = await openHostPage(browser, 'Ana', studio(sessionA.id), ana);
  const hostB = await openHostPage(browser, 'Ben', studio(sessionB.id), ben);
  hostA.userId = ana.userId;
  hostB.userId = ben.userId;
  pages.push(hostA, hostB);
  await Promise.all([joinAsHost(hostA), joinAsHost(hostB)]);
  for (const [host, session] of [
    [ana, sessionA],
    [ben, sessionB],
  ] as const) {
    const started = await api(cluster.lb.url, 'POST', `/api/multihost/${session.id}/start`, host.token);
    assert.ok(started.body.ok, JSON.stringify(started.body));
  }

  // Ana invites Ben's session from the Battle panel (it lists live sessions of every node); Ben accepts.
  await hostA.page.waitForSelector(byTestId('battle-open'), { timeout: STEP_TIMEOUT_MS });
  await hostA.page.click(byTestId('battle-open'));
  const opponentOption = `${byTestId('battle-opponent')}[data-session-id="${sessionB.id}"]`;
  await hostA.page.waitForSelector(opponentOption, { timeout: STEP_TIMEOUT_MS });
  await hostA.page.click(opponentOption);
  await hostA.page.click(byTestId('battle-invite'));
  await hostB.page.waitForSelector(byTestId('battle-invitation'), { timeout: STEP_TIMEOUT_MS });
  await hostB.page.click(byTestId('battle-accept'));

  // Both studios split, and each decodes and hears the opponent, piped from the other node.
  const acceptedAt = Date.now();
  for (const [host, opponent] of [
    [hostA, hostB],
    [hostB, hostA],
  ] as const) {
    await host.page.waitForSelector(byTestId('battle-stage'), { timeout: STEP_TIMEOUT_MS });
    await assertOpponentVideo(host, opponent);
    await assertReceivesFrom(host, [opponent]);
  }
  report(`both studios decode the opponent ${Date.now() - acceptedAt} ms after the accept (sampled)`);
  // Both audiences' pictures: the battle layout, composed on each session's own node.
  for (const session of [sessionA, sessionB]) {
    await waitForHlsBar(cluster.lb.url, session.id, `${session.title}: the split bar`, [
      [0.25, OWN_BAR],
      [0.75, OPPONENT_BAR],
    ]);
  }

  // Gifts once live: one to each side (Ben's through his session's own node), both studios' bars follow.
  const listed = await api<BattleState[]>(cluster.lb.url, 'GET', `/api/pk-battles/active/list`);
  const battleId = listed.body.ok
    ? listed.body.data.find((candidate) => candidate.sides.some((side) => side.sessionId === sessionA.id))?.id
    : undefined;
  assert.ok(battleId, 'the battle is listed once live');
  await hostA.page.waitForSelector(`${byTestId('battle-stage')}[data-phase="live"]`, { timeout: STEP_TIMEOUT_MS });
  const { fan, giftType: rose } = await toppedUpFan('Fan');
  for (const [session, quantity] of [
    [sessionA, 3],
    [sessionB, 5],
  ] as const) {
    const sent = await api(cluster.lb.url, 'POST', `/api/pk-battles/${battleId}/gift`, fan.token, {
      sessionId: session.id,
      giftTypeId: rose.id,
      quantity,
      clientGiftId: `cluster-battle-${session.id}`,
    });
    assert.ok(sent.body.ok, JSON.stringify(sent.body));
  }
  await waitForScores(hostA.page, 'battle-stage', 3 * rose.coinValue, 5 * rose.coinValue);
  await waitForScores(hostB.page, 'battle-stage', 5 * rose.coinValue, 3 * rose.coinValue);

  // Ana forfeits; both studios leave the battle in the end, and the pages go for the next test's cores.
  const cancelled = await api<BattleState>(cluster.lb.url, 'DELETE', `/api/pk-battles/${battleId}`, ana.token);
  assert.ok(cancelled.body.ok && cancelled.body.data.winnerSessionId === sessionB.id, JSON.stringify(cancelled.body));
  for (const page of pages.splice(0)) await page.context.close();
  for (const [host, session] of [
    [ana, sessionA],
    [ben, sessionB],
  ] as const)
    await endSession(cluster.lb.url, host.token, session.id);
});

test('the owner of a live session is killed: another node takes it over, the hosts are back with media, gifts count once', async () => {
  const primary = await registerAccount(cluster.lb.url, { displayName: 'Kim' });
  const coHost = await signInGuest(cluster.lb.url, 'Lee');
  const session = await createSession(cluster.lb.url, primary.token, 'Survives a crash');
  await addCoHost(cluster.lb.url, primary.token, coHost, session.id);
  const started = await api(cluster.lb.url, 'POST', `/api/multihost/${session.id}/start`, primary.token);
  assert.ok(started.body.ok, JSON.stringify(started.body));
  const ownerId = (await ownerOf(session.id))!;
  const owner = cluster.nodes.find((node) => node.id === ownerId)!;
  const elsewhere = cluster.nodes.find((node) => node.id !== ownerId)!;

  const primaryHost: Guest = { token: primary.token, userId: primary.user.userId, displayName: 'Kim' };
  const [kim, lee] = await joinTwoStudios(session.id, [primaryHost, coHost], elsewhere.url);
  await assertReceivesFrom(kim, [lee]);

  // A fan's gift before the crash.
  const { fan, giftType } = await toppedUpFan('Loyal fan');
  const gift = { giftTypeId: giftType.id, quantity: 1, clientGiftId: 'before-crash' };
  const sent = await api<{ balance: number }>(
    cluster.lb.url,
    'POST',
    `/api/multihost/${session.id}/gift`,
    fan.token,
    gift,
  );
  assert.ok(sent.body.ok, JSON.stringify(sent.body));

  // A viewer watching through the load balancer, and the playlist before the crash as a player reads it.
  const viewer = await openPage(browser, 'viewer', `${cluster.lb.url}/watch/${session.id}`, {});
  pages.push(viewer);
  await waitForPlayhead(viewer, 0.5);
  const before = await livePlaylistWithSegments(session.id);
  const lastBefore = before.segments.at(-1)!;

  const killedAt = Date.now();
  owner.kill('SIGKILL');
  await owner.exited;
  report(`killed ${ownerId}, the owner`);

  // Both hosts see and hear each other again, through whichever node took over.
  await assertReceivesFrom(kim, [lee], false, 30_000);
  await assertReceivesFrom(lee, [kim], false, 30_000);
  const newOwner = await ownerOf(session.id);
  report(`media back ${Date.now() - killedAt} ms after the kill (sampled); the session is now on ${newOwner}`);
  assert.ok(newOwner !== undefined && newOwner !== ownerId, `taken over by another node: ${newOwner}`);
  const state = await api<{ id: string; status: string }>(cluster.lb.url, 'GET', `/api/multihost/${session.id}`);
  assert.ok(state.body.ok && state.body.data.status === 'live', JSON.stringify(state.body));

  // The same playlist goes on from the new node: later numbers, a discontinuity at the seam.
  const after = await livePlaylistWithSegments(session.id);
  const [firstAfter] = after.segments;
  assert.ok(
    firstAfter && firstAfter.msn > lastBefore.msn,
    `numbering goes on: ${lastBefore.msn} before, ${firstAfter?.msn} after`,
  );
  // As a player counts discontinuities (EXT-X-DISCONTINUITY-SEQUENCE, then one per tag): the seam is one.
  const sequenceOf = (text: string) => Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const lastCount = sequenceOf(before.text) + before.segments.filter((segment) => segment.discontinuity).length;
  const firstCount = sequenceOf(after.text) + (firstAfter.discontinuity ? 1 : 0);
  assert.ok(firstCount > lastCount, `a discontinuity at the seam (${lastCount} → ${firstCount})`);
  // No file name is used again for other media (segments and init sections are cached as immutable).
  const namesBefore = new Set(before.segments.flatMap((segment) => [segment.uri, segment.initUri]));
  const reused = after.segments
    .flatMap((segment) => [segment.uri, segment.initUri])
    .filter((name) => namesBefore.has(name));
  assert.equal(reused, [], 'names of the dead node’s files are not used again');
  report(
    `HLS: segment ${lastBefore.msn} before the kill, ${firstAfter.msn} (a discontinuity, ${firstAfter.initUri}) after`,
  );
  // The viewer's player goes on across the seam without a reload.
  const playheadBack = await playhead(viewer);
  await waitForPlayhead(viewer, playheadBack + 3);

  // The ledger: the gift from before the crash is there once; resending it changes nothing.
  const again = await api<{ balance: number; replayed: boolean }>(
    cluster.lb.url,
    'POST',
    `/api/multihost/${session.id}/gift`,
    fan.token,
    gift,
  );
  if (!again.body.ok) throw new Error(again.body.error.message);
  assert.is(again.body.data.replayed, true);
  assert.is(again.body.data.balance, 500 - giftType.coinValue);
});

test.run();
