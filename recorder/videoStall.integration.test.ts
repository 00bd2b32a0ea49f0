// A recorded camera stops sending for 1.5 s (its FFmpeg is frozen with
// SIGSTOP) and then carries on: the recorder must ask that camera for key
// frames (seen as PLIs mediasoup sends to it: the producer's pliCount) and the
// live HLS must keep advancing afterwards, without restarting FFmpeg.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routerMediaCodecs } from '../sfu/mediaCodecs.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { reapOnExit } from './childReaper.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { HlsRecorder } from './HlsRecorder.ts';
import { waitFor } from '../testkit/waitFor.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A camera that can be frozen: VP8 from FFmpeg over RTP, whose producer
 * accepts PLIs (as a browser's does) so key frame requests reach it. A key
 * frame every second: a new consumer forwards nothing before the first one,
 * which the stall watch would rightly count as a stall.
 */
async function startFreezableCamera(router: types.Router) {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
  const ssrc = 33_000_000 + Math.floor(Math.random() * 1_000_000);
  const producer = await transport.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [
        {
          mimeType: 'video/VP8',
          payloadType: 101,
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
        },
      ],
      encodings: [{ ssrc }],
    },
  });
  const url = `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}&pkt_size=1200`;
  const ffmpeg = spawn(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30:duration=60,hue=h=200'],
      ...['-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '30'],
      ...['-ssrc', String(ssrc), '-payload_type', '101', '-f', 'rtp', url],
    ],
    { stdio: 'ignore' },
  );
  reapOnExit(ffmpeg);
  return {
    producer,
    pid: ffmpeg.pid!,
    stop() {
      ffmpeg.kill('SIGKILL');
      transport.close();
    },
  };
}

async function pliCount(producer: types.Producer): Promise<number> {
  return (await producer.getStats()).reduce((sum, stat) => sum + stat.pliCount, 0);
}

function lastSegment(playlist: string): string | undefined {
  if (!fs.existsSync(playlist)) return undefined;
  return fs
    .readFileSync(playlist, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('.m4s'))
    .at(-1);
}

test('a stalled camera is asked for key frames, and the broadcast carries on when it resumes', async () => {
  const pool = await startLoopbackWorkerPool(44000, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-stall-'));
  let steady: FfmpegRtpSource | undefined;
  let camera: Awaited<ReturnType<typeof startFreezableCamera>> | undefined;
  let recorder: HlsRecorder | undefined;
  try {
    const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    steady = await startFfmpegRtpSource(router, { hue: 0, seconds: 60 });
    camera = await startFreezableCamera(router);
    const renditions = [{ name: 'high', width: 640, height: 360, videoBitrateKbps: 600 }];
    recorder = await HlsRecorder.start(
      { router, dir, logger, renditions, fps: 15 },
      {
        hosts: [
          { hostId: 'steady', video: steady.videoProducer, audio: steady.audioProducer },
          { hostId: 'freezing', video: camera.producer },
        ],
        layout: 'grid',
      },
    );
    const playlist = path.join(dir, 'high', 'index.m3u8');
    const startedAt = Date.now();
    await waitFor('the first segments', () => lastSegment(playlist), 40_000);
    // The recorder asks for key frames 0, 1 and 2 s after FFmpeg starts; let those settle.
    await sleep(Math.max(0, 6000 - (Date.now() - startedAt)));
    const pid = recorder.ffmpegPid;

    // Flowing media: nobody asks for anything.
    const quietBefore = await pliCount(camera.producer);
    await sleep(2000);
    const quietAfter = await pliCount(camera.producer);
    assert.is(quietAfter - quietBefore, 0, 'no key frame requests while the camera flows');

    // The camera freezes for 1.5 s, then carries on.
    process.kill(camera.pid, 'SIGSTOP');
    await sleep(1500);
    process.kill(camera.pid, 'SIGCONT');
    const resumedSegment = lastSegment(playlist);
    await sleep(1500);
    const asked = (await pliCount(camera.producer)) - quietAfter;
    process.stderr.write(`[stall] PLIs sent to the camera during and after the stall: ${asked}\n`);
    // At least the ask at 500 ms; mediasoup may repeat a PLI once when no key
    // frame follows, and the watch asks again on resume; never a storm.
    assert.ok(asked >= 1, 'a key frame was requested');
    assert.ok(asked <= 6, `at most 3 asks in 6 s (each may be repeated once by mediasoup): ${asked} PLIs`);

    // The broadcast goes on from the same FFmpeg: two more segments.
    const afterResume = await waitFor(
      'the playlist to advance after the stall',
      () => {
        const segments = fs
          .readFileSync(playlist, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('.m4s'));
        const index = resumedSegment ? segments.indexOf(resumedSegment) : -1;
        return index >= 0 && segments.length - index > 2 ? segments.at(-1) : undefined;
      },
      20_000,
    );
    assert.is(recorder.ffmpegPid, pid, 'FFmpeg was not restarted');
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(fs.readFileSync(playlist, 'utf8'))![1]!;
    const joined = path.join(dir, 'probe.mp4');
    fs.writeFileSync(
      joined,
      Buffer.concat([
        fs.readFileSync(path.join(dir, 'high', init)),
        fs.readFileSync(path.join(dir, 'high', afterResume)),
      ]),
    );
    const { stdout } = await promisify(execFile)('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames'],
      ...['-of', 'csv=p=0', joined],
    ]);
    assert.ok(Number(stdout.trim()) >= 12, `video frames in a segment after the stall: ${stdout.trim()}`);
  } finally {
    await recorder?.stop();
    camera?.stop();
    steady?.stop();
    pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
