import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { boundRequestIntegers, withIntegerBounds } from './integer-bounds.js';

/** A schema read back as plain JSON, to look inside it. */
interface Json {
  [key: string]: Json & { maximum?: number; minimum?: number };
}
const asJson = (v: unknown) => v as Json;

describe('integer bounds', () => {
  it('gives every integer without bounds the int4 range, wherever it sits, and leaves declared bounds alone', () => {
    const schema = Type.Object({
      version: Type.Integer({ minimum: 1 }),
      limit: Type.Integer({ minimum: 1, maximum: 1000 }),
      ids: Type.Array(Type.Integer()),
      either: Type.Union([Type.Integer(), Type.Null()]),
      counts: Type.Record(Type.String(), Type.Integer()),
      ratio: Type.Number(),
    });
    const bounded = asJson(withIntegerBounds(schema));
    expect(bounded.properties.version).toMatchObject({ minimum: 1, maximum: 2147483647 });
    expect(bounded.properties.limit).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(bounded.properties.ids.items).toMatchObject({ minimum: -2147483648, maximum: 2147483647 });
    expect(bounded.properties.either.anyOf[0]).toMatchObject({ maximum: 2147483647 });
    expect(Object.values(bounded.properties.counts.patternProperties)[0]).toMatchObject({ maximum: 2147483647 });
    expect(bounded.properties.ratio.maximum).toBeUndefined();
  });

  it('never changes the schema it is given (routes share them), and keeps TypeBox metadata', () => {
    const shared = Type.Object({ version: Type.Integer() });
    const bounded = withIntegerBounds(shared);
    expect((shared.properties.version as { maximum?: number }).maximum).toBeUndefined();
    expect(Object.getOwnPropertySymbols(bounded)).toEqual(Object.getOwnPropertySymbols(shared));
  });

  it('bounds the request parts of a route schema, never its responses', () => {
    const route = boundRequestIntegers({
      params: Type.Object({ version: Type.Integer() }),
      querystring: Type.Object({ n: Type.Integer() }),
      body: Type.Object({ to_version: Type.Integer() }),
      response: { 200: Type.Object({ version: Type.Integer() }) },
    });
    const r = asJson(route);
    expect(r.params.properties.version.maximum).toBe(2147483647);
    expect(r.querystring.properties.n.maximum).toBe(2147483647);
    expect(r.body.properties.to_version.maximum).toBe(2147483647);
    expect(r.response[200].properties.version.maximum).toBeUndefined();
  });
});
