// Prepared statements reused across requests, below Kysely so every query benefits (issue 18.4).
// Kysely compiles a query to SQL text and hands it to the driver; the driver used to re-prepare
// that text on every call (better-sqlite3 `prepare` was 19% of a registry read's CPU). Here the
// SQL text is the key: SQLite reuses the `Statement` object, PostgreSQL names the statement so
// node-postgres parses it once per connection and then only binds and executes.
//
// The cache is off until the migrations have run: a migration's `ALTER` would otherwise leave a
// PostgreSQL plan with a stale row type ("cached plan must not change result type"). At runtime the
// schema is fixed, so nothing ever needs invalidating; `migrate()` switches it off and clears it.
import { createHash } from 'node:crypto';
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';

/** Distinct SQL texts kept; beyond it the oldest is dropped (dynamic `IN (?, ?, …)` lists vary). */
export const STATEMENT_CACHE_SIZE = 500;

export interface StatementCacheStats {
  hits: number;
  misses: number;
  size: number;
}

export class StatementCache<S> {
  enabled = false;
  hits = 0;
  misses = 0;
  readonly #map = new Map<string, S>();

  constructor(readonly capacity = STATEMENT_CACHE_SIZE) {}

  /** The cached value for `sql`, or `make()`'s (cached only while enabled). */
  get(sql: string, make: () => S): S {
    if (!this.enabled) return make();
    const found = this.#map.get(sql);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    this.misses++;
    const made = make();
    if (this.#map.size >= this.capacity) this.#map.delete(this.#map.keys().next().value as string);
    this.#map.set(sql, made);
    return made;
  }

  enable(): void {
    this.enabled = true;
  }

  /** Off and empty: for migrations, which may change what a cached statement refers to. */
  disable(): void {
    this.enabled = false;
    this.#map.clear();
  }

  has(sql: string): boolean {
    return this.#map.has(sql);
  }

  get full(): boolean {
    return this.#map.size >= this.capacity;
  }

  stats(): StatementCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.#map.size };
  }
}

/** The handle Kysely's SqliteDialect gets: `prepare` answers from the cache, the rest passes through. */
export function cachingSqlite(sqlite: SqliteDatabase.Database, cache: StatementCache<SqliteDatabase.Statement>): SqliteDatabase.Database {
  // Reuse is safe: Kysely runs one query at a time on its single SQLite connection (a mutex), and
  // `all`/`run` finish synchronously. A statement still iterating (a `stream()`) is busy; should the
  // same text come again meanwhile, a fresh statement answers rather than better-sqlite3 refusing.
  const prepare = (source: string) => {
    const stmt = cache.get(source, () => sqlite.prepare(source));
    return stmt.busy ? sqlite.prepare(source) : stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Statement names by SQL text: node-postgres remembers per connection which names it parsed. */
export type PgNames = StatementCache<string>;

/** A pool for Kysely's PostgresDialect whose clients run parameterised queries as named statements. */
export function namingPgPool(pool: pg.Pool, names: PgNames): pg.Pool {
  const patched = new WeakSet<pg.PoolClient>();
  const connect = async () => {
    const client = await pool.connect();
    if (!patched.has(client)) {
      patched.add(client);
      nameQueries(client, names);
    }
    return client;
  };
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return connect;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function nameQueries(client: pg.PoolClient, names: PgNames): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Only Kysely's call shape (text, values) with values: a query without them goes over the simple
  // protocol (begin/commit, multi-statement DDL), which named statements cannot carry.
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    // A full cache names no new texts: each name lives on the server for the connection's life, so
    // evicting and naming again would grow it without bound.
    const nameable = names.enabled && typeof text === 'string' && Array.isArray(values) && values.length > 0;
    if (nameable && (!names.full || names.has(text))) {
      const name = names.get(text, () => `sc_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`);
      return query({ name, text, values }, ...rest);
    }
    return query(text, values, ...rest);
  };
}
