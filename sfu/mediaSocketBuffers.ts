// The receive/send buffer of each media socket (the WebRtcServer's UDP and
// TCP sockets). Larger than the OS default so a burst of a few hundred
// consumers' packets is not dropped while the worker is busy.

/** Default RTC_SOCKET_BUFFER_BYTES: 4 MiB (the kernel caps it at net.core.rmem_max / wmem_max). */
export const DEFAULT_MEDIA_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** mediasoup listen-info fields for a buffer size; none for 0 (the OS default). */
export function socketBufferListenOptions(bytes: number): { recvBufferSize?: number; sendBufferSize?: number } {
  return bytes > 0 ? { recvBufferSize: bytes, sendBufferSize: bytes } : {};
}
