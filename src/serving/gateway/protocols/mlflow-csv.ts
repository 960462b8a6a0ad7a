// MLflow scoring's `text/csv` body: a header row of column names, then one row per record, as
// pandas.read_csv reads it. Cells become the element type the version's signature names for their
// column (numbers for numeric columns, true/false for booleans); a cell that is not one is a 400
// naming the column and row. Without a signature, numeric-looking cells are numbers.
import { createRequire } from 'node:module';
import type { parse as csvParse } from 'csv-parse/sync';
import { invalid } from '../../../errors.js';
import type { InputChecker } from './input-checker.js';

// csv-parse is loaded on the first CSV body, not at server start (issue 18.5); its CommonJS build, synchronously.
let csv: { parse: typeof csvParse } | undefined;
const parse = (text: string, options: { skip_empty_lines: boolean; trim: boolean; bom: boolean }): unknown =>
  (csv ??= createRequire(import.meta.url)('csv-parse/sync') as { parse: typeof csvParse }).parse(text, options);

export function csvTable(text: string, checker: InputChecker): { columns: string[]; rows: unknown[][] } {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (err) {
    throw invalid(`text/csv body: ${(err as Error).message}`);
  }
  const [columns, ...cells] = records;
  if (!columns || cells.length === 0) throw invalid('text/csv body needs a header row and at least one row');
  const only = checker.only;
  const typeOf = (c: string) => checker.spec(c)?.type ?? (only && only.shape.length === 2 ? only.type : undefined);
  const types = columns.map(typeOf);
  const rows = cells.map((row, r) =>
    row.map((cell, c) => {
      const type = types[c];
      if (type === 'string') return cell;
      if (type === 'bool') {
        if (/^(true|1)$/i.test(cell)) return true;
        if (/^(false|0)$/i.test(cell)) return false;
        throw invalid(`column "${columns[c]}" row ${r + 1}: "${cell}" is not a boolean`);
      }
      const n = cell === '' ? NaN : Number(cell);
      if (type === undefined) return Number.isNaN(n) ? cell : n;
      if (Number.isNaN(n) && !/^nan$/i.test(cell)) throw invalid(`column "${columns[c]}" row ${r + 1}: "${cell}" is not a number (type ${type})`);
      return n;
    }),
  );
  return { columns, rows };
}
