import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range.js';

describe('HTTP Range for downloads', () => {
  it('reads one range in its three forms', () => {
    expect(parseRange('bytes=2-5', 10)).toEqual({ kind: 'part', range: { start: 2, end: 5 } });
    expect(parseRange('bytes=7-', 10)).toEqual({ kind: 'part', range: { start: 7, end: 9 } });
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'part', range: { start: 7, end: 9 } });
    expect(parseRange('bytes=5-100', 10)).toEqual({ kind: 'part', range: { start: 5, end: 9 } });
  });

  it('sends the whole file for no, several or malformed ranges, and refuses one past the end', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'whole' });
    expect(parseRange('bytes=0-1,4-5', 10)).toEqual({ kind: 'whole' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'whole' });
    expect(parseRange('bytes=5-2', 10)).toEqual({ kind: 'whole' });
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
  });
});
