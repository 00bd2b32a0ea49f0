// A network namespace joined to this one by a veth pair: where the bench
// runs Janus. Janus gathers ICE candidates on every interface except
// loopback ones (src/ice.c skips IFF_LOOPBACK), so on 127.0.0.1 it would
// offer none; in its own namespace it gets an interface of its own, and the
// media still never leaves the machine. Needs root (CAP_NET_ADMIN).
import { execFileSync } from 'node:child_process';

export interface NetworkNamespace {
  /** For `ip netns exec`. */
  readonly name: string;
  /** Our side of the pair (the peers' host candidates). */
  readonly hostAddress: string;
  /** The namespace's side. */
  readonly namespaceAddress: string;
  readonly namespaceInterface: string;
  remove(): void;
}

const removers = new Set<() => void>();
process.once('exit', () => {
  for (const remove of removers) remove();
});

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the namespace and the pair; names and a /30 derived from this process's pid (unique per run). */
export function createNetworkNamespace(label: string): NetworkNamespace {
  const pid = process.pid;
  const name = `stagecast-${label}-${pid}`;
  // Interface names are at most 15 characters.
  const hostInterface = `sc${pid}h`.slice(0, 15);
  const namespaceInterface = `sc${pid}n`.slice(0, 15);
  const subnet = `10.213.${(pid >> 6) & 255}.${(pid & 63) * 4}`;
  const base = subnet.split('.').map(Number);
  const hostAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 1}`;
  const namespaceAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 2}`;
  const remove = () => {
    removers.delete(remove);
    // Removing our end removes the pair; the namespace goes once its last process has.
    for (const args of [
      ['link', 'del', hostInterface],
      ['netns', 'del', name],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('netns', 'add', name);
    removers.add(remove);
    ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', namespaceInterface, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostInterface);
    ip('link', 'set', hostInterface, 'up');
    ip('-n', name, 'addr', 'add', `${namespaceAddress}/30`, 'dev', namespaceInterface);
    ip('-n', name, 'link', 'set', namespaceInterface, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (error) {
    remove();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `creating the network namespace for ${label} failed (needs root and iproute2): ${stderr || String(error)}`,
      { cause: error },
    );
  }
  return { name, hostAddress, namespaceAddress, namespaceInterface, remove };
}
