import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Nullable, VersionSchema } from './common-schemas.js';
import { serializerSchema } from './lazy-compilers.js';

const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const compile = (fromFastify('@fastify/fast-json-stringify-compiler') as () => (s: unknown, o: unknown) => (route: unknown) => (data: unknown) => string)()({}, {});
const serializer = (schema: unknown) => compile({ schema, method: 'GET', url: '/x', httpStatus: '200' });

const view = {
  name: 'm', version: 3, label: null, description: '', source: 's3://b/m/2', run_id: 'run2', params: {}, metrics: { acc: 0.5 },
  dataset_digest: null, code_ref: null, signature: null, status: 'READY', status_message: null, stage: 'None', aliases: ['champion'],
  tags: { a: 'b' }, health: 'unknown', health_reason: null, digest: null, size_bytes: 0, runtime: null, endpoint_url: null, python: null,
  created_by: 'local', created_at: '2026-12-05T10:00:00.000Z', updated_at: '2026-12-05T10:00:00.000Z', deleted: false,
};
const full = {
  ...view, label: 'x', dataset_digest: 'd', signature: { inputs: [{ name: 'x', type: 'float32', shape: [-1, 4] }], outputs: [] }, health_reason: 'r',
  python: { flavors: ['python_function'], python_version: '3.11', mlflow_version: null, requirements: [], requirements_file: null, interpreter: '/usr/bin/python3' },
};

describe('serializerSchema', () => {
  it('writes what the anyOf serializer writes, for null and non-null fields', () => {
    const before = serializer(VersionSchema);
    const after = serializer(serializerSchema(VersionSchema));
    for (const v of [view, full]) expect(after(v)).toBe(before(v));
    expect(JSON.parse(after(full))).toEqual(full);
  });

  it('folds only a plain branch beside null, and leaves the schema it was given alone', () => {
    const schema = Type.Object({ a: Nullable(Type.String({ description: 'd' })), b: Type.Union([Type.String(), Type.Integer()]) });
    const copy = JSON.stringify(schema);
    const out = serializerSchema(schema) as { properties: Record<string, unknown> };
    expect(out.properties.a).toMatchObject({ type: 'string', description: 'd', nullable: true });
    expect(out.properties.b).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'integer' }] }); expect(out.properties.b).not.toHaveProperty('nullable');
    expect(JSON.stringify(schema)).toBe(copy);
  });
});
