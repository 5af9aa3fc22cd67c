// A kernel worker thread (see threads.ts): instantiates the kernel module on the shared memory, then runs
// the jobs the main thread posts in its slot of the job table: a kernel index (into `kernels`, the names
// the main thread sent) and its arguments as float64 (pointers and sizes are exact in a double). It never
// allocates: pointers, including its own workspace, come from the main thread's allocator.
//
// The core (serve) knows nothing of worker_threads: it takes {module, memory, ctl, args, slot, spinMs,
// kernels, iterState} and a function announcing readiness, so a Web Worker can run it from its first message.

/** Control words of a slot (16 Int32 = one 64-byte line per worker); threads.ts has the same layout. */
const JOB = 0, DONE = 1, READY = 2, ERROR = 3, DEAD = 4, TAKEN = 5;
/** Float64 words of a slot in the argument table: [kernel index, argument count, arguments...]. */
const ARGS_PER_SLOT = 32;
/**
 * Test hooks (threads.ts): a job with these kernel indices makes the worker exit, hang without answering,
 * or spin for args[0] ms without looking at its slot.
 */
const HOOK_EXIT = -1, HOOK_HANG = -2, HOOK_BUSY = -3;

function serve(init, announce, exit) {
  const { module, memory, slot, spinMs, kernels } = init;
  const ctl = new Int32Array(init.ctl);
  const args = new Float64Array(init.args);
  const base = slot * 16;
  const at = slot * ARGS_PER_SLOT;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  exports.set_strided_state(init.iterState); // the module's static data is shared: own iterator state
  const fns = kernels.map((name) => exports[name]);
  const argv = [];

  // read the current job id before saying ready: the main thread posts jobs only to ready workers
  let seen = Atomics.load(ctl, base + JOB);
  Atomics.store(ctl, base + READY, 1);
  announce();
  for (;;) {
    let job = Atomics.load(ctl, base + JOB);
    if (job === seen) {
      // spin briefly (a wake-up through wait/notify costs ~20 µs), then sleep
      const until = performance.now() + spinMs;
      for (let i = 1; job === seen; i++) {
        job = Atomics.load(ctl, base + JOB);
        if ((i & 255) === 0 && performance.now() > until) break;
      }
      while (job === seen) {
        Atomics.wait(ctl, base + JOB, seen);
        job = Atomics.load(ctl, base + JOB);
      }
    }
    seen = job;
    if (job === -1) return; // shut down
    // take the job, unless the caller took it back (it ran the part itself) or has offered a newer one
    if (Atomics.compareExchange(ctl, base + TAKEN, job, -job) !== job) continue;
    const kernel = args[at];
    if (kernel === HOOK_EXIT) return exit();
    if (kernel === HOOK_HANG) for (;;);
    if (kernel === HOOK_BUSY) {
      const until = performance.now() + args[at + 2];
      args[at + 2] = -1; // read: the caller may post again
      while (performance.now() < until);
      Atomics.store(ctl, base + DONE, job);
      continue;
    }
    const count = args[at + 1];
    argv.length = count;
    for (let i = 0; i < count; i++) argv[i] = args[at + 2 + i];
    try {
      fns[kernel](...argv);
    } catch {
      Atomics.store(ctl, base + ERROR, 1);
    }
    Atomics.store(ctl, base + DONE, job);
    Atomics.notify(ctl, base + DONE);
  }
}

/** Marks this worker dead in the control block, so a caller waiting for it stops waiting at once. */
function markDead(init) {
  const ctl = new Int32Array(init.ctl);
  Atomics.store(ctl, init.slot * 16 + DEAD, 1);
  Atomics.notify(ctl, init.slot * 16 + DONE);
}

const threads = globalThis.process?.getBuiltinModule?.('worker_threads');
if (threads?.parentPort) {
  // Node worker_threads: init data in workerData
  const init = threads.workerData;
  process.on('exit', () => markDead(init));
  serve(init, () => threads.parentPort.postMessage('ready'), () => process.exit(0));
} else {
  // a Web Worker: init data in the first message
  self.addEventListener('message', (e) => {
    serve(e.data, () => self.postMessage('ready'), () => {
      markDead(e.data);
      self.close();
    });
  }, { once: true });
}
