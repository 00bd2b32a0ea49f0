// The media socket buffer size: Stagecast sizes its WebRtcServer sockets
// from RTC_SOCKET_BUFFER_BYTES (default and listen options in
// sfu/mediaSocketBuffers.ts), and the baseline reads the same variable with
// the same default and range, so both servers of a run drop (or do not
// drop) datagrams under the same conditions and capacityRatio compares like
// with like.
import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_MEDIA_SOCKET_BUFFER_BYTES } from '../../sfu/mediaSocketBuffers.ts';

export { socketBufferListenOptions } from '../../sfu/mediaSocketBuffers.ts';

/** As Stagecast's configuration reads it (signaling/config/configSchema.ts). */
const socketBufferBytes = z.coerce
  .number()
  .int()
  .min(0)
  .max(64 * 1024 * 1024)
  .default(DEFAULT_MEDIA_SOCKET_BUFFER_BYTES);

/** Receive and send buffer of each media socket, in bytes; 0 keeps the OS default. */
export function mediaSocketBufferBytes(env: NodeJS.ProcessEnv = process.env): number {
  return socketBufferBytes.parse(env.RTC_SOCKET_BUFFER_BYTES || undefined);
}

export interface SocketBufferFigures {
  /** What the Stagecast the bench started was configured with; null for --url (not visible from outside). */
  stagecastBytes: number | null;
  baselineBytes: number;
  /** The kernel caps a requested buffer at these (net.core.rmem_max / wmem_max). */
  kernelRmemMaxBytes: number | null;
  kernelWmemMaxBytes: number | null;
}

/** Which buffer each side of a run used: both children inherit this process's environment. */
export function socketBufferFigures(stagecastStartedHere: boolean): SocketBufferFigures {
  const bytes = mediaSocketBufferBytes();
  return {
    stagecastBytes: stagecastStartedHere ? bytes : null,
    baselineBytes: bytes,
    kernelRmemMaxBytes: readKernelNumber('/proc/sys/net/core/rmem_max'),
    kernelWmemMaxBytes: readKernelNumber('/proc/sys/net/core/wmem_max'),
  };
}

function readKernelNumber(file: string): number | null {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
