// Reading WebRTC stats reports (RTCStatsReport entries are loosely typed
// records): shared by the SFU connection and the mesh links.

export type StatsEntry = Record<string, unknown>;

export function findStats(report: RTCStatsReport, type: string): StatsEntry[] {
  const found: StatsEntry[] = [];
  report.forEach((entry: StatsEntry) => {
    if (entry.type === type) found.push(entry);
  });
  return found;
}

/** The local ICE candidate type (host, srflx, relay) of the selected candidate pair, if connected. */
export function selectedCandidateType(report: RTCStatsReport): string | undefined {
  const pair = findStats(report, 'candidate-pair').find((entry) => entry.nominated && entry.state === 'succeeded');
  const local = pair && findStats(report, 'local-candidate').find((entry) => entry.id === pair.localCandidateId);
  return optionalString(local?.candidateType);
}

export function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
