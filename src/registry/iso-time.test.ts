import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('writes what Date.prototype.toISOString writes', () => {
    const edges = [0, 1, 999, 86399999, 86400000, 951782400000, 951868800000, 1709164800000, 4102444800000, 253402300799999, 1764900000000];
    for (const ms of edges) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    for (let i = 0; i < 100000; i++) {
      const ms = Math.floor(Math.random() * 253402300800000);
      if (isoTime(ms) !== new Date(ms).toISOString()) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('takes what drivers return, and defers to Date outside years 0-9999', () => {
    expect(isoTime(1764900000000n)).toBe(new Date(1764900000000).toISOString());
    expect(isoTime('1764900000000')).toBe(new Date(1764900000000).toISOString());
    expect(isoTime(-1)).toBe(new Date(-1).toISOString());
    expect(isoTime(253402300800000)).toBe(new Date(253402300800000).toISOString());
  });
});
