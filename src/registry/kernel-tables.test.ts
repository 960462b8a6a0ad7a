// The kernel owns its tables: outside src/registry/ no code names them in a query; it calls the
// kernel's services and read models (src/registry/index.ts) instead. dependency-cruiser sees
// imports, not table names, so this test is the guard: it reads the kernel's table names from the
// row types its stores declare and scans every other source file under src/ for query-builder
// calls (and sql`` templates) that name one of them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY = path.join(SRC, 'registry');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The tables the kernel's stores merge into db/tables.ts's Database interface. */
function kernelTables(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(REGISTRY).filter((f) => f.endsWith('-store.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const block of text.matchAll(/interface Database \{([^}]*)\}/g)) {
      for (const m of block[1].matchAll(/^\s*(\w+)\s*:/gm)) names.add(m[1]);
    }
  }
  return names;
}

const BUILDER_CALL = /\.(selectFrom|updateTable|insertInto|replaceInto|deleteFrom|mergeInto|using|(?:inner|left|right|full|cross)Join(?:Lateral)?)\(\s*\[?\s*['"`](\w+)/g;
const SQL_TEMPLATE = /\bsql(?:<[^>`]*>)?`([^`]*)`/g;
const SQL_TABLE = /\b(?:from|join|into|update)\s+"?(\w+)"?/gi;

interface Hit {
  file: string;
  line: number;
  table: string;
  text: string;
}

function queriesNaming(files: string[], tables: Set<string>): Hit[] {
  const hits: Hit[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const hit = (index: number, table: string) => {
      if (!tables.has(table)) return;
      const line = text.slice(0, index).split('\n').length;
      hits.push({ file: path.relative(SRC, file), line, table, text: text.split('\n')[line - 1].trim() });
    };
    for (const m of text.matchAll(BUILDER_CALL)) hit(m.index!, m[2]);
    for (const t of text.matchAll(SQL_TEMPLATE)) for (const m of t[1].matchAll(SQL_TABLE)) hit(t.index! + t[0].indexOf(m[0]), m[1]);
  }
  return hits;
}

describe('kernel tables', () => {
  const tables = kernelTables();

  it('are read from the kernel stores', () => {
    for (const t of ['models', 'model_tags', 'versions', 'version_files', 'version_tags', 'aliases', 'targets', 'events', 'tokens']) {
      expect(tables, `kernel table ${t}`).toContain(t);
    }
    // The scanner itself works: the kernel's own stores are full of such queries.
    expect(queriesNaming(sourceFiles(REGISTRY), tables).length).toBeGreaterThan(20);
  });

  it('are queried only inside src/registry/ (outside it, call the kernel: src/registry/index.ts)', () => {
    // Migrations are frozen copies that own the schema as it was; they may touch any table.
    const outside = sourceFiles(SRC).filter((f) => !f.startsWith(REGISTRY + path.sep) && !f.startsWith(path.join(SRC, 'db', 'migrations') + path.sep));
    const hits = queriesNaming(outside, tables).map((h) => `${h.file}:${h.line} (${h.table}): ${h.text}`);
    expect(hits).toEqual([]);
  });
});
