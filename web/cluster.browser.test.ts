// Two hosts in real Chromium on a three-node cluster behind nginx: the
// primary creates the session through the load balancer (placed on some
// node), a co-host's studio is loaded from a node that does not own it, and
// both see and hear each other: their signalling is forwarded to the owner,
// their media goes to the owner's worker.
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { makeAdmin, topUp } from '../testkit/coins.ts';
import { addCoHost, createSession } from '../testkit/sessions.ts';
import { api, signInGuest, type Guest } from '../testkit/signalingClient.ts';
import { assertReceivesFrom, joinAsHost, openHostPage, report, type HostPage } from '../testkit/studioPages.ts';
import { startTestCluster, type TestCluster } from '../testkit/testCluster.ts';

const CAPTURE = '320x180@15';

let cluster: TestCluster;
let browser: Browser;
const pages: HostPage[] = [];

const ownerOf = (sessionId: string) => cluster.ownerOf(sessionId);

test.before(async () => {
  cluster = await startTestCluster(3);
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
  const admin = await makeAdmin(cluster.lb.url, { DATABASE_URL: cluster.postgres.url });
  const fan = await registerAccount(cluster.lb.url, { displayName: 'Loyal fan' });
  await topUp(cluster.lb.url, admin, fan.user.userId, 500);
  const catalogue = await api<{ id: string; coinValue: number }[]>(cluster.lb.url, 'GET', '/api/gifts');
  if (!catalogue.body.ok) throw new Error(catalogue.body.error.message);
  const [giftType] = catalogue.body.data;
  const gift = { giftTypeId: giftType!.id, quantity: 1, clientGiftId: 'before-crash' };
  const sent = await api<{ balance: number }>(
    cluster.lb.url,
    'POST',
    `/api/multihost/${session.id}/gift`,
    fan.token,
    gift,
  );
  assert.ok(sent.body.ok, JSON.stringify(sent.body));

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
  assert.is(again.body.data.balance, 500 - giftType!.coinValue);
});

test.run();
