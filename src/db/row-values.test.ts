// Values cross database kinds through JSON: what one kind holds, the other's column must take.
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, kindOf } from './row-values.js';

describe('row values across database kinds', () => {
  it('names the kind of every column type either database reports', () => {
    expect(['TEXT', 'text', 'INTEGER', 'int4', 'int8', 'bigint', 'double precision', 'float8', 'BLOB', 'bytea', 'bool', 'jsonb'].map(kindOf)).toEqual([
      'text', 'text', 'integer', 'integer', 'integer', 'integer', 'real', 'real', 'bytes', 'bytes', 'boolean', 'json',
    ]);
  });

  it('carries bytes as base64 and back to a Buffer', () => {
    const bytes = Buffer.from([0, 1, 254, 255]);
    const json = encodeValue(bytes, 'bytes');
    expect(typeof json).toBe('string');
    expect(decodeValue(json, 'bytes')).toEqual(bytes);
  });

  it('turns PostgreSQL booleans into SQLite integers and back', () => {
    expect(decodeValue(encodeValue(true, 'boolean'), 'integer')).toBe(1);
    expect(decodeValue(encodeValue(0, 'integer'), 'boolean')).toBe(false);
  });

  it('turns PostgreSQL json into SQLite text and text into a json parameter', () => {
    const obj = { a: [1, 'x'] };
    expect(decodeValue(encodeValue(obj, 'json'), 'text')).toBe('{"a":[1,"x"]}');
    expect(decodeValue('{"a":1}', 'json')).toBe('{"a":1}');
  });

  it('keeps big timestamps and nulls', () => {
    expect(decodeValue(encodeValue(BigInt(1764900000000), 'integer'), 'integer')).toBe(1764900000000);
    expect(decodeValue(encodeValue(null, 'text'), 'bytes')).toBeNull();
  });
});
