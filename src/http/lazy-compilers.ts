// Fastify compiles every route's validators (Ajv) and response serializers (fast-json-stringify)
// while it boots: about 1 s of CPU for our few hundred routes, before the first answer, although a
// process serves only a few of them. These factories wrap Fastify's own compilers — the same
// packages Fastify would use, the same Ajv options (the `ajv` server option), the same shared
// schemas — and compile each schema on the route's first request instead.
// One difference from Fastify's defaults: with a compilers factory Fastify treats the compiler as
// custom and no longer lower-cases the keys of `headers` schemas; our routes declare none (write
// header names in lower case if one ever does). A schema that cannot compile fails its first
// request rather than the boot; the route tests exercise every schema.
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type CompileValidator = (route: unknown) => Validate;
type CompileSerializer = (route: unknown) => (data: unknown) => string;
type Build<C> = (externalSchemas: unknown, options: unknown) => C;

// Resolved from Fastify's own location: the exact copies Fastify would load itself.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

function lazyValidator(compile: () => Validate): Validate {
  let real: Validate | undefined;
  const validate = (data: unknown) => (real ??= compile())(data);
  // Fastify reads `.errors` off the function it was given, after a call that returned false.
  return Object.defineProperty(validate, 'errors', { get: () => real?.errors });
}

function lazySerializer(compile: () => (data: unknown) => string): (data: unknown) => string {
  let real: ((data: unknown) => string) | undefined;
  return (data) => (real ??= compile())(data);
}

type Schema = Record<string | symbol, unknown>;

const isNullSchema = (s: unknown): boolean => !!s && typeof s === 'object' && (s as Schema).type === 'null' && Object.keys(s).length === 1;

/**
 * The response schema as fast-json-stringify should see it: every `anyOf: [X, {type: 'null'}]` (our
 * Nullable(X), 11 fields of a version) becomes X with `nullable: true`. For an anyOf the generated
 * serializer runs an Ajv validation of the value against each branch to pick one (about 1 µs a
 * field, most of a version's serialization); `nullable` is a `=== null` test. The output is the same
 * for every value the schema admits. The schema given to Fastify (validation, OpenAPI, the SDK) is
 * not touched: this copy is the serializer's only.
 */
export function serializerSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(serializerSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Schema;
  const anyOf = s.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && isNullSchema(anyOf[1]) && anyOf[0] && typeof anyOf[0] === 'object' && !('$ref' in anyOf[0])) {
    const { anyOf: _dropped, ...rest } = s;
    const inner = serializerSchema(anyOf[0]) as Schema;
    // Only a branch of plain keywords folds: a nested combinator keeps the anyOf.
    if (!('anyOf' in inner || 'oneOf' in inner || 'allOf' in inner || 'nullable' in inner)) return { ...rest, ...inner, nullable: true };
  }
  const out: Schema = {};
  for (const key of Reflect.ownKeys(s)) out[key] = serializerSchema(s[key]);
  return out;
}

type CompilersFactory = NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

/** The `schemaController.compilersFactory` server option. */
export function lazyCompilersFactory(): CompilersFactory {
  const buildValidator = (fromFastify('@fastify/ajv-compiler') as () => Build<CompileValidator>)();
  const buildSerializer = (fromFastify('@fastify/fast-json-stringify-compiler') as () => Build<CompileSerializer>)();
  const factory: { buildValidator: Build<CompileValidator>; buildSerializer: Build<CompileSerializer> } = {
    buildValidator: (schemas, options) => {
      const compile = buildValidator(schemas, options);
      return (route) => lazyValidator(() => compile(route));
    },
    buildSerializer: (schemas, options) => {
      const compile = buildSerializer(schemas, options);
      return (route) => lazySerializer(() => compile({ ...(route as object), schema: serializerSchema((route as { schema: unknown }).schema) }));
    },
  };
  // Fastify types a validator as Ajv's ValidateFunction (schema, schemaEnv…); it calls it and reads `.errors` only.
  return factory as unknown as CompilersFactory;
}
