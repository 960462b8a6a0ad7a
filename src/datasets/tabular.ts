// Tabular datasets people upload (reference data for drift, holdouts for validation gates): CSV with
// a header row, or JSON lines of objects. One reader so both refuse bad files with the same clear
// 400s; CSV itself is parsed by csv-parse (quotes, escapes, CRLF), not by hand.
import { createRequire } from 'node:module';
import type { parse as csvParse } from 'csv-parse/sync';
import { invalid } from '../errors.js';

// csv-parse is loaded on the first CSV body, not at server start (issue 18.5); its CommonJS build, synchronously.
let csv: { parse: typeof csvParse } | undefined;
const parse = (text: string, options: { skip_empty_lines: boolean; trim: boolean; bom: boolean }): unknown =>
  (csv ??= createRequire(import.meta.url)('csv-parse/sync') as { parse: typeof csvParse }).parse(text, options);

export interface TabularLimits {
  /** Names the dataset in error messages: "reference", "holdout". */
  what: string;
  maxRows: number;
}

export interface CsvTable {
  columns: string[];
  rows: string[][];
}

export function readCsv(text: string, { what, maxRows }: TabularLimits): CsvTable {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (err) {
    throw invalid(`${what} CSV: ${(err as Error).message}`);
  }
  const [columns, ...rows] = records;
  if (!columns) throw invalid(`${what} CSV is empty`);
  if (columns.some((c) => c === '')) throw invalid(`${what} CSV header has an empty column name`);
  if (rows.length > maxRows) throw invalid(`${what} may hold at most ${maxRows} rows (got ${rows.length})`);
  return { columns, rows };
}

export function readJsonLines(text: string, { what, maxRows }: TabularLimits): Array<Record<string, unknown>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > maxRows) throw invalid(`${what} may hold at most ${maxRows} rows (got ${lines.length})`);
  return lines.map((line, i) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw invalid(`${what} JSON lines: line ${i + 1} is not valid JSON`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw invalid(`${what} JSON lines: line ${i + 1} is not a JSON object`);
    }
    return obj as Record<string, unknown>;
  });
}
