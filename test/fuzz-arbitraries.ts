// Hostile values for the fuzz test (test/fuzz.test.ts): strings with NUL bytes, lone surrogates,
// unicode and length; numbers beyond every column's range and beyond JSON's (1e309 parses to
// Infinity); wrong types; missing and extra fields. Each request draws a hostility — the chance
// that any one leaf is hostile: none, a little, a lot, all — so clean requests reach the services
// and move stages and aliases, and the hostile ones reach as deep as a single bad field lets them.
import fc from 'fast-check';

/** What the seeded fixtures answer to, by field name (path, query, body alike), and words for the rest. */
export interface FuzzContext {
  fields: Record<string, unknown[]>;
  /** The same for MLflow's parameters (versions travel as strings there). */
  mlflow: Record<string, unknown[]>;
  words: string[];
}

/** A JSON Schema as @fastify/swagger writes it into the OpenAPI document (no $ref in ours). */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
}

/** Percent chance that a leaf is hostile, drawn once per request. */
export const hostility: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(10) },
  { weight: 3, arbitrary: fc.constant(35) },
  { weight: 2, arbitrary: fc.constant(100) },
);

/** Numbers as they travel in paths and query strings. */
export const HOSTILE_NUMBER_TEXTS = [
  '1e309', 'Infinity', '-Infinity', '2147483648', '-1e309', '1e308', '-2147483649', '9007199254740993', '99999999999999999999', '-1e308',
  '4294967296', 'NaN', '1.5', '-0', '0', '-1', '0x10', ' 7 ', '1e3', '',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000', 'a\u0000b', 'fuzz-a\u0000', '%00', ' ', '', '../../etc/passwd', "' OR 1=1 --", '\ud800', 'x\udfffy', '😀🔥', 'ש\u202eלום',
    'x'.repeat(5000), 'null', 'true', '[]', '{}', '\r\n', 'a/b', '*', '.', '..',
  ),
  // Any code point, NUL and lone surrogates included.
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ maxLength: 12 }).map((s) => `${s}\u0000${s}`),
);

/** Numbers for JSON bodies; the non-finite ones are written as 1e309, -1e309 and NaN by toJsonText. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0, -1, 2147483647, 2147483648, -2147483648, -2147483649, 4294967296, 2 ** 53 + 2, 1e20, 1e308, -1e308, 0.5, -0, 5e-324,
    Infinity, -Infinity, NaN,
  ),
  fc.double(),
);

export const broken: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.oneof(fc.integer(), hostileString), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), hostileString), { maxKeys: 2 }),
);

/** `clean` with `rate`% of the time something hostile instead. */
export function mix<T, H>(rate: number, clean: fc.Arbitrary<T>, hostile: fc.Arbitrary<H>): fc.Arbitrary<T | H> {
  const percent = Math.round(rate);
  if (percent <= 0) return clean;
  if (percent >= 100) return hostile;
  return fc.oneof({ weight: 100 - percent, arbitrary: clean }, { weight: percent, arbitrary: hostile });
}

const typeOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type[0] : schema.type);

/** A plausible value of `schema` with no field name to go by. */
function cleanLeaf(schema: Schema, ctx: FuzzContext): fc.Arbitrary<unknown> {
  switch (typeOf(schema)) {
    case 'integer':
      return fc.integer({ min: 1, max: 3 });
    case 'number':
      return fc.constantFrom(0, 0.5, 1, 10);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.constantFrom(...ctx.words);
  }
}

/**
 * A value for `schema` (the value of field `name`): the fixtures' own values for that name when
 * there are some, else shaped by the schema; each leaf hostile `rate`% of the time.
 */
export function valueFor(schema: Schema, ctx: FuzzContext, rate: number, name?: string, depth = 0): fc.Arbitrary<unknown> {
  // A list's fixtures values are its items' (fields.stages holds stage names).
  const known = name !== undefined && typeOf(schema) !== 'array' ? ctx.fields[name] : undefined;
  const shapedArb = shaped(schema, ctx, rate, name, depth);
  if (!known?.length) return shapedArb;
  return fc.oneof({ weight: 4, arbitrary: mix(rate, fc.constantFrom(...known), broken) }, { weight: 1, arbitrary: shapedArb });
}

function shaped(schema: Schema, ctx: FuzzContext, rate: number, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return mix(rate, fc.constant(schema.const), broken);
  if (schema.enum) return mix(rate, fc.constantFrom(...schema.enum), broken);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => shaped(s, ctx, rate, name, depth + 1)));
  const type = typeOf(schema);
  if (type === 'array') {
    if (depth > 4) return fc.constant([]);
    // Items are named after their list: the fixtures' "stages" are what a stages list holds.
    return mix(rate / 2, fc.array(valueFor(schema.items ?? {}, ctx, rate, name, depth + 1), { maxLength: 3 }), broken);
  }
  if (type === 'object') return mix(rate / 2, objectFor(schema, ctx, rate, depth), broken);
  return mix(rate, cleanLeaf(schema, ctx), broken);
}

function objectFor(schema: Schema, ctx: FuzzContext, rate: number, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 4) return fc.constant({});
  const props = schema.properties ?? {};
  const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, ctx, rate, k, depth + 1)]));
  const required = (schema.required ?? []).filter((k) => k in props);
  const open = schema.patternProperties ? Object.values(schema.patternProperties)[0] : typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const free = open ? fc.dictionary(mix(rate, fc.constantFrom(...ctx.words), hostileString), valueFor(open, ctx, rate, undefined, depth + 1), { maxKeys: 3 }) : fc.constant({});
  // Required fields go missing, and unknown ones appear, only as often as leaves turn hostile.
  const fields = mix(rate, fc.record(model, { requiredKeys: required }), fc.record(model, { requiredKeys: [] }));
  const extra = mix(rate, fc.constant({}), fc.dictionary(fc.oneof(fc.constantFrom('extra', 'constructor'), hostileString), broken, { maxKeys: 2 }));
  return fc.tuple(free, fields, extra).map(([a, b, c]) => ({ ...a, ...b, ...c }));
}

/** A value for path or query parameter `name`, as text. */
export function paramFor(schema: Schema, ctx: FuzzContext, rate: number, name: string): fc.Arbitrary<string> {
  const known = (ctx.fields[name] ?? []).filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
  const type = typeOf(schema);
  const generic = schema.enum || schema.const !== undefined || schema.anyOf
    ? shaped(schema, ctx, 0, name, 0).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''))
    : type === 'integer' || type === 'number' ? fc.constantFrom('1', '2', '3') : type === 'boolean' ? fc.constantFrom('true', 'false') : fc.constantFrom(...ctx.words);
  const clean = known.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: generic }) : generic;
  const numeric = type === 'integer' || type === 'number';
  const hostile = numeric ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBER_TEXTS) }, { weight: 1, arbitrary: hostileString }) : fc.oneof(hostileString, fc.constantFrom(...HOSTILE_NUMBER_TEXTS));
  return mix(rate, clean, hostile);
}

/** A JSON Schema that `example` satisfies: bodies the OpenAPI leaves open are fuzzed from an example. */
export function schemaOf(example: unknown): Schema {
  if (Array.isArray(example)) return { type: 'array', items: example.length ? schemaOf(example[0]) : {} };
  if (example === null) return { type: 'null' };
  if (typeof example === 'object') {
    const entries = Object.entries(example as Record<string, unknown>);
    return { type: 'object', required: entries.map(([k]) => k), properties: Object.fromEntries(entries.map(([k, v]) => [k, schemaOf(v)])) };
  }
  if (typeof example === 'number') return { type: Number.isInteger(example) ? 'integer' : 'number' };
  return { type: typeof example };
}

/**
 * JSON text for `value`, with non-finite numbers written as the literals a hostile client sends:
 * 1e309 and -1e309 (valid JSON that parses to ±Infinity) and NaN (not JSON at all).
 */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isFinite(v)) return v;
    raws.push(Number.isNaN(v) ? 'NaN' : v > 0 ? '1e309' : '-1e309');
    return `\u0001raw${raws.length - 1}\u0001`;
  });
  return (text ?? 'null').replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]);
}
