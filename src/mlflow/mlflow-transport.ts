// MLflow's transport: GET parameters in the query string (repeated keys for lists), JSON bodies on
// POST/PATCH/DELETE, the Content-Type check on POST, unknown fields ignored, lenient body parsing.
// Whatever the parameters, a value holding a NUL byte or a number that is not finite is refused in
// MLflow's shape (INVALID_PARAMETER_VALUE, 400) naming the parameter, as the native API refuses it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INT4 } from '../http/common-schemas.js';
import { hostileValue } from '../http/request-guard.js';
import type { Permission } from '../registry/index.js';
import { badParam, missingParam } from './mlflow-errors.js';

export type Input = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Handler = (input: Input, request: FastifyRequest) => Promise<unknown>;

/** Body parsing for a JSON-RPC plugin: every body arrives as text and is parsed in one place. */
export function jsonRpcTransport(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

function parseBody(raw: unknown): Input {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  // Old clients double-encode: a JSON string holding JSON.
  for (let i = 0; i < 2 && typeof value === 'string'; i++) {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch {
      throw badParam('Malformed JSON in the request body');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badParam('The request body must be a JSON object');
  return value as Input;
}

function checkContentType(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  if (!type) throw badParam('Bad Request. Content-Type header is missing.');
  if (type.split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw badParam(`Bad Request. Content-Type must be one of ['application/json'].`);
  }
}

/** 'metrics[0].value': a parameter named as MLflow's messages name one. */
function parameterName(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'body';
}

function checked(input: Input): Input {
  const bad = hostileValue(input);
  if (bad) throw badParam(`Invalid value for parameter '${parameterName(bad.path)}' supplied: it ${bad.problem}.`);
  return input;
}

export function inputOf(request: FastifyRequest): Input {
  if (request.method === 'GET') {
    const q = (request.query ?? {}) as Input;
    // A GET without a query string falls back to a JSON body, as MLflow's server does.
    return checked(Object.keys(q).length === 0 && request.body ? parseBody(request.body) : q);
  }
  if (request.method === 'POST' || request.method === 'PUT') checkContentType(request);
  return checked(parseBody(request.body));
}

/**
 * The per-model grant check of an RPC on a registered model (mlflow-model-access.ts): it finds the
 * model in the parsed input and throws what the door answers when the caller may not.
 */
export interface ModelCheck {
  check(request: FastifyRequest, input: Input, permission: Permission): void;
}

/**
 * The `model` of a search RPC: it lists many models and shows only those the caller may read, so it
 * is open to anyone who may read some model (a person whose only access is a per-model grant too).
 */
export const LISTING = 'listing';

/**
 * One MLflow RPC: parse the input MLflow's way, check the caller's role on the model it touches
 * (when `model` is given; else the route's global permission), answer JSON ({} for empty answers).
 */
export function rpc(app: FastifyInstance, method: Method, url: string, permission: Permission, handler: Handler, model?: ModelCheck | typeof LISTING): void {
  app.route({
    method,
    url,
    config: { permission, model: model === LISTING ? { list: true } : model ? 'handler' : undefined },
    // Not part of Stagecraft's OpenAPI (and so not of the SDK): the contract is MLflow's.
    schema: { hide: true },
    handler: async (request, reply) => {
      const input = inputOf(request);
      if (model !== undefined && model !== LISTING) model.check(request, input, permission);
      const out = await handler(input, request);
      return reply.header('content-type', 'application/json').send(JSON.stringify(out ?? {}));
    },
  });
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

const PY_TYPES: Record<string, string> = { number: 'int', boolean: 'bool', object: 'dict' };

function typeError(name: string, v: unknown): Error {
  const t = Array.isArray(v) ? 'list' : (PY_TYPES[typeof v] ?? typeof v);
  return badParam(
    `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: Hint: Value was of type '${t}'. See the API docs for more information about request parameters.`,
  );
}

export function optString(input: Input, name: string): string | undefined {
  const v = first(input[name]);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(name, v);
  return v;
}

export function reqString(input: Input, name: string): string {
  const v = optString(input, name);
  if (v === undefined || v === '') throw missingParam(name);
  return v;
}

/** Versions travel as strings holding integers, within the range of the column they are kept in. */
export function versionParam(input: Input, name = 'version'): number {
  const v = first(input[name]);
  if (v === undefined || v === null) throw missingParam(name);
  if (typeof v !== 'string') throw typeError(name, v);
  if (!/^\s*-?\d+\s*$/.test(v)) throw badParam(`Parameter '${name}' must be an integer, got '${v}'.`);
  const n = Number(v);
  if (n < INT4.minimum || n > INT4.maximum) throw badParam(`Parameter '${name}' must be an integer between ${INT4.minimum} and ${INT4.maximum}, got '${v.trim()}'.`);
  return n;
}

export function boolParam(input: Input, name: string, dflt = false): boolean {
  const v = first(input[name]);
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw badParam(`Invalid boolean value: ${String(v)}`);
}

export function intParam(input: Input, name: string): number | undefined {
  const v = first(input[name]);
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw typeError(name, v);
  return n;
}

/**
 * A finite number, as a JSON number or a string holding one. MLflow's protocol also spells NaN and
 * ±Infinity as strings; Stagecraft cannot keep them (SQLite stores NaN as NULL, JSON answers carry
 * neither), so they are refused by name rather than stored as something else.
 */
export function numberParam(input: Input, name: string): number | undefined {
  const v = first(input[name]);
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (typeof v === 'string' && /^\s*[+-]?(nan|inf|infinity)\s*$/i.test(v)) {
    throw badParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: it must be a finite number.`);
  }
  if (Number.isNaN(n)) throw typeError(name, v);
  if (!Number.isFinite(n)) throw badParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: it must be a finite number.`);
  return n;
}

export function listParam(input: Input, name: string): string[] {
  const v = input[name];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (typeof x !== 'string') throw typeError(name, v);
  return list as string[];
}

export interface KeyValue {
  key: string;
  value: string;
}

/** [{key, value}] lists (tags, params); duplicate keys collapse, the last one wins. */
export function keyValues(input: Input, name: string): KeyValue[] {
  const v = input[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw typeError(name, v);
  const out = new Map<string, string>();
  for (const item of v) {
    if (typeof item !== 'object' || item === null) throw typeError(name, v);
    const o = item as Input;
    const key = reqString(o, 'key');
    const value = o.value === undefined || o.value === null ? '' : o.value;
    if (typeof value !== 'string') throw typeError('value', value);
    out.set(key, value);
  }
  return [...out].map(([key, value]) => ({ key, value }));
}
