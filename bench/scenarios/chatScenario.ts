// `chat --viewers V --rate M [--duration S] [--senders K]`: one session's
// chat read by V anonymous viewer sockets while K signed-in guests together
// send M messages/s for S seconds (`chat:send`, acked). Each message's id and
// send time ride in its text; each viewer times its receipt with the same
// process clock. The figures are delivery (every accepted message to every
// viewer, and how fast) and what the server spent on it, not the chat's rate
// limiter: K defaults to enough senders that each stays under the per-user
// rate (CHAT_PER_S), so no env is passed to the server to raise it.
import { signInGuest } from '../../testkit/signalingClient.ts';
import type { ChatOptions } from '../cli.ts';
import { openSignalingChannel, RequestFailed, type SignalingChannel } from '../peers/signalingChannel.ts';
import { startStagecastTarget } from '../server/targets.ts';
import { round } from '../stats.ts';
import { chatBenchText, DeliveryLedger } from './chatDelivery.ts';
import { elapsedS, type RunContext } from './context.ts';
import { countErrors, errorMessage, roundOrNull, settleWithLimit, sleep, startWindow } from './measure.ts';

/** Sockets connecting (and joining) at once. */
const CONNECT_BATCH = 50;
/** Guests signing in at once (HTTP). */
const SIGN_IN_BATCH = 8;
/** Each sender stays at this share of the per-user rate: timer jitter then never empties its bucket. */
const PER_USER_HEADROOM = 0.8;
export const MAX_CHAT_SENDERS = 2000;
/** After the last ack, how long viewers may take to receive what is still on its way. */
const DRAIN_MS = 10_000;

/** Senders needed so that `rate` msg/s spread evenly keeps each under `perUserPerS`. */
export function sendersFor(rate: number, perUserPerS: number): number {
  return Math.max(1, Math.ceil(rate / (perUserPerS * PER_USER_HEADROOM)));
}

export async function runChatScenario(options: ChatOptions, context: RunContext) {
  const { viewers: viewerCount, rate, durationS } = options;
  const planned = Math.max(1, Math.round(rate * durationS));
  const chatEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('CHAT_')));
  const { progress, timeoutMs } = context;
  // No media flows: pinning would only put the server on the generator's core, so --pin gives it the other one.
  const target = await startStagecastTarget({
    url: options.url,
    workers: options.workers,
    pin: options.pin,
    signalingCpu: '1',
    live: options.live,
  });
  const sockets: SignalingChannel[] = [];
  try {
    const { sessionId } = await target.prepareRoom(1, 'chat bench');
    // The server says how fast one user may post; the senders are spread to stay under it.
    const probe = await openSignalingChannel(target.url, '', { timeoutMs });
    const { messageRate } = await probe.request('chat:join', { sessionId }).finally(() => probe.close());
    const senderCount = options.senders ?? sendersFor(rate, messageRate.perS);
    if (senderCount > MAX_CHAT_SENDERS) {
      throw new Error(
        `${rate} msg/s needs ${senderCount} senders at ${messageRate.perS} msg/s per user (CHAT_PER_S): lower --rate or raise CHAT_PER_S`,
      );
    }
    const params = {
      viewers: viewerCount,
      rate,
      duration: durationS,
      senders: senderCount,
      sendersGiven: options.senders !== undefined,
      plannedMessages: planned,
      /** The server's per-user chat rate the senders stay under (from its chat:join answer). */
      perUserRate: messageRate,
      chatEnv,
      target: options.url ?? 'started',
      live: options.live,
    };
    const ledger = new DeliveryLedger(viewerCount, planned);

    progress.note(`[chat] signing in ${senderCount} senders, connecting ${viewerCount} viewers`);
    const guests = await settleWithLimit(
      Array.from({ length: senderCount }, (_, index) => index),
      SIGN_IN_BATCH,
      (index) => signInGuest(target.url, `chat sender ${index + 1}`),
    );
    const senderTokens = guests.map((result) => {
      if (result.status === 'rejected') throw new Error(`guest sign-in failed: ${errorMessage(result.reason)}`);
      return result.value.token;
    });
    const senderResults = await settleWithLimit(senderTokens, CONNECT_BATCH, async (token) => {
      const channel = await openSignalingChannel(target.url, token, { timeoutMs });
      sockets.push(channel);
      return channel;
    });
    const senders = senderResults.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    if (senders.length < senderCount) {
      const failures = senderResults.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      throw new Error(`${failures.length} senders failed to connect: ${errorMessage(failures[0])}`);
    }

    const joinErrors: string[] = [];
    let joined = 0;
    const viewerResults = await settleWithLimit(
      Array.from({ length: viewerCount }, (_, index) => index),
      CONNECT_BATCH,
      async (viewer) => {
        // An empty token: the server treats the socket as anonymous, as it does an audience's.
        const channel = await openSignalingChannel(target.url, '', { timeoutMs });
        sockets.push(channel);
        channel.on('chat:messages', ({ messages }) => {
          const now = performance.now();
          for (const message of messages) ledger.receive(viewer, message.text, now);
        });
        await channel.request('chat:join', { sessionId });
        joined++;
        progress.update({ label: 'chat join', done: joined, total: viewerCount, elapsedS: elapsedS(context) });
      },
    );
    for (const result of viewerResults) if (result.status === 'rejected') joinErrors.push(errorMessage(result.reason));
    if (joinErrors.length > 0) {
      // Lost receipts would then be the bench's: the run is not worth measuring.
      throw new Error(`${joinErrors.length} viewers failed to join: ${JSON.stringify(countErrors(joinErrors))}`);
    }

    progress.note(`[chat] sending ${planned} messages at ${rate}/s from ${senderCount} senders`);
    const window = await startWindow(target, () => []);
    const intervalMs = 1000 / rate;
    const startAt = performance.now();
    const sendDeadline = startAt + durationS * 1000 + 30_000;
    let nextSeq = 0;
    let firstSentAt: number | undefined;
    let lastAcceptedAt = startAt;
    const acks: Promise<void>[] = [];
    const send = (seq: number) => {
      const sender = senders[seq % senders.length]!;
      const sentAt = performance.now();
      firstSentAt ??= sentAt;
      acks.push(
        sender.request('chat:send', { sessionId, text: chatBenchText(seq, sentAt) }).then(
          () => {
            lastAcceptedAt = performance.now();
            ledger.settle(seq, 'ok', lastAcceptedAt - sentAt);
          },
          (error: unknown) => ledger.settle(seq, error instanceof RequestFailed ? error.code : 'ERROR'),
        ),
      );
    };
    const showProgress = setInterval(() => {
      progress.update({
        label: 'chat',
        done: nextSeq,
        total: planned,
        elapsedS: elapsedS(context),
        details: { accepted: ledger.accepted, receipts: ledger.acceptedReceipts },
      });
    }, 250);
    try {
      // Each message leaves on schedule; a late timer sends what fell due meanwhile, each stamped when it leaves.
      while (nextSeq < planned && performance.now() < sendDeadline) {
        const now = performance.now();
        while (nextSeq < planned && startAt + nextSeq * intervalMs <= now) send(nextSeq++);
        await sleep(Math.min(10, Math.max(1, startAt + nextSeq * intervalMs - performance.now())));
      }
      // Every request times out on its own (timeoutMs), so this wait is bounded.
      await Promise.all(acks);
      const drainUntil = performance.now() + DRAIN_MS;
      while (ledger.acceptedReceipts < ledger.accepted * viewerCount && performance.now() < drainUntil) {
        await sleep(20);
      }
    } finally {
      clearInterval(showProgress);
    }
    const load = await window.stop();
    const memory = await target.memoryMb();
    const delivery = ledger.figures();
    const sendingS = (lastAcceptedAt - (firstSentAt ?? startAt)) / 1000;
    progress.note(
      `[chat] ${delivery.sent} accepted, ${delivery.rejected} rejected, ${delivery.lost} receipts lost; ` +
        `delivery p99 ${delivery.deliveryMs.p99} ms`,
    );
    const figures = {
      viewers: viewerCount,
      senders: senders.length,
      sent: delivery.sent,
      rejected: delivery.rejected,
      rejectedByCode: delivery.rejectedByCode,
      delivered: delivery.delivered,
      lost: delivery.lost,
      duplicates: delivery.duplicates,
      // Over the planned seconds, or longer when acks lagged behind them.
      acceptedPerSec: round(delivery.sent / Math.max(durationS, sendingS), 1),
      deliveryMs: delivery.deliveryMs,
      ackMs: delivery.ackMs,
      nodeCpuPct: roundOrNull(load.nodeCpuPct),
      nodeEventLoopDelayP99Ms: load.serverEventLoopDelayP99Ms ?? null,
      nodeRssMb: memory.nodeRssMb ?? null,
      // The viewers and senders are this process: a saturated generator delays receipts itself.
      generatorCpuPct: round(load.generatorCpuPct, 1),
      generatorEventLoopDelayP99Ms: round(load.generatorEventLoopDelayP99Ms, 1),
      pinned: target.pinned,
    };
    return { params, figures };
  } finally {
    for (const socket of sockets) socket.close();
    await target.close();
  }
}
