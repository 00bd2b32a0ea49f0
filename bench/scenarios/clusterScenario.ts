// `cluster --nodes N --sessions K --viewers V --rate M --duration S --failovers F`:
// N Stagecast node processes behind nginx, on Debian's Redis and PostgreSQL
// (testkit/testCluster.ts), driven through the load balancer's address:
// 1. placement and a join storm: K hosts create a session each at once and
//    join it (router capabilities + multihost:join, no media): where the
//    sessions went (`placementSpread`: most sessions on one node / the mean)
//    and how long a join took (`joinMs`: socket connect → join ack);
// 2. chat across nodes: V anonymous readers of one session connected through
//    the load balancer (spread over the nodes), signed-in senders together
//    sending M messages/s for S s: delivery to every reader (`chatDeliveryMs`),
//    and what Redis did meanwhile (`redisCommandsPerSecPer100Viewers`);
// 3. failover, F times: two Chromium studio pages in a session, its owner
//    node SIGKILLed; `failoverMs` is the kill → both pages decoding the
//    other's camera again on a new consumer. The killed node is started again
//    before the next run.
// 4. cross-node battles, B times: two synthetic hosts (battleSides.ts) whose
//    live sessions are owned by different nodes battle;
//    `crossNodeBattleFirstMediaMs` is the accept → each host's first RTP
//    packet of the opponent's video (piped between the two nodes; mediasoup
//    starts a video consumer on a key frame). The inviting side forfeits and
//    the next battle starts once this one has ended. Battle clocks run 5
//    times faster (the result phase lasts 3 s).
import { Redis } from 'ioredis';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../../testkit/chromium.ts';
import type { BattleState } from '../../signaling/protocol/index.ts';
import { registerAccount } from '../../testkit/accountClient.ts';
import { addCoHost, createSession, endSession } from '../../testkit/sessions.ts';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import { joinAsHost, openHostPage, remoteStats, type HostPage } from '../../testkit/studioPages.ts';
import { startTestCluster, type TestCluster } from '../../testkit/testCluster.ts';
import type { ClusterOptions } from '../cli.ts';
import { openSignalingChannel, RequestFailed, type SignalingChannel } from '../peers/signalingChannel.ts';
import { round, summarize } from '../stats.ts';
import { battleIn, joinBattleSide, opponentVideoArrival, type BattleSide } from './battleSides.ts';
import { sendersFor, MAX_CHAT_SENDERS } from './chatScenario.ts';
import { chatBenchText, DeliveryLedger } from './chatDelivery.ts';
import { elapsedS, type RunContext } from './context.ts';
import { errorMessage, settleWithLimit, sleep } from './measure.ts';

/** Sockets connecting at once. */
const CONNECT_BATCH = 50;
/** Guests signing in at once (HTTP). */
const SIGN_IN_BATCH = 8;
/** After the last ack, how long readers may take to receive what is still on its way. */
const DRAIN_MS = 10_000;
/** A failover run gives up after this long without media. */
const FAILOVER_TIMEOUT_MS = 30_000;
/** A failover slower than this (the bound) prints what the nodes and pages said. */
const SLOW_FAILOVER_MS = 5000;
/** How often the pages' receive stats are read while waiting for media to come back. */
const POLL_MS = 100;
/** Battle clocks of the cluster's nodes: the result phase between two measured battles lasts 3 s. */
const BATTLE_TIME_SCALE = 5;
const OPPONENT_MEDIA_TIMEOUT_MS = 20_000;
const BATTLE_PHASE_TIMEOUT_MS = 30_000;

export async function runClusterScenario(options: ClusterOptions, context: RunContext) {
  const { progress, timeoutMs } = context;
  progress.note(`[cluster] starting Redis, PostgreSQL, ${options.nodes} nodes and nginx`);
  const cluster = await startTestCluster(options.nodes, { BATTLE_TIME_SCALE: String(BATTLE_TIME_SCALE) });
  const redis = new Redis(cluster.redis.url);
  const sockets: SignalingChannel[] = [];
  try {
    const placement = await placementAndJoins(cluster, redis, options, context, sockets);
    for (const socket of sockets.splice(0)) socket.close();
    const chat = await chatAcrossNodes(cluster, redis, options, context, sockets);
    for (const socket of sockets.splice(0)) socket.close();
    const battles = await crossNodeBattles(cluster, options);
    const failover = await failovers(cluster, redis, options, context);
    const params = {
      nodes: options.nodes,
      sessions: options.sessions,
      viewers: options.viewers,
      rate: options.rate,
      duration: options.durationS,
      failovers: options.failovers,
      battles: options.battles,
      browserCapture: options.browserCapture,
      loadBalancer: 'nginx least_conn',
    };
    return {
      params,
      figures: {
        ...placement,
        ...chat,
        ...battles,
        ...failover,
      },
    };
  } finally {
    for (const socket of sockets) socket.close();
    redis.disconnect();
    await cluster.stop();
  }

  async function placementAndJoins(
    cluster: TestCluster,
    redis: Redis,
    options: ClusterOptions,
    context: RunContext,
    sockets: SignalingChannel[],
  ) {
    progress.note(`[cluster] ${options.sessions} hosts create and join a session each, at once`);
    const hosts = await settleWithLimit(
      Array.from({ length: options.sessions }, (_, index) => index),
      SIGN_IN_BATCH,
      (index) => signInGuest(cluster.lb.url, `cluster host ${index + 1}`),
    );
    const tokens = hosts.map((result) => {
      if (result.status === 'rejected') throw new Error(`sign-in failed: ${errorMessage(result.reason)}`);
      return result.value.token;
    });
    const joinMs: number[] = [];
    const failures: string[] = [];
    let joined = 0;
    await Promise.all(
      tokens.map(async (token, index) => {
        try {
          const session = await createSession(cluster.lb.url, token, `Cluster show ${index + 1}`);
          const startedAt = performance.now();
          const channel = await openSignalingChannel(cluster.lb.url, token, { timeoutMs });
          sockets.push(channel);
          const rtpCapabilities = await channel.request('webrtc:router-capabilities', { sessionId: session.id });
          await channel.request('multihost:join', { sessionId: session.id, rtpCapabilities });
          joinMs.push(performance.now() - startedAt);
          joined++;
          progress.update({ label: 'joins', done: joined, total: tokens.length, elapsedS: elapsedS(context) });
        } catch (error) {
          failures.push(errorMessage(error));
        }
      }),
    );
    const owners = new Map<string, number>();
    for (const key of await redis.keys('stagecast:session-owner:*')) {
      const owner = await cluster.ownerOf(key.slice('stagecast:session-owner:'.length));
      if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    const perNode = cluster.nodes.map((node) => owners.get(node.id) ?? 0);
    const mean = perNode.reduce((total, count) => total + count, 0) / perNode.length;
    return {
      joinMs: summarize(joinMs),
      joinFailures: failures.length,
      joinFailureExample: failures[0] ?? null,
      sessionsPerNode: Object.fromEntries(cluster.nodes.map((node, index) => [node.id, perNode[index]])),
      placementSpread: mean > 0 ? round(Math.max(...perNode) / mean, 2) : null,
    };
  }

  async function chatAcrossNodes(
    cluster: TestCluster,
    redis: Redis,
    options: ClusterOptions,
    context: RunContext,
    sockets: SignalingChannel[],
  ) {
    const { viewers: viewerCount, rate, durationS } = options;
    const planned = Math.max(1, Math.round(rate * durationS));
    const host = await signInGuest(cluster.lb.url, 'chat host');
    const session = await createSession(cluster.lb.url, host.token, 'Cluster chat');
    const probe = await openSignalingChannel(cluster.lb.url, '', { timeoutMs });
    const { messageRate } = await probe.request('chat:join', { sessionId: session.id }).finally(() => probe.close());
    const senderCount = Math.min(MAX_CHAT_SENDERS, sendersFor(rate, messageRate.perS));
    progress.note(`[cluster] ${viewerCount} readers and ${senderCount} senders through the load balancer`);
    const senderGuests = await settleWithLimit(
      Array.from({ length: senderCount }, (_, index) => index),
      SIGN_IN_BATCH,
      (index) => signInGuest(cluster.lb.url, `cluster sender ${index + 1}`),
    );
    const senders: SignalingChannel[] = [];
    for (const guest of senderGuests) {
      if (guest.status === 'rejected') throw new Error(`sign-in failed: ${errorMessage(guest.reason)}`);
      const channel = await openSignalingChannel(cluster.lb.url, guest.value.token, { timeoutMs });
      sockets.push(channel);
      senders.push(channel);
    }
    const ledger = new DeliveryLedger(viewerCount, planned);
    const joins = await settleWithLimit(
      Array.from({ length: viewerCount }, (_, index) => index),
      CONNECT_BATCH,
      async (viewer) => {
        const channel = await openSignalingChannel(cluster.lb.url, '', { timeoutMs });
        sockets.push(channel);
        channel.on('chat:messages', ({ messages }) => {
          const now = performance.now();
          for (const message of messages) ledger.receive(viewer, message.text, now);
        });
        await channel.request('chat:join', { sessionId: session.id });
      },
    );
    const joinFailures = joins.filter((result) => result.status === 'rejected').length;
    if (joinFailures > 0) throw new Error(`${joinFailures} readers failed to join the chat`);
    const connectionsPerNode = await connectionsOnEachNode(cluster);

    const commandsBefore = await totalCommands(redis);
    const startAt = performance.now();
    const intervalMs = 1000 / rate;
    const acks: Promise<void>[] = [];
    let nextSeq = 0;
    while (nextSeq < planned && performance.now() < startAt + durationS * 1000 + 30_000) {
      const now = performance.now();
      while (nextSeq < planned && startAt + nextSeq * intervalMs <= now) {
        const seq = nextSeq++;
        const sentAt = performance.now();
        acks.push(
          senders[seq % senders.length]!.request('chat:send', {
            sessionId: session.id,
            text: chatBenchText(seq, sentAt),
          }).then(
            () => ledger.settle(seq, 'ok', performance.now() - sentAt),
            (error: unknown) => ledger.settle(seq, error instanceof RequestFailed ? error.code : 'ERROR'),
          ),
        );
      }
      progress.update({ label: 'chat', done: nextSeq, total: planned, elapsedS: elapsedS(context) });
      await sleep(Math.min(10, Math.max(1, startAt + nextSeq * intervalMs - performance.now())));
    }
    await Promise.all(acks);
    const sendingS = (performance.now() - startAt) / 1000;
    const commandsAfter = await totalCommands(redis);
    const drainUntil = performance.now() + DRAIN_MS;
    while (ledger.acceptedReceipts < ledger.accepted * viewerCount && performance.now() < drainUntil) await sleep(20);
    const delivery = ledger.figures();
    const commandsPerSec = (commandsAfter - commandsBefore) / sendingS;
    return {
      chatViewers: viewerCount,
      chatConnectionsPerNode: connectionsPerNode,
      chatSent: delivery.sent,
      chatRejected: delivery.rejected,
      chatLost: delivery.lost,
      chatDuplicates: delivery.duplicates,
      chatDeliveryMs: delivery.deliveryMs,
      chatAckMs: delivery.ackMs,
      redisCommandsPerSec: round(commandsPerSec, 1),
      redisCommandsPerSecPer100Viewers: round(commandsPerSec / (viewerCount / 100), 2),
    };
  }

  async function crossNodeBattles(cluster: TestCluster, options: ClusterOptions) {
    if (options.battles === 0) return { crossNodeBattleFirstMediaMs: null, crossNodeBattleRuns: [] };
    progress.note(`[cluster] ${options.battles} battles between sessions of two nodes`);
    const lb = cluster.lb.url;
    const sides: BattleSide[] = [];
    const runs: { battleId: string; firstMediaMs: (number | null)[] }[] = [];
    try {
      const [ada, bo] = [
        await registerAccount(lb, { displayName: 'Ada cluster' }),
        await registerAccount(lb, { displayName: 'Bo cluster' }),
      ];
      const sessionA = await createSession(lb, ada.token, "Ada's cluster battle");
      const ownerA = await cluster.ownerOf(sessionA.id);
      let sessionB: { id: string } | undefined;
      for (let attempt = 0; attempt < 8 && !sessionB; attempt++) {
        const candidate = await createSession(lb, bo.token, "Bo's cluster battle");
        if ((await cluster.ownerOf(candidate.id)) !== ownerA) sessionB = candidate;
        else await endSession(lb, bo.token, candidate.id);
      }
      if (!sessionB) throw new Error('placement kept putting both battle sessions on one node');
      for (const [host, sessionId, label] of [
        [ada, sessionA.id, 'Ada'],
        [bo, sessionB.id, 'Bo'],
      ] as const) {
        sides.push(await joinBattleSide(lb, host, sessionId, label, context));
        const started = await api(lb, 'POST', `/api/multihost/${sessionId}/start`, host.token);
        if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
      }
      const [a, b] = sides as [BattleSide, BattleSide];
      const owners = [ownerA, await cluster.ownerOf(sessionB.id)];
      for (let run = 0; run < options.battles; run++) {
        const invited = await api<BattleState>(lb, 'POST', '/api/pk-battles', a.host.token, {
          sessionId: a.sessionId,
          opponentSessionId: b.sessionId,
          durationS: 600,
        });
        if (!invited.body.ok) throw new Error(`inviting failed: ${invited.body.error.message}`);
        const battleId = invited.body.data.id;
        const acceptAt = performance.now();
        const accepted = await api(lb, 'POST', `/api/pk-battles/${battleId}/accept`, b.host.token);
        if (!accepted.body.ok) throw new Error(`accepting failed: ${accepted.body.error.message}`);
        const arrivals = await Promise.all(
          sides.map((side) => opponentVideoArrival(side, battleId, OPPONENT_MEDIA_TIMEOUT_MS)),
        );
        const firstMediaMs = arrivals.map((arrival) => (arrival === undefined ? null : round(arrival - acceptAt, 0)));
        runs.push({ battleId, firstMediaMs });
        progress.note(
          `[cluster] battle ${run + 1} (${owners.join(' vs ')}): opponent media after ${firstMediaMs.join(' / ')} ms`,
        );
        await battleIn(lb, battleId, ['live'], BATTLE_PHASE_TIMEOUT_MS);
        const cancelled = await api(lb, 'DELETE', `/api/pk-battles/${battleId}`, a.host.token);
        if (!cancelled.body.ok) throw new Error(`forfeiting failed: ${cancelled.body.error.message}`);
        await battleIn(lb, battleId, ['ended'], BATTLE_PHASE_TIMEOUT_MS);
      }
      const measured = runs.flatMap((run) => run.firstMediaMs.flatMap((ms) => (ms === null ? [] : [ms])));
      return {
        crossNodeBattleFirstMediaMs: measured.length > 0 ? summarize(measured) : null,
        crossNodeBattleMissing: runs.length * 2 - measured.length,
        crossNodeBattleOwners: owners,
        crossNodeBattleRuns: runs,
      };
    } finally {
      for (const side of sides) await side.peer.close().catch(() => undefined);
    }
  }

  async function failovers(cluster: TestCluster, redis: Redis, options: ClusterOptions, context: RunContext) {
    if (options.failovers === 0) return { failoverMs: null, failoverRuns: [] };
    const browser: Browser = await launchChromium({ niceness: 0 });
    const runs: { killed: string; takenOverBy: string | null; mediaBackMs: number | null }[] = [];
    try {
      for (let run = 0; run < options.failovers; run++) {
        progress.note(`[cluster] failover ${run + 1}/${options.failovers}`);
        runs.push(await oneFailover(cluster, redis, browser, options, run));
        progress.update({ label: 'failovers', done: run + 1, total: options.failovers, elapsedS: elapsedS(context) });
      }
    } finally {
      await browser.close();
    }
    const measured = runs.flatMap((run) => (run.mediaBackMs === null ? [] : [run.mediaBackMs]));
    return {
      failoverMs: measured.length > 0 ? { p50: summarize(measured).p50, max: round(Math.max(...measured), 0) } : null,
      failoverRuns: runs,
    };
  }

  async function oneFailover(
    cluster: TestCluster,
    redis: Redis,
    browser: Browser,
    options: ClusterOptions,
    run: number,
  ) {
    const primary = await signInGuest(cluster.lb.url, `failover primary ${run + 1}`);
    const coHost = await signInGuest(cluster.lb.url, `failover co-host ${run + 1}`);
    const session = await createSession(cluster.lb.url, primary.token, `Failover ${run + 1}`);
    await addCoHost(cluster.lb.url, primary.token, coHost, session.id);
    const started = await api(cluster.lb.url, 'POST', `/api/multihost/${session.id}/start`, primary.token);
    if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
    const ownerOf = () => cluster.ownerOf(session.id);
    const killed = (await ownerOf())!;
    const index = cluster.nodes.findIndex((node) => node.id === killed);
    const studio = `${cluster.lb.url}/studio/${session.id}?capture=${options.browserCapture}`;
    const pages: HostPage[] = [];
    const consoleLines = new Map<HostPage, string[]>();
    try {
      for (const guest of [primary, coHost]) {
        const page = await openHostPage(browser, guest.displayName, studio, guest);
        page.userId = guest.userId;
        pages.push(page);
        const lines: string[] = [];
        consoleLines.set(page, lines);
        page.page.on('console', (message) => lines.push(`${(performance.now() / 1000).toFixed(1)} ${message.text()}`));
        await joinAsHost(page);
      }
      const [first, second] = pages as [HostPage, HostPage];
      const pairs: [HostPage, HostPage][] = [
        [first, second],
        [second, first],
      ];
      // Media flows both ways before the kill.
      await waitFor(pairs, new Map(), 20_000);
      const before = new Map<HostPage, Set<string>>();
      for (const [page] of pairs)
        before.set(page, new Set((await remoteStats(page.page)).map((stat) => stat.consumerId)));

      const killedAt = performance.now();
      cluster.nodes[index]!.kill('SIGKILL');
      const backAt = await waitFor(pairs, before, FAILOVER_TIMEOUT_MS);
      const mediaBackMs = backAt === undefined ? null : round(backAt - killedAt, 0);
      const takenOverBy = (await ownerOf()) ?? null;
      progress.note(`[cluster] killed ${killed}: media back after ${mediaBackMs} ms on ${takenOverBy}`);
      if (mediaBackMs === null || mediaBackMs > SLOW_FAILOVER_MS) {
        // What the nodes said is the only clue to a run that failed.
        for (const node of cluster.nodes) {
          const said = node
            .output()
            .split('\n')
            .filter((line) => !line.includes('"level":30') || line.includes(session.id))
            .slice(-40)
            .join('\n');
          progress.note(`[cluster] ${node.id} said:\n${said}`);
        }
        for (const page of pages) {
          const phase = await page.page.evaluate(() => window.stagecastStudio?.phase()).catch(() => 'unknown');
          const lines = (consoleLines.get(page) ?? []).slice(-30).join('\n');
          progress.note(`[cluster] ${page.name} (${phase}), killed at ${(killedAt / 1000).toFixed(1)}:\n${lines}`);
        }
      }
      return { killed, takenOverBy, mediaBackMs };
    } finally {
      for (const page of pages) await page.context.close().catch(() => undefined);
      await cluster.restartNode(index);
    }
  }
}

/**
 * When every page decodes the other's camera on a consumer it did not have
 * before (`excluded`): the moment the last one did, or undefined at the timeout.
 */
async function waitFor(
  pairs: [HostPage, HostPage][],
  excluded: Map<HostPage, Set<string>>,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  const done = new Set<HostPage>();
  while (performance.now() < deadline) {
    for (const [page, other] of pairs) {
      if (done.has(page)) continue;
      const stats = await remoteStats(page.page).catch(() => []);
      const fresh = stats.find(
        (stat) =>
          stat.userId === other.userId &&
          stat.kind === 'video' &&
          stat.source === 'camera' &&
          stat.framesDecoded > 0 &&
          !excluded.get(page)?.has(stat.consumerId),
      );
      if (fresh) done.add(page);
    }
    if (done.size === pairs.length) return performance.now();
    await sleep(POLL_MS);
  }
  return undefined;
}

/** Socket.io connections on each node, from its /metrics. */
async function connectionsOnEachNode(cluster: TestCluster): Promise<Record<string, number | null>> {
  const entries = await Promise.all(
    cluster.nodes.map(async (node) => {
      const text = await fetch(`${node.url}/metrics`).then(
        (response) => response.text(),
        () => '',
      );
      const match = /^stagecast_socket_connections\s+(\d+)/m.exec(text);
      return [node.id, match ? Number(match[1]) : null] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function totalCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}
