// Parsing an uploaded reference dataset: CSV (header row) or JSON lines, into feature rows.
import { invalid } from '../../errors.js';
import type { Value } from './drift.js';
import { readCsv, readJsonLines } from '../../datasets/tabular.js';

export const MAX_REFERENCE_ROWS = 200_000;

function cell(raw: string): Value {
  const t = raw.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export function parseCsv(text: string): Array<Record<string, Value>> {
  const { columns, rows } = readCsv(text, { what: 'reference', maxRows: MAX_REFERENCE_ROWS });
  if (rows.length === 0) throw invalid('a CSV reference needs a header row and at least one data row');
  return rows.map((cells) => Object.fromEntries(columns.map((h, j) => [h, cell(cells[j])])));
}

export function parseJsonLines(text: string): Array<Record<string, Value>> {
  const objects = readJsonLines(text, { what: 'reference', maxRows: MAX_REFERENCE_ROWS });
  if (objects.length === 0) throw invalid('the JSON lines reference is empty');
  return objects.map((obj, i) => {
    const row: Record<string, Value> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v !== 'number' && typeof v !== 'string') throw invalid(`JSON lines: line ${i + 1}, "${k}" must be a number, a string or null`);
      row[k] = v as Value;
    }
    return row;
  });
}
