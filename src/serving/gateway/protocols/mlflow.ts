// MLflow scoring protocol (POST /invocations): dataframe_split, dataframe_records, instances, inputs.
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';
import type { InputChecker } from './input-checker.js';
import { batchOf, recordsToTable, soleInput, tableToFeedsWithColumns, tensorFromNested, type ParsedInference } from './parsed.js';
import { nestedOutputs } from './outputs.js';
import { csvTable } from './mlflow-csv.js';

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

export function parseMlflow(body: unknown, checker: InputChecker, featureNames: string[] | null): ParsedInference {
  if (typeof body === 'string') {
    // text/csv: a table with a header row, read as dataframe_split.
    const { columns, rows } = csvTable(body, checker);
    const parsed = parseFormat('dataframe_split', { columns, data: rows }, checker, featureNames);
    checker.check(parsed.feeds);
    return parsed;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid(`send a JSON object with one of ${FORMATS.join(', ')}`);
  const b = body as Record<string, unknown>;
  const given = FORMATS.filter((f) => f in b);
  if (given.length !== 1) throw invalid(`send exactly one of ${FORMATS.join(', ')} (got ${given.length ? given.join(', ') : 'none'})`);
  const parsed = parseFormat(given[0], b[given[0]], checker, featureNames);
  checker.check(parsed.feeds);
  return parsed;
}

function parseFormat(format: (typeof FORMATS)[number], value: unknown, checker: InputChecker, featureNames: string[] | null): ParsedInference {
  const done = (feeds: Tensors, columns: string[] | null): ParsedInference => ({ feeds, rows: batchOf(feeds), columns, outputs: null });
  switch (format) {
    case 'dataframe_split': {
      const v = value as { columns?: unknown; data?: unknown };
      if (!v || !Array.isArray(v.data)) throw invalid('dataframe_split needs "data": a list of rows');
      const width = Array.isArray(v.data[0]) ? v.data[0].length : 0;
      const given = Array.isArray(v.columns) ? v.columns.map(String) : featureNames ?? Array.from({ length: width }, (_, i) => String(i));
      const t = tableToFeedsWithColumns(checker, given, v.data as unknown[][], featureNames);
      return done(t.feeds, Array.isArray(v.columns) ? t.columns : null);
    }
    case 'dataframe_records': {
      if (!Array.isArray(value)) throw invalid('dataframe_records must be a list of objects');
      const { columns, rows } = recordsToTable(value, 'dataframe_records');
      const t = tableToFeedsWithColumns(checker, columns, rows, featureNames);
      return done(t.feeds, t.columns);
    }
    case 'instances':
      return done(instancesToFeeds(checker, value, 'instances'), null);
    case 'inputs':
      return done(columnarToFeeds(checker, value, 'inputs'), null);
  }
}

/** Row format: a list of rows for the only input, or a list of {input: value} records. */
export function instancesToFeeds(checker: InputChecker, value: unknown, what: string): Tensors {
  if (!Array.isArray(value) || value.length === 0) throw invalid(`${what} must be a non-empty list`);
  const first = value[0];
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const names = Object.keys(first);
    const feeds: Tensors = {};
    for (const name of names) {
      feeds[name] = tensorFromNested(checker, name, value.map((rec) => (rec as Record<string, unknown>)[name]), `${what} "${name}"`);
    }
    return feeds;
  }
  const name = soleInput(checker, what);
  return { [name]: tensorFromNested(checker, name, value, what) };
}

/** Columnar format: one nested array for the only input, or {input: nested array}. */
export function columnarToFeeds(checker: InputChecker, value: unknown, what: string): Tensors {
  if (Array.isArray(value)) {
    const name = soleInput(checker, what);
    return { [name]: tensorFromNested(checker, name, value, what) };
  }
  if (!value || typeof value !== 'object') throw invalid(`${what} must be an array or an object of named arrays`);
  const feeds: Tensors = {};
  for (const [name, v] of Object.entries(value)) feeds[name] = tensorFromNested(checker, name, v, `${what} "${name}"`);
  return feeds;
}

/**
 * {"predictions": ...}: one value per row for an [N,1] output, rows otherwise; named when several
 * outputs — or, with `records` (a Python model's DataFrame, as MLflow's scoring server answers it),
 * one object per row.
 */
export function formatMlflow(result: Tensors, records = false) {
  const names = Object.keys(result);
  if (names.length === 1) return { predictions: nestedOutputs(result[names[0]], true) };
  if (records) {
    const cols = names.map((n) => nestedOutputs(result[n], true) as unknown[]);
    return { predictions: (cols[0] ?? []).map((_, r) => Object.fromEntries(names.map((n, i) => [n, cols[i][r]]))) };
  }
  return { predictions: Object.fromEntries(names.map((n) => [n, nestedOutputs(result[n], true)])) };
}
