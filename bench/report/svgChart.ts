// Small dependency-free SVG charts for the HTML report: a line chart (with
// points) and a grouped bar chart. Pure string builders.

export interface Series {
  name: string;
  points: readonly (readonly [x: number, y: number])[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Horizontal reference lines, e.g. a target. */
  guides?: readonly { y: number; label: string }[];
}

export interface BarGroup {
  label: string;
  values: readonly { name: string; value: number }[];
}

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { top: 36, right: 150, bottom: 44, left: 60 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Round-number axis ticks covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1000) return `${Math.round(value / 100) / 10}k`;
  return String(Number(value.toPrecision(4)));
}

export function lineChart(spec: LineChartSpec): string {
  const allPoints = spec.series.flatMap((series) => series.points);
  if (allPoints.length === 0) return emptyChart(spec.title);
  const xs = allPoints.map(([x]) => x);
  const ys = [...allPoints.map(([, y]) => y), ...(spec.guides ?? []).map((guide) => guide.y), 0];
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  const yMax = Math.max(...ys) * 1.1 || 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const parts: string[] = [frame(spec.title, spec.xLabel, spec.yLabel)];
  for (const tick of niceTicks(0, yMax)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(tick)}" y2="${sy(tick)}" stroke="#e5e7eb"/>`,
      `<text x="${MARGIN.left - 6}" y="${sy(tick) + 4}" text-anchor="end" font-size="11">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of niceTicks(xMin, xMax)) {
    parts.push(
      `<text x="${sx(tick)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${formatTick(tick)}</text>`,
    );
  }
  for (const guide of spec.guides ?? []) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(guide.y)}" y2="${sy(guide.y)}" stroke="#6b7280" stroke-dasharray="4 3"/>`,
      `<text x="${MARGIN.left + plotW - 4}" y="${sy(guide.y) - 4}" text-anchor="end" font-size="10" fill="#6b7280">${escapeXml(guide.label)}</text>`,
    );
  }
  // A series without points (a target the run did not include) gets no legend either.
  spec.series
    .filter((series) => series.points.length > 0)
    .forEach((series, index) => {
      const color = COLORS[index % COLORS.length]!;
      const sorted = [...series.points].sort((a, b) => a[0] - b[0]);
      if (sorted.length > 1) {
        const path = sorted.map(([x, y], point) => `${point === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
        parts.push(`<path d="${path.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      }
      for (const [x, y] of sorted) {
        parts.push(
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${series.name}: ${x} → ${y}`)}</title></circle>`,
        );
      }
      const legendY = MARGIN.top + 14 + index * 18;
      parts.push(
        `<rect x="${WIDTH - MARGIN.right + 14}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`,
        `<text x="${WIDTH - MARGIN.right + 32}" y="${legendY + 1}" font-size="12">${escapeXml(series.name)}</text>`,
      );
    });
  return `${parts.join('\n')}\n</svg>`;
}

export function barChart(spec: { title: string; yLabel: string; groups: readonly BarGroup[] }): string {
  const values = spec.groups.flatMap((group) => group.values.map((entry) => entry.value));
  if (values.length === 0) return emptyChart(spec.title);
  const yMax = Math.max(...values, 0) * 1.1 || 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sy = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const names = [...new Set(spec.groups.flatMap((group) => group.values.map((entry) => entry.name)))];
  const groupW = plotW / spec.groups.length;
  const barW = Math.min(28, (groupW * 0.8) / Math.max(1, names.length));
  const parts: string[] = [frame(spec.title, '', spec.yLabel)];
  for (const tick of niceTicks(0, yMax)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(tick)}" y2="${sy(tick)}" stroke="#e5e7eb"/>`,
      `<text x="${MARGIN.left - 6}" y="${sy(tick) + 4}" text-anchor="end" font-size="11">${formatTick(tick)}</text>`,
    );
  }
  spec.groups.forEach((group, groupIndex) => {
    const left = MARGIN.left + groupIndex * groupW + (groupW - barW * names.length) / 2;
    group.values.forEach((entry) => {
      const index = names.indexOf(entry.name);
      const x = left + index * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${sy(entry.value).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(MARGIN.top + plotH - sy(entry.value)).toFixed(1)}" fill="${COLORS[index % COLORS.length]}"><title>${escapeXml(`${group.label} ${entry.name}: ${entry.value}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${(MARGIN.left + groupIndex * groupW + groupW / 2).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${escapeXml(group.label)}</text>`,
    );
  });
  names.forEach((name, index) => {
    const legendY = MARGIN.top + 14 + index * 18;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right + 14}" y="${legendY - 9}" width="12" height="12" fill="${COLORS[index % COLORS.length]}"/>`,
      `<text x="${WIDTH - MARGIN.right + 32}" y="${legendY + 1}" font-size="12">${escapeXml(name)}</text>`,
    );
  });
  return `${parts.join('\n')}\n</svg>`;
}

function frame(title: string, xLabel: string, yLabel: string): string {
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif">`,
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#9ca3af"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#9ca3af"/>`,
    xLabel
      ? `<text x="${MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`
      : '',
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`,
  ].join('\n');
}

function emptyChart(title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} 60" width="${WIDTH}" height="60" font-family="system-ui, sans-serif"><text x="10" y="24" font-size="14" font-weight="600">${escapeXml(title)}</text><text x="10" y="46" font-size="12" fill="#6b7280">no results yet</text></svg>`;
}
