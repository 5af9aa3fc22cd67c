/** Element types. Every dtype is 4 bytes wide; `bool` is stored as i32 0/1. */
export type DType = 'float32' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function isFloat(d: DType): boolean {
  return d === 'float32';
}

/** Result dtype of arithmetic on two operands: any float makes float32, otherwise int32 (bool counts as int). */
export function promote(a: DType, b: DType): DType {
  return a === 'float32' || b === 'float32' ? 'float32' : 'int32';
}

export function checkDType(d: unknown, op: string): DType {
  if (d === 'float32' || d === 'int32' || d === 'bool') return d;
  throw new TypeError(`${op}: unknown dtype ${JSON.stringify(d)} (expected 'float32', 'int32' or 'bool')`);
}
