/**
 * io: safetensors writer and reader (toSafetensors / fromSafetensors / readSafetensorsMetadata), hand-built
 * files from the format spec, corrupt inputs, and save/load through a file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  arange, fromSafetensors, load, loadMetadata, memory, readSafetensorsHeader, readSafetensorsMetadata, save,
  SafetensorsError, tensor, Tensor, toSafetensors, zeros,
} from '../src/index.js';
import { mulberry32 } from './helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A safetensors file from a header (object or raw JSON text) and data bytes; `n` overrides the header length. */
function build(header: object | string, data: Uint8Array | number[] = [], opts: { pad?: boolean; n?: bigint } = {}): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (opts.pad) json += ' '.repeat((8 - (enc.encode(json).length % 8)) % 8);
  const h = enc.encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.n ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** The header JSON text of a file. */
function headerText(bytes: Uint8Array): string {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return dec.decode(bytes.subarray(8, 8 + n));
}

const f32bytes = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const i32bytes = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const u16bytes = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);
const concat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Expects `fn` to throw a SafetensorsError whose message matches `re`. */
function expectBad(fn: () => unknown, re: RegExp): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error matching ${re}`).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(re);
}

describe('round trip', () => {
  it('keeps every dtype, shape and value bit for bit', () => {
    const special = tensor(Float32Array.of(0, -0, 1.5, -3.25, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38, 1 / 3));
    const sd: Record<string, Tensor> = {
      'layer.weight': arange(24).reshape(2, 3, 4).div(7),
      special,
      scalar: tensor(2.5),
      ints: tensor(Int32Array.of(0, 1, -1, 2147483647, -2147483648, 123456789)).reshape(2, 3),
      flags: tensor([[true, false, true], [false, false, true]]),
      empty: zeros(0, 3),
      emptyInt: zeros([4, 0], { dtype: 'int32' }),
      'int.0d': tensor(7, { dtype: 'int32' }),
    };
    const bytes = toSafetensors(sd);
    const back = fromSafetensors(bytes);
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    for (const [name, t] of Object.entries(sd)) {
      const b = back[name]!;
      expect(b.dtype, name).toBe(t.dtype);
      expect(b.shape, name).toEqual(t.shape);
      expect(b.isContiguous()).toBe(true);
      const want = t.toArray();
      const got = b.toArray();
      expect(new Uint8Array(got.buffer), name).toEqual(new Uint8Array(want.buffer));
    }
    expect(back.flags!.tolist()).toEqual([[true, false, true], [false, false, true]]);
    expect(Object.is((back.special!.tolist() as number[])[1], -0)).toBe(true);
    expect(readSafetensorsMetadata(bytes)).toEqual({});
  });

  it('accepts a Map and non-contiguous tensors, and keeps metadata', () => {
    const x = arange(12).reshape(3, 4);
    const sd = new Map<string, Tensor>([['xt', x.t()], ['row', x.select(1, 2)], ['b', x.gt(5).t()]]);
    const meta = { format: 'pt', note: 'a "quoted"\nline ünïcødé 😀', '0': 'zero' };
    const bytes = toSafetensors(sd, meta);
    const back = fromSafetensors(bytes);
    expect(back.xt!.tolist()).toEqual(x.t().tolist());
    expect(back.row!.tolist()).toEqual([2, 6, 10]);
    expect(back.b!.tolist()).toEqual(x.gt(5).t().tolist());
    expect(readSafetensorsMetadata(bytes)).toEqual(meta);
    expect(readSafetensorsMetadata(bytes.buffer as ArrayBuffer)).toEqual(meta);
  });

  it('handles awkward names ("__proto__", integer-like, unicode, empty)', () => {
    const names = ['__proto__', '10', '2', 'é', '😀', '', 'constructor'];
    const sd: Record<string, Tensor> = {};
    names.forEach((n, i) => Object.defineProperty(sd, n, { value: tensor([i]), enumerable: true }));
    const back = fromSafetensors(toSafetensors(sd));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back).sort()).toEqual([...names].sort());
    names.forEach((n, i) => expect(Object.getOwnPropertyDescriptor(back, n)!.value.tolist(), n).toEqual([i]));
  });

  it('loads from a Uint8Array at an odd offset of a bigger buffer', () => {
    const bytes = toSafetensors({ a: tensor([1, 2, 3], { dtype: 'float32' }), b: tensor([4], { dtype: 'int32' }) });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const back = fromSafetensors(big.subarray(3));
    expect(back.a!.tolist()).toEqual([1, 2, 3]);
    expect(back.b!.tolist()).toEqual([4]);
  });
});

describe('writer format (reference writer layout)', () => {
  it('matches the reference bytes for one F32 tensor', () => {
    const bytes = toSafetensors({ 'attn.0': arange(6, { dtype: 'float32' }).reshape(1, 2, 3) });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    expect(Array.from(bytes)).toEqual([64, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(json), ...f32bytes(0, 1, 2, 3, 4, 5)]);
  });

  it('pads the header with spaces so the data starts 8-byte aligned', () => {
    const bytes = toSafetensors({ attn0: arange(6, { dtype: 'float32' }).reshape(1, 1, 2, 3) });
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(65);
    expect(Array.from(bytes)).toEqual([72, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(json + '       '), ...f32bytes(0, 1, 2, 3, 4, 5)]);
    expect(Array.from(toSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...enc.encode('{}      ')]);
    expect(dec.decode(toSafetensors({}, { framework: 'pt' }))).toBe('(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     ');
  });

  it('orders tensors by dtype alignment, then name; metadata first', () => {
    const sd = {
      zb: tensor([true, false, true]),
      b: tensor([1, 2], { dtype: 'int32' }),
      a: tensor([true]),
      '10': tensor([5], { dtype: 'float32' }),
      c: tensor([[1, 2]], { dtype: 'float32' }),
      a2: tensor([3], { dtype: 'float32' }),
      é: tensor([4], { dtype: 'float32' }),
      '9': tensor([6], { dtype: 'float32' }),
    };
    const bytes = toSafetensors(sd, { k: 'v' });
    const text = headerText(bytes);
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"k":"v"},' +
        '"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
        '"9":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
        '"a2":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"c":{"dtype":"F32","shape":[1,2],"data_offsets":[12,20]},' +
        '"é":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},' +
        '"b":{"dtype":"I32","shape":[2],"data_offsets":[24,32]},' +
        '"a":{"dtype":"BOOL","shape":[1],"data_offsets":[32,33]},' +
        '"zb":{"dtype":"BOOL","shape":[3],"data_offsets":[33,36]}}',
    );
    const n = enc.encode(text).length;
    expect(n % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/);
    expect(bytes.length).toBe(8 + n + 36);
    expect(Array.from(bytes.subarray(8 + n + 32))).toEqual([1, 1, 0, 1]);
    expect(Array.from(bytes.subarray(8 + n + 24, 8 + n + 32))).toEqual(Array.from(i32bytes(1, 2)));
  });

  it('rejects what it cannot write', () => {
    expectBad(() => toSafetensors({ __metadata__: tensor([1]) }), /reserved/);
    expect(() => toSafetensors({ a: [1, 2] as unknown as Tensor })).toThrow(/value of "a" is not a Tensor/);
    expect(() => toSafetensors(tensor([1]) as unknown as Record<string, Tensor>)).toThrow(/got a Tensor/);
    expect(() => toSafetensors({}, { n: 3 as unknown as string })).toThrow(/metadata value of "n" must be a string/);
    expectBad(() => toSafetensors({ ['\uD800x']: tensor([1]) }), /lone surrogate/);
    const d = tensor([1]);
    d.dispose();
    expectBad(() => toSafetensors({ d }), /disposed/);
  });
});

describe('hand-built files (from the spec)', () => {
  it('reads F32, I32 and BOOL with a padded header', () => {
    const data = concat(f32bytes(1, -2, 0.5, 8), i32bytes(-7, 42), [1, 0, 1]);
    const bytes = build(
      {
        __metadata__: { who: 'hand' },
        w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        idx: { dtype: 'I32', shape: [2], data_offsets: [16, 24] },
        m: { dtype: 'BOOL', shape: [3], data_offsets: [24, 27] },
      },
      data,
      { pad: true },
    );
    const t = fromSafetensors(bytes);
    expect(Object.keys(t)).toEqual(['w', 'idx', 'm']);
    expect(t.w!.dtype).toBe('float32');
    expect(t.w!.tolist()).toEqual([[1, -2], [0.5, 8]]);
    expect(t.idx!.dtype).toBe('int32');
    expect(t.idx!.tolist()).toEqual([-7, 42]);
    expect(t.m!.dtype).toBe('bool');
    expect(t.m!.tolist()).toEqual([true, false, true]);
    expect(readSafetensorsMetadata(bytes)).toEqual({ who: 'hand' });
    const h = readSafetensorsHeader(bytes);
    expect(h.tensors.idx).toEqual({ dtype: 'I32', shape: [2], dataOffsets: [16, 24] });
  });

  it('reads unaligned data (odd header length, tensors at odd offsets, any key order)', () => {
    // BOOL (1 byte) first, so every following tensor starts at an odd offset; header length not a multiple of 8.
    const data = concat([2], f32bytes(3.5, -1), i32bytes(99), u16bytes(0x3c00), new Uint8Array(new Float64Array([0.1, -2.5]).buffer), i32bytes(5, 0, -6, -1));
    const header = {
      i64: { dtype: 'I64', shape: [2], data_offsets: [31, 47] },
      flag: { dtype: 'BOOL', shape: [], data_offsets: [0, 1] },
      f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      i: { dtype: 'I32', shape: [1, 1], data_offsets: [9, 13] },
      h: { dtype: 'F16', shape: [1], data_offsets: [13, 15] },
      d: { dtype: 'F64', shape: [2], data_offsets: [15, 31] },
    };
    const bytes = build(header, data);
    expect((bytes.length - data.length) % 8).not.toBe(0);
    const t = fromSafetensors(bytes);
    expect(Object.keys(t)).toEqual(['i64', 'flag', 'f', 'i', 'h', 'd']);
    expect(t.flag!.shape).toEqual([]);
    expect(t.flag!.tolist()).toBe(true); // any non-zero byte is true
    expect(t.flag!.toArray()[0]).toBe(1); // stored as a proper 0/1 bool
    expect(t.f!.tolist()).toEqual([3.5, -1]);
    expect(t.i!.tolist()).toEqual([[99]]);
    expect(t.h!.tolist()).toEqual([1]);
    expect(t.d!.dtype).toBe('float32');
    expect(t.d!.tolist()).toEqual([Math.fround(0.1), -2.5]);
    expect(t.i64!.dtype).toBe('int32');
    expect(t.i64!.tolist()).toEqual([5, -6]);
  });

  it('converts F16 to float32 exactly (normals, subnormals, zeros, inf, nan)', () => {
    const cases: [number, number][] = [
      [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x7bff, 65504], [0x0400, 2 ** -14],
      [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x8001, -(2 ** -24)], [0x0200, 2 ** -15],
      [0x0000, 0], [0x8000, -0], [0x7c00, Infinity], [0xfc00, -Infinity], [0x7e00, NaN], [0xfe01, NaN],
    ];
    const bytes = build({ h: { dtype: 'F16', shape: [cases.length], data_offsets: [0, 2 * cases.length] } }, u16bytes(...cases.map((c) => c[0])));
    const got = fromSafetensors(bytes).h!.tolist() as number[];
    cases.forEach(([bits, v], i) => expect(Object.is(got[i], v), `F16 0x${bits.toString(16)} → ${got[i]}, want ${v}`).toBe(true));
    // NaN payload/sign kept: 0xfe01 → sign set, quiet bit set.
    const back = fromSafetensors(bytes).h!.toArray();
    expect(new Uint32Array(back.buffer)[14]).toBe(0xffc02000);
  });

  it('converts BF16 to float32 exactly', () => {
    const cases: [number, number][] = [
      [0x3f80, 1], [0xc040, -3], [0x4049, 3.140625], [0x0001, 2 ** -133], [0x8000, -0], [0x0000, 0],
      [0x7f80, Infinity], [0xff80, -Infinity], [0x7fc0, NaN], [0x7f7f, 3.3895313892515355e38],
    ];
    const bytes = build({ b: { dtype: 'BF16', shape: [2, 5], data_offsets: [0, 20] } }, u16bytes(...cases.map((c) => c[0])));
    const got = (fromSafetensors(bytes).b!.tolist() as number[][]).flat();
    cases.forEach(([bits, v], i) => expect(Object.is(got[i], v), `BF16 0x${bits.toString(16)} → ${got[i]}, want ${v}`).toBe(true));
  });

  it('reads I64 as int32 when it fits, and small integer types', () => {
    const i64 = new BigInt64Array([0n, 1n, -1n, 2147483647n, -2147483648n]);
    const t = fromSafetensors(build({ x: { dtype: 'I64', shape: [5], data_offsets: [0, 40] } }, new Uint8Array(i64.buffer))).x!;
    expect(t.dtype).toBe('int32');
    expect(t.tolist()).toEqual([0, 1, -1, 2147483647, -2147483648]);
    const small = build(
      {
        u8: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
        i8: { dtype: 'I8', shape: [2], data_offsets: [2, 4] },
        i16: { dtype: 'I16', shape: [1], data_offsets: [4, 6] },
        u16: { dtype: 'U16', shape: [1], data_offsets: [6, 8] },
        u32: { dtype: 'U32', shape: [1], data_offsets: [8, 12] },
        u64: { dtype: 'U64', shape: [1], data_offsets: [12, 20] },
      },
      concat([255, 7], [0xff, 0x80], [0x00, 0x80], [0xff, 0xff], i32bytes(2147483647), new Uint8Array(new BigUint64Array([12345n]).buffer)),
    );
    const s = fromSafetensors(small);
    expect(Object.values(s).map((v) => [v.dtype, v.tolist()])).toEqual([
      ['int32', [255, 7]], ['int32', [-1, -128]], ['int32', [-32768]], ['int32', [65535]], ['int32', [2147483647]], ['int32', [12345]],
    ]);
  });

  it('rejects I64/U64/U32 values beyond int32', () => {
    for (const [dtype, arr, shown] of [
      ['I64', new BigInt64Array([1n, 2147483648n]), '2147483648'],
      ['I64', new BigInt64Array([-2147483649n]), '-2147483649'],
      ['I64', new BigInt64Array([-(2n ** 40n)]), '-1099511627776'],
      ['U64', new BigUint64Array([2n ** 64n - 1n]), '18446744073709551615'],
      ['U64', new BigUint64Array([2n ** 31n]), '2147483648'],
    ] as const) {
      const bytes = build({ x: { dtype, shape: [arr.length], data_offsets: [0, arr.byteLength] } }, new Uint8Array(arr.buffer));
      expectBad(() => fromSafetensors(bytes), new RegExp(`${dtype} value ${shown} at index \\d does not fit in int32`));
    }
    const u32 = build({ x: { dtype: 'U32', shape: [1], data_offsets: [0, 4] } }, i32bytes(-1));
    expectBad(() => fromSafetensors(u32), /U32 value 4294967295 at index 0 does not fit in int32/);
  });

  it('reads an empty file and zero-size tensors', () => {
    expect(fromSafetensors(build({}))).toEqual({});
    const z = fromSafetensors(build({ a: { dtype: 'F32', shape: [0, 5], data_offsets: [0, 0] }, b: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)));
    expect(z.a!.shape).toEqual([0, 5]);
    expect(z.b!.tolist()).toEqual([0, 0]);
  });
});

describe('corrupt inputs give clear errors, never a crash', () => {
  const good = toSafetensors({ w: arange(6, { dtype: 'float32' }).reshape(2, 3), i: tensor([1, 2], { dtype: 'int32' }), m: tensor([true]) }, { a: 'b' });
  const goodHeader = JSON.parse(headerText(good)) as Record<string, { data_offsets: number[]; shape: number[]; dtype: string }>;
  const goodData = good.subarray(good.length - 33);

  it('a file truncated at any offset', () => {
    for (let cut = 0; cut < good.length; cut++) {
      expectBad(() => fromSafetensors(good.subarray(0, cut)), /truncated|beyond|extra bytes|not valid JSON/);
    }
    expectBad(() => fromSafetensors(good.subarray(0, 5)), /file is truncated: 5 bytes/);
    expectBad(() => fromSafetensors(good.subarray(0, good.length - 1)), /data_offsets \[32, 33\] go beyond the 32-byte data buffer/);
    expect(fromSafetensors(good).w!.shape).toEqual([2, 3]);
  });

  it('a header length that lies', () => {
    const n = BigInt(headerText(good).length);
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: n + 1000n })), /header length \d+ bytes goes beyond the end of the file/);
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: 2n ** 40n })), /exceeds the 100000000-byte limit/);
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: 2n ** 64n - 1n })), /exceeds/);
    const jsonLen = BigInt(headerText(good).trimEnd().length);
    expect(jsonLen).toBeLessThan(n); // the header has padding
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: jsonLen - 1n })), /not valid JSON/);
    // Shorter by padding only: the JSON is intact but the data buffer then has bytes no tensor covers.
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: jsonLen })), /extra bytes after the last tensor/);
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: 0n })), /too small/);
    // Longer than the JSON: the data's first bytes are read as header → not JSON (or not UTF-8).
    expectBad(() => fromSafetensors(build(headerText(good), goodData, { n: n + 4n })), /not valid JSON|UTF-8/);
  });

  it('bad JSON, bad UTF-8, a header that is not an object', () => {
    expectBad(() => fromSafetensors(build('{"w": {"dtype": "F32",', [])), /not valid JSON/);
    expectBad(() => fromSafetensors(build('[1, 2]', [])), /must be a JSON object, got an array/);
    expectBad(() => fromSafetensors(build('null', [])), /must be a JSON object, got null/);
    const badUtf8 = build('{"\u00e9":1}');
    badUtf8[10] = 0xff;
    expectBad(() => fromSafetensors(badUtf8), /not valid UTF-8/);
    expectBad(() => fromSafetensors(build('{"w": 3}')), /tensor "w": entry must be an object/);
    expectBad(() => fromSafetensors(build({ __metadata__: { a: 1 } })), /"__metadata__" value of "a" must be a string, got number/);
    expectBad(() => fromSafetensors(build({ __metadata__: ['x'] })), /"__metadata__" must be an object/);
  });

  it('offsets out of range, overlapping, with holes, extra bytes', () => {
    const h = (o: Record<string, [number, number]>) => {
      const c = structuredClone(goodHeader);
      for (const [k, v] of Object.entries(o)) c[k]!.data_offsets = v;
      return c;
    };
    expectBad(() => fromSafetensors(build(h({ m: [32, 40] }), goodData)), /tensor "m": data_offsets \[32, 40\] go beyond the 33-byte data buffer/);
    expectBad(() => fromSafetensors(build(h({ i: [24, 20] }), goodData)), /end before they begin/);
    expectBad(() => fromSafetensors(build(h({ i: [20, 28], m: [28, 29] }), goodData)), /overlap/);
    // Swapped but still contiguous and exact: a valid file (offsets need not follow header order).
    expect(fromSafetensors(build(h({ i: [25, 33], m: [24, 25] }), goodData)).m!.shape).toEqual([1]);
    expectBad(() => fromSafetensors(build(h({ w: [1, 25] }), goodData)), /leave bytes 0\.\.1 of the data buffer unused/);
    expectBad(() => fromSafetensors(build(goodHeader, concat(goodData, [0, 0]))), /2 extra bytes after the last tensor/);
    expectBad(() => fromSafetensors(build(h({ w: [-24, 0] }), goodData)), /data_offsets must be \[begin, end\]/);
    expectBad(() => fromSafetensors(build(h({ w: [0, 1.5] as [number, number] }), goodData)), /data_offsets must be/);
    const c = structuredClone(goodHeader) as Record<string, unknown>;
    (c.w as Record<string, unknown>).data_offsets = [0];
    expectBad(() => fromSafetensors(build(c, goodData)), /data_offsets must be/);
    // A tensor listed twice under one name: JSON keeps the last, leaving the other bytes unindexed.
    const dup = headerText(good).trimEnd().replace(/\}$/, ',"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    expectBad(() => fromSafetensors(build(dup, goodData)), /leave bytes 8\.\.24 of the data buffer unused/);
  });

  it('shape and size mismatches, bad shapes, unknown dtypes', () => {
    const h = (name: string, patch: object) => {
      const c = structuredClone(goodHeader);
      Object.assign(c[name]!, patch);
      return c;
    };
    expectBad(() => fromSafetensors(build(h('w', { shape: [3, 3] }), goodData)), /tensor "w": shape \[3, 3\] of F32 needs more than 24 bytes but data_offsets \[0, 24\] hold 24/);
    expectBad(() => fromSafetensors(build(h('w', { shape: [5] }), goodData)), /needs 20 bytes but data_offsets \[0, 24\] hold 24/);
    expectBad(() => fromSafetensors(build(h('w', { dtype: 'I64' }), goodData)), /shape \[2, 3\] of I64 needs more than 24 bytes/);
    expectBad(() => fromSafetensors(build(h('w', { shape: [-2, -3] }), goodData)), /shape \[-2,-3\] must hold non-negative integers/);
    expectBad(() => fromSafetensors(build(h('w', { shape: [2.5, 2.4] }), goodData)), /must hold non-negative integers/);
    expectBad(() => fromSafetensors(build(h('w', { shape: '2,3' }), goodData)), /shape must be an array/);
    expectBad(() => fromSafetensors(build(h('w', { dtype: 'F33' }), goodData)), /tensor "w": unknown dtype "F33"/);
    expectBad(() => fromSafetensors(build(h('w', { dtype: 'f32' }), goodData)), /unknown dtype "f32"/);
    expectBad(() => fromSafetensors(build(h('w', { dtype: 'F8_E4M3' }), goodData)), /dtype F8_E4M3 is not supported/);
    expectBad(() => fromSafetensors(build(h('w', { dtype: 7 }), goodData)), /dtype must be a string/);
  });

  it('never allocates what the file cannot hold', () => {
    const before = memory();
    // 2^31-1 × 2^31-1 floats described by 24 bytes.
    const huge = build({ w: { dtype: 'F32', shape: [2147483647, 2147483647, 2147483647], data_offsets: [0, 24] } }, goodData.subarray(0, 24));
    expectBad(() => fromSafetensors(huge), /needs more than 24 bytes/);
    expectBad(() => fromSafetensors(build({ w: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 4] } }, [0, 0, 0, 0])), /below 2\^31/);
    const after = memory();
    expect(after.memoryBytes).toBe(before.memoryBytes);
    expect(after.liveTensors).toBe(before.liveTensors);
  });

  it('frees what it allocated when a later tensor fails', () => {
    const bytes = build(
      { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'I64', shape: [1], data_offsets: [16, 24] } },
      concat(f32bytes(1, 2, 3, 4), new Uint8Array(new BigInt64Array([2n ** 40n]).buffer)),
    );
    const before = memory().liveTensors;
    expectBad(() => fromSafetensors(bytes), /does not fit/);
    expect(memory().liveTensors).toBe(before);
  });

  it('random corruption of the header either loads or throws a SafetensorsError', () => {
    const rng = mulberry32(77);
    const n = headerText(good).length;
    let loaded = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bad = good.slice();
      const flips = 1 + Math.floor(rng() * 3);
      for (let f = 0; f < flips; f++) bad[Math.floor(rng() * (8 + n))] = Math.floor(rng() * 256);
      try {
        fromSafetensors(bad);
        loaded++;
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(SafetensorsError);
      }
    }
    expect(loaded).toBeLessThan(400);
  });

  it('non-byte inputs are a TypeError', () => {
    expect(() => fromSafetensors('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => fromSafetensors(null as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('save / load (Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a state dict and its metadata through a file', () => {
    const path = join(dir, 'model.safetensors');
    const sd = { '0.weight': arange(6).reshape(2, 3).mul(0.5), '0.bias': tensor([1, -1]), steps: tensor(3, { dtype: 'int32' }) };
    save(sd, path, { epoch: '4' });
    const onDisk = readFileSync(path);
    expect(Array.from(onDisk)).toEqual(Array.from(toSafetensors(sd, { epoch: '4' })));
    const back = load(path);
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, v] of Object.entries(sd)) {
      expect(back[k]!.dtype).toBe(v.dtype);
      expect(back[k]!.tolist()).toEqual(v.tolist());
    }
    expect(loadMetadata(path)).toEqual({ epoch: '4' });
    save(new Map([['x', tensor([1])]]), new URL(`file://${join(dir, 'url.safetensors')}`));
    expect(load(new URL(`file://${join(dir, 'url.safetensors')}`)).x!.tolist()).toEqual([1]);
  });

  it('reports missing files and corrupt files clearly', () => {
    expect(() => load(join(dir, 'nope.safetensors'))).toThrow(/ENOENT/);
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array([1, 2, 3]));
    expectBad(() => load(path), /truncated/);
  });
});
