/**
 * npm run soak [-- --steps N --scenario a,b --warmup F --quick]: trains the MNIST MLP (784-256-256-10,
 * batch 128, Adam) for 20,000 steps per scenario with no dispose() anywhere, and checks that memory stops
 * growing after warm-up (the first 20% of the steps; --quick: 4,000 steps, the first half). Each scenario runs in a fresh Node process, so each starts
 * from the same empty heap. Prints one table per scenario and writes the curves (SVG) and the samples
 * (JSON, CSV) to bench/soak-results/. Exits with 1 if a scenario breaks a limit (see LIMITS and
 * bench/README.md, "Soak").
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes } from '../src/backends/memory.js';
import { loadDigits } from '../examples/mnist/dataset.js';
import { writeSvgChart } from '../examples/plot.js';
import { table } from './harness.js';
import {
  METRICS, SCENARIO_IDS, SCENARIOS, runScenario, summarize, verdict,
  type Limits, type Metric, type ScenarioId, type SoakOptions, type SoakRun,
} from './soak/scenarios.js';

const MiB = 1024 * 1024;
/**
 * WebAssembly memory must not grow at all after warm-up; RSS and the JS heap may peak a little higher
 * than during warm-up (V8 sizes its heap and code space lazily), but by no more than 32 MiB; the live
 * tensor count (which includes dropped tensors not yet collected) must stay within 2× its warm-up peak.
 */
const LIMITS: Limits = { memoryBytes: 0, rss: 32 * MiB, heapUsed: 32 * MiB, liveTensorsFactor: 2 };

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string' },
    scenario: { type: 'string', default: SCENARIO_IDS.join(',') },
    /** Fraction of the steps that is warm-up. */
    warmup: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('./soak-results/', import.meta.url)) },
    /** Internal: run one scenario in this process and print its SoakRun as JSON. */
    child: { type: 'string' },
  },
});

const steps = Number(args.steps ?? (args.quick ? 4000 : 20_000));
if (!Number.isInteger(steps) || steps < 10) throw new RangeError(`soak: --steps must be an integer >= 10, got ${args.steps}`);
// memory settles once it holds what is live plus what may be dropped before a collection: here about
// 1,500 steps, so a short run needs a larger share of warm-up
const WARMUP_FRACTION = Number(args.warmup ?? (args.quick ? 0.5 : 0.2));
if (!(WARMUP_FRACTION > 0 && WARMUP_FRACTION < 1)) throw new RangeError(`soak: --warmup must be a fraction between 0 and 1, got ${args.warmup}`);
const ids = args.scenario!.split(',').map((s) => s.trim());
for (const id of ids) {
  if (!(id in SCENARIOS)) throw new RangeError(`soak: unknown scenario "${id}" (expected some of ${SCENARIO_IDS.join(',')})`);
}

const options: SoakOptions = {
  steps,
  hidden: [256, 256],
  batchSize: 128,
  trainSize: 8000,
  testSize: 2000,
  sampleEvery: Math.max(1, Math.round(steps / 200)),
  threads: 2,
  evalEvery: 500,
  keepSteps: 500,
};

if (args.child !== undefined) {
  const id = args.child as ScenarioId;
  const every = Math.max(1, Math.round(steps / 10));
  const run = await runScenario(id, loadDigits(), {
    ...options,
    onSample: (s) => {
      if (s.step % every === 0 || s.step === steps) {
        process.stderr.write(`  ${id}: step ${s.step}/${steps} · ${s.seconds.toFixed(0)} s · WebAssembly memory ${formatBytes(s.memoryBytes)} · ` +
          `in use ${formatBytes(s.bytesInUse)} · ${s.liveTensors} live tensors · RSS ${formatBytes(s.rss)} · JS heap ${formatBytes(s.heapUsed)}\n`);
      }
    },
  });
  process.stdout.write(JSON.stringify(run) + '\n');
  process.exit(0); // worker threads (scenario b) would keep the process alive
}

/** Runs one scenario in a fresh Node process (same loader flags, so tsx keeps working). */
function runChild(id: ScenarioId): SoakRun {
  const script = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, [...process.execArgv, script, '--child', id, '--steps', String(steps)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * MiB,
  });
  if (res.status !== 0) throw new Error(`soak: scenario ${id} failed (exit code ${res.status ?? res.signal})`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as SoakRun;
}

const show = (metric: Metric, v: number) => (metric === 'liveTensors' ? String(v) : formatBytes(v));
const showGrowth = (metric: Metric, v: number) => (v < 0 ? '−' : '+') + show(metric, Math.abs(v));
const LABELS: Record<Metric, string> = {
  memoryBytes: 'WebAssembly memory',
  bytesInUse: 'bytes in use (live tensors)',
  bytesReserved: 'bytes reserved (allocator)',
  liveTensors: 'live tensors',
  rss: 'process RSS',
  heapUsed: 'JS heap used',
};

const outDir = args.out!;
mkdirSync(outDir, { recursive: true });
console.log(`Soak: MLP 784-256-256-10, batch ${options.batchSize}, Adam, ${steps} steps per scenario, no dispose(); ` +
  `warm-up = first ${WARMUP_FRACTION * 100}% of the steps`);
const runs: SoakRun[] = [];
const failures: string[] = [];
const t0 = performance.now();
for (const id of ids as ScenarioId[]) {
  console.log(`\n${id}) ${SCENARIOS[id]}`);
  const run = runChild(id);
  runs.push(run);
  const summary = summarize(run, WARMUP_FRACTION);
  const warmStep = Math.ceil(steps * WARMUP_FRACTION);
  table(`${id}) ${SCENARIOS[id]}: ${steps} steps in ${run.seconds.toFixed(0)} s, final loss ${run.finalLoss.toFixed(4)}` +
    (run.testAccuracy !== null ? `, test accuracy ${(100 * run.testAccuracy).toFixed(1)}%` : ''),
  ['metric', 'start', `after warm-up (step ${warmStep})`, 'end', 'peak', 'growth after warm-up', 'growth %'],
  summary.map((m) => [LABELS[m.metric], show(m.metric, m.start), show(m.metric, m.warm), show(m.metric, m.end), show(m.metric, m.peak),
    showGrowth(m.metric, m.growth), `${(100 * m.growthRatio).toFixed(1)}%`]));
  const broken = verdict(run, WARMUP_FRACTION, LIMITS);
  console.log(broken.length === 0 ? '\nverdict: pass' : `\nverdict: FAIL\n${broken.map((b) => `  - ${b}`).join('\n')}`);
  failures.push(...broken.map((b) => `${id}: ${b}`));

  const mib = (metric: Metric) => run.samples.map((s) => s[metric] / MiB);
  writeSvgChart(`${outDir}/soak-${id}.svg`, `Soak ${id}) ${SCENARIOS[id]}: memory (MiB) over ${steps} steps`, 'training step', [
    { name: 'WebAssembly memory', values: mib('memoryBytes') },
    { name: 'bytes in use', values: mib('bytesInUse') },
    { name: 'process RSS', values: mib('rss') },
    { name: 'JS heap used', values: mib('heapUsed') },
  ], false, run.samples.map((s) => s.step));
}
if (runs.length > 0) {
  writeSvgChart(`${outDir}/soak-live-tensors.svg`, 'Soak: live tensors (dropped ones included until collected)', 'training step',
    runs.map((r) => ({ name: `${r.scenario}) ${SCENARIOS[r.scenario]}`, values: r.samples.map((s) => s.liveTensors) })),
    false, runs[0]!.samples.map((s) => s.step));
}
writeFileSync(`${outDir}/soak-samples.json`, JSON.stringify({ options, warmupFraction: WARMUP_FRACTION, limits: LIMITS, runs }, null, 1) + '\n');
writeFileSync(`${outDir}/soak-samples.csv`, ['scenario,step,seconds,' + METRICS.join(','),
  ...runs.flatMap((r) => r.samples.map((s) => [r.scenario, s.step, s.seconds.toFixed(3), ...METRICS.map((m) => s[m])].join(',')))].join('\n') + '\n');
console.log(`\nWrote ${outDir}: soak-<scenario>.svg, soak-live-tensors.svg, soak-samples.json, soak-samples.csv ` +
  `(${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
if (failures.length > 0) {
  console.log(`\nSoak FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\nSoak passed: no memory growth beyond the limits after warm-up.');
