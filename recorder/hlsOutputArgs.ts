// FFmpeg output arguments for the live HLS ladder: H.264 + AAC, a key frame
// at every segment boundary, fMP4 segments of about one second, two
// renditions under one master playlist.

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
  /** Folder of master.m3u8 and one sub-folder per rendition. */
  dir: string;
  fps: number;
  segmentSeconds: number;
  /** Segments listed in the live playlists (older ones are deleted). */
  windowSegments: number;
  /** Distinguishes init segments across FFmpeg restarts (segments of an old run may still be listed). */
  generation: number;
  renditions?: readonly Rendition[];
}

/** The start of every media segment's name of run `generation`: a playlist listing one shows that run is producing. */
export function hlsSegmentPrefix(generation: number): string {
  return `seg_${generation}_`;
}

/** Arguments after the inputs; `videoLabel`/`audioLabel` come from the composition graph. */
export function hlsOutputArgs(
  videoLabel: string,
  audioLabel: string,
  options: HlsOutputOptions,
): {
  filterSuffix: string;
  args: string[];
} {
  const renditions = options.renditions ?? defaultRenditions;
  const gop = Math.round(options.fps * options.segmentSeconds);
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
    args.push(`-c:v:${i}`, 'libx264', `-b:v:${i}`, `${rendition.videoBitrateKbps}k`);
    args.push(`-maxrate:v:${i}`, `${Math.round(rendition.videoBitrateKbps * 1.2)}k`);
    args.push(`-bufsize:v:${i}`, `${rendition.videoBitrateKbps}k`);
    args.push(`-c:a:${i}`, 'aac', `-b:a:${i}`, '128k');
  });
  args.push(
    // superfast, not veryfast: about 15 % less CPU for the whole recorder
    // (9 hosts: 1.48× real time instead of 1.21× on the 2-core bench
    // machine), which is the headroom a live encoder needs to catch up after
    // a busy moment; at these bitrates webcam grids look the same.
    ...['-preset', 'superfast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p'],
    // A key frame exactly at every segment boundary, never elsewhere.
    ...['-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
    ...['-force_key_frames', `expr:gte(t,n_forced*${options.segmentSeconds})`],
    ...['-ar', '48000', '-ac', '2'],
    ...['-f', 'hls', '-hls_time', String(options.segmentSeconds), '-hls_list_size', String(options.windowSegments)],
    ...['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', `init_${options.generation}_%v.mp4`],
    // append_list continues numbering across restarts and marks the seam
    // with EXT-X-DISCONTINUITY; delete_segments keeps the disk bounded;
    // temp_file makes every segment appear whole (the server caches them).
    ...[
      '-hls_flags',
      'independent_segments+program_date_time+append_list+discont_start+delete_segments+omit_endlist+temp_file',
    ],
    ...['-hls_delete_threshold', '2'],
    ...['-master_pl_name', 'master.m3u8'],
    ...['-var_stream_map', renditions.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' ')],
    ...['-hls_segment_filename', `${options.dir}/%v/${hlsSegmentPrefix(options.generation)}%05d.m4s`],
    `${options.dir}/%v/index.m3u8`,
  );
  return { filterSuffix, args };
}
