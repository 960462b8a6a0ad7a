// What tables a registry database holds, read from the database itself: every module's tables
// (each adds its own by migration), their columns and the tables they reference. Backup, restore
// and model export copy rows generically from this, so a module's new table is never forgotten
// the way a hand-kept list would forget it.
import type { DialectName } from './dialect.js';
import { kindOf, type ColumnKind } from './row-values.js';

/** Runs one SQL statement and answers its rows: a Kysely database, a snapshot connection… */
export type RunSql = (text: string) => Promise<Array<Record<string, unknown>>>;

export interface ColumnInfo {
  name: string;
  /** The declared type, as the database spells it (TEXT, int8, bytea…). */
  type: string;
  kind: ColumnKind;
  /** Filled by a sequence (PostgreSQL bigserial): restore moves the sequence past the copied ids. */
  serial: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** Tables this one's foreign keys point at (never itself). */
  references: string[];
}

/** Kysely's own bookkeeping: which migrations ran. Not registry data; restore re-creates it by migrating. */
export const isBookkeeping = (table: string) => table.startsWith('kysely_');

export const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

const COLUMNS = {
  sqlite: `select m.name as table_name, p.name as column_name, p.type as type, null as column_default
           from sqlite_master m join pragma_table_info(m.name) p
           where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\' order by m.name, p.cid`,
  postgres: `select table_name, column_name, udt_name as type, column_default from information_schema.columns
             where table_schema = current_schema() order by table_name, ordinal_position`,
};

const REFERENCES = {
  sqlite: `select m.name as table_name, f."table" as ref from sqlite_master m join pragma_foreign_key_list(m.name) f where m.type = 'table'`,
  postgres: `select tc.table_name, ccu.table_name as ref from information_schema.table_constraints tc
             join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
             where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema()`,
};

/** Every registry table (not Kysely's bookkeeping), by name. */
export async function describeTables(run: RunSql, dialect: DialectName): Promise<TableInfo[]> {
  const tables = new Map<string, TableInfo>();
  for (const r of await run(COLUMNS[dialect])) {
    const name = String(r.table_name);
    if (isBookkeeping(name)) continue;
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, columns: [], references: [] }));
    const type = String(r.type);
    t.columns.push({ name: String(r.column_name), type, kind: kindOf(type), serial: String(r.column_default ?? '').startsWith('nextval(') });
  }
  for (const r of await run(REFERENCES[dialect])) {
    const t = tables.get(String(r.table_name));
    const ref = String(r.ref);
    if (t && ref !== t.name && !t.references.includes(ref)) t.references.push(ref);
  }
  return [...tables.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Parents before children (by name among equals), so rows insert with foreign keys checked. */
export function dependencyOrder(tables: readonly TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (t: TableInfo, path: Set<string>) => {
    if (done.has(t.name)) return;
    // A cycle cannot be ordered; its tables keep name order (SQLite defers the checks anyway).
    if (path.has(t.name)) return;
    path.add(t.name);
    for (const ref of [...t.references].sort()) {
      const parent = byName.get(ref);
      if (parent) visit(parent, path);
    }
    path.delete(t.name);
    done.add(t.name);
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t, new Set());
  return out;
}

/** The migrations that ran on this database, by name (none when it was never migrated). */
export async function executedMigrations(run: RunSql, dialect: DialectName): Promise<string[]> {
  const exists =
    dialect === 'sqlite'
      ? await run(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`)
      : await run(`select 1 from information_schema.tables where table_schema = current_schema() and table_name = 'kysely_migration'`);
  if (exists.length === 0) return [];
  return (await run('select name from kysely_migration order by name')).map((r) => String(r.name));
}
