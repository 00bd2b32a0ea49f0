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
  /** A .wav file to use as the fake microphone (looped) instead of Chromium's beeps. */
  fakeAudioFile?: string;
  /** Niceness of every Chromium process; default BROWSER_NICENESS (the bench passes 0: its figures include the browsers). */
  niceness?: number;
}

/**
 * Browsers run at this niceness: in production the hosts' and viewers'
 * browsers have their own machines, here they share two cores with the
 * server, and a compositor starved by them falls behind real time (and is
 * restarted) in a way no deployment would see.
 */
const BROWSER_NICENESS = 10;

/**
 * A launcher that starts Chromium at this niceness, its helpers too. Chromium
 * sets its own processes' priorities (the browser and GPU process at -8 when
 * it may): without CAP_SYS_NICE (setpriv, util-linux) it can only lower them.
 */
function niceLauncher(dir: string, niceness: number): string {
  const file = path.join(dir, 'chromium-nice.sh');
  const keepNice = fs.existsSync('/usr/bin/setpriv') ? 'setpriv --bounding-set -sys_nice --inh-caps -sys_nice ' : '';
  const script = `#!/bin/sh\nexec ${keepNice}nice -n ${niceness} '${resolveChromium()}' "$@"\n`;
  fs.writeFileSync(file, script, { mode: 0o755 });
  return file;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-chromium-'));
  const launcherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-launcher-'));
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
    ...(options.fakeAudioFile ? [`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`] : []),
  ];
  const browser = await puppeteer.launch({
    executablePath: niceLauncher(launcherDir, options.niceness ?? BROWSER_NICENESS),
    headless: true,
    userDataDir,
    args,
  });
  // Chromium's helpers may still be writing when the connection drops: remove
  // the profile once the main process has exited, retrying, and never throw.
  const removeProfile = () => {
    fs.rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }, () => undefined);
    fs.rm(launcherDir, { recursive: true, force: true }, () => undefined);
  };
  const chromiumProcess = browser.process();
  if (chromiumProcess && chromiumProcess.exitCode === null) chromiumProcess.once('exit', removeProfile);
  else browser.once('disconnected', removeProfile);
  return browser;
}
