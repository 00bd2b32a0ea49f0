// `npm run bench -- report`: one self-contained HTML page from the JSON
// results — the latest figures per scenario, loss and CPU against peers,
// the latest fan-out ramps, and latency percentiles. Charts are inline SVG.
import fs from 'node:fs';
import path from 'node:path';
import { barChart, escapeXml, lineChart, type BarGroup, type Series } from './svgChart.ts';

type Result = Record<string, unknown>;

/** Reads a nested number (`get(r, 'a', 'b')`); undefined when absent or not a number. */
function num(value: unknown, ...keys: string[]): number | undefined {
  let current: unknown = value;
  for (const key of keys) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'number' && Number.isFinite(current) ? current : undefined;
}

function str(value: unknown, key: string): string {
  const found = (value as Record<string, unknown>)[key];
  return typeof found === 'string' ? found : '';
}

function points(
  results: readonly Result[],
  x: (r: Result) => number | undefined,
  y: (r: Result) => number | undefined,
) {
  return results.flatMap((result) => {
    const px = x(result);
    const py = y(result);
    return px === undefined || py === undefined ? [] : [[px, py] as const];
  });
}

/** Hosts in a rooms result (rooms × hosts). */
const peersOf = (result: Result) => {
  const rooms = num(result, 'params', 'rooms') ?? num(result, 'params', 'rooms', 'rooms');
  const hosts = num(result, 'params', 'hosts') ?? num(result, 'params', 'rooms', 'hosts');
  return rooms !== undefined && hosts !== undefined ? rooms * hosts : undefined;
};

export function renderReport(results: readonly Result[], generatedAt = new Date()): string {
  const byScenario = (name: string) => results.filter((result) => result.scenario === name);
  const rooms = byScenario('rooms');
  const storms = byScenario('join-storm');
  const fanouts = [...byScenario('fanout'), ...byScenario('baseline').filter((result) => result.fanout)].sort((a, b) =>
    str(a, 'startedAt').localeCompare(str(b, 'startedAt')),
  );
  const baselines = byScenario('baseline');

  const roomsLoss: Series[] = [
    { name: 'Stagecast', points: points(rooms, peersOf, (r) => num(r, 'lossPct')) },
    { name: 'bare mediasoup', points: points(baselines, peersOf, (r) => num(r, 'rooms', 'baseline', 'lossPct')) },
  ];
  const roomsCpu: Series[] = [
    { name: 'worker CPU', points: points(rooms, peersOf, (r) => num(r, 'workerCpuPct')) },
    { name: 'Node CPU', points: points(rooms, peersOf, (r) => num(r, 'nodeCpuPct')) },
    { name: 'baseline worker', points: points(baselines, peersOf, (r) => num(r, 'rooms', 'baseline', 'workerCpuPct')) },
  ];

  const latestFanout = fanouts.at(-1);
  const rampSeries = (steps: unknown, name: string, key: string): Series => ({
    name,
    points: Array.isArray(steps)
      ? steps.flatMap((step) => {
          const x = num(step, 'receivingConsumers');
          const y = num(step, key);
          return x === undefined || y === undefined ? [] : [[x, y] as const];
        })
      : [],
  });
  const stagecastSteps = latestFanout ? (latestFanout.steps ?? (latestFanout.fanout as Result | null)?.steps) : [];
  const baselineSource = latestFanout
    ? (latestFanout.baseline ?? (latestFanout.fanout as Result | null)?.baseline)
    : null;
  const baselineSteps = baselineSource && typeof baselineSource === 'object' ? (baselineSource as Result).steps : [];
  // `--vs janus`: the third ramp.
  const janusSource = (latestFanout?.versus as Result | undefined)?.janus;
  const janusSteps = janusSource && typeof janusSource === 'object' ? (janusSource as Result).steps : [];

  const latencyGroups: BarGroup[] = [];
  const percentileBars = (label: string, figures: unknown) => {
    const p50 = num(figures, 'p50');
    const p95 = num(figures, 'p95');
    const max = num(figures, 'max');
    if (p50 === undefined || p95 === undefined || max === undefined) return;
    latencyGroups.push({
      label,
      values: [
        { name: 'p50', value: p50 },
        { name: 'p95', value: p95 },
        { name: 'max', value: max },
      ],
    });
  };
  const latestRooms = rooms.at(-1);
  if (latestRooms)
    percentileBars(`rooms ${peersOf(latestRooms) ?? ''} hosts: join→all media`, latestRooms.joinToAllMediaMs);
  const latestStorm = storms.at(-1);
  if (latestStorm) percentileBars(`join-storm ${num(latestStorm, 'params', 'peers') ?? ''}: join`, latestStorm.joinMs);
  if (latestRooms) percentileBars('rooms: first packet', latestRooms.timeToFirstPacketMs);

  const charts = [
    lineChart({
      title: 'Loss against peers (rooms)',
      xLabel: 'hosts (rooms × hosts)',
      yLabel: 'loss %',
      series: roomsLoss,
      guides: [{ y: 0.5, label: 'target < 0.5 %' }],
    }),
    lineChart({ title: 'CPU against peers (rooms)', xLabel: 'hosts', yLabel: '% of one core', series: roomsCpu }),
    lineChart({
      title: `Fan-out ramp${latestFanout ? ` (${str(latestFanout, 'startedAt').slice(0, 16)})` : ''}: loss`,
      xLabel: 'consumers receiving',
      yLabel: 'loss %',
      series: [
        rampSeries(stagecastSteps, 'Stagecast', 'lossPct'),
        rampSeries(baselineSteps, 'bare mediasoup', 'lossPct'),
        rampSeries(janusSteps, 'Janus', 'lossPct'),
      ],
      guides: [{ y: 1, label: '1 %' }],
    }),
    lineChart({
      title: 'Fan-out ramp: CPU',
      xLabel: 'consumers receiving',
      yLabel: '% of one core',
      series: [
        rampSeries(stagecastSteps, 'Stagecast worker', 'workerCpuPct'),
        rampSeries(stagecastSteps, 'Stagecast Node', 'nodeCpuPct'),
        rampSeries(baselineSteps, 'bare worker', 'workerCpuPct'),
        rampSeries(janusSteps, 'Janus (whole process)', 'workerCpuPct'),
        rampSeries(stagecastSteps, 'generator', 'generatorCpuPct'),
      ],
    }),
    barChart({ title: 'Latency percentiles (latest runs)', yLabel: 'ms', groups: latencyGroups }),
  ];

  const latest = ['rooms', 'join-storm', 'fanout', 'baseline'].flatMap((name) => {
    const result = byScenario(name).at(-1);
    return result ? [result] : [];
  });
  const rows = latest
    .map((result) => {
      const machine = result.machine as { cores?: number; cpuModel?: string } | undefined;
      return `<tr><td>${escapeXml(str(result, 'scenario'))}</td><td>${escapeXml(str(result, 'startedAt'))}</td><td>${escapeXml(str(result, 'commit'))}</td><td>${machine?.cores ?? ''} × ${escapeXml(machine?.cpuModel ?? '')}</td><td><code>${escapeXml(JSON.stringify(keyFigures(result)))}</code></td></tr>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stagecast load bench</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#111827}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}code{font-size:12px;white-space:pre-wrap}.charts{display:flex;flex-wrap:wrap;gap:16px}</style>
</head><body>
<h1>Stagecast load bench</h1>
<p>${results.length} result file(s); generated ${escapeXml(generatedAt.toISOString())}.</p>
<h2>Latest figures</h2>
<table><tr><th>scenario</th><th>started</th><th>commit</th><th>machine</th><th>figures</th></tr>
${rows}
</table>
<h2>Charts</h2>
<div class="charts">
${charts.join('\n')}
</div>
</body></html>
`;
}

function keyFigures(result: Result): Record<string, unknown> {
  const pick = (...keys: string[]) =>
    Object.fromEntries(keys.filter((key) => key in result).map((key) => [key, result[key]]));
  switch (result.scenario) {
    case 'rooms':
      return pick(
        'expectedConsumers',
        'receivingConsumers',
        'lossPct',
        'joinToAllMediaMs',
        'workerCpuPct',
        'nodeCpuPct',
      );
    case 'join-storm':
      return pick('joined', 'failed', 'joinMs');
    case 'fanout':
      return pick('consumersPerWorkerAtLoss1pct', 'capacityRatio', 'signalingCpuShare', 'limitedBy', 'pinned');
    case 'baseline':
      return pick('capacityRatio', 'cpuPerConsumerRatio', 'serverCpuPerConsumerRatio');
    case 'chat':
      return pick('viewers', 'sent', 'delivered', 'lost', 'acceptedPerSec', 'deliveryMs');
    case 'shop':
      return pick('ordersPerSec', 'oversold', 'doubleCharged', 'lost', 'pinVisibleMs', 'pinVisibleUnderOrdersMs');
    default:
      return {};
  }
}

export function writeReport(results: readonly Result[], file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderReport(results));
  return file;
}
