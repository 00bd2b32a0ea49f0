// "5 minutes ago" in the browser's language (Intl.RelativeTimeFormat: no
// library needed for one phrase).

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

export function timeAgo(iso: string, nowMs: number, locale?: string): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  let amount = (Date.parse(iso) - nowMs) / 1000;
  for (const [unit, perNext] of STEPS) {
    if (Math.abs(amount) < perNext) return format.format(Math.round(amount), unit);
    amount /= perNext;
  }
  return format.format(Math.round(amount), 'year');
}
