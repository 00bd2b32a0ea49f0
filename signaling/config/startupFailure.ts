// Start-up failures the operator can fix (a port taken, a port that needs
// privileges, an address this machine does not have), worded like a
// configuration error: one line naming the variable and what to do, instead
// of a stack trace. Anything else is a real crash and keeps its stack.
import { PortInUseError } from '../../sfu/PortInUseError.ts';
import type { Config } from './config.ts';

const ANOTHER_STAGECAST = 'is another Stagecast running?';

/** The line to print for `error`, or undefined when it is not an operator's problem. */
export function startupFailure(error: unknown, config: Pick<Config, 'http'>): string | undefined {
  if (error instanceof PortInUseError) {
    const protocol = error.protocol.toUpperCase();
    const variable =
      error.workerIndex === 0
        ? 'RTC_SERVER_PORT'
        : `RTC_SERVER_PORT + ${error.workerIndex}, for mediasoup worker ${error.workerIndex + 1}`;
    return `${protocol} port ${error.port} (${variable}) is in use — ${ANOTHER_STAGECAST} Set RTC_SERVER_PORT or stop it`;
  }
  const failure = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (failure.syscall !== 'listen') return undefined;
  const port = failure.port ?? config.http.port;
  switch (failure.code) {
    case 'EADDRINUSE':
      return `TCP port ${port} (PORT) is in use — ${ANOTHER_STAGECAST} Set PORT or stop it`;
    case 'EACCES':
      return `TCP port ${port} (PORT) needs privileges this process does not have — Set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${config.http.host} (HOST): this machine has no such address — Set HOST to one of its addresses, or 0.0.0.0`;
    default:
      return undefined;
  }
}
