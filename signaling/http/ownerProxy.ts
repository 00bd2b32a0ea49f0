// Cluster mode: HTTP requests about a session are served by the session's
// owner. On any other node this middleware passes the request, unread, to
// the owner's NODE_URL (http-proxy-middleware: headers, streaming bodies,
// X-Forwarded-*), and the owner's answer goes back as it is, cache headers
// included, so a CDN can sit in front of every node. A new session is
// created on the node the placement picks, the same way. A proxied request
// carries FORWARDED_HEADER and is served where it lands: two nodes that
// briefly disagree about an owner can never bounce it between them.
//
// One request names its session only in its body: a battle invitation
// (`POST /api/pk-battles`, served by the inviting session's owner, which
// runs the battle). Its small JSON body is read here and written again for
// the owner (fixRequestBody); the body parser after this one leaves a body
// it finds read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createProxyMiddleware, fixRequestBody, proxyEventsPlugin } from 'http-proxy-middleware';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';

export const FORWARDED_HEADER = 'x-stagecast-forwarded-by';

export interface OwnerProxyOptions {
  nodeId: string;
  /** The node that serves a request about this session, and its URL (undefined: serve here). */
  ownerOf(sessionId: string): Promise<{ id: string; url: string | undefined } | undefined>;
  sessionOfBattle(battleId: string): Promise<string | undefined>;
  /** The node a new session goes to. */
  placeNewSession(): Promise<string>;
  urlOf(nodeId: string): Promise<string | undefined>;
  logger: Logger;
}

/** Which requests are about a session, and how to find it. */
type Subject = { session: string } | { battle: string } | 'new-session' | 'battle-invitation' | undefined;

const SESSION_PATHS = [
  /^\/api\/multihost\/(?!active\/|user\/|upcoming(?:\/|$))([^/]+)(?:\/|$)/,
  /^\/api\/room\/([^/]+)\/stream\//,
  // A private session's folder is `<id>~<key>` (mediaFolder): the id decides the owner.
  /^\/media\/live\/([^/~]+)(?:~[^/]*)?\//,
  /^\/api\/live-shopping\/(?!active\/|top\/)([^/]+)(?:\/|$)/,
];
const UNREACHABLE = 'the node serving this session is unreachable; try again';
const BATTLE_PATH = /^\/api\/pk-battles\/(?!active\/|leaderboard\/|user\/)([^/]+)(?:\/|$)/;

function subjectOf(req: Request): Subject {
  if (req.method === 'POST' && req.path === '/api/multihost') return 'new-session';
  if (req.method === 'POST' && req.path === '/api/pk-battles') return 'battle-invitation';
  for (const pattern of SESSION_PATHS) {
    const match = pattern.exec(req.path);
    if (match) return { session: decodeURIComponent(match[1]!) };
  }
  const battle = BATTLE_PATH.exec(req.path);
  return battle ? { battle: decodeURIComponent(battle[1]!) } : undefined;
}

export function ownerProxy(options: OwnerProxyOptions): RequestHandler {
  const { nodeId, logger } = options;
  const targets = new WeakMap<IncomingMessage, string>();
  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    router: (req) => targets.get(req)!,
    xfwd: true,
    // Only the event hooks: errors are answered below in the API's own shape.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    on: {
      proxyReq: (proxyReq, req) => {
        proxyReq.setHeader(FORWARDED_HEADER, nodeId);
        fixRequestBody(proxyReq, req);
      },
      error: (error, req, res) => {
        logger.warn({ err: error, path: req.url }, 'the owner of a session did not answer');
        if (!('writeHead' in res)) return void res.destroy();
        if (res.headersSent) return void res.end();
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ ok: false, error: { code: 'UNAVAILABLE', message: UNREACHABLE } }));
      },
    },
  });

  /** Where to send a request about `subject`: a node other than this one and its URL, or undefined (here). */
  const targetOf = async (
    subject: Exclude<Subject, undefined | 'battle-invitation'>,
  ): Promise<{ id: string; url: string | undefined } | undefined> => {
    if (subject === 'new-session') {
      const id = await options.placeNewSession();
      return { id, url: id === nodeId ? undefined : await options.urlOf(id) };
    }
    const sessionId = 'session' in subject ? subject.session : await options.sessionOfBattle(subject.battle);
    return sessionId === undefined ? undefined : options.ownerOf(sessionId);
  };
  const readBody = express.json({ limit: '64kb' });
  /** The session named in a body, when the body names one (else the request is served here and refused there). */
  const sessionInBody = (req: Request, res: Response) =>
    new Promise<string | undefined>((resolve, reject) => {
      readBody(req, res, (error?: unknown) => {
        if (error) return reject(error as Error);
        const sessionId = (req.body as { sessionId?: unknown } | undefined)?.sessionId;
        resolve(typeof sessionId === 'string' && sessionId.length > 0 ? sessionId : undefined);
      });
    });

  return (req: Request, res: Response, next: NextFunction) => {
    const subject = subjectOf(req);
    if (subject === undefined || req.headers[FORWARDED_HEADER] !== undefined) return next();
    const route = async () => {
      let about: Exclude<Subject, undefined | 'battle-invitation'>;
      if (subject === 'battle-invitation') {
        const sessionId = await sessionInBody(req, res);
        if (sessionId === undefined) return next();
        about = { session: sessionId };
      } else {
        about = subject;
      }
      const target = await targetOf(about);
      if (target === undefined || target.id === nodeId) return next();
      if (target.url === undefined) throw new AppError('UNAVAILABLE', UNREACHABLE);
      targets.set(req, target.url);
      await proxy(req, res, next);
    };
    route().catch(next);
  };
}
