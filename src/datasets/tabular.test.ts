import { describe, expect, it } from 'vitest';
import { readCsv, readJsonLines } from './tabular.js';

const limits = { what: 'reference', maxRows: 3 };

describe('tabular datasets', () => {
  it('reads CSV with quoted commas, escaped quotes, CRLF and a byte-order mark', () => {
    const t = readCsv('\uFEFFcity,amount\r\n"Paris, FR",12.5\r\n"say ""hi""",3\r\n', limits);
    expect(t).toEqual({ columns: ['city', 'amount'], rows: [['Paris, FR', '12.5'], ['say "hi"', '3']] });
  });

  it('refuses ragged rows, empty headers and too many rows with messages naming the dataset', () => {
    expect(() => readCsv('a,b\n1\n', limits)).toThrow(/reference CSV: .*line 2/);
    expect(() => readCsv('a,,c\n1,2,3\n', limits)).toThrow(/empty column name/);
    expect(() => readCsv('a\n1\n2\n3\n4\n', limits)).toThrow(/at most 3 rows/);
    expect(() => readCsv('', limits)).toThrow(/reference CSV is empty/);
  });

  it('reads JSON lines of objects and names the line that is not one', () => {
    expect(readJsonLines('{"a":1}\n\n{"a":2}\n', limits)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => readJsonLines('{"a":1}\n{oops\n', limits)).toThrow(/line 2 is not valid JSON/);
    expect(() => readJsonLines('[1,2]\n', limits)).toThrow(/line 1 is not a JSON object/);
  });
});
