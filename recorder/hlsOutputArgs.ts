// FFmpeg output arguments for the live HLS ladder: H.264 + AAC, a key frame
// at every segment boundary (about one second), fragmented MP4 cut into
// parts of a few frames, two renditions, one pipe each.

export interface Rendition {
  name: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
}

export const defaultRenditions: readonly Rendition[] = [
  { name: '720p', width: 1280, height: 720, videoBitrateKbps: 2500 },
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 800 },
];

export interface HlsOutputOptions {
  fps: number;
  segmentSeconds: number;
  /** Length of a part (an MP4 fragment), rounded to whole frames. */
  partSeconds: number;
  renditions?: readonly Rendition[];
  /** Stop each output after this long (the encode bench); live runs go on until stopped. */
  durationS?: number;
}

/** The file descriptor of the first rendition's output pipe (the next ones follow): after stdin, stdout, stderr. */
export const FIRST_OUTPUT_FD = 3;

/** The start of every media segment's name of run `generation`: a playlist listing one shows that run is producing. */
export function hlsSegmentPrefix(generation: number): string {
  return `seg_${generation}_`;
}

/**
 * Arguments after the inputs; `videoLabel`/`audioLabel` come from the composition graph. Each rendition is
 * encoded into fragmented MP4 on its own pipe (FIRST_OUTPUT_FD + index): a fragment per part, every
 * segment's first part starting with a key frame. The packager (llhls/LiveLadder.ts) makes HLS of it.
 */
export function hlsOutputArgs(
  videoLabel: string,
  audioLabel: string,
  options: HlsOutputOptions,
): {
  filterSuffix: string;
  args: string[];
  outputCount: number;
} {
  const renditions = options.renditions ?? defaultRenditions;
  const gop = Math.round(options.fps * options.segmentSeconds);
  const partFrames = Math.max(1, Math.round(options.fps * options.partSeconds));
  // FFmpeg cuts a fragment before the packet that would make it this long: a millisecond short of the
  // part's frames, so rounding never adds a frame.
  const fragmentUs = Math.round((partFrames / options.fps) * 1e6) - 1000;
  // Split the composed picture and the mixed audio once per rendition.
  const videoOuts = renditions.map((_, i) => `[v${i}]`);
  const audioOuts = renditions.map((_, i) => `[a${i}]`);
  const scaled = renditions.map(
    (rendition, i) => `${videoOuts[i]}scale=${rendition.width}:${rendition.height}[vs${i}]`,
  );
  const filterSuffix = [
    `${videoLabel}split=${renditions.length}${videoOuts.join('')}`,
    ...scaled,
    `${audioLabel}asplit=${renditions.length}${audioOuts.join('')}`,
  ].join(';');

  const args: string[] = [];
  renditions.forEach((rendition, i) => {
    args.push('-map', `[vs${i}]`, '-map', `[a${i}]`);
    args.push('-c:v', 'libx264', '-b:v', `${rendition.videoBitrateKbps}k`);
    args.push('-maxrate:v', `${Math.round(rendition.videoBitrateKbps * 1.2)}k`);
    args.push('-bufsize:v', `${rendition.videoBitrateKbps}k`);
    args.push(
      // superfast, not veryfast: about 15 % less CPU for the whole recorder
      // (9 hosts: 1.48× real time instead of 1.21× on the 2-core bench
      // machine), which is the headroom a live encoder needs to catch up after
      // a busy moment; at these bitrates webcam grids look the same.
      // zerolatency: no B-frames and no look-ahead, so a part can leave as soon as its last frame is coded.
      ...['-preset', 'superfast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p'],
      // A key frame exactly at every segment boundary, never elsewhere.
      ...['-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
      ...['-force_key_frames', `expr:gte(t,n_forced*${options.segmentSeconds})`],
      ...['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'],
      // Fragmented MP4 written as it is cut: the moov first (empty of samples), then a moof+mdat per part,
      // each on the pipe at once (flush_packets), never a trailer that would need seeking.
      ...['-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe+skip_trailer'],
      ...['-frag_duration', String(fragmentUs), '-flush_packets', '1'],
      ...(options.durationS !== undefined ? ['-t', String(options.durationS)] : []),
      `pipe:${FIRST_OUTPUT_FD + i}`,
    );
  });
  return { filterSuffix, args, outputCount: renditions.length };
}
