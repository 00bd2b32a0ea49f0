// Two hosts in real Chromium on a three-node cluster behind nginx: the
// primary creates the session through the load balancer (placed on some
// node), a co-host's studio is loaded from a node that does not own it, and
// both see and hear each other: their signalling is forwarded to the owner,
// their media goes to the owner's worker.
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import { Redis } from 'ioredis';
import { launchChromium } from '../testkit/chromium.ts';
import { addCoHost, createSession } from '../testkit/sessions.ts';
import { signInGuest } from '../testkit/signalingClient.ts';
import { assertReceivesFrom, joinAsHost, openHostPage, report, type HostPage } from '../testkit/studioPages.ts';
import { startTestCluster, type TestCluster } from '../testkit/testCluster.ts';

const CAPTURE = '320x180@15';

let cluster: TestCluster;
let browser: Browser;
const pages: HostPage[] = [];

test.before(async () => {
  cluster = await startTestCluster(3);
  browser = await launchChromium();
});

test.after(async () => {
  for (const page of pages) await page.context.close().catch(() => undefined);
  await browser?.close();
  await cluster?.stop();
});

test('a host on a node that does not own the session and one through the load balancer exchange media', async () => {
  const primary = await signInGuest(cluster.lb.url, 'Ada');
  const coHost = await signInGuest(cluster.lb.url, 'Grace');
  const session = await createSession(cluster.lb.url, primary.token, 'Cluster panel');
  await addCoHost(cluster.lb.url, primary.token, coHost, session.id);
  const redis = new Redis(cluster.redis.url);
  const ownerId = (await redis.get(`stagecast:session-owner:${session.id}`))?.replace(/\/[^/]*$/, '');
  redis.disconnect();
  const elsewhere = cluster.nodes.find((node) => node.id !== ownerId)!;
  report(`session on ${ownerId}; the co-host's studio is served by ${elsewhere.id}`);

  const studio = (base: string) => `${base}/studio/${session.id}?capture=${CAPTURE}`;
  const first = await openHostPage(browser, 'Ada', studio(cluster.lb.url), primary);
  first.userId = primary.userId;
  const second = await openHostPage(browser, 'Grace', studio(elsewhere.url), coHost);
  second.userId = coHost.userId;
  pages.push(first, second);
  await joinAsHost(first);
  await joinAsHost(second);
  await assertReceivesFrom(first, [second]);
  await assertReceivesFrom(second, [first]);
});

test.run();
