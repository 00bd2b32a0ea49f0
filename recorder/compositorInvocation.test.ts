// The compositor's command line: slot inputs in SDP order, the graph starting
// at the scene it is given, the HLS ladder named after the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AUDIO_PAYLOAD_TYPE,
  compositorInvocation,
  RTP_MAX_DELAY_US,
  slotInputStreams,
  VIDEO_PAYLOAD_TYPE,
  type CompositorInvocationOptions,
} from './compositorInvocation.ts';
import { hlsOutputArgs } from './hlsOutputArgs.ts';
import { LOSS_WAIT_MS } from './slots/SlotFeed.ts';
import { buildSlotGraph, type SlotScene } from './slots/slotGraph.ts';

const scene: SlotScene = [{ tile: { x: 0, y: 0, width: 640, height: 360 }, layer: 0, camera: true }];
const options: CompositorInvocationOptions = {
  scene,
  slotCount: 2,
  inputPorts: [40000, 40002, 40004, 40006],
  commandPort: 5555,
  generation: 7,
  sdpFile: '/tmp/live/input_7.sdp',
  fps: 15,
  segmentSeconds: 1,
  partSeconds: 0.2,
  renditions: [
    { name: 'high', width: 640, height: 360, videoBitrateKbps: 800 },
    { name: 'low', width: 320, height: 180, videoBitrateKbps: 300 },
  ],
};

function valueAfter(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

test('microphone slots come first in the SDP, then the cameras, each on its port', () => {
  const streams = slotInputStreams(options.inputPorts, 2);
  assert.equal(
    streams.map((stream) => [stream.kind, stream.port, stream.rtpParameters.codecs[0]?.payloadType]),
    [
      ['audio', 40000, AUDIO_PAYLOAD_TYPE],
      ['audio', 40002, AUDIO_PAYLOAD_TYPE],
      ['video', 40004, VIDEO_PAYLOAD_TYPE],
      ['video', 40006, VIDEO_PAYLOAD_TYPE],
    ],
  );
  const { inputSdp } = compositorInvocation(options);
  assert.is(inputSdp?.file, options.sdpFile);
  const mLines = inputSdp?.text.split('\r\n').filter((line) => line.startsWith('m='));
  assert.equal(mLines, [
    `m=audio 40000 RTP/AVP ${AUDIO_PAYLOAD_TYPE}`,
    `m=audio 40002 RTP/AVP ${AUDIO_PAYLOAD_TYPE}`,
    `m=video 40004 RTP/AVP ${VIDEO_PAYLOAD_TYPE}`,
    `m=video 40006 RTP/AVP ${VIDEO_PAYLOAD_TYPE}`,
  ]);
  assert.match(inputSdp?.text ?? '', `a=rtpmap:${AUDIO_PAYLOAD_TYPE} opus/48000/2`);
});

test('a port for every slot of each kind, or nothing', () => {
  assert.throws(() => slotInputStreams([40000, 40002, 40004], 2), /needs 4 input ports/);
  assert.throws(() => compositorInvocation({ ...options, renditions: [] }), /at least one rendition/);
});

test('FFmpeg reads the SDP and composes the scene at the top rendition’s size', () => {
  const { args } = compositorInvocation(options);
  assert.is(valueAfter(args, '-i'), options.sdpFile);
  const graph = buildSlotGraph(scene, { width: 640, height: 360, fps: 15, slotCount: 2, commandPort: 5555 });
  const output = hlsOutputArgs(graph.videoLabel, graph.audioLabel, { ...options });
  assert.is(valueAfter(args, '-filter_complex'), `${graph.filter};${output.filterSuffix}`);
  assert.match(valueAfter(args, '-filter_complex') ?? '', "zmq=b='tcp\\://127.0.0.1\\:5555'");
  assert.equal(args.slice(args.length - output.args.length), output.args);
});

test('input options: late packets wait longer than the relay does, camera size changes keep the graph', () => {
  const { args } = compositorInvocation(options);
  assert.is(valueAfter(args, '-max_delay'), String(RTP_MAX_DELAY_US));
  assert.ok(RTP_MAX_DELAY_US > LOSS_WAIT_MS * 1000);
  assert.is(valueAfter(args, '-reinit_filter'), '0');
  assert.is(valueAfter(args, '-protocol_whitelist'), 'file,udp,rtp');
  // Input options come before the input.
  assert.ok(args.indexOf('-max_delay') < args.indexOf('-i'));
  assert.ok(args.indexOf('-reinit_filter') < args.indexOf('-i'));
});

test('one fragmented MP4 pipe per rendition, cut into parts of whole frames, a key frame every segment', () => {
  const { args, outputPipes } = compositorInvocation(options);
  assert.is(outputPipes, 2);
  assert.equal(
    args.filter((arg) => arg.startsWith('pipe:')),
    ['pipe:3', 'pipe:4'],
  );
  // 0.2 s at 15 fps is 3 frames (200 ms): cut a millisecond short of it.
  assert.is(valueAfter(args, '-frag_duration'), '199000');
  assert.is(valueAfter(args, '-g'), '15');
  assert.match(valueAfter(args, '-movflags') ?? '', 'empty_moov');
  // Each output has its own encoder settings (options precede the output they apply to).
  assert.is(args.filter((arg) => arg === '-c:v').length, 2);
});

test('names are drawn when a font is given', () => {
  const withFont = compositorInvocation({ ...options, fontFile: '/fonts/Label.ttf' });
  assert.match(valueAfter(withFont.args, '-filter_complex') ?? '', 'fontfile=/fonts/Label.ttf');
  assert.not.match(valueAfter(compositorInvocation(options).args, '-filter_complex') ?? '', 'drawtext');
});

test.run();
