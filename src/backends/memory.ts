/**
 * The one WebAssembly.Memory every tensor lives in, and the allocator that carves it up.
 *
 * TypeScript owns allocation; kernels (both backends) only receive byte offsets into this memory.
 * Layout of the low addresses:
 *   [0, 16 KiB)       static data of the AssemblyScript module (lookup tables, if any)
 *   [16 KiB, 32 KiB)  scratch: shape/stride descriptors ("meta") and scalar operands for the next kernel call
 *   [32 KiB, 64 KiB)  per-thread parts of a split kernel call's meta (PART_META, 512 bytes per part)
 *   [64 KiB, 128 KiB) strided-iterator state of the calling thread's module instance, then of each worker
 *                     thread's (ITER_STATE, 512 bytes each; assembly/strided.ts has the same address)
 *   [128 KiB, ...)    tensor blocks, 16-byte aligned, handed out in size classes
 * Offset 0 is never a valid block, so kernels may treat a 0 pointer as "absent".
 */

export const STATIC_END = 16 * 1024;
const SCRATCH = 16 * 1024;
/** Scalar operand slots (one f32 each) live at the end of the scratch area. */
const SCALAR_SLOTS = SCRATCH + 12 * 1024;
/** Meta descriptors of the parts of a kernel call split across threads, PART_META_BYTES each. */
/** (A descriptor of MAX_DIMS = 16 dims with 4 operands' strides takes 324 bytes.) */
export const PART_META = 32 * 1024;
export const PART_META_BYTES = 512;
/**
 * Iterator state of the calling thread's instance; worker slot s has the block at ITER_STATE + 512 * (s + 1)
 * (the state of 16 dims and 4 operands takes 404 bytes).
 */
export const ITER_STATE = 64 * 1024;
export const ITER_STATE_BYTES = 512;
const HEAP_BASE = 128 * 1024;
const PAGE = 64 * 1024;
const MAX_PAGES = 65536; // 4 GiB, the most a wasm32 memory can hold

/** Bytes a request of `bytes` really takes: 16-byte steps up to 256 B, then quarter steps of each power of two. */
function sizeClass(bytes: number): number {
  return classBytes(sizeClassIndex(bytes));
}

/**
 * Index of the size class of a request of `bytes` (1..16 for 16..256 B in 16-byte steps; then four
 * classes per power of two: m·2^(k-2) for m = 5..8). Requests must be below 2^32 bytes.
 */
export function sizeClassIndex(bytes: number): number {
  if (bytes <= 256) return bytes <= 16 ? 1 : (bytes + 15) >>> 4;
  const b = Math.ceil(bytes / 16) * 16;
  let k = 31 - Math.clz32(b); // floor(log2 b); b < 2^32
  let m = Math.ceil(b / 2 ** (k - 2)); // 4..8
  if (m === 4) {
    k--;
    m = 8;
  }
  return 17 + (k - 8) * 4 + (m - 5);
}

const CLASS_BYTES: number[] = [];
/** Bytes of size class `index` (see sizeClassIndex). */
export function classBytes(index: number): number {
  const cached = CLASS_BYTES[index];
  if (cached !== undefined) return cached;
  const size = index <= 16 ? index * 16 : (((index - 17) & 3) + 5) * 2 ** (((index - 17) >> 2) + 6);
  CLASS_BYTES[index] = size;
  return size;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

interface MemoryStats {
  /** Bytes held by live blocks (size-class rounded). */
  bytesInUse: number;
  /** Bytes of WebAssembly memory the allocator has taken (in use + free lists). */
  bytesReserved: number;
  /** Size of the WebAssembly memory. */
  memoryBytes: number;
  /** Live blocks (one per storage; views share one). */
  liveBlocks: number;
  /** Highest bytesInUse seen. */
  peakBytesInUse: number;
}

/**
 * Formats an out-of-memory error's stack before it is thrown to the user. Until `.stack` is first read, V8
 * keeps the raw frames of the throw, with each frame's receiver and function (and so the closure's
 * variables): the tensors of the calls that were running. A user (or a test runner) who keeps the error
 * kept them in use: after a failed `new nn.Linear`, the 16 MiB weight it was filling, through the closure
 * of nn.init's fill. Formatted, the stack is a string and the frames are dropped.
 */
function settleStack<E>(err: E): E {
  if (err instanceof Error) void err.stack;
  return err;
}

/** Debt (bytes allocated since the last collection and still in use) below which memory grows without collecting. */
const MIN_COLLECT_BYTES = 2 * 1024 * 1024;
/**
 * At this multiple of what survived the last collection (but at most MAX_DEBT_BYTES), always collect
 * before growing.
 */
const MAX_DEBT_FACTOR = 8;
const MAX_DEBT_BYTES = 256 * 1024 * 1024;
/**
 * Between the two: collect only if collections are far enough apart, that is if the time since the last
 * collection is this many times the duration of a collection. Time on a loaded machine is noisy, and memory
 * settles where collections are just far enough apart; so that noise cannot creep memory up to the debt cap
 * in a long run (bench/soak.ts checks that it does not), the pacing is judged generously:
 * - a collection's duration is the shortest of the last COLLECT_TIMES_KEPT (one slowed down by another
 *   process taking the core does not count);
 * - the time between collections is the longest of the current one and the last INTERVALS_KEPT - 1 (one
 *   short interval does not count);
 * - once a collection has been paced by time, growing again takes collections SETTLED_SLACK times more
 *   frequent than that.
 */
const COLLECT_TIME_RATIO = 20;
const COLLECT_TIMES_KEPT = 8;
const INTERVALS_KEPT = 3;
const SETTLED_SLACK = 2;

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Size-class allocator over one WebAssembly.Memory. Freed blocks go to a free list per class and are
 * reused before the bump pointer moves, so a training loop in steady state stops growing memory.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  private top = HEAP_BASE;
  /** Free blocks per size-class index (see sizeClassIndex). */
  private readonly freeLists: number[][] = [];
  private inUse = 0;
  private peak = 0;
  private blocks = 0;
  /** bytesInUse right after the last collection (what survived it). */
  private liveAfterCollect = 0;
  private lastCollectEnd = 0;
  /** Durations of the last COLLECT_TIMES_KEPT collections (ms), oldest first. */
  private readonly collectMs: number[] = [];
  /** Times between the last INTERVALS_KEPT - 1 collections (ms), oldest first. */
  private readonly intervals: number[] = [];
  /** Whether memory has been big enough for collections paced by time since it last grew. */
  private settled = false;
  /**
   * Called when memory would have to grow after much allocation; it should release dropped tensors
   * (run the garbage collector where possible). Installed by the storage layer.
   */
  collect: (() => void) | null = null;
  /** Called before the bump pointer moves: a chance to run pending finalizers and reuse their blocks. */
  beforeGrow: (() => void) | null = null;
  /**
   * @internal false: collect whenever the debt reaches MIN_COLLECT_BYTES, ignoring time. The soak test
   * sets it: on a loaded machine (CI runs test files side by side) the time a collection takes and the
   * time between them swing, the pacing then lets memory grow towards the debt cap now and then, and a
   * test that memory stops growing could not tell that from a leak.
   */
  pacedByTime = true;

  /** True when the memory is a shared WebAssembly.Memory (worker threads compute on it too). */
  readonly shared: boolean;

  constructor(initialPages = 16, shared = false) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
    this.shared = shared;
    this.refreshViews();
  }

  /**
   * Typed-array views over the memory; re-made after every growth (growth detaches the old ones of a
   * plain memory; those of a shared memory keep their old length, so they must be re-made all the same).
   */
  refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  /** Allocates a block for `bytes` bytes and returns its address. */
  alloc(bytes: number): number {
    if (!(bytes >= 0) || bytes > MAX_PAGES * PAGE - HEAP_BASE) {
      throw settleStack(
        new RangeError(
          `out of memory: cannot allocate ${formatBytes(bytes)}; WebAssembly memory holds at most 4 GiB ` +
            `and ${formatBytes(this.inUse)} is in use by live tensors`,
        ),
      );
    }
    return this.allocClass(sizeClassIndex(bytes));
  }

  /** Allocates a block of size class `index` (a valid index from sizeClassIndex). */
  allocClass(index: number): number {
    const size = classBytes(index);
    const list = this.freeLists[index];
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
    } else {
      this.beforeGrow?.();
      const refilled = this.freeLists[index];
      ptr = refilled !== undefined && refilled.length > 0 ? refilled.pop()! : this.bumpOrSplit(index, size);
    }
    this.inUse += size;
    this.blocks++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  /**
   * Takes a block of size class `index` that is not counted in bytesInUse or liveBlocks: the caller
   * (storage.ts, which carves tiny storages out of such blocks) counts what it hands out with track().
   */
  reserveClass(index: number): number {
    const ptr = this.allocClass(index);
    this.inUse -= classBytes(index);
    this.blocks--;
    return ptr;
  }

  /** Returns a block taken with reserveClass(index). */
  unreserveClass(ptr: number, index: number): void {
    this.inUse += classBytes(index);
    this.blocks++;
    this.freeClass(ptr, index);
  }

  /** Counts `blocks` sub-blocks of `bytes` bytes in all as in use (negative: no longer in use). */
  track(bytes: number, blocks: number): void {
    this.inUse += bytes;
    this.blocks += blocks;
    if (this.inUse > this.peak) this.peak = this.inUse;
    if (this.inUse < this.liveAfterCollect) this.liveAfterCollect = this.inUse;
  }

  /** The bytes a block for a request of `bytes` really occupies. */
  blockBytes(bytes: number): number {
    return sizeClass(bytes);
  }

  /** Returns a block obtained from alloc(bytes). */
  free(ptr: number, bytes: number): void {
    this.freeClass(ptr, sizeClassIndex(bytes));
  }

  /** Returns a block obtained from allocClass(index). */
  freeClass(ptr: number, index: number): void {
    let list = this.freeLists[index];
    if (list === undefined) {
      list = [];
      this.freeLists[index] = list;
    }
    list.push(ptr);
    this.inUse -= classBytes(index);
    this.blocks--;
    if (this.inUse < this.liveAfterCollect) this.liveAfterCollect = this.inUse;
  }

  /**
   * bump(), and when the memory cannot grow any more, a free block of a larger class split in two: blocks
   * are never merged, so after a peak of large tensors the free lists may hold gigabytes that no other size
   * could use, and every new size would fail although almost nothing is in use.
   */
  private bumpOrSplit(index: number, size: number): number {
    try {
      return this.bump(index, size);
    } catch (err) {
      for (let j = index + 1; j < this.freeLists.length; j++) {
        const list = this.freeLists[j];
        if (list === undefined || list.length === 0) continue;
        const ptr = list.pop()!;
        // The rest of the block goes back to the free lists as the largest classes that fit (all multiples of 16).
        let at = ptr + size;
        let rest = classBytes(j) - size;
        while (rest > 0) {
          let c = sizeClassIndex(rest);
          if (classBytes(c) > rest) c--;
          (this.freeLists[c] ??= []).push(at);
          at += classBytes(c);
          rest -= classBytes(c);
        }
        return ptr;
      }
      throw settleStack(err);
    }
  }

  private bump(index: number, size: number): number {
    const end = this.top + size;
    if (end > this.memory.buffer.byteLength) {
      // Before growing, give dropped tensors a chance to come back, but only when enough has been
      // allocated since the last collection for a full garbage collection to be worth it: at least
      // MIN_COLLECT_BYTES, and then either a lot relative to what survived the last one, or enough time
      // since it that collections stay a small fraction of the run time.
      const debt = this.inUse - this.liveAfterCollect;
      let collected = false;
      if (this.collect !== null && debt >= MIN_COLLECT_BYTES) {
        const cap = Math.min(MAX_DEBT_FACTOR * this.liveAfterCollect, MAX_DEBT_BYTES);
        const collectMs = this.collectMs.length > 0 ? Math.min(...this.collectMs) : 0;
        const ratio = this.settled ? COLLECT_TIME_RATIO / SETTLED_SLACK : COLLECT_TIME_RATIO;
        const paced = !this.pacedByTime || Math.max(now() - this.lastCollectEnd, ...this.intervals) >= ratio * collectMs;
        if (debt >= cap || paced) {
          if (paced) this.settled = true;
          collected = true;
          const ptr = this.collectAndTake(index);
          if (ptr >= 0) return ptr;
        }
      }
      if (!collected) this.settled = false;
      try {
        this.grow(end);
      } catch (err) {
        // Out of WebAssembly memory: dropped tensors may still be waiting for a collection.
        if (collected || this.collect === null) throw err;
        const ptr = this.collectAndTake(index);
        if (ptr >= 0) return ptr;
        this.grow(end);
      }
    }
    const ptr = this.top;
    this.top = end;
    return ptr;
  }

  /** Runs collect() and returns a free block of class `index` if that made one, else -1. */
  private collectAndTake(index: number): number {
    const t0 = now();
    if (this.intervals.push(t0 - this.lastCollectEnd) >= INTERVALS_KEPT) this.intervals.shift();
    this.collect!();
    const t1 = now();
    if (this.collectMs.push(t1 - t0) > COLLECT_TIMES_KEPT) this.collectMs.shift();
    this.lastCollectEnd = t1;
    this.liveAfterCollect = this.inUse;
    const list = this.freeLists[index];
    return list !== undefined && list.length > 0 ? list.pop()! : -1;
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    const needPages = Math.ceil((end - have) / PAGE);
    // Grow geometrically (at least 1/8 of the current size) to keep the number of growths small.
    const pages = Math.min(MAX_PAGES - have / PAGE, Math.max(needPages, Math.ceil(have / PAGE / 8)));
    try {
      if (pages < needPages) throw new RangeError('beyond 4 GiB');
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch {
        throw new RangeError(
          `out of memory: cannot allocate ${formatBytes(end - this.top)}; WebAssembly memory holds at most 4 GiB ` +
            `and ${formatBytes(this.inUse)} is in use by live tensors (${formatBytes(have)} reserved)`,
        );
      }
    }
    this.refreshViews();
  }

  stats(): MemoryStats {
    return {
      bytesInUse: this.inUse,
      bytesReserved: this.top - HEAP_BASE,
      memoryBytes: this.memory.buffer.byteLength,
      liveBlocks: this.blocks,
      peakBytesInUse: this.peak,
    };
  }
}

/**
 * Whether the process-wide heap gets a shared memory (so worker threads can run kernels on it): in Node
 * with SharedArrayBuffer, unless WASMGRAD_THREADS=1 asks for a single thread; in a browser, when the page
 * is cross-origin isolated (the only pages with SharedArrayBuffer) and can start Web Workers.
 */
function wantSharedMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  const proc = (globalThis as { process?: { getBuiltinModule?: unknown; env?: Record<string, string | undefined> } }).process;
  if (typeof proc?.getBuiltinModule === 'function') return proc.env?.WASMGRAD_THREADS?.trim() !== '1';
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

/** The process-wide heap. Both backends compute on it. */
export const heap = new Heap(16, wantSharedMemory());

/**
 * Writes an i32 descriptor into the scratch area and returns its address, for the next kernel call.
 * Layout is `[ndim, shape..., strides of operand 0..., strides of operand 1..., ...]`.
 */
export function writeMeta(shape: readonly number[], ...strides: readonly (readonly number[])[]): number {
  const i32 = heap.i32;
  let p = SCRATCH >>> 2;
  const nd = shape.length;
  i32[p++] = nd;
  for (let d = 0; d < nd; d++) i32[p++] = shape[d]!;
  for (const s of strides) for (let d = 0; d < nd; d++) i32[p++] = s[d]!;
  return SCRATCH;
}

/** writeMeta for one dim: `[1, n, s0, s1]` (strides of up to two operands; pass s1 only for two). */
export function writeMeta1(n: number, s0: number, s1 = -1): number {
  const i32 = heap.i32;
  const p = SCRATCH >>> 2;
  i32[p] = 1;
  i32[p + 1] = n;
  i32[p + 2] = s0;
  if (s1 >= 0) i32[p + 3] = s1;
  return SCRATCH;
}

/** Puts a number in scalar slot `slot` (0..7) and returns its address, to pass as an operand with stride 0. */
export function scalarSlot(value: number, slot = 0): number {
  const ptr = SCALAR_SLOTS + slot * 16;
  heap.f32[ptr >>> 2] = value;
  return ptr;
}
