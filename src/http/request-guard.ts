// The request edge's check on every value a request carries, whatever the route and its schema:
// no string holding a NUL byte (PostgreSQL's text cannot store one; SQLite would, and the two must
// answer alike) or an unpaired surrogate (stored as U+FFFD, so what was written is not found
// again), and no number that is not finite (JSON's 1e309 parses to Infinity, a query's "Infinity"
// or "1e309" coerces to it, and no column holds it). Each is refused as a 400 naming the field,
// before any service or database sees it. The native API gets it as a hook on every route
// (createFastify); the MLflow door, which parses its own bodies, calls hostileValue itself.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../errors.js';

export interface HostileValue {
  /** Where the value sits: ['metrics', 0, 'value']; a bad key is named by its own path. */
  path: Array<string | number>;
  problem: 'must not contain a NUL byte' | 'must not contain an unpaired surrogate' | 'must be a finite number';
}

/** Half a UTF-16 pair on its own ("\ud800" in JSON): no database stores it as sent, so a name holding one could not be found again. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function stringProblem(s: string): HostileValue['problem'] | undefined {
  if (s.includes('\u0000')) return 'must not contain a NUL byte';
  if (UNPAIRED_SURROGATE.test(s)) return 'must not contain an unpaired surrogate';
  return undefined;
}

/** Parsed data, as opposed to bytes (buffers) and streams (uploads), which are not values to check. */
const isData = (v: object): boolean => !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && typeof (v as { pipe?: unknown }).pipe !== 'function';

/** A value to look at, and how it was reached: the path is rebuilt only for the one reported. */
interface Visit {
  v: unknown;
  key: string | number | null;
  parent: Visit | null;
}

function pathOf(visit: Visit): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Visit | null = visit; at && at.key !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** What is wrong with a leaf (a string or a number), if anything. */
function leafProblem(v: unknown): HostileValue['problem'] | undefined {
  if (typeof v === 'string') return stringProblem(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return 'must be a finite number';
  return undefined;
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object' && (Array.isArray(v) || isData(v));

/**
 * The first string with a NUL byte or an unpaired surrogate, or non-finite number, in `value`
 * (depth first), or undefined. Iterative, so a deeply nested body cannot overflow the stack; leaves
 * are checked where they stand, so a large inference tensor costs a loop, not an allocation per
 * number. Buffers and streams are bytes, not values.
 */
export function hostileValue(value: unknown): HostileValue | undefined {
  const top = leafProblem(value);
  if (top) return { path: [], problem: top };
  const stack: Visit[] = isContainer(value) ? [{ v: value, key: null, parent: null }] : [];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (Array.isArray(visit.v)) {
      const list: unknown[] = visit.v;
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        // The common case, numbers of a tensor, without a call.
        if (typeof item === 'number' && Number.isFinite(item)) continue;
        const bad = checkChild(stack, visit, i, item);
        if (bad) return bad;
      }
    } else {
      const record = visit.v as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const bad = checkChild(stack, visit, key, record[key]);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/** One child of a container: its key and value checked, a container queued (a function, not a closure per container). */
function checkChild(stack: Visit[], visit: Visit, key: string | number, child: unknown): HostileValue | undefined {
  const problem = (typeof key === 'string' && stringProblem(key)) || leafProblem(child);
  if (problem) return { path: [...pathOf(visit), key], problem };
  if (isContainer(child)) stack.push({ v: child, key, parent: visit });
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
