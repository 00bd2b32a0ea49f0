// Serves live HLS so that a CDN can sit in front: playlists are never
// cached, segments and init segments are immutable (their names never
// repeat), ranges work. Names are matched against what the recorder writes,
// so nothing else under the media folder (and no `..`) can be reached.
// Live segments are served from memory (SegmentCache): a live audience asks
// for the same few files at once.
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { BroadcastService } from './BroadcastService.ts';
import { SegmentCache } from './SegmentCache.ts';

/** Session and recording ids. */
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const renditionPattern = /^[a-z0-9]{1,16}$/;

const immutable = 'public, max-age=31536000, immutable';

const fileKinds: [pattern: RegExp, contentType: string, cacheControl: string][] = [
  [/^index\.m3u8$/, 'application/vnd.apple.mpegurl', 'no-cache'],
  [/^seg_\d{1,6}_\d{1,9}\.m4s$/, 'video/iso.segment', immutable],
  [/^init_\d{1,6}_[a-z0-9]{1,16}\.mp4$/, 'video/mp4', immutable],
];

export function hlsRoutes(broadcasts: BroadcastService, logger: Logger): Router {
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

  router.get('/media/live/:sessionId/master.m3u8', (req, res) => {
    const { sessionId } = req.params;
    if (!idPattern.test(sessionId)) return notFound(res);
    send(res, broadcasts.liveDir(sessionId), 'master.m3u8', 'application/vnd.apple.mpegurl', 'no-cache');
  });

  router.get('/media/live/:sessionId/:rendition/:file', (req, res) => {
    const { sessionId, rendition, file } = req.params;
    const kind = fileKinds.find(([pattern]) => pattern.test(file));
    if (!idPattern.test(sessionId) || !renditionPattern.test(rendition) || !kind) return notFound(res);
    const root = path.join(broadcasts.liveDir(sessionId), rendition);
    if (kind[2] === immutable) return sendCached(req, res, root, file, kind[1]);
    send(res, root, file, kind[1], kind[2]);
  });
  // VOD: the playlist grows while live (EVENT), then never changes (VOD);
  // segments are the live ones, hard-linked, so the same names and headers.
  router.get('/media/vod/:recordingId/:file', (req, res) => {
    const { recordingId, file } = req.params;
    const kind = fileKinds.find(([pattern]) => pattern.test(file));
    if (!idPattern.test(recordingId) || !kind) return notFound(res);
    send(res, broadcasts.vodDir(recordingId), file, kind[1], kind[2]);
  });
  return router;
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
