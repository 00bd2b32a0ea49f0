// The import rules in eslint.config.js hold: a planted wrong-way import and a
// planted cycle fail the lint, and the imports the architecture allows pass.
// Lints through ESLint's own API with the repository's configuration, so
// what is checked here is exactly what `npm test` runs.
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const repoRoot = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: repoRoot });

/** Rule ids the code gets at `file` (a path in the repository; it need not exist). */
async function ruleIdsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

const wrongWay: [file: string, code: string][] = [
  ['sfu/Planted.ts', "export { startServer } from '../signaling/server.ts';"],
  ['sfu/Planted.ts', "export { HlsRecorder } from '../recorder/HlsRecorder.ts';"],
  ['recorder/Planted.ts', "export { loadConfig } from '../signaling/config/config.ts';"],
  ['web/src/Planted.ts', "export { Session } from '../../signaling/multihost/Session.ts';"],
  ['web/src/Planted.ts', "export { WorkerPool } from '../../sfu/WorkerPool.ts';"],
  ['prisma/Planted.ts', "export { loadConfig } from '../signaling/config/config.ts';"],
  ['signaling/protocol/Planted.ts', "export { AppError } from '../errors.ts';"],
  ['bench/scenarios/Planted.ts', "export { HlsRecorder } from '../../recorder/HlsRecorder.ts';"],
  ['bench/scenarios/Planted.ts', "export { WorkerPool } from '../../sfu/WorkerPool.ts';"],
  ['bench/scenarios/Planted.ts', "export { loadChatConfig } from '../../signaling/chat/chatConfig.ts';"],
  ['testkit/Planted.ts', "export { SessionService } from '../signaling/multihost/SessionService.ts';"],
  ['signaling/Planted.ts', "export { warn } from '../web/src/lib/warn.ts';"],
  ['bench/peers/Planted.ts', "export { startTestServer } from '../../testkit/testServer.ts';"],
];

for (const [file, code] of wrongWay) {
  test(`refused: ${file} ← ${/'(.+)'/.exec(code)?.[1]}`, async () => {
    assert.ok((await ruleIdsFor(file, code)).includes('import-x/no-restricted-paths'));
  });
}

const allowed: [file: string, code: string][] = [
  ['web/src/Planted.ts', "export type { SessionState } from '../../signaling/protocol/index.ts';"],
  ['recorder/Planted.ts', "export { WorkerPool } from '../sfu/WorkerPool.ts';"],
  ['recorder/Planted.ts', "export { layoutKinds } from '../signaling/protocol/layoutGeometry.ts';"],
  ['bench/hls/encodeSpeed.ts', "export { buildSlotGraph } from '../../recorder/slots/slotGraph.ts';"],
  ['bench/baseline/Planted.ts', "export { mediaCodecs } from '../../sfu/mediaCodecs.ts';"],
  ['testkit/testServer.ts', "export { startServer } from '../signaling/server.ts';"],
];

for (const [file, code] of allowed) {
  test(`allowed: ${file} ← ${/'(.+)'/.exec(code)?.[1]}`, async () => {
    assert.equal(await ruleIdsFor(file, code), []);
  });
}

test('refused: a service that imports Socket.io or a socket adapter', async () => {
  const ids = await ruleIdsFor(
    'signaling/multihost/PlantedService.ts',
    "import type { Socket } from 'socket.io';\nimport { SessionNotifier } from './SessionNotifier.ts';\nimport type { AppSocket } from '../socket/socketData.ts';\nexport type S = [Socket, SessionNotifier, AppSocket];",
  );
  assert.equal(
    ids.filter((id) => id === 'no-restricted-imports'),
    ['no-restricted-imports', 'no-restricted-imports', 'no-restricted-imports'],
  );
});

test('refused: production code that imports the test kit', async () => {
  const ids = await ruleIdsFor('signaling/Planted.ts', "export { waitFor } from '../testkit/waitFor.ts';");
  assert.ok(ids.includes('no-restricted-imports'));
});

// A run killed half-way (a timeout) leaves its planted cycle behind: remove it before planting again.
for (const entry of fs.readdirSync(path.join(repoRoot, 'signaling'))) {
  if (entry.startsWith('planted-cycle-'))
    fs.rmSync(path.join(repoRoot, 'signaling', entry), { recursive: true, force: true });
}

test('refused: an import cycle', async () => {
  // A cycle needs both files on disk (the rule reads the imported one).
  const dir = fs.mkdtempSync(path.join(repoRoot, 'signaling', 'planted-cycle-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = () => b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a.ts';\nexport const b = () => a;\n");
    // The planted folder is in the lint's ignores (a leftover must not fail `npm test`): lint it anyway.
    const [result] = await new ESLint({ cwd: repoRoot, ignore: false }).lintFiles([path.join(dir, 'a.ts')]);
    assert.ok(result?.messages.some((message) => message.ruleId === 'import-x/no-cycle'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
