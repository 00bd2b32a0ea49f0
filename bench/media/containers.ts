// Readers for the two files FFmpeg writes for the bench: IVF (one VP8
// frame per record) and Ogg Opus (one Opus packet per 20 ms). Both are
// read once per run, so clarity beats speed here.

/** The frames of an IVF file, in order. */
export function readIvfFrames(file: Buffer): Buffer[] {
  if (file.length < 32 || file.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file');
  const headerLength = file.readUInt16LE(6);
  const frames: Buffer[] = [];
  let offset = headerLength;
  while (offset + 12 <= file.length) {
    const size = file.readUInt32LE(offset);
    const start = offset + 12;
    if (start + size > file.length) break; // truncated tail
    frames.push(file.subarray(start, start + size));
    offset = start + size;
  }
  return frames;
}

/** The packets of an Ogg stream with one logical stream (lacing joins segments). */
export function readOggPackets(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let offset = 0;
  while (offset + 27 <= file.length) {
    if (file.toString('latin1', offset, offset + 4) !== 'OggS') throw new Error(`bad Ogg page at ${offset}`);
    const segmentCount = file[offset + 26]!;
    const lacing = file.subarray(offset + 27, offset + 27 + segmentCount);
    let dataOffset = offset + 27 + segmentCount;
    for (const segmentLength of lacing) {
      pending.push(file.subarray(dataOffset, dataOffset + segmentLength));
      dataOffset += segmentLength;
      // A segment shorter than 255 bytes ends its packet.
      if (segmentLength < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    offset = dataOffset;
  }
  return packets;
}

/** Opus audio packets of an Ogg Opus file, without the OpusHead and OpusTags headers. */
export function readOpusPackets(file: Buffer): Buffer[] {
  return readOggPackets(file).filter(
    (packet) =>
      !packet.subarray(0, 8).equals(Buffer.from('OpusHead')) && !packet.subarray(0, 8).equals(Buffer.from('OpusTags')),
  );
}

/** Samples (at 48 kHz) in an Opus packet, from its TOC byte (RFC 6716 §3.1). */
export function opusPacketSamples(packet: Buffer): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const config = toc >> 3;
  let frameSamples: number;
  if (config < 12)
    frameSamples = [480, 960, 1920, 2880][config % 4]!; // SILK
  else if (config < 16)
    frameSamples = [480, 960][config % 2]!; // hybrid
  else frameSamples = [120, 240, 480, 960][config % 4]!; // CELT
  const code = toc & 0x03;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return frameSamples * frames;
}
