// FFmpeg processes must not outlive the Node process that started them (a
// crash or a failed test would otherwise leave encoders running). Node cannot
// ask the kernel to kill children with their parent, so every FFmpeg the
// recorder starts is tracked here and killed when this process exits.
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

export function reapOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}
