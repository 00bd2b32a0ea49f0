// Datagrams the kernel dropped because a UDP socket's receive buffer was
// full (the `drops` column of /proc/net/udp), per local port. On loopback
// nothing else loses packets, so this tells whether loss happened at the
// media worker (it fell behind) or at the generator's sockets.
import fs from 'node:fs';

/** Drops by local port, summed over the sockets bound to it (IPv4). */
export function udpDropsByPort(): Map<number, number> {
  const drops = new Map<number, number>();
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return drops;
  }
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const dropped = Number(fields.at(-1));
    if (!local || !Number.isFinite(dropped)) continue;
    const port = parseInt(local.split(':')[1] ?? '', 16);
    if (Number.isFinite(port)) drops.set(port, (drops.get(port) ?? 0) + dropped);
  }
  return drops;
}

export function sumDrops(drops: Map<number, number>, ports: Iterable<number>): number {
  let total = 0;
  for (const port of new Set(ports)) total += drops.get(port) ?? 0;
  return total;
}
