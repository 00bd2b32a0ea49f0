// The VP8 RTP payload descriptor (RFC 7741 §4.2) as browsers send it:
// X=1 with PictureID (15 bit), TL0PICIDX and TID present, so mediasoup can
// rewrite them when it switches simulcast layers.
//
//   byte 0: X . . S . PID      byte 1: I L T K . . . .
//   byte 2-3: M + PictureID    byte 4: TL0PICIDX    byte 5: TID Y KEYIDX

export const VP8_DESCRIPTOR_LENGTH = 6;

/** Largest VP8 data per packet, leaving room for SRTP and headers under a 1200-byte MTU. */
export const VP8_MAX_CHUNK = 1100;

/**
 * Splits one encoded frame into RTP payloads, each starting with a
 * descriptor whose PictureID/TL0PICIDX bytes are zero; `stampDescriptor`
 * fills them in at send time.
 */
export function packetizeVp8Frame(frame: Buffer, maxChunk = VP8_MAX_CHUNK): Buffer[] {
  const chunkCount = Math.max(1, Math.ceil(frame.length / maxChunk));
  const payloads: Buffer[] = [];
  for (let index = 0; index < chunkCount; index++) {
    const chunk = frame.subarray(index * maxChunk, (index + 1) * maxChunk);
    const payload = Buffer.alloc(VP8_DESCRIPTOR_LENGTH + chunk.length);
    payload[0] = 0x80 | (index === 0 ? 0x10 : 0); // X, S on the first packet, partition 0
    payload[1] = 0xe0; // I, L, T
    payload[5] = 0x20; // TID 0, Y (a base layer frame is always a sync point)
    chunk.copy(payload, VP8_DESCRIPTOR_LENGTH);
    payloads.push(payload);
  }
  return payloads;
}

/** Writes the picture's ids into a descriptor made by `packetizeVp8Frame` (in place). */
export function stampDescriptor(payload: Buffer, pictureId: number, tl0PictureIndex: number): void {
  payload.writeUInt16BE(0x8000 | (pictureId & 0x7fff), 2);
  payload[4] = tl0PictureIndex & 0xff;
}

/** A VP8 frame is a key frame when bit 0 of its first byte (the inverse key frame flag) is clear. */
export function isVp8KeyFrameData(frame: Buffer): boolean {
  return frame.length > 0 && (frame[0]! & 0x01) === 0;
}
