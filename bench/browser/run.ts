/**
 * npm run bench:browser [-- --quick] [--rounds N] [--loop sync|yield|both] [--threads 1,2] [--models cnn,mlp]
 *                        [--repeats N] [--no-node] [--profile cnn|mlp]
 *
 * The MNIST CNN training step (bench/cnn.ts: batch 32, Adam lr 0.002, its real digits) and the MLP
 * 784-256-256-10 step (bench/mlp.ts: batch 128, SGD) in Chromium against Node, on 1 and 2 threads. The page
 * (bench/browser/page.ts, bundled from the sources with esbuild) is served on 127.0.0.1 with COOP/COEP
 * (cross-origin isolated, so SharedArrayBuffer and Web Workers are there) and opened in the Chromium that
 * test/browser/chromium.ts finds (headless, through playwright-core). Both sides run the same code
 * (bench/browser/steps.ts: the steps, timed with bench/harness.ts's warm-up and windows). Each measurement
 * is a fresh Node process or a fresh tab, and Node and Chromium take turns (Node 1 thread, Chromium 1
 * thread, Node 2 threads, Chromium 2 threads) for `--rounds` rounds; the tables give the median over rounds
 * of each measurement's median window (what timeIt reports), the best window of all rounds, and the rate by
 * the main thread's CPU time (Linux: /proc/<pid>/task/<pid>/schedstat of the Node process and of the
 * page's renderer), which a machine busy with other work disturbs far less than the wall clock.
 *
 * The page's loop: `sync` runs the steps back to back as Node does; `yield` gives the event loop a turn
 * after every step, as a page's training loop does (examples/demo). `--no-node` measures the page alone
 * (A/B runs of two trees). `--profile cnn` instead runs that model once in the page (on the first of
 * `--threads`) under Chromium's sampling profiler and prints the top self times of the main thread, wasm
 * functions named from build/wasmgrad-relaxed-mt.wat.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serve } from '../../examples/demo/server.js';
import { launchChromium } from '../../test/browser/chromium.js';
import { fmt, quick, table } from '../harness.js';
import type { Timing } from './steps.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULT_LINE = '@@bench-result ';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}
const models = arg('models', 'cnn,mlp').split(',');
const threadCounts = arg('threads', '1,2').split(',').map(Number);

type Measured = Record<string, number | string | boolean | Timing>;
const repeats = process.argv.includes('--repeats') ? Number(arg('repeats', '7')) : undefined;

/** Run time (ns) of a process's main thread (its tid is the pid) from /proc's schedstat; NaN if unreadable. */
function threadCpuNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** Chromium's renderer processes (pids) and their main threads' run times. */
function rendererTimes(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) out.set(Number(pid), threadCpuNs(Number(pid)));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

// ---- the Node side: one process per measurement (`--node-peer <threads>`) ----
if (process.argv.includes('--node-peer')) {
  const { init, getNumThreads, backendInfo } = await import('../../src/index.js');
  const { cnnStep, digitBatches, mlpStep, timeStep } = await import('./steps.js');
  await init({ threads: Number(arg('node-peer', '1')) });
  const require = createRequire(import.meta.url);
  const out: Measured = { threads: getNumThreads(), build: String(backendInfo().build) };
  for (const m of models) {
    const step = m === 'cnn'
      ? cnnStep(digitBatches(Array.from({ length: 10 }, (_, d) =>
        (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }).data)))
      : mlpStep();
    out[m] = await timeStep(step, undefined, repeats, () => threadCpuNs(process.pid));
  }
  console.log(RESULT_LINE + JSON.stringify(out));
  process.exit(0);
}

function runNode(threads: number): Measured {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--node-peer', String(threads), '--models', models.join(','),
    ...(repeats !== undefined ? ['--repeats', String(repeats)] : []), ...(quick ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = (child.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_LINE));
  if (line === undefined) throw new Error(`bench:browser: the Node process failed (exit code ${child.status})`);
  return JSON.parse(line.slice(RESULT_LINE.length)) as Measured;
}

// ---- the page ----
const out = mkdtempSync(join(tmpdir(), 'wasmgrad-bench-browser-'));
await build({
  entryPoints: [join(ROOT, 'bench/browser/page.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // bench/harness.ts reads --quick from process.argv
  define: { 'process.argv': JSON.stringify(quick ? ['--quick'] : []) },
  logLevel: 'warning',
});
writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>wasmgrad bench</title><body><script type="module" src="/app.js"></script></body>\n');
// the bundle's `new URL('./kernel-worker.mjs', import.meta.url)` and `new URL('../../../build/…', …)`
copyFileSync(join(ROOT, 'src/backends/wasm/kernel-worker.mjs'), join(out, 'kernel-worker.mjs'));
const digitsDir = dirname(createRequire(import.meta.url).resolve('mnist/src/digits/0.json'));
const server = await serve({ mounts: { '/': out, '/build/': join(ROOT, 'build'), '/mnist/': digitsDir } });
const chromium = await launchChromium();

async function runPage(threads: number, loop: string, profile?: string): Promise<Measured> {
  const { page, errors } = await chromium.newPage();
  try {
    const query = `?threads=${threads}&loop=${loop}&models=${profile ?? models.join(',')}${profile ? '&profile=1' : ''}${repeats !== undefined ? `&repeats=${repeats}` : ''}`;
    // the page's main-thread CPU time: its renderer is the one busy while it spins for 0.4 s after calling
    // __benchIdentify (a synchronous page cannot be polled)
    let renderer = -1;
    await page.exposeFunction('__benchCpuNs', () => threadCpuNs(renderer));
    await page.exposeFunction('__benchIdentify', async () => {
      const before = rendererTimes();
      await new Promise((r) => setTimeout(r, 200));
      let most = -1;
      for (const [pid, ns] of rendererTimes()) {
        const d = ns - (before.get(pid) ?? ns);
        if (d > most) [most, renderer] = [d, pid];
      }
    });
    await page.goto(server.url + query);
    const timeout = 600_000;
    let cdp: Awaited<ReturnType<typeof chromium.context.newCDPSession>> | null = null;
    if (profile) {
      await page.waitForFunction(() => document.body?.dataset.ready === '1', null, { timeout, polling: 50 });
      cdp = await chromium.context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      await page.evaluate(() => window.dispatchEvent(new Event('profile-started')));
    }
    await page.waitForFunction(() => document.body?.dataset.result !== undefined || document.body?.dataset.error !== undefined,
      null, { timeout, polling: profile ? 20 : 500 });
    const error = await page.evaluate(() => document.body.dataset.error);
    if (error !== undefined) throw new Error(`page error: ${error}`);
    if (errors.length > 0) throw new Error(`page error: ${errors[0]}`);
    const result = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as Measured;
    if (cdp !== null) printProfile((await cdp.send('Profiler.stop')).profile as Profile, `${profile} in Chromium, ${threads} thread(s), ${loop} loop`);
    return result;
  } finally {
    await page.close();
  }
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** `wasm-function[i]` -> the function's name in the build's text format, where it is there. */
function wasmNames(): (name: string) => string {
  let wat = '';
  try {
    wat = readFileSync(join(ROOT, 'build/wasmgrad-relaxed-mt.wat'), 'utf8');
  } catch {
    return (name) => name;
  }
  const imports = (wat.match(/\(import "[^"]+" "[^"]+" \(func/g) ?? []).length;
  const names = [...wat.matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]!);
  return (name) => name.replace(/wasm-function\[(\d+)\]/, (all, i: string) => names[Number(i) - imports] ?? all);
}

function printProfile(profile: Profile, title: string): void {
  const named = wasmNames();
  const self = new Map<string, number>();
  let total = 0;
  for (const nd of profile.nodes) {
    const f = nd.callFrame;
    const key = `${named(f.functionName || '(anonymous)')} ${f.url.split('/').slice(-1)[0] ?? ''}`;
    self.set(key, (self.get(key) ?? 0) + (nd.hitCount ?? 0));
    total += nd.hitCount ?? 0;
  }
  // where the idle samples fall: a page that computes without pause has them only after its last step
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const seconds: number[] = [];
  let at = profile.startTime;
  (profile.samples ?? []).forEach((id, i) => {
    at += profile.timeDeltas?.[i] ?? 0;
    if (idle.has(id)) seconds[Math.floor((at - profile.startTime) / 1e6)] = (seconds[Math.floor((at - profile.startTime) / 1e6)] ?? 0) + 1;
  });
  console.log(`\n${title}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled; idle samples per second: ` +
    `${Array.from(seconds, (v) => v ?? 0).join(' ')}`);
  console.log(`self time, top 30`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`);
}

/** Median of the numbers that are not NaN (NaN if none). */
function median(xs: number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return v.length > 0 ? v[Math.floor(v.length / 2)]! : NaN;
}

/** A measurement's rate (samples/s for the CNN, steps/s for the MLP) from its median or best window. */
/** `--no-node` (A/B runs of the page alone): NaN for Node. */
const nodeSkipped: Measured = Object.fromEntries(models.map((m) => [m, { median: NaN, best: NaN }]));
/** bench/browser/steps.ts's CNN batch. */
const CNN_BATCH = 32;
const rate = (m: string, t: Timing, which: keyof Timing): number => (m === 'cnn' ? CNN_BATCH : 1) / (t[which] ?? NaN);

try {
  const profileArg = arg('profile', '');
  if (profileArg !== '') {
    const r = await runPage(Number(arg('threads', '1').split(',')[0]), arg('loop', 'sync'), profileArg);
    console.log(JSON.stringify(r));
  } else {
    const loops = arg('loop', 'sync') === 'both' ? ['sync', 'yield'] : [arg('loop', 'sync')];
    const rounds = Number(arg('rounds', quick ? '1' : '3'));
    console.log(`bench:browser: ${chromium.executable.version} against Node ${process.version}; ${rounds} round(s)`);
    /** `${model}/${threads}/${node | loop}` -> one Timing per round */
    const samples = new Map<string, Timing[]>();
    const add = (k: string, v: unknown) => samples.set(k, [...(samples.get(k) ?? []), v as Timing]);
    let info = { nodeBuild: '', pageBuild: '', realDigits: true, isolated: true };
    for (let r = 0; r < rounds; r++) {
      for (const t of threadCounts) {
        const n = process.argv.includes('--no-node') ? nodeSkipped : runNode(t);
        info.nodeBuild = String(n.build);
        for (const m of models) add(`${m}/${t}/node`, n[m]);
        for (const loop of loops) {
          const p = await runPage(t, loop);
          info = { ...info, pageBuild: String(p.build), realDigits: p.realDigits === true, isolated: p.isolated === true };
          if (p.threads !== t) throw new Error(`bench:browser: the page runs ${p.threads} thread(s), not ${t}`);
          for (const m of models) add(`${m}/${t}/${loop}`, p[m]);
          const line = models.map((m) => {
            const [pt, nt] = [p[m] as Timing, n[m] as Timing];
            const pair = (which: keyof Timing) => `${fmt(rate(m, pt, which))} vs ${fmt(rate(m, nt, which))} (${fmt(rate(m, pt, which) / rate(m, nt, which))}×)`;
            return `${m} ${pair('median')}, best ${pair('best')}, by CPU time ${pair('cpuMedian')}`;
          });
          console.log(`  round ${r + 1}, ${t} thread(s), ${loop} loop: ${line.join('; ')}`);
        }
      }
    }
    const titles: Record<string, string> = {
      cnn: `MNIST CNN training step, batch 32, Adam (samples/s; ${info.realDigits ? 'real digits' : 'random inputs: the digits did not load'})`,
      mlp: 'MLP 784-256-256-10 training step, batch 128, SGD (steps/s; random inputs)',
    };
    for (const m of models) {
      const rows: (string | number)[][] = [];
      for (const t of threadCounts) {
        const of = (side: string, which: keyof Timing) => (samples.get(`${m}/${t}/${side}`) ?? []).map((x) => rate(m, x, which));
        const cols = (side: string) => [median(of(side, 'median')), Math.max(...of(side, 'best')), median(of(side, 'cpuMedian'))];
        const node = cols('node');
        rows.push([`Node ${process.version}, ${t} thread${t > 1 ? 's' : ''}`, ...node.flatMap((v) => [v, '1×'])]);
        for (const loop of loops) {
          const page = cols(loop);
          const perRound = of(loop, 'median').map((v, i) => fmt(v / of('node', 'median')[i]!));
          rows.push([`Chromium, ${t} thread${t > 1 ? 's' : ''}, ${loop === 'sync' ? 'steps back to back' : 'yielding after every step'}`,
            page[0]!, `${fmt(page[0]! / node[0]!)}× (rounds: ${perRound.join(', ')})`, page[1]!, `${fmt(page[1]! / node[1]!)}×`,
            page[2]!, `${fmt(page[2]! / node[2]!)}×`]);
        }
      }
      table(`${titles[m]}; ${rounds} round(s), Node ${info.nodeBuild} build, Chromium ${info.pageBuild} build` +
        `${info.isolated ? ', cross-origin isolated' : ', page NOT cross-origin isolated'}`,
        ['where', 'median of rounds', 'Chromium / Node', 'best window', 'Chromium / Node', 'by main-thread CPU time', 'Chromium / Node'], rows);
    }
  }
} finally {
  await chromium.close();
  await server.close();
  rmSync(out, { recursive: true, force: true });
}
process.exit(0);
