/**
 * The character data and the schedule of the GPT example, shared by examples/gpt/train.ts (Node) and the
 * demo page's GPT tab (examples/demo/gpt-tab.ts).
 */
import { tensor, type Tensor } from 'wasmgrad';

export interface CharData {
  /** The distinct characters, sorted: token i is chars[i]. */
  chars: string[];
  encode(s: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** The first 90% of the text's tokens, for training. */
  train: Int32Array;
  /** The last 10%, for validation. */
  val: Int32Array;
}

export function charData(text: string): CharData {
  const chars = [...new Set(text)].sort();
  const stoi = new Map(chars.map((c, i) => [c, i]));
  const encode = (s: string): Int32Array => Int32Array.from(s, (c) => stoi.get(c) ?? 0);
  const ids = encode(text);
  const n = Math.floor(0.9 * ids.length);
  return { chars, encode, decode: (t) => Array.from(t, (i) => chars[i]).join(''), train: ids.subarray(0, n), val: ids.subarray(n) };
}

/** mulberry32: the batches' own seeded generator, independent of the model's RNG. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** batchSize random windows of tokens: inputs (B, T) and the next tokens (B, T), int32. */
export function getBatch(tokens: Int32Array, batchSize: number, blockSize: number, random: () => number): [Tensor, Tensor] {
  const x = new Int32Array(batchSize * blockSize), y = new Int32Array(batchSize * blockSize);
  for (let b = 0; b < batchSize; b++) {
    const start = Math.floor(random() * (tokens.length - blockSize - 1));
    x.set(tokens.subarray(start, start + blockSize), b * blockSize);
    y.set(tokens.subarray(start + 1, start + blockSize + 1), b * blockSize);
  }
  return [tensor(x, { dtype: 'int32' }).view(batchSize, blockSize), tensor(y, { dtype: 'int32' }).view(batchSize, blockSize)];
}

/** nanoGPT's learning rate: linear warm-up over `warmup` iterations, then cosine decay to minLr at `iters`. */
export function cosineLr(it: number, maxLr: number, minLr: number, warmup: number, iters: number): number {
  if (it < warmup) return (maxLr * (it + 1)) / (warmup + 1);
  const ratio = Math.min(1, (it - warmup) / Math.max(1, iters - warmup));
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
}
