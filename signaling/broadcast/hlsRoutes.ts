// Serves live HLS so that a CDN can sit in front: playlists are never
// cached, segments and init segments are immutable (their names never
// repeat), ranges work. Names are matched against what the recorder writes,
// so nothing else under the media folder (and no `..`) can be reached.
// Live segments are served from memory (SegmentCache): a live audience asks
// for the same few files at once. Low-latency HLS (docs/ll-hls.md): its
// playlists and parts come from the recorder's packager in memory; a
// blocking reload or a request for the hinted part is held until the live
// edge reaches it (LiveEdgeHolds), within three target durations.
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import {
  LOW_LATENCY_MASTER,
  LOW_LATENCY_MEDIA_PLAYLIST,
  PLAIN_MASTER,
  type LiveLadder,
} from '../../recorder/llhls/LiveLadder.ts';
import type { LiveRendition } from '../../recorder/llhls/LiveRendition.ts';
import type { AudienceGate, FolderAnswer } from './AudienceGate.ts';
import type { BroadcastService } from './BroadcastService.ts';
import type { LiveEdgeHolds } from './LiveEdgeHolds.ts';
import { lowLatencyQuery } from './lowLatencyQuery.ts';
import { SegmentCache } from './SegmentCache.ts';

const renditionPattern = /^[a-z0-9]{1,16}$/;

const immutable = 'public, max-age=31536000, immutable';
const playlistType = 'application/vnd.apple.mpegurl';
const partPattern = /^part_\d{1,6}_\d{1,9}_\d{1,3}\.m4s$/;

const fileKinds: [pattern: RegExp, contentType: string, cacheControl: string][] = [
  [/^index\.m3u8$/, playlistType, 'no-cache'],
  [/^seg_\d{1,6}_\d{1,9}\.m4s$/, 'video/iso.segment', immutable],
  [/^init_\d{1,6}_[a-z0-9]{1,16}\.mp4$/, 'video/mp4', immutable],
];

export function hlsRoutes(
  broadcasts: BroadcastService,
  logger: Logger,
  holds: LiveEdgeHolds,
  gate: AudienceGate,
): Router {
  const router = Router();
  const segments = new SegmentCache();
  /** A file that cannot be served is a 404 either way; routine failures are not logged. */
  const unreadable = (error: unknown, file: string) => {
    if (!isRoutineFailure(error)) logger.warn({ err: error, file }, 'serving an HLS file failed');
  };
  /** An immutable file from memory; ranges (VOD seeking, CDNs) go to sendFile. */
  const sendCached = async (req: Request, res: Response, root: string, file: string, contentType: string) => {
    if (req.headers.range) return send(res, root, file, contentType, immutable);
    let bytes: Buffer;
    try {
      bytes = await segments.read(path.join(root, file));
    } catch (error) {
      unreadable(error, path.join(root, file));
      return notFound(res);
    }
    res.set({ 'Cache-Control': immutable, 'Access-Control-Allow-Origin': '*', 'Accept-Ranges': 'bytes' });
    res.type(contentType);
    res.end(bytes);
  };
  const send = (res: Response, root: string, file: string, contentType: string, cacheControl: string) => {
    res.set({ 'Cache-Control': cacheControl, 'Access-Control-Allow-Origin': '*' });
    res.type(contentType);
    res.sendFile(file, { root, dotfiles: 'deny', headers: { 'Content-Type': contentType } }, (error) => {
      if (!error) return;
      unreadable(error, path.join(root, file));
      if (!res.headersSent) res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such file' } });
    });
  };
  const notFound = (res: Response) =>
    res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such stream file' } });
  const badRequest = (res: Response, message: string) =>
    res.status(400).json({ ok: false, error: { code: 'INVALID_INPUT', message } });
  const unavailable = (res: Response) =>
    res
      .status(503)
      .set('Retry-After', '1')
      .json({ ok: false, error: { code: 'UNAVAILABLE', message: 'the live edge did not get there in time' } });

  // A private session's files are under `<id>~<key>` (mediaFolder): the gate answers which session a
  // folder opens, if any. A wrong or missing key is a 403 in words; the rest of a refusal, a 404.
  router.param('folder', (req, res, next, folder: string) => {
    gate.liveFolder(folder).then((answer) => admitted(res, next, answer), next);
  });
  router.param('recordingFolder', (req, res, next, folder: string) => {
    gate.recordingFolder(folder).then((answer) => admitted(res, next, answer), next);
  });
  const admitted = (res: Response, next: () => void, answer: FolderAnswer) => {
    if (typeof answer === 'object') {
      res.locals.mediaId = answer.id;
      return next();
    }
    if (answer === 'missing') return notFound(res);
    res.status(403).json({
      ok: false,
      error: { code: 'PRIVATE_SESSION', message: 'this show is private: its link carries the key to its media' },
    });
  };

  router.get('/media/live/:folder/:master', (req, res, next) => {
    const { master } = req.params;
    if (master !== PLAIN_MASTER && master !== LOW_LATENCY_MASTER) return next();
    const sessionId = mediaIdOf(res);
    send(res, broadcasts.liveDir(sessionId), master, playlistType, 'no-cache');
  });

  /** The rendition's packager, when low-latency HLS is on and the session is broadcasting. */
  const liveRendition = (sessionId: string, name: string): [LiveLadder, LiveRendition] | undefined => {
    const ladder = broadcasts.liveHls(sessionId);
    const rendition = ladder?.rendition(name);
    return ladder && rendition ? [ladder, rendition] : undefined;
  };

  router.get(`/media/live/:folder/:rendition/${LOW_LATENCY_MEDIA_PLAYLIST}`, async (req, res) => {
    const { rendition: name } = req.params;
    const live = liveRendition(mediaIdOf(res), name);
    if (!live) return notFound(res);
    const [ladder, rendition] = live;
    const query = lowLatencyQuery.safeParse(req.query);
    if (!query.success) return badRequest(res, query.error.issues[0]?.message ?? 'bad query');
    const { _HLS_msn: msn, _HLS_part: part, _HLS_skip: skip } = query.data;
    // A blocking reload of a rendition with nothing yet (a player switching to it as the show starts,
    // its first part a moment behind another rendition's) is held like any other, not refused.
    if (msn === undefined && rendition.lastMsn === undefined) return notFound(res);
    if (msn !== undefined) {
      const lastMsn = rendition.lastMsn ?? -1;
      // The spec: more than two segments ahead of the playlist is a 400, not a hold.
      if (msn > lastMsn + 2) return badRequest(res, `_HLS_msn ${msn} is beyond the live edge (${lastMsn})`);
      if (part !== undefined && part > ladder.maxPartIndex) return badRequest(res, `_HLS_part ${part} is too large`);
      const reached = await holds.wait(
        rendition,
        () => rendition.hasReached(msn, part),
        ladder.blockingHoldMs,
        whilePlayerWaits(res),
      );
      if (res.closed) return;
      if (!reached) return unavailable(res);
    }
    const text = ladder.lowLatencyPlaylist(name, skip !== undefined);
    if (text === undefined) return notFound(res);
    res.set({ 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' });
    res.type(playlistType);
    res.end(text);
  });

  router.get('/media/live/:folder/:rendition/:file', async (req, res, next) => {
    const { rendition: name, file } = req.params;
    if (!partPattern.test(file)) return next();
    const live = liveRendition(mediaIdOf(res), name);
    if (!live) return notFound(res);
    const [ladder, rendition] = live;
    let bytes = rendition.part(file);
    // The part of the preload hint is held until it is written (the spec asks servers to).
    if (!bytes && file === rendition.nextPartUri) {
      const written = await holds.wait(
        rendition,
        () => rendition.part(file) !== undefined,
        ladder.blockingHoldMs,
        whilePlayerWaits(res),
      );
      if (res.closed) return;
      bytes = written ? rendition.part(file) : undefined;
    }
    if (!bytes) return notFound(res);
    res.set({ 'Cache-Control': immutable, 'Access-Control-Allow-Origin': '*' });
    res.type('video/iso.segment');
    res.end(bytes);
  });

  router.get('/media/live/:folder/:rendition/:file', (req, res) => {
    const { rendition, file } = req.params;
    const kind = fileKinds.find(([pattern]) => pattern.test(file));
    if (!renditionPattern.test(rendition) || !kind) return notFound(res);
    const root = path.join(broadcasts.liveDir(mediaIdOf(res)), rendition);
    if (kind[2] === immutable) return sendCached(req, res, root, file, kind[1]);
    send(res, root, file, kind[1], kind[2]);
  });
  // VOD: the playlist grows while live (EVENT), then never changes (VOD);
  // segments are the live ones, hard-linked, so the same names and headers.
  router.get('/media/vod/:recordingFolder/:file', (req, res) => {
    const { file } = req.params;
    const kind = fileKinds.find(([pattern]) => pattern.test(file));
    if (!kind) return notFound(res);
    send(res, broadcasts.vodDir(mediaIdOf(res)), file, kind[1], kind[2]);
  });
  return router;
}

/** The session or recording the folder of the path opened (router.param above). */
function mediaIdOf(res: Response): string {
  return res.locals.mediaId as string;
}

/** Aborts when the player closes the connection before the answer (a held request then ends at once). */
function whilePlayerWaits(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}

/**
 * Routine: a file that is not there (yet, or any more), which players ask
 * for all the time (a segment the recorder has not finished, or has already
 * dropped from the live window), and a transfer the viewer aborted.
 */
function isRoutineFailure(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ECONNABORTED';
}
