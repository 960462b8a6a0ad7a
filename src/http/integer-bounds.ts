// Every integer a request carries fits the database's int4 columns unless its schema declares its
// own bounds. Applied to each route's params, querystring, headers and body schemas as the route is
// added (createFastify), so a new route cannot forget it: /versions/2147483648 or "version": 1e308
// is a 400 naming the field from the validator, never a PostgreSQL "out of range" 500 (SQLite would
// have stored it). The OpenAPI document shows the bound, as it shows every other.
import { INT4 } from './common-schemas.js';

type Node = Record<string | symbol, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const isInteger = (n: Node) => n.type === 'integer' || (Array.isArray(n.type) && n.type.includes('integer'));

/** Subschemas keyed by name (properties) or listed (anyOf), and single ones (items). */
const MAPS = ['properties', 'patternProperties', '$defs', 'definitions'];
const LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SINGLES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'];

/**
 * A copy of `schema` with int4 bounds on every integer that lacks one; the input is never changed
 * (route schemas share subschemas, and response schemas must stay as they are). Spread copies keep
 * TypeBox's symbol keys.
 */
export function withIntegerBounds<T>(schema: T): T {
  if (!isNode(schema)) return schema;
  const out: Node = { ...schema };
  if (isInteger(out)) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT4.maximum;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT4.minimum;
  }
  for (const key of MAPS) {
    const map = out[key];
    if (isNode(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, withIntegerBounds(v)]));
  }
  for (const key of LISTS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map(withIntegerBounds);
  }
  for (const key of SINGLES) if (isNode(out[key])) out[key] = withIntegerBounds(out[key]);
  return out as T;
}

/** The request parts of a route's schema, bounded; the responses are left alone. */
export function boundRequestIntegers(schema: Node | undefined): Node | undefined {
  if (!schema) return schema;
  const out: Node = { ...schema };
  for (const part of ['params', 'querystring', 'query', 'headers', 'body']) {
    if (out[part] !== undefined) out[part] = withIntegerBounds(out[part]);
  }
  return out;
}
