// CPU and memory of processes on this machine, read from /proc: the same
// figures as mediasoup's getResourceUsage (utime + stime), without asking
// the server for them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicksPerSecond: number | undefined;

function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** User + system CPU seconds a process (all its threads) has used; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident memory in MB; undefined once the process is gone. */
export function processRssMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** CPU use of a set of processes between two moments, as % of one core. */
export interface CpuWindow {
  /** Ends the window: CPU % of one core over it (summed over the processes). */
  stop(): number;
}

export function startCpuWindow(pids: readonly number[]): CpuWindow {
  const startedAt = performance.now();
  const before = pids.map((pid) => processCpuSeconds(pid) ?? 0);
  return {
    stop() {
      const elapsedS = (performance.now() - startedAt) / 1000;
      if (elapsedS <= 0) return 0;
      let used = 0;
      pids.forEach((pid, index) => {
        const after = processCpuSeconds(pid);
        if (after !== undefined) used += after - before[index]!;
      });
      return (used / elapsedS) * 100;
    },
  };
}

/** This process (the load generator): CPU % of one core since the last call. */
export function startSelfCpuWindow(): CpuWindow {
  const startedAt = performance.now();
  const before = process.cpuUsage();
  return {
    stop() {
      const elapsedUs = (performance.now() - startedAt) * 1000;
      const { user, system } = process.cpuUsage(before);
      return elapsedUs > 0 ? ((user + system) / elapsedUs) * 100 : 0;
    },
  };
}

/**
 * Runs a process (and its threads) on the given CPUs; false when taskset
 * is missing or refuses (containers may forbid it).
 */
export function pinProcess(pid: number, cpuList: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
