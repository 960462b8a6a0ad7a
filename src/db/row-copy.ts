// Writing copied rows into a registry database of either kind: batched inserts of decoded values,
// sequences moved past the copied ids, and the check that a database holds no rows yet.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from './dialect.js';
import type { Database } from './tables.js';
import { quoteId, type RunSql, type TableInfo } from './table-catalog.js';
import { decodeValue, type JsonValue } from './row-values.js';

// Whatever the tables are: the copy is generic over every module's tables, so it cannot use the
// typed Database interface (it names only the tables of the modules this program was built with).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of tables discovered at run time
type AnyDb = Kysely<any>;

/** SQLite allows 32,766 bound values a statement, PostgreSQL 65,535: stay well under both. */
const MAX_VALUES = 20_000;

/** A Kysely database (or transaction) as a RunSql. */
export function runnerOf(db: Kysely<Database>): RunSql {
  return async (text) => (await sql.raw<Record<string, unknown>>(text).execute(db)).rows;
}

/**
 * Inserts rows given as JSON arrays in `columns` order, decoding each value for the target column.
 * `columns` must all exist in `table` (the caller compares the schemas first).
 */
export async function insertRows(db: Kysely<Database>, table: TableInfo, columns: readonly string[], rows: readonly JsonValue[][]): Promise<void> {
  if (rows.length === 0) return;
  const kinds = columns.map((c) => {
    const col = table.columns.find((x) => x.name === c);
    if (!col) throw new Error(`table ${table.name} has no column ${c}`);
    return col.kind;
  });
  const perBatch = Math.max(1, Math.floor(MAX_VALUES / Math.max(1, columns.length)));
  for (let i = 0; i < rows.length; i += perBatch) {
    const values = rows.slice(i, i + perBatch).map((r) => Object.fromEntries(columns.map((c, j) => [c, decodeValue(r[j] ?? null, kinds[j]!)])));
    await (db as AnyDb).insertInto(table.name).values(values).execute();
  }
}

/** Moves each PostgreSQL sequence past the largest id copied, so the next insert does not collide. */
export async function resetSequences(run: RunSql, dialect: DialectName, tables: readonly TableInfo[]): Promise<void> {
  // SQLite's AUTOINCREMENT follows explicitly inserted ids by itself.
  if (dialect !== 'postgres') return;
  for (const t of tables) {
    for (const c of t.columns.filter((x) => x.serial)) {
      const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
      await run(
        `select setval(pg_get_serial_sequence(${lit(quoteId(t.name))}, ${lit(c.name)}), coalesce((select max(${quoteId(c.name)}) from ${quoteId(t.name)}), 0) + 1, false)`,
      );
    }
  }
}

/** The first table holding more rows than `allowed` (what migrations seed), or null when none does. */
export async function firstNonEmptyTable(run: RunSql, tables: readonly TableInfo[], allowed: ReadonlyMap<string, number> = new Map()): Promise<string | null> {
  for (const t of tables) {
    const limit = allowed.get(t.name) ?? 0;
    if ((await run(`select 1 as one from ${quoteId(t.name)} limit ${limit + 1}`)).length > limit) return t.name;
  }
  return null;
}
