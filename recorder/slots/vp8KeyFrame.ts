// RFC 7741: does this VP8 RTP payload begin a key frame? The relay switches
// a slot to a new camera only there, so FFmpeg's decoder never sees a delta
// frame whose reference it does not have.

export function startsVp8KeyFrame(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const descriptor = payload[0]!;
  const startOfPartition = (descriptor & 0x10) !== 0;
  const partitionIndex = descriptor & 0x07;
  if (!startOfPartition || partitionIndex !== 0) return false;
  let offset = 1;
  if (descriptor & 0x80) {
    if (payload.length < 2) return false;
    const extension = payload[1]!;
    offset = 2;
    if (extension & 0x80) offset += payload[offset]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (extension & 0x40) offset += 1; // TL0PICIDX
    if (extension & 0x30) offset += 1; // TID/Y/KEYIDX
  }
  if (payload.length <= offset) return false;
  // The VP8 payload header's P bit is 0 on key frames.
  return (payload[offset]! & 0x01) === 0;
}
