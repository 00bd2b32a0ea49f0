// Janus as a bench target's server: Debian's `janus` (installed by
// scripts/setup.sh), started with the bench's own configuration in a
// temporary folder, in its own network namespace (networkNamespace.ts), one
// process, pinned like the mediasoup worker; stopped by its pid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild, removeOnExit, type StartedChild } from '../server/childProcess.ts';
import { coreConfig, videoRoomConfig, webSocketConfig, type JanusConfigPlan } from './janusConfig.ts';
import { JanusSession } from './janusClient.ts';
import { createNetworkNamespace, type NetworkNamespace } from './networkNamespace.ts';

const WS_PORT = 8188;
const READY_TIMEOUT_MS = 20_000;

export interface StartedJanus {
  readonly pid: number;
  readonly wsUrl: string;
  /** The address our peers gather their host candidates on (our end of the veth pair). */
  readonly peerAddress: string;
  readonly alive: boolean;
  readonly version: string;
  stop(): Promise<void>;
}

export interface JanusStartOptions {
  /** CPU list for taskset (e.g. "1"); undefined runs unpinned. */
  cpuList: string | undefined;
  /** Janus event loops (one per core it may use). */
  eventLoops: number;
}

/** Where Debian puts the binary and its plugins (JANUS_PATH / JANUS_LIB_DIR override). */
export function findJanus(): { binary: string; libDir: string } | undefined {
  const binary = process.env.JANUS_PATH ?? '/usr/bin/janus';
  if (!fs.existsSync(binary)) return undefined;
  const candidates = process.env.JANUS_LIB_DIR
    ? [process.env.JANUS_LIB_DIR]
    : fs
        .readdirSync('/usr/lib', { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join('/usr/lib', entry.name, 'janus'))
        .concat(['/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus']);
  const libDir = candidates.find((dir) => fs.existsSync(path.join(dir, 'plugins', 'libjanus_videoroom.so')));
  return libDir ? { binary, libDir } : undefined;
}

export async function startJanus(options: JanusStartOptions): Promise<StartedJanus> {
  const installed = findJanus();
  if (!installed) {
    throw new Error(
      "Janus is not installed: `bash scripts/setup.sh bench` (or `npm run bench`) installs Debian's janus package",
    );
  }
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-janus-'));
  const cleanup = removeOnExit(configDir);
  let namespace: NetworkNamespace | undefined;
  let child: StartedChild | undefined;
  try {
    namespace = createNetworkNamespace('janus');
    const plan: JanusConfigPlan = {
      configDir,
      pluginsDir: linkOnly(configDir, 'plugins', path.join(installed.libDir, 'plugins'), 'libjanus_videoroom.so'),
      transportsDir: linkOnly(
        configDir,
        'transports',
        path.join(installed.libDir, 'transports'),
        'libjanus_websockets.so',
      ),
      interfaceName: namespace.namespaceInterface,
      address: namespace.namespaceAddress,
      wsPort: WS_PORT,
      eventLoops: options.eventLoops,
    };
    fs.writeFileSync(path.join(configDir, 'janus.jcfg'), coreConfig(plan));
    fs.writeFileSync(path.join(configDir, 'janus.transport.websockets.jcfg'), webSocketConfig(plan));
    fs.writeFileSync(path.join(configDir, 'janus.plugin.videoroom.jcfg'), videoRoomConfig());
    child = await startChild({
      command: 'ip',
      // `ip netns exec` and taskset both exec: the pid is Janus's own.
      args: ['netns', 'exec', namespace.name, installed.binary, '-F', configDir, '-C', `${configDir}/janus.jcfg`, '-o'],
      env: process.env,
      cwd: configDir,
      readyPattern: /Janus version: (\d+ \([^)]*\))/,
      timeoutMs: READY_TIMEOUT_MS,
      cpuList: options.cpuList,
    });
    const wsUrl = `ws://${namespace.namespaceAddress}:${WS_PORT}/`;
    await waitForWebSocket(wsUrl, child);
    const started = child;
    const ns = namespace;
    return {
      pid: started.pid,
      wsUrl,
      peerAddress: ns.hostAddress,
      version: started.ready,
      get alive() {
        return started.alive;
      },
      async stop() {
        await started.stop();
        ns.remove();
        fs.rmSync(configDir, { recursive: true, force: true });
        cleanup.forget();
      },
    };
  } catch (error) {
    await child?.stop();
    namespace?.remove();
    fs.rmSync(configDir, { recursive: true, force: true });
    cleanup.forget();
    throw error;
  }
}

/** A folder with a link to one module only, so Janus loads nothing else of the package's. */
function linkOnly(configDir: string, name: string, systemDir: string, file: string): string {
  const dir = path.join(configDir, name);
  fs.mkdirSync(dir);
  fs.symlinkSync(path.join(systemDir, file), path.join(dir, file));
  return dir;
}

/** Janus prints its banner before its transports listen: connect until a session can be created. */
async function waitForWebSocket(url: string, child: StartedChild): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline) {
    if (!child.alive) throw new Error(`Janus exited while starting:\n${child.tail()}`);
    try {
      const session = await JanusSession.open(url, 2000);
      session.close();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(
    `Janus's WebSocket ${url} did not answer within ${READY_TIMEOUT_MS} ms: ${String(lastError)}\n${child.tail()}`,
  );
}
