/** Timing helpers for the benchmarks: warm-up excluded, median of repeated runs, Markdown tables. */

export const quick = process.argv.includes('--quick');

/**
 * Median seconds per call of `fn`, over `repeats` timed runs, each after warm-up. A run repeats `fn`
 * until it has lasted at least `minSeconds`, so short calls are timed in batches.
 */
export function timeIt(
  fn: () => void,
  { repeats = quick ? 3 : 7, minSeconds = quick ? 0.05 : 0.2, warmup = 1, warmupSeconds = 0 } = {},
): number {
  for (let i = 0; i < warmup; i++) fn();
  // Time-based warm-up too: V8 keeps re-optimising short hot loops for a while after their first calls.
  for (const t0 = performance.now(); performance.now() - t0 < warmupSeconds * 1000; ) fn();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      calls++;
      t = performance.now();
    } while (t - t0 < minSeconds * 1000);
    samples.push((t - t0) / 1000 / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/**
 * `timeIt` for bodies that must await (a lazy peer's `blockUntilReady`): same warm-up, batching and
 * median; the await itself (a resolved promise, about a microsecond) is on the clock.
 */
export async function timeItAsync(
  fn: () => Promise<void>,
  { repeats = quick ? 3 : 7, minSeconds = quick ? 0.05 : 0.2, warmup = 1, warmupSeconds = 0 } = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  for (const t0 = performance.now(); performance.now() - t0 < warmupSeconds * 1000; ) await fn();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      await fn();
      calls++;
      t = performance.now();
    } while (t - t0 < minSeconds * 1000);
    samples.push((t - t0) / 1000 / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Prints a Markdown table. */
export function table(title: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of cells) console.log(`| ${r.join(' | ')} |`);
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function ratio(a: number, b: number): string {
  return `${fmt(a / b)}×`;
}
