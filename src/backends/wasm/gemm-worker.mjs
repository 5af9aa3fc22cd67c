// A GEMM worker thread (see threads.ts): instantiates the kernel module on the shared memory, then runs
// the row blocks of gemm_bias_f32 the main thread posts in its slot of the control block. It never
// allocates: pointers, including its own workspace, come from the main thread's allocator.
const { workerData, parentPort } = process.getBuiltinModule('worker_threads');
const { module, memory, ctl: ctlBuffer, args: argsBuffer, slot: index, spinMs } = workerData;
const ctl = new Int32Array(ctlBuffer);
const args = new Int32Array(argsBuffer);
// control words of this worker (one 64-byte line each): job id, done id, ready, error
const JOB = (index + 1) * 16, DONE = JOB + 1, READY = JOB + 2, ERROR = JOB + 3;
const at = index * 16;
const { gemm_bias_f32: gemm } = new WebAssembly.Instance(module, { env: { memory } }).exports;

// read the current job id before saying ready: the main thread posts jobs only to ready workers
let seen = Atomics.load(ctl, JOB);
Atomics.store(ctl, READY, 1);
parentPort.postMessage('ready');
while (seen !== -1) {
  let job = Atomics.load(ctl, JOB);
  if (job === seen) {
    // spin briefly (a wake-up through wait/notify costs ~20 µs), then sleep
    const until = performance.now() + spinMs;
    for (let i = 1; job === seen; i++) {
      job = Atomics.load(ctl, JOB);
      if ((i & 255) === 0 && performance.now() > until) break;
    }
    while (job === seen) {
      Atomics.wait(ctl, JOB, seen);
      job = Atomics.load(ctl, JOB);
    }
  }
  seen = job;
  if (job === -1) break; // shut down
  try {
    gemm(args[at], args[at + 1], args[at + 2], args[at + 3], args[at + 4], args[at + 5], args[at + 6], args[at + 7],
      args[at + 8], args[at + 9], args[at + 10], args[at + 11], args[at + 12], args[at + 13], args[at + 14]);
  } catch {
    Atomics.store(ctl, ERROR, 1);
  }
  Atomics.store(ctl, DONE, job);
  Atomics.notify(ctl, DONE);
}
