import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { hostileRequestError, hostileValue } from './request-guard.js';

describe('hostileValue', () => {
  it('finds a NUL byte, an unpaired surrogate or a non-finite number anywhere, and says where', () => {
    expect(hostileValue({ a: [{ b: 'x' }, { c: 'y\u0000' }] })).toEqual({ path: ['a', 1, 'c'], problem: 'must not contain a NUL byte' });
    expect(hostileValue({ 'k\u0000': 1 })).toEqual({ path: ['k\u0000'], problem: 'must not contain a NUL byte' });
    expect(hostileValue(['\udc00'])).toEqual({ path: [0], problem: 'must not contain an unpaired surrogate' });
    expect(hostileValue({ n: Infinity })).toEqual({ path: ['n'], problem: 'must be a finite number' });
    expect(hostileValue({ n: [1, -Infinity] })).toEqual({ path: ['n', 1], problem: 'must be a finite number' });
    expect(hostileValue(NaN)).toEqual({ path: [], problem: 'must be a finite number' });
  });

  it('lets ordinary values through: emoji (a paired surrogate), big finite numbers, null, booleans', () => {
    expect(hostileValue({ name: 'café 😀 ש', n: 1e308, m: -0, x: null, ok: true, list: [] })).toBeUndefined();
  });

  it('checks parsed data only: buffers and streams are bytes, not values', () => {
    expect(hostileValue({ body: Buffer.from([0, 0, 0]) })).toBeUndefined();
    expect(hostileValue(Readable.from(['\u0000']))).toBeUndefined();
  });

  it('walks a deeply nested body without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(hostileValue(deep)?.problem).toBe('must not contain a NUL byte');
  });
});

describe('hostileRequestError', () => {
  it('is a 400 naming the part and the field as the validator names them', () => {
    const err = hostileRequestError({ params: { name: 'm' }, query: { limit: Infinity }, body: undefined }) as Error & { status: number; details: unknown };
    expect([err.status, err.message, err.details]).toEqual([400, 'invalid request: querystring/limit must be a finite number', { field: 'querystring/limit' }]);
    expect(hostileRequestError({ params: Object.assign(Object.create(null), { name: 'a\u0000' }), query: {}, body: {} })?.message).toBe('invalid request: params/name must not contain a NUL byte');
    expect(hostileRequestError({ params: {}, query: {}, body: { metrics: { loss: 0.5 } } })).toBeUndefined();
  });
});
