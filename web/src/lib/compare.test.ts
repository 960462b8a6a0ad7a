import { describe, expect, it } from 'vitest';
import type { Version } from '../types';
import { compareVersions } from './compare';

const ver = (extra: Partial<Version>) => ({ params: {}, metrics: {}, signature: null, ...extra }) as Version;

describe('compareVersions', () => {
  it('lists every metric, param and tensor of either version and marks the differences', () => {
    const a = ver({
      metrics: { auc: 0.91, recall: 0.8 },
      params: { l2: '0.01', epochs: '20' },
      signature: { inputs: [{ name: 'x', type: 'float32', shape: [-1, 4] }], outputs: [{ name: 'p', type: 'float32', shape: [-1, 1] }] },
    });
    const b = ver({
      metrics: { auc: 0.93, recall: 0.8, f1: 0.7 },
      params: { l2: '0.01' },
      signature: { inputs: [{ name: 'x', type: 'float32', shape: [-1, 5] }], outputs: [{ name: 'p', type: 'float32', shape: [-1, 1] }] },
    });
    const d = compareVersions(a, b);
    expect(d.metrics).toEqual([
      { key: 'auc', a: 0.91, b: 0.93, changed: true },
      { key: 'f1', a: undefined, b: 0.7, changed: true },
      { key: 'recall', a: 0.8, b: 0.8, changed: false },
    ]);
    expect(d.params.map((p) => [p.key, p.changed])).toEqual([
      ['epochs', true],
      ['l2', false],
    ]);
    expect(d.signature).toEqual([
      { key: 'input x', a: 'float32 [?, 4]', b: 'float32 [?, 5]', changed: true },
      { key: 'output p', a: 'float32 [?, 1]', b: 'float32 [?, 1]', changed: false },
    ]);
  });
});
