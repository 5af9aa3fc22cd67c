/**
 * Storage: one block of WebAssembly memory shared by a tensor and all its views.
 *
 * A storage is freed when the last tensor using it is disposed (`refs` reaches 0) or, for tensors the
 * user simply dropped, when the garbage collector finalizes the storage object.
 *
 * NOTE: registration is the hot cost of every tensor, so it uses the cheapest form V8 offers: a number as
 * the held value and no unregister token. Without a token a disposed storage cannot be unregistered, so the
 * held value is a registration id, not the block: `blockOfId` maps it to the block, or to -1 once the
 * storage was disposed (its block freed then), and the id is only reused after its finalization came. The
 * id makes the skip exact: a count of disposed blocks whose finalization to skip would skip by count, not
 * identity, and could skip a dropped tensor that reuses a disposed one's block, keeping that block in use.
 *
 * Tiny storages (one 16-byte block: up to 4 elements, scalars and losses) are not registered one by one:
 * they are carved out of 1 KiB slabs, and each holds its slab; only the slab is registered, and its whole
 * block comes back when the slab is finalized, that is, once every storage carved from it is unreachable.
 * A registered object costs far more than its registration: V8 only clears finalization cells in full
 * collections and keeps their targets alive through the young-generation ones, so every registered
 * storage is copied into the old generation. Slab storages die young like any other object. A released
 * slab slot is counted as free at once but only reused if it was the slab's last one (LIFO temporaries).
 *
 * Storages made while `deferRegistration` is set (the backward engine's temporaries, which it always
 * disposes itself) are not registered at all, which also keeps them out of `blockOfId` and away
 * from the finalizer; one that escapes to the user (a stolen `.grad`, a `grad()` result) is registered
 * then, with `register()`.
 */
import { classBytes, heap, sizeClassIndex } from '../backends/memory.js';
import { canCollectGarbage, collectGarbage, drainFinalizers, makeRegistry } from '../backends/reclaim.js';

/**
 * Storages of at least this many bytes carry a same-sized, never-touched ArrayBuffer where wasmgrad cannot
 * collect garbage itself (browsers). V8 counts ArrayBuffer memory as external memory and schedules full
 * collections as it grows, which is what makes it finalize dropped tensors: WebAssembly memory held through
 * a small JS object is otherwise invisible to it, and a training loop in a tab would keep growing memory.
 * The buffer (the size class's bytes, so released ones can be reused: ballastPool) is never touched.
 */
const BALLAST_MIN_BYTES = canCollectGarbage ? Infinity : 64 * 1024;

/**
 * Ballasts of storages released by dispose or by the autograd engine (not by the collector), by size
 * class, handed to the next storage of the same class. A training step releases almost every storage it
 * makes; with a new ballast per storage, each step would allocate (and zero) megabytes of ArrayBuffers and
 * the external memory of the released ones, counted until a collection frees them, would make V8 collect
 * every few steps. A reused ballast adds no external memory, so collections again follow what dropped
 * tensors hold: a dropped storage keeps its ballast until it is collected, and storages made meanwhile
 * find the pool empty and allocate. At most MAX_POOLED_BALLAST_BYTES are kept.
 */
const ballastPool: ArrayBuffer[][] = [];
let pooledBallastBytes = 0;
const MAX_POOLED_BALLAST_BYTES = 32 * 2 ** 20;

/** Ballasts made and ballasts reused from the pool (tests). @internal */
export const ballastStats = { made: 0, reused: 0 };

/** A ballast for a storage of size class `cls`: a pooled one, else a new one of the class's bytes. */
function takeBallast(cls: number): ArrayBuffer {
  const pooled = ballastPool[cls]?.pop();
  if (pooled === undefined) {
    ballastStats.made++;
    return new ArrayBuffer(classBytes(cls));
  }
  ballastStats.reused++;
  pooledBallastBytes -= pooled.byteLength;
  return pooled;
}

/** Keeps a released storage's ballast for reuse while the pool has room. */
function poolBallast(cls: number, ballast: ArrayBuffer): void {
  if (pooledBallastBytes + ballast.byteLength > MAX_POOLED_BALLAST_BYTES) return;
  (ballastPool[cls] ??= []).push(ballast);
  pooledBallastBytes += ballast.byteLength;
}

/** By registration id (the held value of a registered storage): its block (see encodeBlock), -1 once disposed. */
const blockOfId: number[] = [];
/** Ids whose storage was finalized, for reuse. */
const freeIds: number[] = [];

/** Registers a storage for finalization and returns its registration id. */
function registerBlock(storage: Storage, ptr: number, cls: number): number {
  const id = freeIds.length > 0 ? freeIds.pop()! : blockOfId.length;
  blockOfId[id] = encodeBlock(ptr, cls);
  registry.register(storage, id);
  return id;
}

/** ptr and size-class index in one number (ptr is 16-byte aligned). */
function encodeBlock(ptr: number, cls: number): number {
  return ptr * 8 + cls; // ptr/16·128 + cls, cls < 128
}

function freeEncoded(code: number): void {
  const cls = code % 128;
  heap.freeClass((code - cls) / 8, cls);
}

/** Slots of a slab; SLOT_BYTES each. */
const SLAB_SLOTS = 64;
const SLOT_BYTES = 16;
const SLAB_CLASS = sizeClassIndex(SLAB_SLOTS * SLOT_BYTES);
const TINY_CLASS = sizeClassIndex(SLOT_BYTES);
/** By slab id: address of its block, and how many of its slots are in use. */
const slabPtr: number[] = [];
const slabLive: number[] = [];
const freeSlabIds: number[] = [];

class Slab {
  /** Slots handed out so far (from the start). */
  used = 0;
  constructor(readonly id: number, readonly ptr: number) {}
}

/** The slab new tiny storages come from. */
let currentSlab: Slab | null = null;

function newSlab(): Slab {
  const ptr = heap.reserveClass(SLAB_CLASS);
  const id = freeSlabIds.length > 0 ? freeSlabIds.pop()! : slabPtr.length;
  slabPtr[id] = ptr;
  slabLive[id] = 0;
  const slab = new Slab(id, ptr);
  registry.register(slab, -1 - id); // negative held values name slabs
  return slab;
}

const registry = makeRegistry((held) => {
  const key = held as number; // a registration id, or -1 - id of a slab
  if (key < 0) {
    const id = -1 - key;
    const live = slabLive[id]!;
    if (live !== 0) heap.track(-live * SLOT_BYTES, -live);
    heap.unreserveClass(slabPtr[id]!, SLAB_CLASS);
    freeSlabIds.push(id);
    return;
  }
  const block = blockOfId[key]!;
  if (block >= 0) freeEncoded(block);
  freeIds.push(key);
});

heap.collect = () => {
  if (!collectGarbage(registry)) drainFinalizers(registry);
};
heap.beforeGrow = () => drainFinalizers(registry);

/** While true, new storages are not registered for finalization (see the file comment). @internal */
export const storageMode = { deferRegistration: false };

export class Storage {
  /** Byte offset of the block in WebAssembly memory; -1 once freed. */
  ptr: number;
  readonly bytes: number;
  /** Live (not disposed) tensors using this storage. */
  refs = 0;
  /** Bumped by every in-place write, so autograd can detect saved tensors that were modified. */
  version = 0;
  /** Size-class index of the block. */
  private readonly cls: number;
  /** Whether the storage is registered for finalization (or holds a slab that is). */
  private registered: boolean;
  /** Registration id of a registered storage that is not carved from a slab, else -1. */
  private id = -1;
  /** The slab a tiny storage was carved from. */
  private readonly slab: Slab | null = null;
  /** GC pressure for large storages in browsers (see BALLAST_MIN_BYTES). */
  private ballast: ArrayBuffer | null = null;

  constructor(bytes: number) {
    // Beyond 2 GiB (or invalid), heap.alloc() checks the range and throws a clear error.
    const big = !(bytes >= 0 && bytes <= 0x7fffffff);
    const ptr0 = big ? heap.alloc(bytes) : 0;
    const cls = sizeClassIndex(bytes);
    this.bytes = bytes;
    this.cls = cls;
    if (storageMode.deferRegistration) {
      this.ptr = big ? ptr0 : heap.allocClass(cls);
      this.registered = false;
    } else if (cls === TINY_CLASS) {
      let slab = currentSlab;
      if (slab === null || slab.used === SLAB_SLOTS) slab = currentSlab = newSlab();
      this.ptr = slab.ptr + slab.used++ * SLOT_BYTES;
      slabLive[slab.id]!++;
      heap.track(SLOT_BYTES, 1);
      this.slab = slab;
      this.registered = true;
    } else {
      const ptr = big ? ptr0 : heap.allocClass(cls);
      this.ptr = ptr;
      this.registered = true;
      this.id = registerBlock(this, ptr, cls);
      if (bytes >= BALLAST_MIN_BYTES) this.ballast = takeBallast(cls);
    }
  }

  get freed(): boolean {
    return this.ptr < 0;
  }

  /** Bytes of the block (size-class rounded). */
  get blockBytes(): number {
    return classBytes(this.cls);
  }

  /** Registers a storage made with deferred registration, so the garbage collector can free it. @internal */
  register(): void {
    if (this.registered || this.ptr < 0) return;
    this.registered = true;
    this.id = registerBlock(this, this.ptr, this.cls);
    if (this.bytes >= BALLAST_MIN_BYTES) this.ballast = takeBallast(this.cls);
  }

  release(): void {
    if (--this.refs === 0 && this.ptr >= 0) {
      const slab = this.slab;
      if (slab !== null) {
        slabLive[slab.id]!--;
        heap.track(-SLOT_BYTES, -1);
        if (slab === currentSlab && this.ptr === slab.ptr + (slab.used - 1) * SLOT_BYTES) slab.used--;
      } else {
        if (this.registered) blockOfId[this.id] = -1;
        heap.freeClass(this.ptr, this.cls);
      }
      this.ptr = -1;
      if (this.ballast !== null) {
        poolBallast(this.cls, this.ballast);
        this.ballast = null;
      }
    }
  }
}
