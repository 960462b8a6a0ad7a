import { describe, expect, it } from 'vitest';
import { probeFromMetadata, tensorProbe } from './probe-payload.js';

describe('drill probe payloads', () => {
  it('sends one zero row: a tensor of the width, or one record per DataFrame column', () => {
    expect(JSON.parse(tensorProbe(3))).toEqual({ instances: [[0, 0, 0]] });
    expect(JSON.parse(probeFromMetadata([{ name: 'input', datatype: 'FP32', shape: [-1, 2] }]))).toEqual({ instances: [[0, 0]] });
    const columns = [
      { name: 'age', datatype: 'FP64', shape: [-1] },
      { name: 'city', datatype: 'BYTES', shape: [-1] },
    ];
    expect(JSON.parse(probeFromMetadata(columns))).toEqual({ instances: [{ age: 0, city: '' }] });
    expect(JSON.parse(probeFromMetadata(undefined))).toEqual({ instances: [[0]] });
  });
});
