/**
 * Starting kernel worker threads on either platform: Node's `worker_threads`, or Web Workers in a
 * cross-origin isolated page (the only pages where SharedArrayBuffer, and so a shared WebAssembly.Memory,
 * exist). The worker script is the same file on both; it receives its start-up data as `workerData` in
 * Node and as its first message in a browser, and answers 'ready' once it has instantiated the module.
 *
 * Nothing here imports a `node:` module statically: Node's modules come from process.getBuiltinModule at
 * call time, so browser bundles never see them.
 */

/** A started worker, whichever the platform. */
export interface KernelWorker {
  /** Settles when the worker has instantiated the module (rejects if it failed to start). */
  readonly ready: Promise<void>;
  /** Lets the process exit while the worker idles (Node; no-op in browsers). */
  unref(): void;
  ref(): void;
  terminate(): void;
  /** Called once when the worker exits or fails (Node: 'exit'; browsers: 'error'). */
  onExit(fn: () => void): void;
}

type NodeWorker = {
  unref(): void;
  ref(): void;
  terminate(): Promise<number>;
  once(event: string, fn: (arg: unknown) => void): void;
};
type NodeWorkerThreads = {
  Worker: new (url: URL, options: { workerData: unknown; execArgv?: string[] }) => NodeWorker;
};

function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('worker_threads') as NodeWorkerThreads) : undefined;
}

/** Which kind of worker this platform can start with a shared memory, or null (no threads here). */
export function workerPlatform(): 'node' | 'web' | null {
  if (typeof SharedArrayBuffer !== 'function') return null;
  if (nodeWorkerThreads() !== undefined) return 'node';
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' ? 'web' : null;
}

let canWaitHere: boolean | null = null;

/**
 * Whether this thread may block in Atomics.wait: Node's main thread and any worker may; a browser's main
 * thread may not (it throws), so there the caller waits for workers by spinning.
 */
export function mainThreadCanWait(): boolean {
  if (canWaitHere === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      canWaitHere = true;
    } catch {
      canWaitHere = false;
    }
  }
  return canWaitHere;
}

/** Starts the worker script at `url` with `data` (the module, the shared memory and control buffers). */
export function startKernelWorker(url: URL, data: unknown): KernelWorker {
  const wt = nodeWorkerThreads();
  if (wt !== undefined) {
    const worker = new wt.Worker(url, { workerData: data, execArgv: [] });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', (err) => reject(new Error(`wasmgrad: the kernel worker ${url.href} failed to start: ${(err as Error)?.message ?? String(err)}`)));
    });
    ready.catch(() => {}); // a worker that failed to start is never dispatched to
    return {
      ready,
      unref: () => worker.unref(),
      ref: () => worker.ref(),
      terminate: () => void worker.terminate(),
      onExit: (fn) => worker.once('exit', () => fn()),
    };
  }
  const worker = new Worker(url, { type: 'module', name: 'wasmgrad-kernels' });
  const exitFns: (() => void)[] = [];
  let exited = false;
  const exit = (): void => {
    if (exited) return;
    exited = true;
    exitFns.forEach((fn) => fn());
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', () => resolve(), { once: true });
    worker.addEventListener('error', (e) => {
      // a script that cannot load (404, wrong MIME type, blocked by COEP) gives a plain Event without a message
      const message = (e as ErrorEvent).message;
      reject(new Error(`wasmgrad: the kernel worker ${url.href} failed to start: ${message ||
        'the script did not load (a missing file, a server error, a wrong MIME type or a response blocked by COEP)'}`));
      exit();
    });
  });
  ready.catch(() => {});
  worker.postMessage(data);
  return {
    ready,
    unref: () => {},
    ref: () => {},
    terminate: () => {
      worker.terminate();
      exit();
    },
    onExit: (fn) => {
      if (exited) fn();
      else exitFns.push(fn);
    },
  };
}
