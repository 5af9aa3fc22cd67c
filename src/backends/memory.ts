/**
 * The one WebAssembly.Memory every tensor lives in, and the allocator that carves it up.
 *
 * TypeScript owns allocation; kernels (both backends) only receive byte offsets into this memory.
 * Layout of the low addresses:
 *   [0, 16 KiB)       static data of the AssemblyScript module (lookup tables, if any)
 *   [16 KiB, 32 KiB)  scratch: shape/stride descriptors ("meta") and scalar operands for the next kernel call
 *   [64 KiB, ...)     tensor blocks, 16-byte aligned, handed out in size classes
 * Offset 0 is never a valid block, so kernels may treat a 0 pointer as "absent".
 */

export const STATIC_END = 16 * 1024;
export const SCRATCH = 16 * 1024;
/** Scalar operand slots (one f32 each) live at the end of the scratch area. */
export const SCALAR_SLOTS = SCRATCH + 12 * 1024;
export const HEAP_BASE = 64 * 1024;
const PAGE = 64 * 1024;
const MAX_PAGES = 65536; // 4 GiB, the most a wasm32 memory can hold

/** Bytes a request of `bytes` really takes: 16-byte steps up to 256 B, then quarter steps of each power of two. */
export function sizeClass(bytes: number): number {
  const b = bytes <= 16 ? 16 : Math.ceil(bytes / 16) * 16;
  if (b <= 256) return b;
  const quarter = 2 ** Math.floor(Math.log2(b)) / 4;
  return Math.ceil(b / quarter) * quarter;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export interface MemoryStats {
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
 * Size-class allocator over one WebAssembly.Memory. Freed blocks go to a free list per class and are
 * reused before the bump pointer moves, so a training loop in steady state stops growing memory.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  private top = HEAP_BASE;
  private readonly freeLists = new Map<number, number[]>();
  private inUse = 0;
  private peak = 0;
  private blocks = 0;
  private allocatedSinceCollect = 0;
  /**
   * Called when memory would have to grow after much allocation; it should release dropped tensors
   * (run the garbage collector where possible). Installed by the storage layer.
   */
  collect: (() => void) | null = null;
  /** Called before the bump pointer moves: a chance to run pending finalizers and reuse their blocks. */
  beforeGrow: (() => void) | null = null;

  constructor(initialPages = 16) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.refreshViews();
  }

  /** Typed-array views over the memory; re-made after every growth (growth detaches the old ones). */
  refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  alloc(bytes: number): number {
    if (!(bytes >= 0) || bytes > MAX_PAGES * PAGE - HEAP_BASE) {
      throw new RangeError(
        `out of memory: cannot allocate ${formatBytes(bytes)}; WebAssembly memory holds at most 4 GiB ` +
          `and ${formatBytes(this.inUse)} is in use by live tensors`,
      );
    }
    const size = sizeClass(bytes);
    const list = this.freeLists.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
    } else {
      this.beforeGrow?.();
      const refilled = this.freeLists.get(size);
      ptr = refilled !== undefined && refilled.length > 0 ? refilled.pop()! : this.bump(size);
    }
    this.inUse += size;
    this.blocks++;
    this.allocatedSinceCollect += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  /** The bytes a block for a request of `bytes` really occupies. */
  blockBytes(bytes: number): number {
    return sizeClass(bytes);
  }

  free(ptr: number, bytes: number): void {
    const size = sizeClass(bytes);
    let list = this.freeLists.get(size);
    if (list === undefined) {
      list = [];
      this.freeLists.set(size, list);
    }
    list.push(ptr);
    this.inUse -= size;
    this.blocks--;
  }

  private bump(size: number): number {
    const end = this.top + size;
    if (end > this.memory.buffer.byteLength) {
      // Before growing, give dropped tensors a chance to come back, but only when enough has been
      // allocated since the last collection for it to be worth a full garbage collection.
      const threshold = Math.max(4 * 1024 * 1024, (this.top - HEAP_BASE) / 2);
      if (this.collect !== null && this.allocatedSinceCollect >= threshold) {
        this.allocatedSinceCollect = 0;
        this.collect();
        const list = this.freeLists.get(size);
        if (list !== undefined && list.length > 0) return list.pop()!;
      }
      this.grow(end);
    }
    const ptr = this.top;
    this.top = end;
    return ptr;
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

/** The process-wide heap. Both backends compute on it. */
export const heap = new Heap();

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

/** Puts a number in scalar slot `slot` (0..7) and returns its address, to pass as an operand with stride 0. */
export function scalarSlot(value: number, slot = 0): number {
  const ptr = SCALAR_SLOTS + slot * 16;
  heap.f32[ptr >>> 2] = value;
  return ptr;
}
