// The media socket buffer size: Stagecast sizes its WebRtcServer sockets
// from RTC_SOCKET_BUFFER_BYTES (sfu/WorkerPool.ts), and the baseline reads
// the same variable through the same schema, so both servers of a run drop
// (or do not drop) datagrams under the same conditions and capacityRatio
// compares like with like.
import fs from 'node:fs';
import { envSchema } from '../../signaling/config/configSchema.ts';

/** Receive and send buffer of each media socket, in bytes; 0 keeps the OS default. */
export function mediaSocketBufferBytes(env: NodeJS.ProcessEnv = process.env): number {
  return envSchema.shape.RTC_SOCKET_BUFFER_BYTES.parse(env.RTC_SOCKET_BUFFER_BYTES);
}

/** mediasoup listen-info fields for that size (none for the OS default), as sfu/WorkerPool.ts sets them. */
export function socketBufferListenOptions(bytes: number): { recvBufferSize?: number; sendBufferSize?: number } {
  return bytes > 0 ? { recvBufferSize: bytes, sendBufferSize: bytes } : {};
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
