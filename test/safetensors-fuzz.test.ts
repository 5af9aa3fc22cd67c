/**
 * Safetensors from outside, fuzzed: thousands of seeded mutants of valid files (byte flips anywhere,
 * truncations and extensions, header JSON edits: offsets, shapes, dtypes, huge/negative/fractional
 * numbers, duplicate keys, bad `__metadata__`, invalid UTF-8, a lying header length).
 *
 * Each mutant is judged by a reference reader written here from the format's rules (BigInt arithmetic,
 * DataView decoding, its own half-float conversion), independent of src/io/safetensors.ts:
 *   - if the reference says the file is valid, fromSafetensors must load it with exactly the values the
 *     bytes hold (float32 bits for F32/BF16, NaN-aware values for F16/F64, integers for the rest);
 *   - if not, it must throw a SafetensorsError (never a RangeError from a typed-array constructor, a
 *     TypeError from undefined, or a WebAssembly trap) and leave bytesInUse and live tensors unchanged;
 *   - a load never takes more WebAssembly memory than the file could describe (4 bytes per byte of data,
 *     plus one size-class block per tensor), and memory stops growing.
 * A failure prints the seed, the case number and the mutation; WASMGRAD_FUZZ_SEED replays another seed.
 */
import { describe, expect, it } from 'vitest';
import { arange, fromSafetensors, memory, SafetensorsError, tensor, Tensor, toSafetensors, zeros } from '../src/index.js';
import { mulberry32 } from './helpers.js';

const SEED = Number(process.env.WASMGRAD_FUZZ_SEED ?? 0x5afe_7e57);
const CASES = 5000;

const enc = new TextEncoder();

// ---------------------------------------------------------------- seed files

/** A file from header JSON text and data bytes; `n` overrides the 8-byte header length. */
function build(json: string, data: Uint8Array, n: bigint = BigInt(enc.encode(json).length)): Uint8Array {
  const h = enc.encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, n, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Data bytes of little-endian values written with a DataView setter. */
function bytesOf(values: readonly (number | bigint)[], size: number, set: (dv: DataView, at: number, v: never) => void): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => set(dv, i * size, v as never));
  return out;
}

/** The valid files the mutants come from: our writer's output and hand-built files of the other dtypes. */
function seedFiles(): Uint8Array[] {
  const made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (made.push(t), t);
  const w = keep(arange(12).reshape(3, 4));
  const files = [
    toSafetensors({
      w: keep(w.mul(0.5).sub(2)),
      b: keep(tensor([1, -2, 3], { dtype: 'int32' })),
      m: keep(tensor([true, false, true, true, false])),
      s: keep(tensor(7.25)),
      e: keep(zeros(0, 3)),
    }, { format: 'pt', note: 'fuzz' }),
    toSafetensors({ x: keep(tensor([[NaN, Infinity], [-0, 1e-40]])) }),
    toSafetensors({}, { only: 'metadata' }),
  ];
  for (const t of made) t.dispose();
  const hand = (tensors: [string, string, number[], Uint8Array][], meta?: Record<string, string>) => {
    const header: Record<string, unknown> = meta ? { __metadata__: meta } : {};
    let off = 0;
    for (const [name, dtype, shape, data] of tensors) {
      header[name] = { dtype, shape, data_offsets: [off, off + data.length] };
      off += data.length;
    }
    const data = new Uint8Array(off);
    off = 0;
    for (const [, , , d] of tensors) {
      data.set(d, off);
      off += d.length;
    }
    return build(JSON.stringify(header), data);
  };
  files.push(hand([
    ['h', 'F16', [2, 3], bytesOf([0x3c00, 0xc000, 0x0001, 0x7c00, 0x7e00, 0x8000], 2, (dv, at, v: number) => dv.setUint16(at, v, true))],
    ['bf', 'BF16', [3], bytesOf([0x3f80, 0xc0a0, 0x7fc0], 2, (dv, at, v: number) => dv.setUint16(at, v, true))],
    ['d', 'F64', [2, 2], bytesOf([Math.PI, -1e300, 1e-320, NaN], 8, (dv, at, v: number) => dv.setFloat64(at, v, true))],
    ['l', 'I64', [3], bytesOf([5n, -7n, 2147483647n], 8, (dv, at, v: bigint) => dv.setBigInt64(at, v, true))],
    ['u', 'U8', [4], Uint8Array.of(0, 1, 128, 255)],
  ], { source: 'hand' }));
  files.push(hand([
    ['q', 'U64', [2], bytesOf([3n, 2147483647n], 8, (dv, at, v: bigint) => dv.setBigUint64(at, v, true))],
    ['r', 'U32', [2], bytesOf([9, 2147483647], 4, (dv, at, v: number) => dv.setUint32(at, v, true))],
    ['s', 'I16', [2], bytesOf([-32768, 32767], 2, (dv, at, v: number) => dv.setInt16(at, v, true))],
    ['t', 'I8', [3], new Uint8Array(Int8Array.of(-128, 0, 127).buffer)],
    ['v', 'U16', [1], bytesOf([65535], 2, (dv, at, v: number) => dv.setUint16(at, v, true))],
    ['z', 'F16', [], bytesOf([0x3555], 2, (dv, at, v: number) => dv.setUint16(at, v, true))],
  ]));
  return files;
}

// ---------------------------------------------------------------- the reference reader

const ELEM: Record<string, number> = { F32: 4, I32: 4, BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, U32: 4, I64: 8, U64: 8, F16: 2, BF16: 2, F64: 8 };
const FLOATS = new Set(['F32', 'F16', 'BF16', 'F64']);

interface Expected {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  /** float32 bit patterns for exact dtypes (F32, BF16), numbers otherwise (NaN compared as NaN). */
  values: number[];
  bits: boolean;
}

/** IEEE half → number, from the definition. */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** What a correct reader returns for `file`: its tensors, or the reason it is invalid. */
function reference(file: Uint8Array): { ok: true; tensors: Map<string, Expected> } | { ok: false; why: string } {
  const bad = (why: string) => ({ ok: false as const, why });
  if (file.length < 8) return bad('shorter than 8 bytes');
  const dv = new DataView(file.buffer, file.byteOffset, file.length);
  const n = dv.getBigUint64(0, true);
  if (n > 100_000_000n) return bad('header length over the limit');
  if (8n + n > BigInt(file.length)) return bad('header beyond the end');
  const start = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.subarray(8, start)));
  } catch {
    return bad('header not UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return bad('header not an object');
  const dataLen = BigInt(file.length - start);
  const spans: [bigint, bigint][] = [];
  const entries: [string, string, number[], number, number][] = [];
  for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) return bad('metadata not an object');
      if (Object.values(e).some((v) => typeof v !== 'string')) return bad('metadata value not a string');
      continue;
    }
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return bad(`${name}: not an object`);
    const { dtype, shape, data_offsets: off } = e as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(ELEM, dtype)) return bad(`${name}: dtype`);
    if (!Array.isArray(shape) || shape.length > 16 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) return bad(`${name}: shape`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0)) return bad(`${name}: offsets`);
    const [b, f] = [BigInt(off[0]), BigInt(off[1])];
    if (f < b || f > dataLen) return bad(`${name}: offsets out of range`);
    const bytes = shape.reduce((p: bigint, d: number) => p * BigInt(d), 1n) * BigInt(ELEM[dtype]!);
    if (bytes !== f - b) return bad(`${name}: size mismatch`);
    spans.push([b, f]);
    entries.push([name, dtype, shape as number[], start + off[0], start + off[1]]);
  }
  spans.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  let pos = 0n;
  for (const [b, f] of spans) {
    if (b !== pos) return bad('offsets overlap or leave a hole');
    pos = f;
  }
  if (pos !== dataLen) return bad('bytes after the last tensor');
  const tensors = new Map<string, Expected>();
  for (const [name, dtype, shape, b, f] of entries) {
    const size = ELEM[dtype]!;
    const values: number[] = [];
    for (let at = b; at < f; at += size) {
      switch (dtype) {
        case 'F32': values.push(dv.getUint32(at, true)); break;
        case 'BF16': values.push(dv.getUint16(at, true) * 65536); break;
        case 'F16': values.push(halfValue(dv.getUint16(at, true))); break;
        case 'F64': values.push(Math.fround(dv.getFloat64(at, true))); break;
        case 'I32': values.push(dv.getInt32(at, true)); break;
        case 'BOOL': values.push(dv.getUint8(at) !== 0 ? 1 : 0); break;
        case 'U8': values.push(dv.getUint8(at)); break;
        case 'I8': values.push(dv.getInt8(at)); break;
        case 'I16': values.push(dv.getInt16(at, true)); break;
        case 'U16': values.push(dv.getUint16(at, true)); break;
        case 'U32': values.push(dv.getUint32(at, true)); break;
        case 'I64': values.push(Number(dv.getBigInt64(at, true))); break;
        case 'U64': values.push(Number(dv.getBigUint64(at, true))); break;
      }
    }
    if (!FLOATS.has(dtype) && dtype !== 'BOOL' && values.some((v) => v < -(2 ** 31) || v >= 2 ** 31)) return bad(`${name}: integer beyond int32`);
    tensors.set(name, {
      dtype: FLOATS.has(dtype) ? 'float32' : dtype === 'BOOL' ? 'bool' : 'int32',
      shape,
      values,
      bits: dtype === 'F32' || dtype === 'BF16',
    });
  }
  return { ok: true, tensors };
}

// ---------------------------------------------------------------- mutations

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function headerLength(file: Uint8Array): number {
  return Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
}

/** Numbers that break size arithmetic or typed-array constructors when trusted. */
const NASTY: readonly unknown[] = [
  -1, -8, 0.5, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e300, -0, '4', null, true, [], {}, 1e-7,
];

/** A JSON-level edit of the header (the data bytes are kept); returns the new file and what was done. */
function editHeader(file: Uint8Array, r: Rng): [Uint8Array, string] {
  const n = headerLength(file);
  const text = new TextDecoder().decode(file.subarray(8, 8 + n));
  const data = file.subarray(8 + n);
  const header = JSON.parse(text) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  // '' only when there is no tensor (the metadata-only file), which the first branch below handles.
  const name = names.length > 0 ? pick(r, names) : '';
  const e = name === '' ? null : header[name]!;
  const offs = e?.data_offsets as number[] | undefined;
  const shape = e?.shape as unknown[] | undefined;
  const kind = int(r, 0, 16);
  let what: string;
  let json: string | null = null;
  let newData = data;
  if (e === null || offs === undefined || shape === undefined) {
    header['__metadata__'] = pick(r, [5, [], null, { k: 1 }, { k: { n: 'x' } }, 'str'] as unknown[]) as Record<string, unknown>;
    what = `__metadata__ := ${JSON.stringify(header['__metadata__'])}`;
  } else if (kind === 0) {
    e.data_offsets = [offs[1], offs[0]];
    what = `${name}: offsets reversed`;
  } else if (kind === 1) {
    const d = int(r, -9, 9);
    const which = int(r, 0, 1);
    offs[which] = offs[which]! + d;
    what = `${name}: offset ${which} ${d >= 0 ? '+' : ''}${d}`;
  } else if (kind === 2) {
    offs[int(r, 0, 1)] = pick(r, NASTY) as number;
    what = `${name}: data_offsets := ${JSON.stringify(offs)}`;
  } else if (kind === 3 && names.length > 1) {
    const other = header[pick(r, names.filter((k) => k !== name))]!.data_offsets as number[];
    e.data_offsets = [...other];
    what = `${name}: offsets copied from another tensor (overlap)`;
  } else if (kind === 4 && shape.length > 0) {
    const i = int(r, 0, shape.length - 1);
    shape[i] = (shape[i] as number) + pick(r, [-1, 1, 2]);
    what = `${name}: shape[${i}] changed → ${JSON.stringify(shape)}`;
  } else if (kind === 5) {
    shape[int(r, 0, shape.length)] = pick(r, NASTY);
    what = `${name}: shape := ${JSON.stringify(shape)}`;
  } else if (kind === 6) {
    if (r() < 0.5) shape.push(pick(r, [1, 2, 0]));
    else shape.pop();
    what = `${name}: shape rank changed → ${JSON.stringify(shape)}`;
  } else if (kind === 7) {
    e.dtype = pick(r, [...Object.keys(ELEM), 'F8_E4M3', 'C64', 'f32', '', 7, null, 'F32 ']);
    what = `${name}: dtype := ${JSON.stringify(e.dtype)}`;
  } else if (kind === 8) {
    const field = pick(r, ['dtype', 'shape', 'data_offsets']);
    if (r() < 0.5) delete e[field];
    else e[field] = pick(r, NASTY);
    what = `${name}: ${field} deleted or := ${JSON.stringify(e[field])}`;
  } else if (kind === 9) {
    header[name] = pick(r, [3, 'x', null, [], [1, 2]] as unknown[]) as Record<string, unknown>;
    what = `${name}: entry := ${JSON.stringify(header[name])}`;
  } else if (kind === 10) {
    const body = JSON.stringify(header);
    const dup = JSON.stringify({ [name]: { ...e, data_offsets: [0, offs[1]! - offs[0]!] } }).slice(1, -1);
    json = r() < 0.5 ? `{${dup},${body.slice(1)}` : `${body.slice(0, -1)},${dup}}`;
    what = `${name}: duplicate key ${r() < 0.5 ? 'first' : 'last'}`;
  } else if (kind === 11) {
    header['__metadata__'] = pick(r, [5, [], null, { k: 1 }, { k: { n: 'x' } }, 'str', { a: 'b', c: null }] as unknown[]) as Record<string, unknown>;
    what = `__metadata__ := ${JSON.stringify(header['__metadata__'])}`;
  } else if (kind === 13) {
    const d = int(r, -4, 4) || 1;
    e.data_offsets = [offs[0]! + d, offs[1]! + d];
    what = `${name}: both offsets shifted by ${d}`;
  } else if (kind === 14) {
    delete header[name];
    what = `${name}: entry deleted (its bytes stay)`;
  } else if (kind === 15 && names.length > 1) {
    const other = header[pick(r, names.filter((k) => k !== name))]!;
    [e.data_offsets, other.data_offsets] = [other.data_offsets, e.data_offsets];
    what = `${name}: offsets swapped with another tensor`;
  } else if (kind === 12) {
    // The data buffer grows or shrinks with the header still describing the old one.
    const d = int(r, -6, 6);
    newData = d >= 0 ? new Uint8Array([...data, ...new Uint8Array(d).fill(0xab)]) : data.subarray(0, Math.max(0, data.length + d));
    what = `data buffer ${d >= 0 ? '+' : ''}${d} bytes`;
  } else {
    // Consistent resize: one dim grows and the data buffer with it, so valid files with new content appear.
    if (shape.length === 0 || !shape.every((d) => typeof d === 'number')) {
      header[`${name}_extra`] = { dtype: 'BOOL', shape: [0], data_offsets: [data.length, data.length] };
      what = `empty tensor ${name}_extra added at the end`;
    } else {
      const dims = shape as number[];
      const i = int(r, 0, dims.length - 1);
      const inner = dims.reduce((p, d, j) => (j === i ? p : p * d), 1) * ELEM[e.dtype as string]!;
      const grow = inner * int(r, 1, 3);
      dims[i] = dims[i]! + grow / inner;
      for (const k of names) {
        const o = header[k]!.data_offsets as number[];
        if (o[0]! >= offs[1]! && k !== name) header[k]!.data_offsets = [o[0]! + grow, o[1]! + grow];
      }
      const extra = Uint8Array.from({ length: grow }, () => int(r, 0, 255));
      newData = new Uint8Array([...data.subarray(0, offs[1]), ...extra, ...data.subarray(offs[1])]);
      e.data_offsets = [offs[0]!, offs[1]! + grow];
      what = `${name}: dim ${i} grown to ${dims[i]}, ${grow} random data bytes`;
    }
  }
  json ??= JSON.stringify(header);
  const pad = r() < 0.5 ? ' '.repeat((8 - (enc.encode(json).length % 8)) % 8) : '';
  return [build(json + pad, newData), `header edit: ${what}`];
}

/** One mutant of `file`, and a description of it for the failure message. */
function mutate(file: Uint8Array, r: Rng): [Uint8Array, string] {
  const n = headerLength(file);
  const kind = r();
  if (kind < 0.25) {
    const out = file.slice();
    const flips = int(r, 1, 4);
    const where: string[] = [];
    for (let f = 0; f < flips; f++) {
      // Half of the flips land in the length field or the header, where they matter most.
      const at = r() < 0.5 ? int(r, 0, Math.min(file.length, 8 + n) - 1) : int(r, 0, file.length - 1);
      out[at] = r() < 0.5 ? out[at]! ^ (1 << int(r, 0, 7)) : int(r, 0, 255);
      where.push(`${at}=${out[at]}`);
    }
    return [out, `byte flips at ${where.join(', ')}`];
  }
  if (kind < 0.35) {
    const cut = int(r, 0, file.length - 1);
    return [file.slice(0, cut), `truncated to ${cut} of ${file.length} bytes`];
  }
  if (kind < 0.42) {
    const d = int(r, -16, 16) || 1;
    const out = file.slice();
    new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, n + d)), true);
    if (r() < 0.3) new DataView(out.buffer).setUint32(4, int(r, 1, 0xffffffff), true);
    return [out, `header length ${n} → ${headerLength(out)}`];
  }
  if (kind < 0.48) {
    // Invalid UTF-8 inside the header: a lone continuation byte, an overlong form or a truncated sequence.
    const out = file.slice();
    const at = int(r, 9, 8 + n - 2);
    const seq = pick(r, [[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
    out.set(seq.slice(0, 8 + n - at), at);
    return [out, `invalid UTF-8 ${seq.map((b) => b.toString(16)).join(' ')} at ${at}`];
  }
  return editHeader(file, r);
}

// ---------------------------------------------------------------- the run

/** Compares a loaded result with the reference; returns a description of the first difference. */
function difference(got: Record<string, Tensor>, want: Map<string, Expected>): string | null {
  const names = Object.keys(got);
  if (names.length !== want.size || names.some((k) => !want.has(k))) return `names ${JSON.stringify(names)} vs ${JSON.stringify([...want.keys()])}`;
  for (const [name, w] of want) {
    const t = got[name]!;
    if (t.dtype !== w.dtype || JSON.stringify(t.shape) !== JSON.stringify(w.shape)) return `${name}: ${t.dtype} [${t.shape}] vs ${w.dtype} [${w.shape}]`;
    const arr = t.toArray();
    const vals = w.bits && arr instanceof Float32Array ? Array.from(new Uint32Array(arr.buffer, arr.byteOffset, arr.length)) : Array.from(arr);
    for (let i = 0; i < vals.length; i++) {
      const a = vals[i]!;
      const b = w.values[i]!;
      if (!(Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b)))) return `${name}[${i}]: ${a} vs ${b}`;
    }
  }
  return null;
}

describe('safetensors fuzz', () => {
  it(`${CASES} seeded mutants of valid files load exactly or fail cleanly, within the memory the file describes`, () => {
    const files = seedFiles();
    for (const f of files) expect(reference(f).ok, 'seed files are valid').toBe(true);
    const rng = mulberry32(SEED);
    const memoryBefore = memory().memoryBytes;
    const counts = { loaded: 0, rejected: 0 };
    const whys = new Map<string, number>();
    for (let c = 0; c < CASES; c++) {
      const src = pick(rng, files);
      const [file, what] = mutate(src, rng);
      const label = `seed ${SEED}, case ${c}: ${what}`;
      const want = reference(file);
      const before = memory();
      let got: Record<string, Tensor> | null = null;
      let err: unknown = null;
      try {
        got = fromSafetensors(file);
      } catch (e) {
        err = e;
      }
      if (want.ok) {
        expect(err, `${label}: a valid file must load`).toBeNull();
        const diff = difference(got!, want.tensors);
        expect(diff, label).toBeNull();
        // Never more than the file describes: 4 bytes per data byte (1-byte dtypes become int32) + one block per tensor.
        const dataBytes = file.length - 8 - headerLength(file);
        const grew = memory().bytesInUse - before.bytesInUse;
        expect(grew, label).toBeLessThanOrEqual(Math.ceil(4 * dataBytes * 1.25) + 16 * want.tensors.size);
        for (const t of Object.values(got!)) t.dispose();
        counts.loaded++;
      } else {
        expect(err, `${label}: expected an error (${want.why}), loaded instead`).toBeInstanceOf(SafetensorsError);
        expect((err as Error).message, label).toMatch(/^safetensors: /);
        counts.rejected++;
        whys.set(want.why.replace(/^.*: /, ''), (whys.get(want.why.replace(/^.*: /, '')) ?? 0) + 1);
      }
      const after = memory();
      expect(after.bytesInUse, `${label}: bytesInUse must come back`).toBe(before.bytesInUse);
      expect(after.liveTensors, label).toBe(before.liveTensors);
    }
    // Small files: nothing may have grown the WebAssembly memory.
    expect(memory().memoryBytes).toBe(memoryBefore);
    // Both outcomes are exercised broadly (a mutator that only ever breaks files would test little).
    expect(counts.loaded).toBeGreaterThan(CASES / 20);
    expect(counts.rejected).toBeGreaterThan(CASES / 2);
    expect(whys.size).toBeGreaterThanOrEqual(10);
    console.log(`safetensors fuzz: ${CASES} cases, ${counts.loaded} loaded, ${counts.rejected} rejected for ${whys.size} kinds of reason`);
  });
});
