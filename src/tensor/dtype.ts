/** Element types. Every dtype is 4 bytes wide; `bool` is stored as i32 0/1. */
export type DType = 'float32' | 'int32' | 'bool';

/** Result dtype of arithmetic on two operands: any float makes float32, otherwise int32 (bool counts as int). */
export function promote(a: DType, b: DType): DType {
  return a === 'float32' || b === 'float32' ? 'float32' : 'int32';
}

/**
 * Checks that `value` can be stored in a tensor of `dtype` (PyTorch's "cannot be converted without
 * overflow"): int32 takes finite numbers whose integer part fits (fractions are truncated), so NaN or
 * 1e10 do not wrap silently. Returns the value to store.
 */
export function checkValue(value: number, dtype: DType, op: string): number {
  if (dtype !== 'int32') return value;
  const v = Math.trunc(value);
  if (!(v >= -0x80000000 && v <= 0x7fffffff)) throw new RangeError(`${op}: value ${value} cannot be converted to int32 without overflow`);
  return v;
}

export function checkDType(d: unknown, op: string): DType {
  if (d === 'float32' || d === 'int32' || d === 'bool') return d;
  throw new TypeError(`${op}: unknown dtype ${JSON.stringify(d)} (expected 'float32', 'int32' or 'bool')`);
}
