/**
 * The safetensors format (https://github.com/huggingface/safetensors), in memory, everywhere:
 *
 *   [8 bytes]  N, the header length, u64 little-endian
 *   [N bytes]  UTF-8 JSON: {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
 *   [rest]     the byte buffer; each tensor is contiguous, row-major, little-endian, at [begin, end) of it
 *
 * Writing follows the reference (Rust) writer, so `safetensors.torch.load_file` reads our files and the
 * bytes match what `safetensors.torch.save_file` writes for the same tensors and metadata: tensors are
 * laid out by descending position in the reference `Dtype` enum (F32, I32, BF16, F16, BOOL) and then by
 * name (UTF-8 byte order), the compact JSON lists `__metadata__` first and then the tensors in that order,
 * and the header is padded with spaces to a multiple of 8 bytes so the data starts 8-byte aligned.
 * float32 is written as F32 (or, on request, F16/BF16 rounded to nearest even as PyTorch rounds), int32 as
 * I32 and bool as BOOL (one byte each). Tied weights are written in full, or (`tied: 'alias'`) once plus
 * `save_model`'s `__metadata__` alias entries (`dropped name → kept name`).
 *
 * Reading accepts F32, I32, BOOL, U8, I8, I16, U16 directly (integers become int32), U32/I64/U64 as
 * int32 when every value fits (a clear error otherwise), and F16, BF16 and F64 converted to float32.
 * The header is validated completely before anything is allocated, and data may be unaligned.
 * `save_model`'s aliases come back as tensors sharing the storage of the tensor they name.
 */
import { heap } from '../backends/memory.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { MAX_DIMS, shapeStr } from '../tensor/shape.js';
import { checkOptions, isPlainObject as isPlainLiteral, keyHint } from '../options.js';

/** A corrupt, truncated or unsupported safetensors file (or an invalid input to the writer). */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Largest header the reader accepts (the reference reader's limit). */
export const MAX_HEADER_SIZE = 100_000_000;

/** Element sizes of the safetensors dtypes we can read. */
const READABLE: Readonly<Record<string, number>> = {
  F32: 4, I32: 4, BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, U32: 4, I64: 8, U64: 8, F16: 2, BF16: 2, F64: 8,
};
/** Valid safetensors dtypes we do not convert (reported as unsupported rather than unknown). */
const UNSUPPORTED = new Set(['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
/** Loaded dtype per file dtype. */
const LOADS_AS: Readonly<Record<string, DType>> = {
  F32: 'float32', F16: 'float32', BF16: 'float32', F64: 'float32', BOOL: 'bool',
  I32: 'int32', U8: 'int32', I8: 'int32', I16: 'int32', U16: 'int32', U32: 'int32', I64: 'int32', U64: 'int32',
};
/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  /** [begin, end) byte offsets into the data buffer (after the header). */
  dataOffsets: [number, number];
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Tensors in the order the header lists them. */
  tensors: Record<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /**
   * Tied-weight aliases in `safetensors.torch.save_model`'s convention: every `__metadata__` entry
   * `name → stored` whose key is not a tensor of the file and whose value is one (a name save_model
   * dropped because it shares the stored tensor's memory).
   */
  aliases: Record<string, string>;
  /** Byte offset of the data buffer in the file (8 + header length). */
  dataStart: number;
}

// --------------------------------------------------------------------------------------------- writing

/** Orders strings by Unicode code point, which is UTF-8 byte order (Rust's `String` ordering). */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(s: string, what: string): void {
  if (LONE_SURROGATE.test(s)) throw new SafetensorsError(`toSafetensors: ${what} ${JSON.stringify(s)} is not valid Unicode (lone surrogate)`);
}

/** Sets a property without ever touching the prototype (a tensor may be called "__proto__"). */
function define<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** How a float32 tensor is stored: F32 (as is), F16 (IEEE half) or BF16 (bfloat16), rounded to nearest even. */
export type SafetensorsFloatDType = 'float32' | 'float16' | 'bfloat16';

/** Options of `toSafetensors` (and `save`). */
export interface ToSafetensorsOptions {
  /**
   * On-disk dtype of float32 tensors: one for all of them (int32 and bool tensors are kept, like PyTorch's
   * `module.half()`), or per tensor name (a plain object or a Map; tensors it does not name stay F32, and
   * each tensor it names must be float32). float32 values are rounded to nearest even, as PyTorch's
   * `.to(torch.float16)` / `.to(torch.bfloat16)` do: overflow becomes ±Infinity, subnormals are kept, -0
   * stays -0; NaN becomes sign | 0x7E00 in F16 and 0xFFFF in BF16 (PyTorch's CPU conversion). Default 'float32'.
   */
  dtype?: SafetensorsFloatDType | Record<string, SafetensorsFloatDType> | Map<string, SafetensorsFloatDType>;
  /**
   * Tensors that are the same view of the same storage (tied weights: one Parameter under two names).
   * 'copy' (the default) writes every name in full. 'alias' writes one copy under the first name in UTF-8
   * order and, like `safetensors.torch.save_model`, drops the others and records each in `__metadata__`
   * as `dropped name → kept name`; fromSafetensors/load give the dropped names back. Tensors that only
   * overlap (different offset, shape or strides) and tensors stored with different dtypes are written in full.
   */
  tied?: 'copy' | 'alias';
}

const FILE_FLOAT: Readonly<Record<SafetensorsFloatDType, string>> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };
const FILE_DTYPE: Readonly<Record<DType, string>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
/**
 * Written dtypes in the reference writer's order (its `Dtype` enum is in increasing alignment and files are
 * laid out by descending enum position, then by name): F32, I32, BF16, F16, BOOL. Element size in bytes.
 */
const WRITTEN: Readonly<Record<string, { rank: number; size: number }>> = {
  F32: { rank: 4, size: 4 }, I32: { rank: 3, size: 4 }, BF16: { rank: 2, size: 2 }, F16: { rank: 1, size: 2 }, BOOL: { rank: 0, size: 1 },
};

/**
 * IEEE half bits of the float32 whose bits are `x`, rounded to nearest even (PyTorch's float → half):
 * overflow (|x| ≥ 65520) → ±Infinity, subnormal halves kept, NaN → sign | 0x7E00.
 */
export function floatBitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  if (a >= 0x477ff000) return sign | 0x7c00; // 65520 is halfway between 65504 and 2^16: ties to even is Infinity
  if (a >= 0x38800000) {
    // A normal half: rebias the exponent (127 → 15) and round the 23-bit mantissa to 10 bits; a carry
    // out of the mantissa correctly bumps the exponent.
    const m = a - 0x38000000;
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  if (a <= 0x33000000) return sign; // ≤ 2^-25, half of the smallest subnormal: ties to even is 0
  // A subnormal half: units of 2^-24, from the mantissa with its implicit bit.
  const shift = 126 - (a >>> 23); // 14 ..= 24
  const mant = (a & 0x7fffff) | 0x800000;
  const q = mant >>> shift;
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
}

/**
 * bfloat16 bits of the float32 whose bits are `x`, rounded to nearest even (overflow → ±Infinity,
 * subnormals kept). NaN → 0xFFFF, what PyTorch's CPU conversion writes for every NaN.
 */
export function floatBitsToBFloat16(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return 0xffff;
  return ((x >>> 0) + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

const describe = (v: unknown): string =>
  v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : typeof v === 'object' ? (v as object).constructor?.name ?? 'an object' : `${typeof v} ${String(v)}`;

/** The file dtype of each tensor (F32, F16, BF16, I32, BOOL) from the `dtype` option. */
function fileDTypes(pairs: readonly [string, Tensor][], spec: unknown): string[] {
  const natural = pairs.map(([, t]) => FILE_DTYPE[t.dtype]);
  if (spec === undefined) return natural;
  const floatDType = (v: unknown, what: string): string => {
    if (typeof v === 'string' && Object.hasOwn(FILE_FLOAT, v)) return FILE_FLOAT[v as SafetensorsFloatDType];
    throw new TypeError(`toSafetensors: ${what} must be 'float32', 'float16' or 'bfloat16', got ${describe(v)}`);
  };
  if (typeof spec === 'string') {
    const d = floatDType(spec, 'dtype');
    return pairs.map(([, t], i) => (t.dtype === 'float32' ? d : natural[i]!));
  }
  let entries: [unknown, unknown][];
  if (spec instanceof Map) entries = [...spec.entries()];
  else if (isPlainLiteral(spec)) entries = Object.entries(spec);
  else throw new TypeError(`toSafetensors: dtype must be 'float32', 'float16', 'bfloat16' or a map of tensor name → one of them, got ${describe(spec)}`);
  const index = new Map(pairs.map(([name], i) => [name, i]));
  const out = natural.slice();
  for (const [name, v] of entries) {
    const i = typeof name === 'string' ? index.get(name) : undefined;
    if (i === undefined) {
      const hint = typeof name === 'string' ? keyHint(name, [...index.keys()]) : '';
      throw new TypeError(`toSafetensors: dtype names ${typeof name === 'string' ? `tensor ${JSON.stringify(name)}` : describe(name)}, which is not among the tensors to write${hint}`);
    }
    const d = floatDType(v, `dtype of ${JSON.stringify(name)}`);
    const t = pairs[i]![1];
    if (t.dtype !== 'float32') throw new TypeError(`toSafetensors: tensor ${JSON.stringify(name)} is ${t.dtype}; a dtype can only be given for float32 tensors`);
    out[i] = d;
  }
  return out;
}

/**
 * For tied: 'alias': name → kept name for each tensor that is the same view (storage, offset, shape,
 * strides, dtype, file dtype) as one with a smaller name (UTF-8 order, as save_model's sorted()).
 */
function tiedAliases(pairs: readonly [string, Tensor][], dtypes: readonly string[]): Map<string, string> {
  const storageIds = new Map<object, number>();
  const groups = new Map<string, number[]>();
  pairs.forEach(([, t], i) => {
    if (t.numel() === 0) return; // nothing to save; PyTorch ignores empty storages too
    let sid = storageIds.get(t.storage);
    if (sid === undefined) storageIds.set(t.storage, (sid = storageIds.size));
    const key = `${sid}|${t.offset}|${t.shape.join(',')}|${t.strides.join(',')}|${t.dtype}|${dtypes[i]}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [i]);
    else g.push(i);
  });
  const aliases = new Map<string, string>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const names = g.map((i) => pairs[i]![0]).sort(compareCodePoints);
    for (const n of names.slice(1)) aliases.set(n, names[0]!);
  }
  return aliases;
}

/**
 * Serializes named tensors (a state dict: a plain object or a Map) and optional string metadata into
 * safetensors bytes, exactly as the reference writer lays them out. `options.dtype` stores float32
 * tensors as F16 or BF16; `options.tied: 'alias'` writes tied weights once, as `save_model` does.
 * @example const bytes = toSafetensors(model.stateDict(), { format: 'pt' });
 * @example const half = toSafetensors(model.stateDict(), null, { dtype: 'bfloat16', tied: 'alias' });
 */
export function toSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string> | null,
  options?: ToSafetensorsOptions | null,
): Uint8Array {
  if (tensors === null || typeof tensors !== 'object' || tensors instanceof Tensor) {
    throw new TypeError(`toSafetensors: expects a plain object or a Map of name → Tensor, got ${tensors === null ? 'null' : tensors instanceof Tensor ? 'a Tensor' : typeof tensors}`);
  }
  const opts = checkOptions('toSafetensors', options, ['dtype', 'tied']);
  const tied = opts.tied ?? 'copy';
  if (tied !== 'copy' && tied !== 'alias') throw new TypeError(`toSafetensors: tied must be 'copy' or 'alias', got ${describe(tied)}`);
  let pairs: [string, Tensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of pairs) {
    if (typeof name !== 'string') throw new TypeError(`toSafetensors: tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__') throw new SafetensorsError('toSafetensors: "__metadata__" is reserved and cannot name a tensor');
    checkString(name, 'tensor name');
    if (!(t instanceof Tensor)) throw new TypeError(`toSafetensors: value of ${JSON.stringify(name)} is not a Tensor`);
    if (t.isDisposed) throw new SafetensorsError(`toSafetensors: tensor ${JSON.stringify(name)} was disposed`);
  }
  let dtypes = fileDTypes(pairs, opts.dtype);
  let metaEntries: [string, string][] = [];
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || metadata instanceof Map || Array.isArray(metadata)) {
      throw new TypeError('toSafetensors: metadata must be a plain object of string → string');
    }
    metaEntries = Object.entries(metadata);
    for (const [k, v] of metaEntries) {
      if (typeof v !== 'string') throw new TypeError(`toSafetensors: metadata value of ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      checkString(k, 'metadata key');
      checkString(v, 'metadata value');
    }
  }
  if (tied === 'alias') {
    const aliases = tiedAliases(pairs, dtypes);
    if (aliases.size > 0) {
      const given = new Map(metaEntries);
      const added: [string, string][] = [];
      for (const [name, kept] of [...aliases].sort(([a], [b]) => compareCodePoints(a, b))) {
        const v = given.get(name);
        if (v === undefined) added.push([name, kept]);
        else if (v !== kept) {
          throw new SafetensorsError(`toSafetensors: metadata key ${JSON.stringify(name)} names a tensor tied to ${JSON.stringify(kept)}; with tied: 'alias' it would hold the alias (${JSON.stringify(kept)}), not ${JSON.stringify(v)}`);
        }
      }
      metaEntries = [...metaEntries, ...added];
      const keep = pairs.map(([name]) => !aliases.has(name));
      dtypes = dtypes.filter((_, i) => keep[i]);
      pairs = pairs.filter((_, i) => keep[i]);
    }
  }
  const metaJson = metadata == null && metaEntries.length === 0
    ? ''
    : `"__metadata__":{${metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;

  // Layout: descending dtype alignment (reference enum order), then name.
  const order = pairs.map((_, i) => i);
  order.sort((a, b) => WRITTEN[dtypes[b]!]!.rank - WRITTEN[dtypes[a]!]!.rank || compareCodePoints(pairs[a]![0], pairs[b]![0]));
  const written = order.map((i) => ({ name: pairs[i]![0], t: pairs[i]![1], dtype: dtypes[i]! }));
  // Contiguous sources first: copying may allocate (and grow the memory), so read heap views afterwards.
  const sources = written.map(({ t }) => (t.isContiguous() ? t : t.detach().contiguous()));
  const parts: string[] = metaJson === '' ? [] : [metaJson];
  const offsets: number[] = [];
  let offset = 0;
  for (const { name, t, dtype } of written) {
    const n = t.numel() * WRITTEN[dtype]!.size;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + n}]}`);
    offsets.push(offset);
    offset += n;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  if (headerLen > MAX_HEADER_SIZE) throw new SafetensorsError(`toSafetensors: header of ${headerLen} bytes exceeds the ${MAX_HEADER_SIZE}-byte limit of safetensors readers`);
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  const base = 8 + headerLen;
  sources.forEach((src, i) => {
    const n = src.numel();
    if (n === 0) return;
    const at = base + offsets[i]!;
    const p = src.ptr >>> 2;
    switch (written[i]!.dtype) {
      case 'BOOL':
        out.set(heap.i32.subarray(p, p + n), at); // i32 0/1 → one byte each
        return;
      case 'F16':
      case 'BF16': {
        // F32 and I32 come first, so `at` is even: an aligned view.
        const dst = new Uint16Array(out.buffer, at, n);
        const i32 = heap.i32;
        if (written[i]!.dtype === 'F16') for (let k = 0; k < n; k++) dst[k] = floatBitsToHalf(i32[p + k]!);
        else for (let k = 0; k < n; k++) dst[k] = floatBitsToBFloat16(i32[p + k]!);
        return;
      }
      default:
        out.set(heap.u8.subarray(src.ptr, src.ptr + 4 * n), at);
    }
  });
  sources.forEach((s, i) => {
    if (s !== written[i]!.t) s.dispose();
  });
  return out;
}

// --------------------------------------------------------------------------------------------- reading

function fail(msg: string): never {
  throw new SafetensorsError(`safetensors: ${msg}`);
}

function asBytes(bytes: Uint8Array | ArrayBuffer, op: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new TypeError(`${op}: expects a Uint8Array or an ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses and validates the header of a safetensors file; allocates nothing in WebAssembly memory. */
export function readSafetensorsHeader(input: Uint8Array | ArrayBuffer): SafetensorsHeader {
  const bytes = asBytes(input, 'readSafetensorsHeader');
  const size = bytes.length;
  if (size < 8) fail(`file is truncated: ${size} bytes, but the 8-byte header length alone needs 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > MAX_HEADER_SIZE) fail(`header length ${hi !== 0 ? `${hi} × 2^32 + ${lo}` : n} bytes exceeds the ${MAX_HEADER_SIZE}-byte limit`);
  if (8 + n > size) fail(`header length ${n} bytes goes beyond the end of the file (${size} bytes): the file is truncated or corrupt`);
  if (n < 2) fail(`header length ${n} bytes is too small to hold a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) fail(`header must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);

  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsTensorInfo> = {};
  const list: [string, SafetensorsTensorInfo][] = [];
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isPlainObject(entry)) fail('"__metadata__" must be an object of string → string');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') fail(`"__metadata__" value of ${JSON.stringify(k)} must be a string, got ${v === null ? 'null' : typeof v}`);
        define(metadata, k, v);
      }
      continue;
    }
    const what = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(entry)) fail(`${what}: entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') fail(`${what}: dtype must be a string, got ${JSON.stringify(dtype) ?? typeof dtype}`);
    if (READABLE[dtype] === undefined) {
      if (UNSUPPORTED.has(dtype)) fail(`${what}: dtype ${dtype} is not supported (readable: ${Object.keys(READABLE).join(', ')})`);
      fail(`${what}: unknown dtype ${JSON.stringify(dtype)} (readable: ${Object.keys(READABLE).join(', ')})`);
    }
    if (!Array.isArray(shape)) fail(`${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? typeof shape}`);
    if (shape.length > MAX_DIMS) fail(`${what}: shape ${JSON.stringify(shape)} has more than ${MAX_DIMS} dimensions, the most wasmgrad supports`);
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 0x7fffffff) {
        fail(`${what}: shape ${JSON.stringify(shape)} must hold non-negative integers below 2^31`);
      }
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(`${what}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets) ?? typeof offsets}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataSize) {
      fail(`${what}: data_offsets [${begin}, ${end}] go beyond the ${dataSize}-byte data buffer (file of ${size} bytes, truncated or corrupt)`);
    }
    // numel × element size must equal end - begin; multiply with an early exit so nothing overflows.
    const elem = READABLE[dtype]!;
    const nbytes = end - begin;
    let numel = shape.includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      numel *= d;
      if (numel * elem > nbytes) break;
    }
    if (numel * elem !== nbytes) {
      fail(`${what}: shape ${shapeStr(shape as number[])} of ${dtype} needs ${numel * elem > nbytes ? `more than ${nbytes}` : numel * elem} bytes but data_offsets [${begin}, ${end}] hold ${nbytes}`);
    }
    const info: SafetensorsTensorInfo = { dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] };
    define(tensors, name, info);
    list.push([name, info]);
  }
  // The buffer must be covered exactly: no overlap, no hole, nothing after the last tensor.
  list.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let pos = 0;
  for (let i = 0; i < list.length; i++) {
    const [name, info] = list[i]!;
    const [begin, end] = info.dataOffsets;
    if (begin < pos) fail(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(list[i - 1]![0])}`);
    if (begin > pos) fail(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] leave bytes ${pos}..${begin} of the data buffer unused`);
    pos = end;
  }
  if (pos !== dataSize) {
    fail(`file has ${dataSize - pos} extra bytes after the last tensor (data buffer of ${dataSize} bytes, tensors cover ${pos})`);
  }
  const aliases: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (k !== '__metadata__' && !Object.hasOwn(tensors, k) && Object.hasOwn(tensors, v)) define(aliases, k, v);
  }
  return { tensors, metadata, aliases, dataStart };
}

/** The `__metadata__` map of a safetensors file (validated like a full read; no tensor is loaded). */
export function readSafetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  return readSafetensorsHeader(bytes).metadata;
}

/** A typed view of bytes[begin, end) (copied when unaligned for the element type). */
function typedView<T>(
  Ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
  bytes: Uint8Array, begin: number, end: number,
): T {
  const len = (end - begin) / Ctor.BYTES_PER_ELEMENT;
  const at = bytes.byteOffset + begin;
  if (at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, at, len);
  return new Ctor(bytes.slice(begin, end).buffer, 0, len);
}

/** float32 bits of an IEEE half (subnormals, infinities and NaN payloads kept). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return sign | 0x7f800000 | (mant << 13);
  if (exp !== 0) return sign | ((exp + 112) << 23) | (mant << 13);
  if (mant === 0) return sign;
  let e = -1;
  do {
    mant <<= 1;
    e++;
  } while ((mant & 0x400) === 0);
  return sign | ((112 - e) << 23) | ((mant & 0x3ff) << 13);
}

/** Copies one tensor's bytes (already validated) into `t`. */
function fill(t: Tensor, dtype: string, name: string, bytes: Uint8Array, begin: number, end: number): void {
  const n = t.numel();
  if (n === 0) return;
  const p = t.ptr >>> 2;
  switch (dtype) {
    case 'F32':
    case 'I32':
      heap.u8.set(bytes.subarray(begin, end), t.ptr);
      return;
    case 'BOOL': {
      const src = bytes.subarray(begin, end);
      const i32 = heap.i32;
      for (let i = 0; i < n; i++) i32[p + i] = src[i] !== 0 ? 1 : 0;
      return;
    }
    case 'U8':
      heap.i32.set(bytes.subarray(begin, end), p);
      return;
    case 'I8':
      heap.i32.set(typedView(Int8Array, bytes, begin, end), p);
      return;
    case 'I16':
      heap.i32.set(typedView(Int16Array, bytes, begin, end), p);
      return;
    case 'U16':
      heap.i32.set(typedView(Uint16Array, bytes, begin, end), p);
      return;
    case 'F64':
      heap.f32.set(typedView(Float64Array, bytes, begin, end), p);
      return;
    case 'F16':
    case 'BF16': {
      const src = typedView(Uint16Array, bytes, begin, end);
      const i32 = heap.i32;
      if (dtype === 'BF16') for (let i = 0; i < n; i++) i32[p + i] = src[i]! << 16;
      else for (let i = 0; i < n; i++) i32[p + i] = halfToFloatBits(src[i]!);
      return;
    }
    case 'U32': {
      const src = typedView(Uint32Array, bytes, begin, end);
      for (let i = 0; i < n; i++) {
        if (src[i]! > 0x7fffffff) fail(`tensor ${JSON.stringify(name)}: U32 value ${src[i]} at index ${i} does not fit in int32`);
      }
      heap.i32.set(src, p);
      return;
    }
    case 'I64':
    case 'U64': {
      const src = typedView(Int32Array, bytes, begin, end); // (low, high) word pairs
      const i32 = heap.i32;
      for (let i = 0; i < n; i++) {
        const lo = src[2 * i]!;
        const hi = src[2 * i + 1]!;
        if (dtype === 'I64' ? hi !== lo >> 31 : hi !== 0 || lo < 0) {
          const v = dtype === 'I64' ? (BigInt(hi) << 32n) | BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
          fail(`tensor ${JSON.stringify(name)}: ${dtype} value ${v} at index ${i} does not fit in int32 (wasmgrad has no 64-bit integers)`);
        }
        i32[p + i] = lo;
      }
      return;
    }
  }
}

/** Options of `fromSafetensors` (and `load`). */
export interface FromSafetensorsOptions {
  /**
   * Give back the names `safetensors.torch.save_model` dropped for tied weights (see
   * SafetensorsHeader.aliases): each becomes a tensor sharing the storage of the one it names, so a
   * strict `loadStateDict` of a save_model file succeeds. Default true; false returns exactly the
   * stored tensors, like `safetensors.torch.load_file`.
   */
  aliases?: boolean;
}

/**
 * Loads every tensor of a safetensors file, like `safetensors.torch.load_file`: a plain object of
 * name → Tensor in header order, followed by the tied-weight aliases of `save_model` files (each shares
 * the storage of its tensor; `{ aliases: false }` leaves them out). Use `readSafetensorsMetadata(bytes)`
 * for the `__metadata__` map. Throws a SafetensorsError naming the problem for a truncated, corrupt or
 * unsupported file.
 */
export function fromSafetensors(input: Uint8Array | ArrayBuffer, options?: FromSafetensorsOptions | null): Record<string, Tensor> {
  const bytes = asBytes(input, 'fromSafetensors');
  const opts = checkOptions('fromSafetensors', options, ['aliases']);
  if (opts.aliases !== undefined && typeof opts.aliases !== 'boolean') {
    throw new TypeError(`fromSafetensors: aliases must be a boolean, got ${describe(opts.aliases)}`);
  }
  const header = readSafetensorsHeader(bytes);
  const out: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const [name, info] of Object.entries(header.tensors)) {
      const t = Tensor.empty(info.shape, LOADS_AS[info.dtype]!);
      made.push(t);
      fill(t, info.dtype, name, bytes, header.dataStart + info.dataOffsets[0], header.dataStart + info.dataOffsets[1]);
      define(out, name, t);
    }
    if (opts.aliases ?? true) {
      for (const [alias, name] of Object.entries(header.aliases)) {
        const t = out[name]!.detach();
        made.push(t);
        define(out, alias, t);
      }
    }
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  return out;
}
