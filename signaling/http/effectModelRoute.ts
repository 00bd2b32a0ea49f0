// The person-segmentation model behind the studio's background effects, and
// the WebAssembly runtime that runs it, served by our own server from the
// npm package that ships them (@mediapipe/selfie_segmentation): no CDN or
// model hub at run time. Only the package's own files, by name.
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { EFFECT_MODEL_PATH } from '../protocol/effects.ts';

const MODEL_FILES = new Set([
  'selfie_segmentation.js',
  'selfie_segmentation.binarypb',
  'selfie_segmentation_landscape.tflite',
  'selfie_segmentation.tflite',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
  'selfie_segmentation_solution_simd_wasm_bin.data',
  'selfie_segmentation_solution_wasm_bin.js',
  'selfie_segmentation_solution_wasm_bin.wasm',
]);

export function effectModelRoute(): Router {
  const router = Router();
  const packageDir = path.dirname(
    createRequire(import.meta.url).resolve('@mediapipe/selfie_segmentation/package.json'),
  );
  const files = express.static(packageDir, { immutable: true, maxAge: '30d', index: false, fallthrough: false });
  router.use(EFFECT_MODEL_PATH, (req, res, next) => {
    if (!MODEL_FILES.has(req.path.slice(1))) {
      res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such model file' } });
      return;
    }
    files(req, res, next);
  });
  return router;
}
