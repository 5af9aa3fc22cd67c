/** Timing helpers for the benchmarks: warm-up excluded, median of repeated runs, Markdown tables. */

export const quick = process.argv.includes('--quick');

export interface TimeOptions {
  /** Timed runs; the median is returned. */
  repeats?: number;
  /** Each run repeats the body until it has lasted this long, so short calls are timed in batches. */
  minSeconds?: number;
  /** Untimed calls first. */
  warmup?: number;
  /** Then untimed calls for this long: V8 keeps re-optimising short hot loops after their first calls. */
  warmupSeconds?: number;
}

/**
 * Warm-up of training steps on the fast backends: 3 steps, then 3 s of steps (0.3 s with --quick). A fresh
 * model reaches its steady speed only after seconds: V8 optimizes the JS of the step (tape, dispatch) over
 * that time, longer when both cores are busy (on 2 threads the worker spins on the second core). The MLP
 * here, median over 5 fresh processes of each 0.2 s window: 1 thread 143-231 steps/s in the first second,
 * 240-252 after; 2 threads 236-342 in the first second, 309-384 in the second, 363-419 in the third,
 * 407-429 in the fourth (instrumented: the time outside the split kernels fell from 1.1 to 0.2 ms per step).
 * Slow backends (0.2 s and more per step) are warm after 3 steps.
 */
export const TRAINING_WARMUP: TimeOptions = { warmup: 3, warmupSeconds: quick ? 0.3 : 3 };

function settings(o: TimeOptions): Required<TimeOptions> {
  return {
    repeats: o.repeats ?? (quick ? 3 : 7),
    minSeconds: o.minSeconds ?? (quick ? 0.05 : 0.2),
    warmup: o.warmup ?? 1,
    warmupSeconds: o.warmupSeconds ?? 0,
  };
}

function median(samples: number[]): number {
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Median seconds per call of `fn` (see TimeOptions). */
export function timeIt(fn: () => void, options: TimeOptions = {}): number {
  const o = settings(options);
  for (let i = 0; i < o.warmup; i++) fn();
  for (const t0 = performance.now(); performance.now() - t0 < o.warmupSeconds * 1000; ) fn();
  const samples: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      calls++;
      t = performance.now();
    } while (t - t0 < o.minSeconds * 1000);
    samples.push((t - t0) / 1000 / calls);
  }
  return median(samples);
}

/**
 * `timeIt` for bodies that must await (a lazy peer's `blockUntilReady`); the await itself (a resolved
 * promise, about a microsecond) is on the clock.
 */
export async function timeItAsync(fn: () => Promise<void>, options: TimeOptions = {}): Promise<number> {
  const o = settings(options);
  for (let i = 0; i < o.warmup; i++) await fn();
  for (const t0 = performance.now(); performance.now() - t0 < o.warmupSeconds * 1000; ) await fn();
  const samples: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      await fn();
      calls++;
      t = performance.now();
    } while (t - t0 < o.minSeconds * 1000);
    samples.push((t - t0) / 1000 / calls);
  }
  return median(samples);
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
