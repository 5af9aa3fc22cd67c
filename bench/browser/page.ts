/**
 * The page of `npm run bench:browser` (bundled by bench/browser/run.ts with esbuild, served cross-origin
 * isolated): the steps of bench/browser/steps.ts, timed as in Node.
 *
 * Query: `threads` (1 or 2), `models` (cnn,mlp), `repeats`, `loop` (`sync`: the steps back to back, as in
 * Node; `yield`: the page yields to its event loop after every step, as a page's training loop does, with
 * scheduler.yield() or a MessageChannel message, like examples/demo), `profile` (wait for the runner's
 * 'profile-started' event before measuring). Writes the result as JSON to `document.body.dataset.result`
 * (or the error to `dataset.error`).
 */
import { backendInfo, getNumThreads, init, memory } from 'wasmgrad';
import { cnnStep, digitBatches, mlpStep, timeStep, type Batches } from './steps.js';

/** The `mnist` package's digits (served under /mnist/), or null if they cannot be fetched. */
async function digits(): Promise<Batches | null> {
  try {
    return digitBatches(await Promise.all(Array.from({ length: 10 }, async (_, d) => {
      const res = await fetch(`/mnist/${d}.json`);
      if (!res.ok) throw new Error(`${res.status}`);
      return ((await res.json()) as { data: number[] }).data;
    })));
  } catch {
    return null;
  }
}

const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
/** One turn of the event loop (what examples/demo's training loop does after every batch). */
const yieldToPage = (): Promise<void> =>
  typeof scheduler?.yield === 'function'
    ? scheduler.yield()
    : new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });

/**
 * The CPU time (ns) of this page's main thread, read by the runner from /proc (its exposed function
 * `__benchCpuNs`), when it provides one.
 */
const cpuBinding = (globalThis as { __benchCpuNs?: () => Promise<number> }).__benchCpuNs;
const cpuNs = cpuBinding === undefined ? undefined : () => cpuBinding();

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const threads = Number(q.get('threads') ?? '1');
  const loop = q.get('loop') ?? 'sync';
  const models = (q.get('models') ?? 'cnn,mlp').split(',');
  const repeats = q.get('repeats') !== null ? Number(q.get('repeats')) : undefined;
  await init({ threads });
  const real = models.includes('cnn') ? await digits() : null;
  document.body.dataset.ready = '1';
  // the runner finds this page's renderer as the one busy now (see run.ts), before any timed window
  const identify = (globalThis as { __benchIdentify?: () => Promise<void> }).__benchIdentify;
  if (identify !== undefined) {
    void identify();
    for (const t0 = performance.now(); performance.now() - t0 < 400;);
  }
  if (q.get('profile') !== null) await new Promise<void>((r) => window.addEventListener('profile-started', () => r(), { once: true }));
  const result: Record<string, unknown> = {
    threads: getNumThreads(), build: backendInfo().build, isolated: crossOriginIsolated, realDigits: real !== null, loop,
  };
  for (const m of models) {
    const step = m === 'cnn' ? cnnStep(real) : mlpStep();
    result[m] = await timeStep(step, loop === 'yield' ? yieldToPage : undefined, repeats, cpuNs);
    result[`${m}MemoryMB`] = memory().memoryBytes / 2 ** 20;
  }
  document.body.dataset.result = JSON.stringify(result);
}

main().catch((err: unknown) => {
  document.body.dataset.error = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
