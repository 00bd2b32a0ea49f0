// Security headers on every response (helmet), and CORS for the API limited
// to the configured origins (CORS_ORIGINS, the cors package). The web app is
// served from the same origin, so by default no cross-origin caller is
// allowed; HLS files set their own `Access-Control-Allow-Origin: *` because
// players and CDNs fetch them from anywhere.
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

const contentSecurityPolicy = {
  // Exactly these directives: helmet's defaults would add upgrade-insecure-requests,
  // which breaks a plain-HTTP deployment on a LAN.
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    // WebAssembly compiles only with 'wasm-unsafe-eval' (the studio's segmentation model; it allows no JS eval).
    scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
    // Svelte sets style attributes at run time.
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    // Camera previews and remote tracks are MediaStreams; hls.js plays through MediaSource blobs.
    mediaSrc: ["'self'", 'blob:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'", 'ws:', 'wss:'],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
  },
};

/** Helmet does not set Permissions-Policy: the studio needs camera, microphone and screen capture. */
const permissionsPolicy = 'camera=(self), microphone=(self), display-capture=(self), geolocation=()';

export function securityHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      // Players on other origins (embeds, Safari's native HLS without CORS) load
      // HLS files as no-cors requests; `same-origin` would block them.
      crossOriginResourcePolicy: false,
      // TLS ends at the operator's reverse proxy, which owns HSTS (and knows
      // whether includeSubDomains is safe for the domain).
      strictTransportSecurity: false,
    }),
    (_req, res, next) => {
      res.set('Permissions-Policy', permissionsPolicy);
      next();
    },
  ];
}

/** CORS for /api: only the allowed origins, with credentials (the refresh cookie). */
export function apiCors(allowedOrigins: readonly string[]): RequestHandler {
  return cors({
    origin: [...allowedOrigins],
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
  });
}
