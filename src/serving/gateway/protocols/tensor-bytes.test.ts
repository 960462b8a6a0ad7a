import { describe, expect, it } from 'vitest';
import { decodeTensorBytes, encodeTensorBytes } from './tensor-bytes.js';

describe('tensor bytes (Open Inference Protocol binary form)', () => {
  it('round-trips every element type, from any byte offset', () => {
    const cases: Array<[string, number[], unknown[]]> = [
      ['float32', [2, 2], [0.5, -1, 3.25, 0]],
      ['float64', [3], [Math.PI, -0, 1e300]],
      ['int32', [2], [-7, 2 ** 31 - 1]],
      ['int16', [2], [-300, 300]],
      ['int8', [2], [-128, 127]],
      ['uint8', [2], [0, 255]],
      ['bool', [3], [true, false, true]],
      ['string', [3], ['', 'ab', 'ünïcode']],
      ['float16', [3], [1, -2.5, 0.0999755859375]],
    ];
    for (const [type, dims, values] of cases) {
      const bytes = encodeTensorBytes({ type, dims, data: values as number[] });
      // Misaligned on purpose: request bodies put tensors at any offset.
      const shifted = Buffer.concat([Buffer.from([9]), bytes]).subarray(1);
      expect(Array.from(decodeTensorBytes(type, dims, shifted, type) as ArrayLike<unknown>), type).toEqual(values);
    }
    const big = decodeTensorBytes('int64', [1], encodeTensorBytes({ type: 'int64', dims: [1], data: new BigInt64Array([2n ** 60n]) }), 'int64');
    expect(big).toEqual(new BigInt64Array([2n ** 60n]));
  });

  it('names the size that was expected', () => {
    expect(() => decodeTensorBytes('float32', [2, 3], Buffer.alloc(20), 'input "x"')).toThrow('input "x" has 20 bytes of binary data, but shape [2,3] of FP32 needs 24');
    expect(() => decodeTensorBytes('string', [2], Buffer.from([1, 0, 0, 0, 65]), 'input "s"')).toThrow('BYTES element 1 has no 4-byte length');
    expect(() => decodeTensorBytes('string', [1], Buffer.from([9, 0, 0, 0, 65]), 'input "s"')).toThrow('says 9 bytes, but only 1 remain');
  });
});
