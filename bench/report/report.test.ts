import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderReport } from './report.ts';
import { escapeXml, lineChart, niceTicks } from './svgChart.ts';

test('ticks are round numbers covering the range', () => {
  assert.equal(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.equal(niceTicks(0, 0.9), [0, 0.2, 0.4, 0.6, 0.8]);
  assert.equal(niceTicks(5, 5), [5]);
});

test('a line chart is one SVG with a path per multi-point series and escaped labels', () => {
  const svg = lineChart({
    title: 'loss <&>',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      {
        name: 'a',
        points: [
          [1, 2],
          [2, 3],
        ],
      },
      { name: 'b', points: [[1, 1]] },
    ],
  });
  assert.ok(svg.startsWith('<svg'));
  assert.ok(svg.endsWith('</svg>'));
  assert.is(svg.match(/<path /g)?.length, 1);
  assert.ok(svg.includes(escapeXml('loss <&>')));
});

test('the report shows the latest result of each scenario and its charts', () => {
  const html = renderReport([
    {
      scenario: 'rooms',
      startedAt: '2026-01-01T00:00:00.000Z',
      commit: 'abc',
      machine: { cores: 2, cpuModel: 'CPU' },
      params: { rooms: 1, hosts: 9 },
      lossPct: 0.1,
      workerCpuPct: 40,
      nodeCpuPct: 5,
      joinToAllMediaMs: { p50: 300, p95: 600, max: 700 },
    },
    {
      scenario: 'join-storm',
      startedAt: '2026-01-01T00:01:00.000Z',
      commit: 'abc',
      joined: 200,
      failed: 0,
      joinMs: { p50: 100, p95: 200, max: 300 },
    },
  ]);
  assert.match(html, /<td>rooms<\/td>/);
  assert.match(html, /<td>join-storm<\/td>/);
  assert.is(html.match(/<svg /g)?.length, 5);
});

test.run();
