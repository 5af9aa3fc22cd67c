/**
 * Plotting for the examples: a terminal chart (the `asciichart` package) and a small standalone SVG
 * line chart that any browser opens. Shared by every example that draws a training curve.
 */
import { writeFileSync } from 'node:fs';
import asciichart from 'asciichart';

export interface Series {
  name: string;
  values: readonly number[];
  color?: string;
}

/** Prints a chart of one series in the terminal, resampled to at most `width` columns. */
export function terminalChart(title: string, values: readonly number[], width = 70, height = 12): string {
  const step = Math.max(1, Math.ceil(values.length / width));
  const sampled: number[] = [];
  for (let i = 0; i < values.length; i += step) sampled.push(values[i]!);
  return `${title}\n${asciichart.plot(sampled, { height, format: (x: number) => x.toPrecision(4).padStart(10) })}`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Writes an SVG line chart of one or more series against their index (epoch, step, ...); `xValues`, if
 * given, labels the x axis instead of the 1-based index (the step each sample was taken at, say).
 */
export function writeSvgChart(
  path: string, title: string, xLabel: string, series: readonly Series[], logY = false, xValues?: readonly number[],
): void {
  const W = 720, H = 420, L = 70, R = 20, T = 40, B = 50;
  const tf = (v: number) => (logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.values.map(tf)).filter(Number.isFinite);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (lo === hi) { lo -= 1; hi += 1; }
  const n = Math.max(...series.map((s) => s.values.length));
  const x = (i: number) => L + ((W - L - R) * i) / Math.max(n - 1, 1);
  const y = (v: number) => T + ((H - T - B) * (hi - tf(v))) / (hi - lo);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    const py = T + ((H - T - B) * (5 - k)) / 5;
    const label = logY ? (10 ** v).toPrecision(2) : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3);
    parts.push(`<line x1="${L}" y1="${py}" x2="${W - R}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${py + 4}" text-anchor="end">${label}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const i = Math.round(((n - 1) * k) / 4);
    parts.push(`<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle">${xValues?.[i] ?? i + 1}</text>`);
  }
  series.forEach((s, si) => {
    const color = s.color ?? palette[si % palette.length]!;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    parts.push(`<text x="${W - R - 6}" y="${T + 16 * (si + 1)}" text-anchor="end" fill="${color}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  writeFileSync(path, parts.join('\n') + '\n');
}
