// A node's compositor restarts by cause, read from its /metrics as an
// operator's Prometheus would: a test tells a restart it caused (FFmpeg
// killed) or must not cause (an on-screen change) from one the watchdogs made
// because the shared test machine left the encoder behind real time.

export interface CompositorRestarts {
  exited: number;
  stalled: number;
  lagging: number;
}

export async function compositorRestarts(baseUrl: string): Promise<CompositorRestarts> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const count = (cause: keyof CompositorRestarts) =>
    Number(
      new RegExp(`^stagecast_compositor_restarts_total\\{cause="${cause}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN,
    );
  return { exited: count('exited'), stalled: count('stalled'), lagging: count('lagging') };
}

/** Restarts the watchdogs made between two readings (the encoder stalled or fell behind). */
export function watchdogRestartsBetween(before: CompositorRestarts, after: CompositorRestarts): number {
  return after.stalled - before.stalled + (after.lagging - before.lagging);
}
