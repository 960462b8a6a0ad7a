// The request edge's check on every value a request carries, whatever the route and its schema:
// no string holding a NUL byte (PostgreSQL's text cannot store one; SQLite would, and the two must
// answer alike) and no number that is not finite (JSON's 1e309 parses to Infinity, a query's
// "Infinity" or "1e309" coerces to it, and no column holds it). Both are refused as a 400 naming
// the field, before any service or database sees them. The native API gets it as a hook on every
// route (createFastify); the MLflow door, which parses its own bodies, calls hostileValue itself.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../errors.js';

export interface HostileValue {
  /** Where the value sits: ['metrics', 0, 'value']; a key with a NUL byte is named by its own path. */
  path: Array<string | number>;
  problem: 'must not contain a NUL byte' | 'must be a finite number';
}

/** Parsed data, as opposed to bytes (buffers) and streams (uploads), which are not values to check. */
const isData = (v: object): boolean => !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && typeof (v as { pipe?: unknown }).pipe !== 'function';

/**
 * The first NUL-bearing string or non-finite number in `value` (depth first), or undefined.
 * Iterative, so a deeply nested body cannot overflow the stack; buffers and streams are not values.
 */
export function hostileValue(value: unknown): HostileValue | undefined {
  const stack: Array<{ v: unknown; path: Array<string | number> }> = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path, problem: 'must not contain a NUL byte' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, problem: 'must be a finite number' };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else if (v !== null && typeof v === 'object' && isData(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        if (key.includes('\u0000')) return { path: [...path, key], problem: 'must not contain a NUL byte' };
        stack.push({ v: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** Where a request carries what it reads, named as the validator names them ("querystring/limit"). */
const PARTS = [
  ['params', (r: { params: unknown }) => r.params],
  ['querystring', (r: { query: unknown }) => r.query],
  ['body', (r: { body: unknown }) => r.body],
] as const;

/** The 400 for the first hostile value of a request, or undefined when there is none. */
export function hostileRequestError(request: { params: unknown; query: unknown; body: unknown }): Error | undefined {
  for (const [name, read] of PARTS) {
    const bad = hostileValue(read(request));
    if (bad) {
      const field = [name, ...bad.path].join('/');
      return invalid(`invalid request: ${field} ${bad.problem}`, { field });
    }
  }
  return undefined;
}

/**
 * On every route, after validation (so a query's "1e309" has been coerced to the Infinity it means)
 * and before the handler. Callback style: on the inference path an async hook would cost a promise.
 */
export function registerRequestGuard(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => done(hostileRequestError(request)));
}
