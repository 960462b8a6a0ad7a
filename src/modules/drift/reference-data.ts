// Parsing an uploaded reference dataset: CSV (header row) or JSON lines, into feature rows.
import { invalid } from '../../errors.js';
import type { Value } from './drift.js';

export const MAX_REFERENCE_ROWS = 200_000;

function cell(raw: string): Value {
  const t = raw.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** Splits one CSV line, honouring double-quoted fields. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCsv(text: string): Array<Record<string, Value>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw invalid('a CSV reference needs a header row and at least one data row');
  const header = splitCsv(lines[0]).map((h) => h.trim());
  if (header.some((h) => h === '')) throw invalid('the CSV header has an empty column name');
  if (lines.length - 1 > MAX_REFERENCE_ROWS) throw invalid(`a reference may hold at most ${MAX_REFERENCE_ROWS} rows (got ${lines.length - 1})`);
  return lines.slice(1).map((line, i) => {
    const cells = splitCsv(line);
    if (cells.length !== header.length) throw invalid(`CSV line ${i + 2} has ${cells.length} fields; the header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cell(cells[j])]));
  });
}

export function parseJsonLines(text: string): Array<Record<string, Value>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw invalid('the JSON lines reference is empty');
  if (lines.length > MAX_REFERENCE_ROWS) throw invalid(`a reference may hold at most ${MAX_REFERENCE_ROWS} rows (got ${lines.length})`);
  return lines.map((line, i) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw invalid(`JSON lines: line ${i + 1} is not valid JSON`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw invalid(`JSON lines: line ${i + 1} is not an object of feature values`);
    const row: Record<string, Value> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v !== 'number' && typeof v !== 'string') throw invalid(`JSON lines: line ${i + 1}, "${k}" must be a number, a string or null`);
      row[k] = v as Value;
    }
    return row;
  });
}
