// Starts Debian's nginx as a throwaway load balancer in front of Stagecast
// nodes, for cluster tests and the bench: loopback only, a free port,
// WebSocket upgrades passed through, least-connections balancing, a node that
// refuses connections skipped (the next one tried). Its configuration, temp
// folders, pid file and log live in a temp folder; `stop()` stops exactly
// that nginx (by its PID) and removes the folder.
//   const lb = await startNginx(['127.0.0.1:4001', '127.0.0.1:4002']); … lb.url … await lb.stop();
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.ts';
import { readTail, resolveOnPath, superviseDaemon } from './testDaemon.ts';

export interface LoadBalancer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  /** Rewrites the upstream list and reloads nginx (SIGHUP): open connections stay. */
  reconfigure(upstreams: string[]): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export function resolveNginx(env: NodeJS.ProcessEnv = process.env): string {
  const sbin = '/usr/sbin/nginx';
  if (fs.existsSync(sbin)) return sbin;
  return resolveOnPath('nginx', 'nginx', env);
}

/** `upstreams`: host:port of each node. */
export async function startNginx(upstreams: string[]): Promise<LoadBalancer> {
  const bin = resolveNginx();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(bin, await freePort(), upstreams);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function configText(dir: string, port: number, upstreams: string[]): string {
  const servers = upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=2s;`).join('\n');
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream stagecast {
    least_conn;
${servers}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://stagecast;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      proxy_buffering off;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
  }
}
`;
}

async function startOn(bin: string, port: number, upstreams: string[]): Promise<LoadBalancer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-nginx-'));
  const configFile = path.join(dir, 'nginx.conf');
  const logFile = path.join(dir, 'error.log');
  fs.writeFileSync(configFile, configText(dir, port, upstreams));
  const child = spawn(bin, ['-c', configFile, '-p', dir, '-e', logFile], { stdio: 'ignore' });
  const daemon = superviseDaemon(child, dir);
  try {
    if (daemon.pid === undefined) throw new Error('could not spawn it');
    await waitUntilListening(port, daemon.hasExited);
  } catch (error) {
    const log = readTail(logFile);
    await daemon.stop();
    throw new Error(`nginx did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${log}`, { cause: error });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: daemon.pid!,
    logFile,
    async reconfigure(next) {
      fs.writeFileSync(configFile, configText(dir, port, next));
      process.kill(daemon.pid!, 'SIGHUP');
      // The master starts new workers with the new upstreams and retires the old ones.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    stop: daemon.stop,
  };
}

async function waitUntilListening(port: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('nginx exited');
    const answered = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not listening within ${READY_TIMEOUT_MS} ms`);
}
