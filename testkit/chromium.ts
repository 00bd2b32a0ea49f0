// Launches Debian's Chromium for browser tests, with a fake camera and
// microphone. Never downloads a browser.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const candidates = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function resolveChromium(env: NodeJS.ProcessEnv = process.env): string {
  const found = env.CHROMIUM_PATH ?? candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error('Chromium not found: set CHROMIUM_PATH or apt-get install chromium (npm test does this)');
  return found;
}

export interface LaunchOptions {
  /** A .y4m clip to use as the fake camera instead of Chromium's test pattern. */
  fakeVideoFile?: string;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-chromium-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    // The machine's network is closed: without these Chromium keeps trying.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    ...(options.fakeVideoFile ? [`--use-file-for-fake-video-capture=${options.fakeVideoFile}`] : []),
  ];
  const browser = await puppeteer.launch({
    executablePath: resolveChromium(),
    headless: true,
    userDataDir,
    args,
  });
  // Chromium's helpers may still be writing when the connection drops: remove
  // the profile once the main process has exited, retrying, and never throw.
  const removeProfile = () =>
    fs.rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }, () => undefined);
  const chromiumProcess = browser.process();
  if (chromiumProcess && chromiumProcess.exitCode === null) chromiumProcess.once('exit', removeProfile);
  else browser.once('disconnected', removeProfile);
  return browser;
}
