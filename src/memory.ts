/** Memory statistics for users (see README: "Memory"). */
import { heap } from './backends/memory.js';

interface MemoryInfo {
  /** Bytes held by live tensors' storages. */
  bytesInUse: number;
  /** Bytes of WebAssembly memory taken by the allocator (in use plus free blocks kept for reuse). */
  bytesReserved: number;
  /** Total size of the WebAssembly memory. */
  memoryBytes: number;
  /** Live storages (a tensor and its views share one). */
  liveTensors: number;
  /** Highest bytesInUse so far. */
  peakBytesInUse: number;
}

export function memory(): MemoryInfo {
  const s = heap.stats();
  return {
    bytesInUse: s.bytesInUse,
    bytesReserved: s.bytesReserved,
    memoryBytes: s.memoryBytes,
    liveTensors: s.liveBlocks,
    peakBytesInUse: s.peakBytesInUse,
  };
}
