/**
 * GEMM on worker threads (Node): a pool of N-1 `worker_threads` instantiates the kernel module on the
 * heap's shared WebAssembly.Memory, and gemm_f32 / gemm_bias_f32 of large products are split by rows of
 * C. Each thread owns a fixed block of rows whose boundaries are multiples of the micro-kernel's MR rows,
 * so every element of C is computed by the same instruction sequence whatever the number of threads: the
 * results are bit-identical to one thread's.
 *
 * Dispatch goes through a small control block (a SharedArrayBuffer): per worker a job id, a done id and
 * its kernel arguments. The caller posts the jobs, computes its own block, then waits for the others
 * (spinning briefly on Atomics.load before Atomics.wait; so do idle workers). Allocation stays in the
 * main thread: the caller's workspace (gemm_f32_workspace, which this table enlarges) is cut into one
 * part per thread.
 */
import type { Kernels } from '../kernels.js';
import { heap } from '../memory.js';

type WorkerLike = {
  unref(): void;
  ref(): void;
  terminate(): Promise<number>;
  on(event: string, fn: (arg: unknown) => void): void;
  once(event: string, fn: (arg: unknown) => void): void;
};
type WorkerThreads = {
  Worker: new (url: URL, options: { workerData: unknown; execArgv?: string[]; stdout?: boolean }) => WorkerLike;
};

/** Products with fewer multiply-adds than this stay on the calling thread. */
export const PARALLEL_MIN_MACS = 2 ** 21;
/** How long idle workers spin before sleeping, and the caller spins before waiting for them (ms). */
const WORKER_SPIN_MS = 0.1;
const CALLER_SPIN_MS = 2;
/** Most threads accepted by setNumThreads. */
export const MAX_THREADS = 64;

interface PoolWorker {
  worker: WorkerLike;
  ready: Promise<void>;
  /** Its control words and argument slot; a slot is reused only after its previous worker has exited. */
  slot: number;
}

/** Slots of the control block no worker (live or exiting) holds. */
const freeSlots: number[] = [];
for (let s = MAX_THREADS - 1; s >= 0; s--) freeSlots.push(s);

let module: WebAssembly.Module | null = null;
let workers: PoolWorker[] = [];
/** Threads requested (the caller included). */
let numThreads = 1;
const ctlBuffer = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer((MAX_THREADS + 1) * 64) : null;
const argsBuffer = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(MAX_THREADS * 16 * 8) : null;
const ctl = ctlBuffer !== null ? new Int32Array(ctlBuffer) : new Int32Array(0);
const args = argsBuffer !== null ? new Int32Array(argsBuffer) : new Int32Array(0);
let jobId = 0;
/** Number of gemm calls that ran on more than one thread (tests check the pool was used). */
export let parallelCalls = 0;

function workerThreads(): WorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('worker_threads') as WorkerThreads) : undefined;
}

/** True when worker threads can share the heap: Node, SharedArrayBuffer, and a shared heap memory. */
export function threadsSupported(): boolean {
  return heap.shared && ctlBuffer !== null && workerThreads() !== undefined;
}

/** Cores of this machine (os.availableParallelism in Node), 1 if unknown. */
export function coreCount(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, n | 0));
}

export function getThreads(): number {
  return numThreads;
}

function startWorker(mod: WebAssembly.Module): PoolWorker {
  const { Worker } = workerThreads()!;
  const slot = freeSlots.pop()!;
  const base = (slot + 1) * 16;
  Atomics.store(ctl, base, 0); // job
  Atomics.store(ctl, base + 1, 0); // done
  Atomics.store(ctl, base + 2, 0); // ready
  Atomics.store(ctl, base + 3, 0); // error
  const worker = new Worker(new URL('./gemm-worker.mjs', import.meta.url), {
    workerData: { module: mod, memory: heap.memory, ctl: ctlBuffer, args: argsBuffer, slot, spinMs: WORKER_SPIN_MS },
    execArgv: [],
  });
  worker.unref(); // idle workers never keep the process alive
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', (err) => reject(err));
  });
  ready.catch(() => {}); // surfaced by whenReady(); a dead worker is simply never dispatched to
  worker.once('exit', () => {
    Atomics.store(ctl, base + 2, 0);
    freeSlots.push(slot);
  });
  return { worker, ready, slot };
}

function stopWorker(w: PoolWorker): void {
  const base = (w.slot + 1) * 16;
  Atomics.store(ctl, base + 2, 0);
  Atomics.store(ctl, base, -1);
  Atomics.notify(ctl, base);
  void w.worker.terminate();
}

/**
 * Sets the number of threads (the caller included) and, with a module, (re)starts the pool on it.
 * Workers start asynchronously; until all are ready, GEMMs run on the calling thread.
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
  while (workers.length < n - 1) {
    if (freeSlots.length === 0) break; // stopped workers still exiting: run on fewer threads meanwhile
    workers.push(startWorker(module));
  }
}

/** Resolves once every worker has instantiated the module (keeps the process alive until then). */
export async function whenReady(): Promise<void> {
  const pending = workers.slice();
  pending.forEach((w) => w.worker.ref());
  try {
    await Promise.all(pending.map((w) => w.ready));
  } finally {
    pending.forEach((w) => w.worker.unref());
  }
}

function allReady(count: number): boolean {
  for (let w = 0; w < count; w++) if (Atomics.load(ctl, (workers[w]!.slot + 1) * 16 + 2) !== 1) return false;
  return true;
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Rows per block when m rows are split over `threads` threads (a multiple of mr). */
function blockRows(m: number, threads: number, mr: number): number {
  return roundUp(Math.ceil(m / threads), mr);
}

/**
 * The kernel table with gemm_f32 / gemm_bias_f32 split across the pool when it has workers and the
 * product is large, and gemm_f32_workspace enlarged to hold one workspace per thread. `mr` is the
 * build's micro-kernel height (row blocks are multiples of it, for bit-identical results).
 */
export function withThreads(base: Kernels, mr: number): Kernels {
  const baseWs = base.gemm_f32_workspace;
  const baseGemm = base.gemm_bias_f32;

  /** Threads a product of these sizes runs on with `threads` configured. */
  function parts(m: number, n: number, k: number, threads: number): number {
    if (threads <= 1 || m * n * k < PARALLEL_MIN_MACS || m <= mr) return 1;
    return Math.ceil(m / blockRows(m, threads, mr));
  }

  /** Bytes of one thread's workspace slot (64-byte multiple; the largest over the blocks). */
  function slotBytes(m: number, n: number, k: number, p: number): number {
    const rows = blockRows(m, p, mr);
    const last = m - rows * (p - 1);
    return roundUp(Math.max(baseWs(rows, n, k), baseWs(last, n, k)), 64);
  }

  function workspace(m: number, n: number, k: number): number {
    const single = baseWs(m, n, k);
    const p = parts(m, n, k, numThreads);
    return p <= 1 ? single : Math.max(single, p * slotBytes(m, n, k, p));
  }

  function gemmBias(a: number, b: number, c: number, m: number, n: number, k: number, sa0: number, sa1: number,
    sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number, work: number): void {
    const p = parts(m, n, k, numThreads);
    if (p <= 1 || workers.length < p - 1 || !allReady(p - 1)) {
      baseGemm(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, work);
      return;
    }
    parallelCalls++;
    const rows = blockRows(m, p, mr);
    const slot = slotBytes(m, n, k, p);
    jobId = jobId >= 0x3fffffff ? 1 : jobId + 1;
    const job = jobId;
    // workers take blocks 0 .. p-2, the caller the last (smallest) one
    for (let w = 0; w < p - 1; w++) {
      const r0 = w * rows;
      const ws = workers[w]!.slot;
      const at = ws * 16;
      Atomics.store(args, at, a + r0 * sa0 * 4);
      Atomics.store(args, at + 1, b);
      Atomics.store(args, at + 2, c + r0 * n * 4);
      Atomics.store(args, at + 3, rows);
      Atomics.store(args, at + 4, n);
      Atomics.store(args, at + 5, k);
      Atomics.store(args, at + 6, sa0);
      Atomics.store(args, at + 7, sa1);
      Atomics.store(args, at + 8, sb0);
      Atomics.store(args, at + 9, sb1);
      Atomics.store(args, at + 10, beta);
      Atomics.store(args, at + 11, biasMode === 2 ? bias + r0 * 4 : bias);
      Atomics.store(args, at + 12, biasMode);
      Atomics.store(args, at + 13, relu);
      Atomics.store(args, at + 14, work + (w + 1) * slot);
      const jw = (ws + 1) * 16;
      Atomics.store(ctl, jw, job);
      Atomics.notify(ctl, jw);
    }
    const r0 = (p - 1) * rows;
    baseGemm(a + r0 * sa0 * 4, b, c + r0 * n * 4, m - r0, n, k, sa0, sa1, sb0, sb1, beta,
      biasMode === 2 ? bias + r0 * 4 : bias, biasMode, relu, work);
    waitAll(p, job);
  }

  function waitAll(p: number, job: number): void {
    let failed = false;
    for (let w = 0; w < p - 1; w++) {
      const idx = (workers[w]!.slot + 1) * 16 + 1;
      let v = Atomics.load(ctl, idx);
      if (v !== job) {
        const until = performance.now() + CALLER_SPIN_MS;
        for (let i = 1; v !== job; i++) {
          v = Atomics.load(ctl, idx);
          if ((i & 255) === 0 && performance.now() > until) break;
        }
        while (v !== job) {
          Atomics.wait(ctl, idx, v);
          v = Atomics.load(ctl, idx);
        }
      }
      if (Atomics.load(ctl, idx + 2) !== 0) {
        failed = true;
        Atomics.store(ctl, idx + 2, 0);
      }
    }
    if (failed) throw new Error('wasmgrad: a GEMM worker thread failed');
  }

  return {
    ...base,
    gemm_f32_workspace: workspace,
    gemm_bias_f32: gemmBias,
    gemm_f32: (a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, work) =>
      gemmBias(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, 0, 0, 0, work),
  };
}
