import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/**
 * Serves the built Svelte app. Hashed assets are immutable; any other GET
 * that is not an API path gets index.html so client-side routes
 * (/watch/:id, /studio/:id) load on refresh.
 */
export function webAppRoute(distDir: string): Router {
  const router = Router();
  const indexHtml = path.join(distDir, 'index.html');
  router.use(
    '/assets',
    express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  router.use(express.static(distDir, { index: false }));
  router.get(/^\/(?!api\/|socket\.io\/|media\/).*/, (_req, res) => {
    if (!fs.existsSync(indexHtml)) {
      res.status(503).type('text/plain').send('The web app is not built: run `npm start` (or `npm run build:web`).\n');
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(indexHtml);
  });
  return router;
}
