import { describe, expect, it } from 'vitest';
import { requestId } from './request-id.js';

describe('request ids', () => {
  it('are RFC 9562 version-7 UUIDs carrying the arrival time in milliseconds', () => {
    const t = Date.UTC(2026, 11, 3, 22, 0, 0, 123);
    const id = requestId(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
  });

  it('sort by arrival and never repeat', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => requestId(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    const firsts = ids.filter((_, i) => i % 100 === 0);
    expect(firsts.slice().sort()).toEqual(firsts);
  });
});
