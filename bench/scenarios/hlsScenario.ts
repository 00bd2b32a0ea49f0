// `hls --hosts H --viewers V --duration S`: the audience path end to end.
// H synthetic hosts join a session and publish (the first one the flash/beep
// clip); the primary host takes it live (POST /api/multihost/:id/start), so
// Stagecast runs its real recorder. Measured: go-live → playable on every
// rendition; A/V drift in the HLS output; V synthetic HLS viewers polling a
// playlist and fetching segments (fetch times, and the server's Node CPU with
// and without them); glass-to-glass through Chromium pages (glassToGlass.ts);
// and, once the server is stopped, the recorder's encode speed offline for 1,
// 4 and 9 hosts (encodeSpeed.ts). Everything it starts is stopped by pid.
import os from 'node:os';
import type { SessionState } from '../../signaling/protocol/index.ts';
import { api } from '../../testkit/signalingClient.ts';
import type { HlsOptions } from '../cli.ts';
import { readAvDrift, type DriftReading } from '../hls/avDrift.ts';
import { measureMuteToOutput } from '../hls/muteInOutput.ts';
import { measurePictures } from '../hls/picturesInOutput.ts';
import { measureEncodeSpeed, type EncodeSpeed } from '../hls/encodeSpeed.ts';
import { measureChangeToOutput } from '../hls/changeToOutput.ts';
import { measureOnAirToOutput, nothing } from '../hls/onAirToOutput.ts';
import { waitForFirstPlayable } from '../hls/firstPlayable.ts';
import { GlassToGlass, type GlassToGlassRun } from '../hls/glassToGlass.ts';
import { emptyCounters, HlsViewer } from '../hls/hlsViewer.ts';
import { parentPid, startFfmpegCpuWindow } from '../hls/recorderProcesses.ts';
import { cameraRect, compositionLayoutOf, innerHalf, type CompositionLayout } from '../hls/tileGeometry.ts';
import { startViewerCrowd, type CrowdResult } from '../hls/viewerCrowd.ts';
import { prepareClip } from '../media/clip.ts';
import { HostPeer } from '../peers/hostPeer.ts';
import { startCpuWindow, startSelfCpuWindow } from '../server/processStats.ts';
import { startStagecastTarget, type BenchTarget } from '../server/targets.ts';
import { round, summarize } from '../stats.ts';
import { closePeers, elapsedS, type RunContext } from './context.ts';
import { countErrors, errorMessage, roundOrNull, sleep } from './measure.ts';

/** Host counts of the offline encode-speed runs (the targets). */
const ENCODE_HOST_COUNTS = [1, 4, 9] as const;
/** Going live must give a playable stream within this. */
const FIRST_PLAYABLE_TIMEOUT_MS = 60_000;
/** Viewers arrive over one target duration, so their polls are spread as a real audience's are. */
const VIEWER_RAMP_MS = 1000;
/** The server's Node CPU is measured without viewers for this long (or a third of --duration if shorter, at least 3 s). */
const QUIET_WINDOW_MAX_S = 10;
/**
 * Backdrop and microphone rounds at most (an upload and a removal, a stop and a restart, each timed to
 * the output), and the picture CPU windows' longest.
 */
const PICTURE_ROUNDS = 3;
const PICTURE_CPU_WINDOW_S = 5;
/** Segments the A/V analysis keeps (about one per second of the run). */
const MAX_KEPT_SEGMENTS = 200;
/** The recorder composes at the top rendition's size: recorder/hlsOutputArgs.ts defaultRenditions. */
const CANVAS = { width: 1280, height: 720 };
/** Stagecast's limit of hosts per session (the glass host takes a synthetic host's place at the limit). */
const MAX_SESSION_HOSTS = 9;
/** The glass-to-glass readings are moved out of the audience page this often. */
const GLASS_COLLECT_MS = 5000;
/** A layout change must reach the output within this, or it is reported missing. */
const CHANGE_TIMEOUT_MS = 20_000;

export async function runHlsScenario(options: HlsOptions, context: RunContext) {
  const { progress } = context;
  // The glass host is a Chromium studio page beside the synthetic hosts; at
  // Stagecast's limit of 9 it takes the last synthetic host's place.
  const sessionHosts = Math.min(MAX_SESSION_HOSTS, options.hosts + (options.glass ? 1 : 0));
  const syntheticHosts = options.glass ? sessionHosts - 1 : sessionHosts;
  const params = {
    hosts: options.hosts,
    syntheticHosts,
    browserHosts: sessionHosts - syntheticHosts,
    viewers: options.viewers,
    duration: options.durationS,
    encodeSeconds: options.encodeSeconds,
    deskRounds: options.deskRounds,
    glass: options.glass,
    rendition: options.rendition ?? 'best',
    lowLatency: options.lowLatency,
    workers: options.workers,
    target: options.url ?? 'started',
  };
  // Every frame a key frame: a publisher answers a PLI by jumping to the
  // clip's next key frame, and any jump would shift the picture against the
  // sound by the frames it skipped.
  const marksClip = await prepareClip({ seconds: options.clipSeconds, pattern: 'marks', keyFrameIntervalS: 0 });

  const target = await startStagecastTarget({ url: options.url, workers: options.workers, pin: false, live: false });
  let live: LiveFigures;
  try {
    live = await runLive(options, context, target, marksClip, { sessionHosts, syntheticHosts });
  } finally {
    await target.close();
  }

  // Offline, with the server gone: nothing else of the bench competes for the cores.
  const encodeSpeed: Record<string, number | null> = {};
  const encodeCpuPct: Record<string, number | null> = {};
  const encodeErrors: string[] = [];
  for (const hosts of ENCODE_HOST_COUNTS) {
    progress.note(`[hls] encode speed offline: ${hosts} host(s), ${options.encodeSeconds} s of media`);
    const measured: EncodeSpeed = await measureEncodeSpeed({
      hosts,
      seconds: options.encodeSeconds,
      videoFile: context.clip.files.layers.at(-1)!,
      audioFile: context.clip.files.audio,
    });
    encodeSpeed[String(hosts)] = measured.speed ?? null;
    encodeCpuPct[String(hosts)] = measured.cpuPctAtRealTime ?? null;
    if (measured.error) encodeErrors.push(`${hosts} hosts: ${measured.error}`);
  }
  progress.note(`[hls] encode speed ${JSON.stringify(encodeSpeed)}`);
  return { params, figures: { ...live, encodeSpeed, encodeCpuPct, encodeErrors } };
}

type LiveFigures = Awaited<ReturnType<typeof runLive>>;

async function runLive(
  options: HlsOptions,
  context: RunContext,
  target: BenchTarget,
  marksClip: Awaited<ReturnType<typeof prepareClip>>,
  { sessionHosts, syntheticHosts }: { sessionHosts: number; syntheticHosts: number },
) {
  const { progress } = context;
  const label = 'hls';
  progress.note(`[${label}] ${syntheticHosts} synthetic host(s) join a session on ${target.url}`);
  const ticket = await target.prepareRoom(sessionHosts, 'bench hls');
  const [primaryToken] = ticket.hostTokens;
  const glassToken = syntheticHosts < sessionHosts ? ticket.hostTokens.at(-1) : undefined;
  const peers = ticket.hostTokens.slice(0, syntheticHosts).map(
    (token, index) =>
      new HostPeer({
        url: target.url,
        sessionId: ticket.sessionId,
        token,
        label: `hls-h${index + 1}`,
        publish: 'audio+video',
        consume: false,
        expectedRemoteTracks: 0,
        tileHeightPx: 0,
        // The primary host's flash and beep are what the A/V analysis reads back.
        clip: index === 0 ? marksClip : context.clip,
        clock: context.clock,
        timeoutMs: context.timeoutMs,
        bandwidthEstimation: false,
      }),
  );
  const joins = await Promise.allSettled(peers.map((peer) => peer.join()));
  const joinErrors = joins.flatMap((join) => (join.status === 'rejected' ? [errorMessage(join.reason)] : []));
  const liveUrl = `${target.url}/media/live/${ticket.sessionId}`;
  const keeperCounters = emptyCounters();
  const keeper = new HlsViewer({ liveUrl, counters: keeperCounters, keepSegments: MAX_KEPT_SEGMENTS });
  let keeperRun: Promise<void> | undefined;
  let crowd: ReturnType<typeof startViewerCrowd> | undefined;
  let glass: GlassToGlass | undefined;
  let glassError: string | undefined;
  try {
    if (joinErrors.length === peers.length) throw new Error(`no host could join: ${joinErrors[0]}`);
    // The glass host joins before going live, like the others (a later join would recompose mid-run).
    if (glassToken) {
      progress.note(`[${label}] the glass-to-glass host joins in Chromium`);
      glass = await GlassToGlass.join(target.url, ticket.sessionId, glassToken).catch((error: unknown) => {
        glassError = `the studio page did not join: ${errorMessage(error)}`;
        return undefined;
      });
    }

    progress.note(`[${label}] going live`);
    const liveAt = performance.now();
    const started = await api(target.url, 'POST', `/api/multihost/${ticket.sessionId}/start`, primaryToken);
    if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
    const firstPlayable = await waitForFirstPlayable(liveUrl, liveAt, FIRST_PLAYABLE_TIMEOUT_MS);
    progress.note(
      `[${label}] first playable after ${firstPlayable.ms ?? 'never'} ms (${firstPlayable.renditions.join(', ')})`,
    );

    const stopAllAt = performance.now() + (QUIET_WINDOW_MAX_S + options.durationS + 30) * 1000;
    keeperRun = keeper.run(stopAllAt);
    const serverPid = await serverPidOf(target);
    const layout = await compositionLayout(target, ticket.sessionId);
    if (glass) {
      const region = layout && cameraRect(layout, CANVAS, glass.hostUserId);
      if (!region) glassError = 'the glass host has no tile in the composition';
      else {
        // Both playlists in the same run, on the same picture: the low-latency one and the plain one.
        for (const variant of ['lowLatency', 'plain'] as const) {
          await glass
            .watch(region, CANVAS.width, variant)
            .catch((error: unknown) => (glassError = errorMessage(error)));
        }
      }
    }
    await glass?.phase('withoutViewers');
    let glassCollectedAt = performance.now();
    const collectGlass = async () => {
      if (!glass || performance.now() - glassCollectedAt < GLASS_COLLECT_MS) return;
      glassCollectedAt = performance.now();
      await glass.collect();
    };

    // The server without the crowd (the keeper, one viewer, is there in both windows).
    const quietS = Math.max(3, Math.min(QUIET_WINDOW_MAX_S, Math.round(options.durationS / 3)));
    const quiet = await cpuWindow(target, serverPid, async () => {
      const until = performance.now() + quietS * 1000;
      while (performance.now() < until) {
        progress.update({ label, done: 0, total: 1, elapsedS: elapsedS(context), details: { phase: 'no viewers' } });
        await collectGlass();
        await sleep(Math.min(500, Math.max(0, until - performance.now())));
      }
    });

    // The keeper alone: segment fetches of a single viewer, the unloaded reference.
    const oneViewerFetchMs = [...keeperCounters.segmentFetchMs];
    let crowdResult: CrowdResult | undefined;
    let busy: Awaited<ReturnType<typeof cpuWindow>> | undefined;
    if (options.viewers > 0) {
      progress.note(`[${label}] ${options.viewers} viewers for ${options.durationS} s`);
      crowd = startViewerCrowd({
        liveUrl,
        viewers: options.viewers,
        rampMs: VIEWER_RAMP_MS,
        durationMs: options.durationS * 1000,
        rendition: options.rendition,
        lowLatency: options.lowLatency,
      });
      const running = crowd;
      await glass?.phase('withViewers');
      await sleep(VIEWER_RAMP_MS);
      const windowEndsAt = performance.now() + options.durationS * 1000;
      busy = await cpuWindow(target, serverPid, async () => {
        while (performance.now() < windowEndsAt) {
          progress.update({
            label,
            done: Math.round(options.durationS - (windowEndsAt - performance.now()) / 1000),
            total: options.durationS,
            elapsedS: elapsedS(context),
            details: {
              viewers: options.viewers,
              segments: running.progress.segmentsFetched,
              errors: running.progress.errors,
            },
          });
          await collectGlass();
          await sleep(Math.min(500, Math.max(0, windowEndsAt - performance.now())));
        }
      });
      crowdResult = await crowd.result;
    }

    keeper.stop();
    await keeperRun;
    const drift = await analyseDrift(layout, keeper, await primaryHostId(target, ticket.sessionId));
    const glassRun: GlassToGlassRun | undefined = glass ? await glass.result('lowLatency') : undefined;
    const glassPlainRun: GlassToGlassRun | undefined = glass ? await glass.result('plain') : undefined;
    if (glassRun && glassError) glassRun.error ??= glassError;
    // Last, as it changes the picture the other measurements read: a layout change on stage.
    const before = await compositionLayout(target, ticket.sessionId);
    const layoutChange = before
      ? await measureChangeToOutput({
          mediaPlaylistUrl: `${liveUrl}/${firstPlayable.renditions[0] ?? '720p'}/index.m3u8`,
          canvas: CANVAS,
          before,
          after: { ...before, kind: 'spotlight' },
          change: async () => {
            const changed = await api(target.url, 'PUT', `/api/multihost/${ticket.sessionId}/layout`, primaryToken, {
              layout: 'spotlight',
            });
            if (!changed.body.ok) throw new Error(`the layout change failed: ${changed.body.error.message}`);
          },
          timeoutMs: CHANGE_TIMEOUT_MS,
        }).catch((error: unknown) => ({ listedMs: null, error: errorMessage(error) }))
      : { listedMs: null, error: 'no session state' };
    progress.note(`[${label}] layout change in the output after ${JSON.stringify(layoutChange)}`);
    // The producer's desk: a co-host off air and back, from the control to the picture.
    // Exactly two hosts on air: the picture's geometry the measure reads (hls/onAirToOutput.ts).
    const [firstHostId, otherHostId] = before?.hostIds.length === 2 ? before.hostIds : [];
    const onAir =
      firstHostId && otherHostId && options.deskRounds > 0
        ? await measureOnAirToOutput({
            baseUrl: target.url,
            sessionId: ticket.sessionId,
            primaryToken: primaryToken!,
            primaryHostId: firstHostId,
            otherHostId,
            mediaPlaylistUrl: `${liveUrl}/${firstPlayable.renditions[0] ?? '720p'}/index.m3u8`,
            canvas: CANVAS,
            rounds: options.deskRounds,
            timeoutMs: CHANGE_TIMEOUT_MS,
          }).catch((error: unknown) => nothing(errorMessage(error)))
        : null;
    progress.note(`[${label}] on air / off air in the output after ${JSON.stringify(onAir)}`);
    // The show's pictures, from the grid of both hosts the desk rounds end on (a background spot to watch).
    const pictures =
      onAir && onAir.rounds > 0
        ? await measurePictures({
            baseUrl: target.url,
            sessionId: ticket.sessionId,
            primaryToken: primaryToken!,
            mediaPlaylistUrl: `${liveUrl}/${firstPlayable.renditions[0] ?? '720p'}/index.m3u8`,
            canvas: CANVAS,
            rounds: Math.min(options.deskRounds, PICTURE_ROUNDS),
            timeoutMs: CHANGE_TIMEOUT_MS,
            serverPid,
            cpuWindowS: Math.max(2, Math.min(PICTURE_CPU_WINDOW_S, options.durationS / 2)),
          })
        : null;
    progress.note(`[${label}] backdrop in the output after ${JSON.stringify(pictures)}`);
    // A co-host's microphone stopped by the primary host, then turned on again by the co-host itself.
    const coHost = peers.find((peer) => peer.userId !== undefined && peer.userId === otherHostId);
    const mute =
      onAir && onAir.rounds > 0 && coHost && otherHostId
        ? await measureMuteToOutput({
            mediaPlaylistUrl: `${liveUrl}/${firstPlayable.renditions[0] ?? '720p'}/index.m3u8`,
            stop: async () => {
              await peers[0]!.request('multihost:stop-host-media', { userId: otherHostId, source: 'microphone' });
            },
            restart: async () => {
              await coHost.request('webrtc:toggle-track', { source: 'microphone', enabled: true });
            },
            rounds: Math.min(options.deskRounds, PICTURE_ROUNDS),
            timeoutMs: CHANGE_TIMEOUT_MS,
          })
        : null;
    progress.note(`[${label}] a stopped microphone in the output after ${JSON.stringify(mute)}`);
    await api(target.url, 'POST', `/api/multihost/${ticket.sessionId}/end`, primaryToken).catch(() => undefined);

    const counters = crowdResult?.counters ?? emptyCounters();
    const extraNodeCpuPct =
      busy?.nodeCpuPct !== undefined && quiet.nodeCpuPct !== undefined ? busy.nodeCpuPct - quiet.nodeCpuPct : undefined;
    const figures = {
      hostsJoined: peers.length - joinErrors.length,
      hostsFailed: joinErrors.length,
      joinErrors: countErrors(joinErrors),
      firstPlayableMs: firstPlayable.ms ?? null,
      renditions: firstPlayable.renditions,
      avDriftMs: drift.driftsMs.length > 0 ? driftSummary(drift.driftsMs) : null,
      avDrift: {
        marksPaired: drift.driftsMs.length,
        videoOnsets: drift.videoOnsets,
        audioOnsets: drift.audioOnsets,
        videoSwing: drift.videoSwing,
        secondsAnalysed: drift.seconds,
        ...(drift.error ? { error: drift.error } : {}),
      },
      viewers: options.viewers,
      viewersWithSegments: crowdResult?.viewersWithSegments ?? 0,
      lowLatency: options.lowLatency,
      segmentFetchMs: summarize(counters.segmentFetchMs, 1),
      partFetchMs: summarize(counters.partFetchMs, 1),
      blockedReloadHoldMs: summarize(counters.blockedReloadHoldMs, 1),
      partDurationMs: summarize(counters.partDurationMs, 1),
      partsFetched: counters.partsFetched,
      holdTimeouts: counters.holdTimeouts,
      segmentFetchMsOneViewer: summarize(oneViewerFetchMs, 1),
      playlistFetchMs: summarize(counters.playlistFetchMs, 1),
      initFetchMs: summarize(counters.initFetchMs, 1),
      segmentsFetched: counters.segmentsFetched,
      fetchErrors: counters.errors,
      fetchErrorMessages: countErrors(counters.errorMessages),
      fellBehind: counters.fellBehind,
      viewerThroughputMbps: crowdResult ? round((counters.bytes * 8) / 1e6 / crowdResult.seconds, 1) : 0,
      serverCpuPctPer100Viewers:
        extraNodeCpuPct !== undefined && options.viewers > 0
          ? round((extraNodeCpuPct / options.viewers) * 100, 2)
          : null,
      serverNodeCpuPct: { withoutViewers: roundOrNull(quiet.nodeCpuPct), withViewers: roundOrNull(busy?.nodeCpuPct) },
      recorderFfmpegCpuPct: {
        withoutViewers: roundOrNull(quiet.ffmpegCpuPct),
        withViewers: roundOrNull(busy?.ffmpegCpuPct),
      },
      workerCpuPct: { withoutViewers: roundOrNull(quiet.workerCpuPct), withViewers: roundOrNull(busy?.workerCpuPct) },
      generatorCpuPct: {
        withoutViewers: round(quiet.generatorCpuPct, 1),
        withViewers: roundOrNull(busy?.generatorCpuPct),
      },
      layoutChangeToOutputMs: layoutChange,
      // null unless exactly two hosts (the geometry the measure reads), or with --desk-rounds 0.
      offAirToOutputMs: onAir?.offAirToOutputMs ?? null,
      onAirToOutputMs: onAir?.onAirToOutputMs ?? null,
      bannerToOutputMs: onAir?.bannerToOutputMs ?? null,
      bannerHiddenToOutputMs: onAir?.bannerHiddenToOutputMs ?? null,
      onAirToOutput: onAir,
      backdropToOutputMs: pictures?.backdropToOutputMs ?? null,
      backdropRemovedToOutputMs: pictures?.backdropRemovedToOutputMs ?? null,
      pictures,
      muteToOutputMs: mute?.muteToOutputMs ?? null,
      unmuteToOutputMs: mute?.unmuteToOutputMs ?? null,
      muteToOutput: mute,
      // Low-latency HLS (the audience page's default) and plain HLS (`?ll=0`), read at the same time.
      glassToGlassMs: glassRun?.latencyMs ?? null,
      glassToGlassPlainMs: glassPlainRun?.latencyMs ?? null,
      glassToGlass: glassRun ?? (glassError ? { error: glassError } : null),
      glassToGlassPlain: glassPlainRun ?? null,
      publishers: {
        skippedMs: Math.round(peers.reduce((sum, peer) => sum + (peer.publisher?.stats.skippedMs ?? 0), 0)),
        keyFrameRequests: peers.reduce((sum, peer) => sum + (peer.publisher?.stats.keyFrameRequests ?? 0), 0),
      },
      generatorLateTicks: context.clock.lateTicks,
      loadAverageAtEnd: os.loadavg().map((load) => round(load, 2)),
      workerDeaths: await target.workerDeaths(),
    };
    progress.note(
      `[${label}] segment fetch p95 ${figures.segmentFetchMs.p95} ms over ${figures.segmentsFetched} segments, ` +
        `part fetch p95 ${figures.partFetchMs.p95} ms over ${figures.partsFetched} parts, ` +
        `glass to glass LL ${JSON.stringify(figures.glassToGlassMs)} plain ${JSON.stringify(figures.glassToGlassPlainMs)}, ` +
        `A/V drift ${JSON.stringify(figures.avDriftMs)}, server CPU per 100 viewers ${figures.serverCpuPctPer100Viewers}%`,
    );
    return figures;
  } finally {
    crowd?.stop();
    keeper.stop();
    await keeperRun;
    await glass?.close();
    await closePeers(peers);
  }
}

interface CpuFigures {
  nodeCpuPct: number | undefined;
  ffmpegCpuPct: number | undefined;
  workerCpuPct: number | undefined;
  generatorCpuPct: number;
}

/** CPU of the server's Node process, its FFmpeg, its worker(s) and this process while `during` runs. */
async function cpuWindow(target: BenchTarget, serverPid: number | undefined, during: () => Promise<void>) {
  const workerPids = await target.workerPids().catch(() => [] as number[]);
  const nodeBefore = await target.nodeCpuSeconds();
  const startedAt = performance.now();
  const ffmpeg = serverPid !== undefined ? startFfmpegCpuWindow(serverPid) : undefined;
  const workers = startCpuWindow(workerPids);
  const self = startSelfCpuWindow();
  await during();
  const seconds = (performance.now() - startedAt) / 1000;
  const nodeAfter = await target.nodeCpuSeconds();
  const figures: CpuFigures = {
    nodeCpuPct:
      nodeBefore !== undefined && nodeAfter !== undefined ? ((nodeAfter - nodeBefore) / seconds) * 100 : undefined,
    ffmpegCpuPct: ffmpeg?.stop(),
    workerCpuPct: workerPids.length > 0 ? workers.stop() : undefined,
    generatorCpuPct: self.stop(),
  };
  return figures;
}

/** The server's Node process: the parent of its mediasoup worker (this machine only). */
async function serverPidOf(target: BenchTarget): Promise<number | undefined> {
  const [workerPid] = await target.workerPids().catch(() => [] as number[]);
  return workerPid === undefined ? undefined : parentPid(workerPid);
}

/** The composition the recorder draws for the session now (connected hosts, layout, focus). */
async function compositionLayout(target: BenchTarget, sessionId: string): Promise<CompositionLayout | undefined> {
  const state = await api<SessionState>(target.url, 'GET', `/api/multihost/${sessionId}`);
  return state.body.ok ? compositionLayoutOf(state.body.data) : undefined;
}

async function primaryHostId(target: BenchTarget, sessionId: string): Promise<string | undefined> {
  const state = await api<SessionState>(target.url, 'GET', `/api/multihost/${sessionId}`);
  return state.body.ok ? state.body.data.primaryHostId : undefined;
}

/** Reads the drift from the segments the keeper kept, in the primary host's (the marks host's) camera. */
async function analyseDrift(
  layout: CompositionLayout | undefined,
  keeper: HlsViewer,
  marksHostId: string | undefined,
): Promise<DriftReading> {
  const camera = layout && marksHostId ? cameraRect(layout, CANVAS, marksHostId) : undefined;
  if (!camera) {
    return {
      driftsMs: [],
      videoOnsets: 0,
      audioOnsets: 0,
      videoSwing: 0,
      seconds: 0,
      error: 'the marks host has no tile',
    };
  }
  return readAvDrift(keeper.kept, keeper.initBodies, innerHalf(camera));
}

/** Signed drift: median and extremes, ms (positive: the sound comes after the picture). */
function driftSummary(driftsMs: readonly number[]): { p50: number; min: number; max: number; samples: number } {
  const sorted = [...driftsMs].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor((sorted.length - 1) / 2)]!,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    samples: sorted.length,
  };
}
