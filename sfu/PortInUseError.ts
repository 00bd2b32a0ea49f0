// A port the media layer was told to listen on is taken (another Stagecast,
// or any other program). Its own type so the caller can tell the operator
// which setting to change, instead of a stack trace.
export class PortInUseError extends Error {
  constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly port: number,
    /** The pool slot whose WebRtcServer could not listen (its port is the base port + index). */
    readonly workerIndex: number,
    options?: ErrorOptions,
  ) {
    super(`worker ${workerIndex}: ${protocol.toUpperCase()} port ${port} is in use`, options);
    this.name = 'PortInUseError';
  }
}

/**
 * The protocol and port of a libuv "address already in use" failure, as
 * mediasoup words it (`uv_udp_bind() failed [protocol:udp, ip:'…', port:44444]:
 * address already in use`); undefined for any other error.
 */
export function portInUse(error: unknown): { protocol: 'udp' | 'tcp'; port: number | undefined } | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/address already in use/i.test(message)) return undefined;
  const protocol = /protocol:\s*tcp/i.test(message) || /uv_listen|uv_tcp/i.test(message) ? 'tcp' : 'udp';
  const port = /port:\s*(\d+)/i.exec(message)?.[1];
  return { protocol, port: port === undefined ? undefined : Number(port) };
}
