// `battle --viewers V --gifts N --rate R [--battles K] [--resend-pct P]`:
// two live sessions (each with its compositor, as in production) battle K
// times; V signed-in viewers, half watching each side, send N gifts at R/s
// in the last battle. Over the public surface only (HTTP, Socket.io, WebRTC,
// HLS), against a Stagecast started with BATTLE_TIME_SCALE=5 (a 600 s battle
// lasts 120 s, the countdown 1 s, the result 3 s) or one at --url.
//
// 1. Two account hosts, each the primary host of a session, are synthetic
//    host peers (peers/hostPeer.ts: VP8 simulcast + Opus) that join, publish
//    and go live. Each also consumes what `pk-battle:opponent-hosts` tells it
//    (the opponent's tracks, piped into its own router) with the normal
//    `webrtc:consume`, as the studio does.
// 2. V viewer accounts sign up (battleAccounts.ts: from several loopback
//    addresses, under the per-address sign-up limit), an admin (made with
//    signaling/accounts/setRole.ts against the server's database) tops them
//    up through the admin route, and each socket `stream:watch`es one side.
// 3. Each battle: A invites, B accepts. `opponentFirstMediaMs`: from sending
//    the accept to each host peer's first RTP packet of the opponent's video
//    (mediasoup starts a video consumer on a key frame, so this is the first
//    decodable frame; 2 samples per battle; also from `startsAt`).
//    `hlsBattleLayoutMs`: from the accept to session A's playlist listing the
//    first segment whose picture shows the battle's score bar
//    (hls/battleBarInOutput.ts). Before each battle the bench waits until A's
//    output is back to its own layout. Battles but the last are then
//    cancelled (and waited out to `ended`).
// 4. The last battle, once live: gift request i leaves at start + i/R from
//    viewer i mod V, to the side that viewer watches (`gift:send` with the
//    battleId, one rose = 1 coin, so scores count gifts); P % of the gifts
//    are followed by a resend of that viewer's previous clientGiftId (extra
//    requests, counted apart). Each viewer stays under 16 requests/s (the
//    server allows a socket 20).
//    Then the battle is cancelled and its final scores read with
//    GET /api/pk-battles/:id once ended: `lost` (acked gifts missing from
//    them) and `doubled` (scores above the acked gifts), per side, summed.
//    `scoreVisibleMs`: a few watcher sockets per side keep every
//    `pk-battle:gift` push; the attribution of concurrent gifts to pushes is
//    explained in battleGifts.ts.
import { randomBytes } from 'node:crypto';
import type { BattleState, SessionState } from '../../signaling/protocol/index.ts';
import { registerAccount } from '../../testkit/accountClient.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { createSession, endSession } from '../../testkit/sessions.ts';
import { api } from '../../testkit/signalingClient.ts';
import type { BattleOptions } from '../cli.ts';
import { watchForBattleBar, waitForNoBattleBar, type BattleBarPlan } from '../hls/battleBarInOutput.ts';
import { waitForFirstPlayable } from '../hls/firstPlayable.ts';
import { parentPid, startFfmpegCpuWindow } from '../hls/recorderProcesses.ts';
import { openSignalingChannel, RequestFailed, type SignalingChannel } from '../peers/signalingChannel.ts';
import { startStagecastTarget, type BenchTarget } from '../server/targets.ts';
import { round, summarize } from '../stats.ts';
import { registerViewer } from './battleAccounts.ts';
import { battleIn, joinBattleSide, opponentVideoArrival, type BattleSide } from './battleSides.ts';
import { GiftBook, type Side } from './battleGifts.ts';
import { elapsedS, type RunContext } from './context.ts';
import { countErrors, errorMessage, roundOrNull, settleWithLimit, sleep, startWindow } from './measure.ts';

/** Battle clocks of the server the bench starts (a 600 s battle in 120 s real time). */
const TIME_SCALE = 5;
const BATTLE_DURATION_S = 600;
/** Sign-ups at once (each is a scrypt hash on the server: tens of ms and 32 MiB). */
const SIGN_UP_PARALLEL = 8;
const TOP_UP_PARALLEL = 16;
const CONNECT_PARALLEL = 50;
/** Watcher sockets per side whose score pushes are kept (scoreVisibleMs). */
const WATCHERS_PER_SIDE = 3;
const FIRST_PLAYABLE_TIMEOUT_MS = 45_000;
const OPPONENT_MEDIA_TIMEOUT_MS = 20_000;
const HLS_LAYOUT_TIMEOUT_MS = 30_000;
const PHASE_TIMEOUT_MS = 30_000;
/** After the last answer: the last score pushes (coalesced up to 100 ms) reach the watchers. */
const PUSH_DRAIN_MS = 1_000;
/** The top rendition's size, which the recorder composes at (recorder/hlsOutputArgs.ts). */
const CANVAS = { width: 1280, height: 720 };

export async function runBattleScenario(options: BattleOptions, context: RunContext) {
  const { progress, timeoutMs } = context;
  const runId = randomBytes(4).toString('hex');
  const target = await startStagecastTarget({
    url: options.url,
    workers: options.workers,
    pin: options.pin,
    env: { BATTLE_TIME_SCALE: String(TIME_SCALE) },
  });
  const sockets: SignalingChannel[] = [];
  const sides: BattleSide[] = [];
  try {
    if (!target.databaseEnv) {
      throw new Error(
        "with --url, set DATA_DIR or DATABASE_URL to that server's database: the bench makes an admin (signaling/accounts/setRole.ts) to top up the viewers",
      );
    }
    const params = {
      viewers: options.viewers,
      gifts: options.gifts,
      rate: options.rate,
      battles: options.battles,
      resendPct: options.resendPct,
      giftsPerViewerPerS: round(options.rate / options.viewers, 2),
      watchersPerSide: WATCHERS_PER_SIDE,
      timeScale: options.url ? 'the server’s' : TIME_SCALE,
      target: options.url ?? 'started',
    };

    // --- the two sides -------------------------------------------------------
    progress.note('[battle] two hosts go live (each session runs its compositor)');
    const admin = await makeAdmin(target.url, target.databaseEnv);
    for (const name of ['Ada', 'Bo']) {
      const host = await registerAccount(target.url, { displayName: `${name} bench` });
      const session = await createSession(target.url, host.token, `${name}'s battle bench`);
      const side = await joinBattleSide(target.url, host, session.id, name, context);
      sides.push(side);
      const started = await api<SessionState>(target.url, 'POST', `/api/multihost/${session.id}/start`, host.token);
      if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
    }
    const [a, b] = sides as [BattleSide, BattleSide];
    const liveUrl = `${target.url}/media/live/${a.sessionId}`;
    const playable = await waitForFirstPlayable(liveUrl, performance.now(), FIRST_PLAYABLE_TIMEOUT_MS);
    const rendition = playable.renditions[0];
    if (playable.ms === undefined || !rendition) throw new Error("session A's HLS never became playable");
    const hlsPlan: BattleBarPlan = { mediaPlaylistUrl: `${liveUrl}/${rendition}/index.m3u8`, canvas: CANVAS };

    // --- the viewers ---------------------------------------------------------
    const giftsPerViewer = Math.ceil(options.gifts / options.viewers);
    const setupStartedAt = performance.now();
    let signedUp = 0;
    const accounts = await settleWithLimit(
      Array.from({ length: options.viewers }, (_, index) => index),
      SIGN_UP_PARALLEL,
      async (index) => {
        const account = await registerViewer(target.url, index, runId);
        signedUp++;
        progress.update({ label: 'sign-up', done: signedUp, total: options.viewers, elapsedS: elapsedS(context) });
        return account;
      },
    );
    const signUpErrors = accounts.flatMap((result) =>
      result.status === 'rejected' ? [errorMessage(result.reason)] : [],
    );
    if (signUpErrors.length > 0) {
      throw new Error(`${signUpErrors.length} sign-ups failed: ${JSON.stringify(countErrors(signUpErrors))}`);
    }
    const viewers = accounts.map(
      (result) => (result as PromiseFulfilledResult<{ userId: string; token: string }>).value,
    );
    const signUpS = (performance.now() - setupStartedAt) / 1000;
    progress.note(`[battle] ${viewers.length} viewers signed up in ${round(signUpS)} s; topping up`);
    const topUps = await settleWithLimit(viewers, TOP_UP_PARALLEL, (viewer) =>
      topUp(target.url, admin, viewer.userId, giftsPerViewer + 10),
    );
    const topUpErrors = topUps.flatMap((result) => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
    if (topUpErrors.length > 0) throw new Error(`${topUpErrors.length} top-ups failed: ${topUpErrors[0]}`);

    const book = new GiftBook();
    let giftBattleId: string | undefined;
    let connected = 0;
    const channels = await settleWithLimit(viewers, CONNECT_PARALLEL, async (viewer, index) => {
      const channel = await openSignalingChannel(target.url, viewer.token, { timeoutMs });
      sockets.push(channel);
      const side = (index % 2) as Side;
      if (index < 2 * WATCHERS_PER_SIDE) {
        const record = book.watcher(side);
        channel.on('pk-battle:gift', (push) => {
          if (push.battleId === giftBattleId) record(push.scores, performance.now());
        });
      }
      await channel.request('stream:watch', { sessionId: sides[side]!.sessionId });
      connected++;
      progress.update({ label: 'watch', done: connected, total: viewers.length, elapsedS: elapsedS(context) });
      return channel;
    });
    const connectErrors = channels.flatMap((result) =>
      result.status === 'rejected' ? [errorMessage(result.reason)] : [],
    );
    if (connectErrors.length > 0) {
      throw new Error(`${connectErrors.length} viewers failed to watch: ${JSON.stringify(countErrors(connectErrors))}`);
    }
    const viewerChannels = channels.map((result) => (result as PromiseFulfilledResult<SignalingChannel>).value);
    const setupS = (performance.now() - setupStartedAt) / 1000;

    // --- the battles ---------------------------------------------------------
    const mediaFromAccept: number[] = [];
    const mediaFromStartsAt: number[] = [];
    const hlsFromAccept: number[] = [];
    const hlsErrors: string[] = [];
    let mediaMissing = 0;
    const battleRecords: Record<string, unknown>[] = [];
    let gifts: Awaited<ReturnType<typeof giftPhase>> | undefined;
    let finalState: BattleState | undefined;
    for (let battleIndex = 0; battleIndex < options.battles; battleIndex++) {
      const last = battleIndex === options.battles - 1;
      progress.note(`[battle] battle ${battleIndex + 1}/${options.battles}`);
      if (!(await waitForNoBattleBar(hlsPlan, HLS_LAYOUT_TIMEOUT_MS))) {
        hlsErrors.push('the output still showed the previous battle');
      }
      const hlsWatch = watchForBattleBar(hlsPlan, HLS_LAYOUT_TIMEOUT_MS);
      await hlsWatch.ready;
      const invited = await api<BattleState>(target.url, 'POST', '/api/pk-battles', a.host.token, {
        sessionId: a.sessionId,
        opponentSessionId: b.sessionId,
        durationS: BATTLE_DURATION_S,
      });
      if (!invited.body.ok) throw new Error(`inviting failed: ${invited.body.error.message}`);
      const battleId = invited.body.data.id;
      if (last) giftBattleId = battleId;
      const acceptAt = performance.now();
      const accepted = await api<BattleState>(target.url, 'POST', `/api/pk-battles/${battleId}/accept`, b.host.token);
      if (!accepted.body.ok) throw new Error(`accepting failed: ${accepted.body.error.message}`);
      const startsAtPerf = performanceTimeOf(accepted.body.data.startsAt);
      const hlsResult = hlsWatch.result(acceptAt);
      const firstMedia = await Promise.all(
        sides.map((side) => opponentVideoArrival(side, battleId, OPPONENT_MEDIA_TIMEOUT_MS)),
      );
      for (const arrival of firstMedia) {
        if (arrival === undefined) {
          mediaMissing++;
          continue;
        }
        mediaFromAccept.push(arrival - acceptAt);
        if (startsAtPerf !== undefined) mediaFromStartsAt.push(arrival - startsAtPerf);
      }
      const hls = await hlsResult;
      if (hls.listedMs !== null) hlsFromAccept.push(hls.listedMs);
      else hlsErrors.push(hls.error ?? 'no bar');
      battleRecords.push({
        battleId,
        opponentFirstMediaMs: firstMedia.map((arrival) =>
          arrival === undefined ? null : Math.round(arrival - acceptAt),
        ),
        hlsBattleLayoutMs: hls.listedMs,
        hlsSegmentsDecoded: hls.segmentsDecoded,
      });
      progress.note(
        `[battle] opponent media after ${firstMedia.map((arrival) => (arrival === undefined ? 'never' : `${Math.round(arrival - acceptAt)} ms`)).join(' / ')}, ` +
          `HLS split after ${hls.listedMs ?? 'never'} ms`,
      );

      if (last) {
        const live = await battleIn(target.url, battleId, ['live'], PHASE_TIMEOUT_MS);
        const leftMs = Date.parse(live.endsAt ?? '') - Date.now();
        const neededMs = (options.gifts / options.rate) * 1000 + 20_000;
        if (!(leftMs > neededMs)) {
          throw new Error(
            `the battle has ${Math.round(leftMs / 1000)} s left, the gift phase needs ${Math.round(neededMs / 1000)} s: lower --gifts / --rate, or the server's BATTLE_TIME_SCALE`,
          );
        }
        gifts = await giftPhase({
          options,
          context,
          target,
          book,
          battleId,
          viewerChannels,
          sessionIds: [a.sessionId, b.sessionId],
          runId,
        });
      }
      const cancelled = await api<BattleState>(target.url, 'DELETE', `/api/pk-battles/${battleId}`, a.host.token);
      if (!cancelled.body.ok) throw new Error(`ending the battle failed: ${cancelled.body.error.message}`);
      const ended = await battleIn(target.url, battleId, ['ended', 'cancelled'], PHASE_TIMEOUT_MS);
      if (last) finalState = ended;
    }
    if (!gifts || !finalState) throw new Error('the gift battle did not run');

    const finalScores: [number, number] = [finalState.sides[0].score, finalState.sides[1].score];
    const giftFigures = book.figures(finalScores);
    const memory = await target.memoryMb();
    progress.note(
      `[battle] ${giftFigures.giftsAccepted} gifts accepted (${gifts.acceptedPerSec}/s), lost ${giftFigures.lost}, ` +
        `doubled ${giftFigures.doubled}, score visible p99 ${giftFigures.scoreVisibleMs.p99} ms`,
    );
    const figures = {
      viewers: viewers.length,
      giftsSent: giftFigures.giftsSent,
      giftsAccepted: giftFigures.giftsAccepted,
      acceptedPerSec: gifts.acceptedPerSec,
      lost: giftFigures.lost,
      doubled: giftFigures.doubled,
      scoreVisibleMs: giftFigures.scoreVisibleMs,
      opponentFirstMediaMs: summarize(mediaFromAccept, 0),
      hlsBattleLayoutMs: summarize(hlsFromAccept, 0),
      resends: {
        sent: giftFigures.resendsSent,
        replayed: giftFigures.resendsReplayed,
        written: giftFigures.resendsWritten,
      },
      errors: giftFigures.errors,
      doubleWrites: giftFigures.doubleWrites,
      expectedScores: giftFigures.expectedScores,
      finalScores,
      scoreVisibleSamples: giftFigures.scoreVisibleSamples,
      scoreNeverSeen: giftFigures.scoreNeverSeen,
      scorePushesPerWatcher: giftFigures.scorePushesPerWatcher,
      giftAckMs: gifts.ackMs,
      sendWindowS: gifts.sendWindowS,
      opponentFirstMediaFromStartsAtMs: summarize(mediaFromStartsAt, 0),
      opponentMediaSamples: mediaFromAccept.length,
      opponentMediaMissing: mediaMissing,
      hlsBattleLayoutSamples: hlsFromAccept.length,
      hlsErrors,
      battles: battleRecords,
      setupS: { signUp: round(signUpS), total: round(setupS) },
      nodeCpuPct: gifts.nodeCpuPct,
      workerCpuPct: gifts.workerCpuPct,
      recorderFfmpegCpuPct: gifts.recorderFfmpegCpuPct,
      nodeEventLoopDelayP99Ms: gifts.nodeEventLoopDelayP99Ms,
      nodeRssMb: memory.nodeRssMb ?? null,
      generatorCpuPct: gifts.generatorCpuPct,
      generatorEventLoopDelayP99Ms: gifts.generatorEventLoopDelayP99Ms,
      pinned: target.pinned,
    };
    return { params, figures };
  } finally {
    for (const socket of sockets) socket.close();
    for (const side of sides) {
      await side.peer.close().catch(() => undefined);
      await endSession(target.url, side.host.token, side.sessionId).catch(() => undefined);
    }
    await target.close();
  }
}

interface GiftPhasePlan {
  options: BattleOptions;
  context: RunContext;
  target: BenchTarget;
  book: GiftBook;
  battleId: string;
  viewerChannels: SignalingChannel[];
  sessionIds: [string, string];
  runId: string;
}

/** Sends the gifts on schedule and waits for every answer (each request times out on its own). */
async function giftPhase(plan: GiftPhasePlan) {
  const { options, context, target, book, battleId, viewerChannels, sessionIds, runId } = plan;
  const { progress } = context;
  const planned = options.gifts;
  const viewerCount = viewerChannels.length;
  progress.note(`[battle] sending ${planned} gifts at ${options.rate}/s from ${viewerCount} viewers`);
  const [workerPid] = await target.workerPids().catch(() => [] as number[]);
  const serverPid = workerPid === undefined ? undefined : parentPid(workerPid);
  const ffmpegCpu = serverPid === undefined ? undefined : startFfmpegCpuWindow(serverPid);
  const window = await startWindow(target, () => []);
  /** Each viewer's latest clientGiftId (a resend repeats the one before). */
  const lastGiftId: (string | undefined)[] = new Array(viewerCount);
  const ackMs: number[] = [];
  const acks: Promise<void>[] = [];
  const intervalMs = 1000 / options.rate;
  const startAt = performance.now();
  const sendDeadline = startAt + (planned / options.rate) * 1000 + 30_000;
  let firstSentAt: number | undefined;
  let lastAnsweredAt = startAt;
  let next = 0;
  const request = (viewer: number, clientGiftId: string, resend: boolean) => {
    const side = (viewer % 2) as Side;
    const sentAt = performance.now();
    firstSentAt ??= sentAt;
    const index = book.send({ viewer, side, clientGiftId, value: 1, sentAt, resend });
    acks.push(
      viewerChannels[viewer]!.request('gift:send', {
        sessionId: sessionIds[side],
        giftTypeId: 'rose',
        quantity: 1,
        clientGiftId,
        battleId,
      }).then(
        (receipt) => {
          lastAnsweredAt = performance.now();
          ackMs.push(lastAnsweredAt - sentAt);
          book.answer(index, { ok: true, replayed: receipt.replayed });
        },
        (error: unknown) =>
          book.answer(index, { ok: false, code: error instanceof RequestFailed ? error.code : 'ERROR' }),
      ),
    );
  };
  const send = (seq: number) => {
    const viewer = seq % viewerCount;
    const previous = lastGiftId[viewer];
    lastGiftId[viewer] = `b${runId}-${seq}`;
    request(viewer, lastGiftId[viewer], false);
    // P % of the gifts, evenly spread, are followed by a resend of the viewer's previous one (when it has one).
    const resendDue = Math.floor(((seq + 1) * options.resendPct) / 100) > Math.floor((seq * options.resendPct) / 100);
    if (resendDue && previous !== undefined) request(viewer, previous, true);
  };
  const showProgress = setInterval(() => {
    progress.update({
      label: 'gifts',
      done: next,
      total: planned,
      elapsedS: elapsedS(context),
      details: { accepted: book.accepted },
    });
  }, 250);
  try {
    // Each gift leaves on schedule; a late timer sends what fell due meanwhile, each stamped when it leaves.
    while (next < planned && performance.now() < sendDeadline) {
      const now = performance.now();
      while (next < planned && startAt + next * intervalMs <= now) send(next++);
      await sleep(Math.min(10, Math.max(1, startAt + next * intervalMs - performance.now())));
    }
    await Promise.all(acks);
  } finally {
    clearInterval(showProgress);
  }
  const load = await window.stop();
  const recorderFfmpegCpuPct = ffmpegCpu?.stop();
  // The last pushes (≤ 100 ms of coalescing) reach the watchers.
  await sleep(PUSH_DRAIN_MS);
  const sendWindowS = Math.max(planned / options.rate, (lastAnsweredAt - (firstSentAt ?? startAt)) / 1000);
  return {
    acceptedPerSec: round(book.accepted / sendWindowS, 1),
    sendWindowS: round(sendWindowS, 2),
    ackMs: summarize(ackMs, 1),
    nodeCpuPct: roundOrNull(load.nodeCpuPct),
    workerCpuPct: round(load.workerCpuPct, 1),
    recorderFfmpegCpuPct: roundOrNull(recorderFfmpegCpuPct),
    nodeEventLoopDelayP99Ms: load.serverEventLoopDelayP99Ms ?? null,
    generatorCpuPct: round(load.generatorCpuPct, 1),
    generatorEventLoopDelayP99Ms: round(load.generatorEventLoopDelayP99Ms, 1),
  };
}

/** When the side's host peer got its first packet of the opponent's video in `battleId` (performance.now()), bounded. */

/** A server time (ISO; same machine, same clock) as performance.now(). */
function performanceTimeOf(iso: string | null): number | undefined {
  if (!iso) return undefined;
  return Date.parse(iso) - performance.timeOrigin;
}
