// What every protocol parses a request into, before the signature check and the run.
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';
import { flattenNested, typedData } from '../runtimes/tensors.js';
import type { InputChecker } from './input-checker.js';

export interface ParsedInference {
  feeds: Tensors;
  /** Batch size: the first dimension of the inputs. */
  rows: number;
  /** Feature names the caller gave (MLflow dataframe columns), for observations. */
  columns: string[] | null;
  /** Outputs the caller asked for (Open Inference Protocol); null = all. */
  outputs: string[] | null;
}

/** The element type for JSON values sent to an input: the signature's, or guessed when unchecked. */
export function inputType(checker: InputChecker, name: string, sample: unknown): string {
  const spec = checker.spec(name);
  if (spec) return spec.type;
  if (checker.signature) throw invalid(`unknown input "${name}"; this model's inputs are: ${checker.inputNames.join(', ')}`);
  return typeof sample === 'string' ? 'string' : typeof sample === 'boolean' ? 'bool' : 'float32';
}

/** The one input a row- or array-shaped request goes to. */
export function soleInput(checker: InputChecker, what: string): string {
  if (!checker.signature) return 'input';
  const only = checker.only;
  if (!only) {
    throw invalid(`${what} sends one unnamed tensor, but this model has inputs ${checker.inputNames.map((n) => `"${n}"`).join(', ')}; name them`);
  }
  return only.name;
}

export function tensorFromNested(checker: InputChecker, name: string, value: unknown, what: string) {
  const { dims, data } = flattenNested(value, what);
  const type = inputType(checker, name, data[0]);
  return { type, dims, data: typedData(type, data, what) };
}

/** A table (columns + rows) into feeds — one matrix input, or one column per named input — and the column order the matrix was built in. */
export function tableToFeedsWithColumns(checker: InputChecker, columns: string[], rows: unknown[][], featureNames: string[] | null): { feeds: Tensors; columns: string[] } {
  const only = checker.signature ? checker.only : undefined;
  if (!checker.signature || (only && only.shape.length === 2 && !columns.every((c) => checker.spec(c)))) {
    const name = only?.name ?? 'input';
    let order = columns.map((_, i) => i);
    // Callers may send columns in any order when the version names its features.
    if (featureNames && featureNames.length === columns.length && featureNames.every((f) => columns.includes(f))) {
      order = featureNames.map((f) => columns.indexOf(f));
    }
    const width = columns.length;
    if (only && only.shape[1] > 0 && only.shape[1] !== width) {
      throw invalid(`input "${name}" expects ${only.shape[1]} features per row, got ${width} columns`);
    }
    const flat: unknown[] = new Array(rows.length * width);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== width) throw invalid(`row ${r} has ${Array.isArray(row) ? row.length : 0} values, expected ${width}`);
      for (let c = 0; c < width; c++) flat[r * width + c] = row[order[c]];
    });
    const type = inputType(checker, name, flat[0]);
    return { feeds: { [name]: { type, dims: [rows.length, width], data: typedData(type, flat, `input "${name}"`) } }, columns: order.map((i) => columns[i]) };
  }
  const feeds: Tensors = {};
  columns.forEach((col, c) => {
    const spec = checker.spec(col);
    if (!spec) throw invalid(`unknown column "${col}"; this model's inputs are: ${checker.inputNames.join(', ')}`);
    const values = rows.map((row) => row[c]);
    feeds[col] = { type: spec.type, dims: spec.shape.length === 2 ? [rows.length, 1] : [rows.length], data: typedData(spec.type, values, `column "${col}"`) };
  });
  return { feeds, columns };
}

/** Rows of objects (dataframe_records, instances as records) into a table. */
export function recordsToTable(records: unknown[], what: string): { columns: string[]; rows: unknown[][] } {
  if (records.length === 0) throw invalid(`${what} is empty`);
  const first = records[0];
  if (!first || typeof first !== 'object' || Array.isArray(first)) throw invalid(`${what} must be a list of objects`);
  const columns = Object.keys(first);
  const rows = records.map((rec, i) => {
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw invalid(`${what}[${i}] is not an object`);
    return columns.map((c) => {
      if (!(c in rec)) throw invalid(`${what}[${i}] has no "${c}"`);
      return (rec as Record<string, unknown>)[c];
    });
  });
  return { columns, rows };
}

export function batchOf(feeds: Tensors): number {
  for (const name in feeds) return feeds[name].dims[0] ?? 1;
  return 0;
}
