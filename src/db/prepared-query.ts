// Hot queries built and compiled once (issue 18.4). Kysely rebuilds and recompiles a query's SQL on
// every call (~5 µs idle, 20–40 µs on a loaded machine, per query); a registry read sends several.
// Here the query is built once with placeholders where its values go, compiled once per dialect,
// and each call only binds fresh values into the stored SQL and runs it through `db.executeQuery`,
// so it still runs on `db`'s connection (a transaction's too), under its plugins' transformResult
// (the query counter counts it), and through the statement cache below Kysely (the same SQL text
// every time: one better-sqlite3 Statement, one PostgreSQL named statement).
// The idea is the `kysely-params` package's, in the few lines this code base needs.
import { createQueryId, type Compilable, type CompiledQuery, type DialectAdapter } from 'kysely';
import type { Db } from './tables.js';

/** Where a call's value goes: stands in for a value while the query is built, never sent to a database. */
class Slot {
  constructor(readonly name: string) {}
}

/** Each parameter of the compiled SQL, in order: a named value of the call, or a constant of the build. */
type Binding = { slot: string } | { value: unknown };

interface Compiled {
  sql: string;
  query: CompiledQuery['query'];
  bindings: Binding[];
}

/**
 * A query run with fresh values and built once: `build(db, p)` writes it as usual with `p.x` where
 * the call's `x` goes (any number of times, in any order); `run(db, { x })` answers its rows. The
 * build must not branch on the values (it never sees them) and must put `p.x` only where Kysely
 * sends a value as a parameter (a `where`, `values`, `set`, `limit`), never into `sql.lit`/`sql.raw`.
 */
export function preparedQuery<P extends Record<string, unknown>, R>(build: (db: Db, p: P) => Compilable<R>): (db: Db, values: P) => Promise<R[]> {
  // Per dialect: SQLite and PostgreSQL compile to different texts. Keyed by the executor's adapter,
  // which a transaction and `withPlugin` share with the Kysely instance they come from.
  const compiled = new WeakMap<DialectAdapter, Compiled>();
  const used = new Set<string>();
  const slots = new Proxy({} as P, {
    get: (_target, name) => {
      used.add(String(name));
      return new Slot(String(name));
    },
  });
  return async (db, values) => {
    // getExecutor() is marked internal in Kysely's types but is what its own executeQuery calls.
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (!c) {
      const q = build(db, slots).compile();
      c = { sql: q.sql, query: q.query, bindings: q.parameters.map((v) => (v instanceof Slot ? { slot: v.name } : { value: v })) };
      // A slot Kysely wrote into the SQL text instead of sending it would bind nothing: refuse it.
      const bound = new Set(c.bindings.flatMap((b) => ('slot' in b ? [b.slot] : [])));
      const lost = [...used].filter((name) => !bound.has(name));
      if (lost.length) throw new Error(`preparedQuery: ${lost.join(', ')} not sent as parameters in: ${q.sql}`);
      compiled.set(adapter, c);
    }
    const parameters = c.bindings.map((b) => ('slot' in b ? values[b.slot] : b.value));
    const { rows } = await db.executeQuery<R>({ sql: c.sql, query: c.query, parameters, queryId: createQueryId() });
    return rows;
  };
}
