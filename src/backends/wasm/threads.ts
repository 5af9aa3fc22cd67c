/**
 * The worker pool: N-1 workers (Node's `worker_threads`, or Web Workers in a cross-origin isolated page;
 * worker-host.ts starts either) instantiate the kernel module on the heap's shared WebAssembly.Memory and
 * run parts of kernel calls the calling thread posts (split.ts decides how a kernel is split). Allocation
 * stays in the main thread: every pointer a worker gets, its workspace included, comes from the main
 * thread's allocator.
 *
 * Dispatch goes through a small job table in two SharedArrayBuffers: per worker slot, control words
 * (job id, done id, ready, error, dead) and the job itself (a kernel's index in the kernel table and its
 * arguments as float64: pointers and sizes are exact in a double, float arguments keep their value).
 * The caller posts the jobs, computes its own part, then waits for the others, spinning briefly on
 * Atomics.load before Atomics.wait (so do idle workers). A browser's main thread may not block in
 * Atomics.wait: there the caller spins until the workers are done.
 *
 * A worker takes a job by a compare-exchange on its slot's TAKEN word (offered job id -> minus the id). A
 * caller done with its own part takes back a part no worker has taken yet (offered id -> 0) and runs it
 * itself, so a worker the OS has descheduled (on a busy machine, often for milliseconds) does not make the
 * caller wait. Every part computes the same output whichever thread runs it, so results stay
 * bit-identical. A worker that finds its job taken back skips it.
 *
 * A worker that dies or hangs mid-job must not block the caller forever: while it waits, the caller's
 * event loop is blocked, so 'exit' events cannot be seen. It waits in slices of WAIT_SLICE_MS, checks the
 * dead word (set by a worker that exits) and a deadline (the job timeout, at least JOB_TIMEOUT_FACTOR
 * times its own part's time), and on failure throws, terminates the pool and starts a fresh one; calls
 * run on the calling thread until the new workers are ready.
 */
import { KERNEL_NAMES, type KernelName } from '../kernels.js';
import { heap, ITER_STATE, ITER_STATE_BYTES } from '../memory.js';
import { mainThreadCanWait, startKernelWorker, workerPlatform, type KernelWorker } from './worker-host.js';

/**
 * How long idle workers spin before sleeping, and the caller spins before waiting for them (ms). A training
 * step runs a fraction of a millisecond of unsplit work between its split GEMMs; workers that slept
 * through it would pay a wake-up (~20 µs, often much more on a busy machine) per GEMM (measurements:
 * bench/README.md, "Thread split thresholds").
 */
const WORKER_SPIN_MS = 2;
const CALLER_SPIN_MS = 2;
/** The caller's waits on a worker last at most this long, then it checks the dead word and its deadline. */
const WAIT_SLICE_MS = 20;
/** A worker's part may take this many times the caller's own part before the worker is given up. */
const JOB_TIMEOUT_FACTOR = 50;
/** Most threads accepted by setNumThreads. */
export const MAX_THREADS = 64;

/** Control words per slot (one 64-byte line); kernel-worker.mjs has the same layout. */
const CTL_WORDS = 16;
const JOB = 0, DONE = 1, READY = 2, ERROR = 3, DEAD = 4, TAKEN = 5;
/** Float64 words per slot in the argument table: [kernel index, argument count, arguments...]. */
const ARGS_PER_SLOT = 32;
/** Test hooks understood by the worker: exit, hang without answering, or stay busy for a while. */
const HOOK_EXIT = -1, HOOK_HANG = -2, HOOK_BUSY = -3;

/**
 * A job names its kernel by its index in the kernel table; every kernel of the table can run on a worker
 * (each worker gets the list of names at start).
 */
const kernelIndex = new Map<string, number>(KERNEL_NAMES.map((name, i) => [name, i]));

interface PoolWorker {
  worker: KernelWorker;
  /** Its control words and argument slot; a slot is reused only after its previous worker has exited. */
  slot: number;
}

/** Slots of the job table no worker (live or exiting) holds. */
const freeSlots: number[] = [];
for (let s = MAX_THREADS - 1; s >= 0; s--) freeSlots.push(s);

let module: WebAssembly.Module | null = null;
let workers: PoolWorker[] = [];
/** Threads requested (the caller included). */
let numThreads = 1;
const ctlBuffer = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(MAX_THREADS * CTL_WORDS * 4) : null;
const argsBuffer = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(MAX_THREADS * ARGS_PER_SLOT * 8) : null;
const ctl = ctlBuffer !== null ? new Int32Array(ctlBuffer) : new Int32Array(0);
const args = argsBuffer !== null ? new Float64Array(argsBuffer) : new Float64Array(0);
let jobId = 0;
/** Least time (ms) a worker's part may take before the caller gives the worker up (setJobTimeout). */
let jobTimeoutMs = 10_000;
/** When the workers last finished a split call (performance.now()); they spin WORKER_SPIN_MS after it. */
let lastPartsDone = -Infinity;
/**
 * True while the workers are most likely still spinning after the last split call (the first half of
 * their spin): a part posted now starts within about a microsecond instead of after a wake-up (~20 µs,
 * often far more on a busy machine), so smaller calls are worth splitting.
 */
export function workersSpinning(): boolean {
  return performance.now() - lastPartsDone < WORKER_SPIN_MS / 2;
}
/** Kernel calls that ran on more than one thread, by kernel (tests check the pool was used). */
export const parallelCalls = new Map<string, number>();
/** Parts the caller took back from a worker that had not started them, and ran itself (tests). */
export let partsTakenBack = 0;
/** Pool restarts after a worker failed (tests). */
export let poolRestarts = 0;

/**
 * True when worker threads can share the heap: a shared heap memory (Node, or a cross-origin isolated
 * page) and a way to start workers on it.
 */
export function threadsSupported(): boolean {
  return heap.shared && ctlBuffer !== null && workerPlatform() !== null;
}

/** Cores of this machine (os.availableParallelism in Node, navigator.hardwareConcurrency in browsers), 1 if unknown. */
export function coreCount(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const browser = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? browser ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, n | 0));
}

/** Where workers load their script from: next to this module, unless init({ workerUrl }) said otherwise. */
let workerUrl: URL = new URL('./kernel-worker.mjs', import.meta.url);

/** Sets the URL of kernel-worker.mjs (for bundles that do not keep it next to this module). */
export function setWorkerUrl(url: URL): void {
  workerUrl = url;
}

export function getThreads(): number {
  return numThreads;
}

/**
 * Sets the least time a worker's part of a kernel call may take before the caller gives it up (it also
 * waits at least JOB_TIMEOUT_FACTOR times its own part's time). Tests lower it; returns the old value.
 */
export function setJobTimeout(ms: number): number {
  const old = jobTimeoutMs;
  jobTimeoutMs = ms;
  return old;
}

function startWorker(mod: WebAssembly.Module): PoolWorker {
  const slot = freeSlots.pop()!;
  const base = slot * CTL_WORDS;
  for (const w of [JOB, DONE, READY, ERROR, DEAD, TAKEN]) Atomics.store(ctl, base + w, 0);
  const worker = startKernelWorker(workerUrl, {
    module: mod, memory: heap.memory, ctl: ctlBuffer, args: argsBuffer, slot, spinMs: WORKER_SPIN_MS, kernels: KERNEL_NAMES,
    iterState: ITER_STATE + ITER_STATE_BYTES * (slot + 1),
  });
  worker.unref(); // idle workers never keep the process alive
  const entry: PoolWorker = { worker, slot };
  worker.onExit(() => {
    Atomics.store(ctl, base + READY, 0);
    freeSlots.push(slot);
    // a worker that exits on its own leaves the pool; the next dispatch starts a replacement
    const at = workers.indexOf(entry);
    if (at >= 0) workers.splice(at, 1);
  });
  return entry;
}

function stopWorker(w: PoolWorker): void {
  const base = w.slot * CTL_WORDS;
  Atomics.store(ctl, base + READY, 0);
  Atomics.store(ctl, base + JOB, -1);
  Atomics.notify(ctl, base + JOB);
  w.worker.terminate();
}

/** Starts workers until there are numThreads - 1 (fewer while stopped ones still hold their slots). */
function topUp(): void {
  while (module !== null && workers.length < numThreads - 1 && freeSlots.length > 0) workers.push(startWorker(module));
}

/**
 * Sets the number of threads (the caller included) and, with a module, (re)starts the pool on it.
 * Workers start asynchronously; until all are ready, kernels run on the calling thread.
 */
export function configureThreads(n: number, mod: WebAssembly.Module | null = module): void {
  numThreads = n;
  if (mod !== module) {
    workers.forEach(stopWorker);
    workers = [];
    module = mod;
  }
  if (module === null) return;
  while (workers.length > n - 1) stopWorker(workers.pop()!);
  topUp();
}

/** Resolves once every worker has instantiated the module (keeps the process alive until then). */
export async function whenReady(): Promise<void> {
  const pending = workers.slice();
  pending.forEach((w) => w.worker.ref());
  try {
    await Promise.all(pending.map((w) => w.worker.ready));
  } finally {
    pending.forEach((w) => w.worker.unref());
  }
}

/**
 * How many threads (the caller included, at most `want`) a kernel call can use right now: the ready
 * workers in front of the pool, plus one. Starts replacements for workers that left the pool.
 */
export function available(want: number): number {
  if (workers.length < numThreads - 1) topUp();
  const n = Math.min(want - 1, workers.length);
  let w = 0;
  while (w < n && Atomics.load(ctl, workers[w]!.slot * CTL_WORDS + READY) === 1) w++;
  return w + 1;
}

/**
 * Runs one kernel call in parts: `parts[0 .. p-2]` (argument lists) on the first p-1 workers, the last
 * part on the calling thread through `local`, then waits for the workers. p must be at most available().
 * Throws if a worker failed, died or overran its deadline (the pool is then restarted).
 */
export function runParts(kernel: KernelName, parts: readonly (readonly number[])[], local: (...a: number[]) => void): void {
  const p = parts.length;
  const id = kernelIndex.get(kernel)!;
  const job = nextJobId();
  for (let w = 0; w < p - 1; w++) post(workers[w]!.slot, job, id, parts[w]!);
  parallelCalls.set(kernel, (parallelCalls.get(kernel) ?? 0) + 1);
  const t0 = performance.now();
  try {
    local(...parts[p - 1]!);
  } finally {
    // the workers write into memory the caller may free once it returns: always wait for them (or take
    // their parts back)
    waitAll(p - 1, job, kernel, performance.now() - t0, parts, local);
  }
  lastPartsDone = performance.now();
}

/** The id of a new job (positive, below 2^30: its negative marks it taken in the TAKEN word). */
function nextJobId(): number {
  jobId = jobId >= 0x3fffffff ? 1 : jobId + 1;
  return jobId;
}

function post(slot: number, job: number, kernel: number, a: readonly number[]): void {
  const at = slot * ARGS_PER_SLOT;
  args[at] = kernel;
  args[at + 1] = a.length;
  for (let i = 0; i < a.length; i++) args[at + 2 + i] = a[i]!;
  Atomics.store(ctl, slot * CTL_WORDS + TAKEN, job); // offered: the worker or, later, the caller takes it
  const jw = slot * CTL_WORDS + JOB;
  Atomics.store(ctl, jw, job); // publishes the plain writes above to the worker's Atomics.load
  Atomics.notify(ctl, jw);
}

/**
 * Waits for the first `count` workers to finish `job`. With `local`, a part its worker has not taken yet
 * is taken back and run here (`parts[w]`).
 */
function waitAll(count: number, job: number, kernel: string, ownMs: number,
  parts?: readonly (readonly number[])[], local?: (...a: number[]) => void): void {
  let error: string | null = null;
  let thrown: { value: unknown } | null = null;
  const deadline = performance.now() + Math.max(jobTimeoutMs, JOB_TIMEOUT_FACTOR * ownMs);
  const canWait = mainThreadCanWait();
  for (let w = 0; w < count && error === null; w++) {
    const base = workers[w]!.slot * CTL_WORDS;
    let v = Atomics.load(ctl, base + DONE);
    if (v !== job && local !== undefined && Atomics.compareExchange(ctl, base + TAKEN, job, 0) === job) {
      partsTakenBack++;
      try {
        local(...parts![w]!);
      } catch (err) {
        thrown ??= { value: err };
      }
      continue;
    }
    if (v !== job) {
      const until = performance.now() + CALLER_SPIN_MS;
      for (let i = 1; v !== job; i++) {
        v = Atomics.load(ctl, base + DONE);
        if ((i & 255) === 0 && performance.now() > until) break;
      }
      while (v !== job) {
        if (Atomics.load(ctl, base + DEAD) !== 0) {
          error = `worker thread ${w + 1} exited during ${kernel}`;
          break;
        }
        if (performance.now() > deadline) {
          error = `worker thread ${w + 1} did not finish its part of ${kernel} in ` +
            `${Math.round(Math.max(jobTimeoutMs, JOB_TIMEOUT_FACTOR * ownMs))} ms (hung or starved)`;
          break;
        }
        if (canWait) Atomics.wait(ctl, base + DONE, v, WAIT_SLICE_MS);
        else for (let i = 0; i < 4096 && v === Atomics.load(ctl, base + DONE); i++); // a browser's main thread: spin
        v = Atomics.load(ctl, base + DONE);
      }
    }
    if (error === null && Atomics.load(ctl, base + ERROR) !== 0) {
      Atomics.store(ctl, base + ERROR, 0);
      error = `worker thread ${w + 1} failed in ${kernel}`;
    }
  }
  if (error === null && thrown !== null) throw thrown.value;
  if (error !== null) {
    restartPool();
    throw new Error(`wasmgrad: ${error}; its result is incomplete, so the call failed. The thread pool was ` +
      'restarted (kernels run on the calling thread until the new workers are ready)');
  }
}

/** Terminates every worker and starts fresh ones (asynchronously; kernels stay on the caller meanwhile). */
function restartPool(): void {
  poolRestarts++;
  workers.forEach(stopWorker);
  workers = [];
  topUp();
}

/**
 * Test hook: keeps the first worker busy for `ms` (it spins without looking at its slot, as if the OS had
 * descheduled it) and returns at once, so the next split call finds its part not taken.
 */
export function occupyWorkerForTest(ms: number): void {
  if (available(2) < 2) throw new Error('occupyWorkerForTest: no ready worker');
  const job = nextJobId();
  post(workers[0]!.slot, job, HOOK_BUSY, [ms]);
  // return once the worker has read the job (it overwrites its argument with -1): a job posted before
  // would replace it
  const arg = workers[0]!.slot * ARGS_PER_SLOT + 2;
  for (const until = performance.now() + 5000; args[arg] !== -1;) {
    Atomics.load(ctl, 0); // a fence: the plain read of args above is redone every time
    if (performance.now() > until) throw new Error('occupyWorkerForTest: the worker did not take the job');
  }
}

/**
 * Test hook: posts a job that makes the first worker exit (`exit`) or hang (`hang`), and waits for it as
 * for a kernel part, so the caller sees the failure as it would mid-kernel.
 */
export function failWorkerForTest(how: 'exit' | 'hang'): void {
  if (available(2) < 2) throw new Error('failWorkerForTest: no ready worker');
  const job = nextJobId();
  post(workers[0]!.slot, job, how === 'exit' ? HOOK_EXIT : HOOK_HANG, []);
  waitAll(1, job, `the ${how} test hook`, 0);
}
