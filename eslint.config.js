// Lint rules for the whole repository (run by `npm test` with --max-warnings 0).
// Besides style, this file holds the project's import rules: who may import
// whom (docs/architecture.md explains them) and no import cycles. A wrong-way
// import or a cycle fails `npm test` here (scripts/importRules.test.ts plants
// both and checks that they are refused).
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import importX from 'eslint-plugin-import-x';
import { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const folders = ['sfu', 'signaling', 'recorder', 'web', 'prisma', 'bench', 'testkit', 'scripts', 'turn'];
const others = (...allowed) => folders.filter((folder) => !allowed.includes(folder)).map((folder) => `./${folder}`);
/** signaling/, except its protocol: the contract every folder shares. */
const signalingButProtocol = { from: './signaling', except: ['./protocol'] };

/** Bench measurement helpers that time or read the recorder's own pieces (FFmpeg graph, playlists, VP8 key frames). */
const benchRecorderHelpers = [
  'bench/hls/avDrift.ts',
  'bench/hls/battleBarInOutput.ts',
  'bench/hls/changeToOutput.ts',
  'bench/hls/encodeSpeed.ts',
  'bench/hls/firstPlayable.ts',
  'bench/hls/hlsViewer.ts',
  'bench/hls/muteInOutput.ts',
  'bench/hls/picturesInOutput.ts',
  'bench/media/clip.ts',
  'bench/media/media.test.ts',
  'bench/peers/opusFec.test.ts',
  'bench/peers/subscriber.ts',
];
/** The bare-mediasoup baseline is mediasoup: it shares the SFU's codecs and socket sizes. */
const benchSfuUsers = ['bench/baseline/**'];
/** The test harness starts a whole node in-process: the server's entry points, nothing else of signaling. */
const testServerHarness = 'testkit/testServer.ts';

const noTestkit = { group: ['**/testkit/**'], message: 'testkit/ is for tests and the bench only.' };

const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

/** The folder rules; the options relax them for the files listed above (their own blocks below). */
function importZones({ bench = 'strict', testkit = 'strict' } = {}) {
  const zones = [
    zone('./sfu', others('sfu', 'testkit'), 'sfu/ is the media layer: it imports nothing of the other folders.'),
    zone(
      './signaling/protocol',
      others('signaling'),
      'signaling/protocol/ is the shared contract: it imports nothing of the project.',
    ),
    zone(
      './signaling/protocol',
      signalingButProtocol.from,
      'signaling/protocol/ is the shared contract: it imports nothing of the project.',
      signalingButProtocol.except,
    ),
    zone(
      './recorder',
      others('recorder', 'sfu', 'signaling', 'testkit'),
      'recorder/ imports sfu/ and signaling/protocol/ only.',
    ),
    zone('./web', others('web', 'signaling', 'testkit'), 'web/ imports signaling/protocol/ only.'),
    zone(
      './prisma',
      ['./signaling', './sfu', './recorder', './web', './bench'],
      'prisma/ imports nothing of signaling/ (or the media folders).',
    ),
    zone('./testkit', ['./web', './bench'], 'testkit/ drives the web app through a browser, not by importing it.'),
    zone('./signaling', ['./web', './bench'], 'signaling/ imports sfu/, recorder/ and prisma/, not the clients.'),
    zone(
      './bench',
      './testkit/testServer.ts',
      'bench/ starts Stagecast as its own process and drives it through the protocol.',
    ),
  ];
  // Outside signaling/, only the protocol.
  for (const folder of ['./sfu', './recorder', './web', './prisma', './bench', './turn', './scripts']) {
    zones.push(
      zone(
        folder,
        signalingButProtocol.from,
        'Outside signaling/, import only signaling/protocol/.',
        signalingButProtocol.except,
      ),
    );
  }
  if (testkit === 'strict') {
    zones.push(
      zone(
        './testkit',
        signalingButProtocol.from,
        'Outside signaling/, import only signaling/protocol/.',
        signalingButProtocol.except,
      ),
    );
  }
  if (bench !== 'recorder-helper') {
    zones.push(
      zone(
        './bench',
        './recorder',
        'bench/ drives the server through the protocol (recorder helpers are listed in eslint.config.js).',
      ),
    );
  }
  if (bench !== 'baseline') {
    zones.push(
      zone(
        './bench',
        './sfu',
        'bench/ drives the server through the protocol (only bench/baseline is bare mediasoup).',
      ),
    );
  }
  return zones;
}

const restrictedPaths = (options) => ['error', { zones: importZones(options) }];

export default tseslint.config(
  {
    // planted-cycle-*: what scripts/importRules.test.ts plants (and removes); never part of the tree.
    ignores: [
      'node_modules/',
      'data/',
      'web/dist/',
      'prisma/generated/',
      'bench/results/',
      'signaling/planted-cycle-*/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['web/**/*.{ts,svelte}'],
    ignores: ['web/**/*.test.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },

  // --- import rules ----------------------------------------------------------
  {
    files: ['**/*.{ts,js,svelte}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.svelte'] })],
      // Imported modules are read with the TypeScript parser (to follow cycles); Svelte components are leaves.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/ignore': ['\\.svelte$', 'node_modules'],
    },
    rules: {
      'import-x/no-restricted-paths': restrictedPaths(),
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: benchRecorderHelpers,
    rules: { 'import-x/no-restricted-paths': restrictedPaths({ bench: 'recorder-helper' }) },
  },
  { files: benchSfuUsers, rules: { 'import-x/no-restricted-paths': restrictedPaths({ bench: 'baseline' }) } },
  { files: [testServerHarness], rules: { 'import-x/no-restricted-paths': restrictedPaths({ testkit: 'harness' }) } },
  {
    // Production code never leans on the test kit.
    files: ['{sfu,signaling,recorder,web,prisma}/**/*.{ts,svelte}'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noTestkit] }],
    },
  },
  {
    // Services take plain values (identity, connection id, a pushes
    // interface); sockets and Socket.io rooms live in the *Socket.ts and
    // *Notifier.ts adapters, server.ts and signaling/socket/.
    files: ['signaling/**/*.ts'],
    ignores: [
      'signaling/**/*Socket.ts',
      'signaling/**/*Notifier.ts',
      'signaling/socket/**',
      'signaling/server.ts',
      'signaling/**/*.test.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'socket.io',
              message: 'Only the socket adapters (*Socket.ts, *Notifier.ts, signaling/socket/) use Socket.io.',
            },
          ],
          patterns: [
            noTestkit,
            {
              group: ['**/*Socket.ts', '**/*Notifier.ts', '**/socket/**'],
              message: 'Services and state hold no sockets: take a connection id and a pushes interface instead.',
            },
          ],
        },
      ],
    },
  },
);
