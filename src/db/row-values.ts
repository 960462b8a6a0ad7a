// One value's journey between database kinds. A backup or export writes each value as JSON by the
// kind of its source column, and a restore turns it into what the target column takes: SQLite keeps
// booleans as 0/1 and JSON as text, PostgreSQL may hold bool and json; int8 arrives as a number (see
// database.ts), bytea and BLOB as Buffers, written as base64.

/** What a column holds, whatever the database calls its type. */
export type ColumnKind = 'text' | 'integer' | 'real' | 'bytes' | 'boolean' | 'json';

export function kindOf(type: string): ColumnKind {
  const t = type.toLowerCase();
  if (t.includes('bool')) return 'boolean';
  if (t.includes('json')) return 'json';
  if (t.includes('int') || t.includes('serial')) return 'integer';
  if (t.includes('real') || t.includes('double') || t.includes('float') || t.includes('numeric') || t.includes('decimal')) return 'real';
  if (t.includes('blob') || t.includes('bytea')) return 'bytes';
  return 'text';
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** A database value as JSON, by its source column's kind. */
export function encodeValue(value: unknown, kind: ColumnKind): JsonValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (kind === 'json' && typeof value === 'object') return value as JsonValue;
  return value as JsonValue;
}

/** A JSON value from a backup as the target column takes it. */
export function decodeValue(value: JsonValue, kind: ColumnKind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'bytes':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'integer':
      if (typeof value === 'boolean') return value ? 1 : 0;
      return typeof value === 'string' ? Number(value) : value;
    case 'real':
      return typeof value === 'string' ? Number(value) : value;
    case 'boolean':
      if (typeof value === 'number') return value !== 0;
      return typeof value === 'string' ? value === 'true' || value === '1' || value === 't' : value;
    case 'json':
      // node-postgres sends a string parameter as-is: valid JSON text is what a json column takes.
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'text':
      if (typeof value === 'object') return JSON.stringify(value);
      return typeof value === 'string' ? value : String(value);
  }
}
