// Holdout datasets: CSV with a header row, or JSON lines, each row a set of numeric features and a
// label. Parsing is strict so a broken dataset is refused when it is registered, not at promotion.
import { invalid } from '../../errors.js';
import type { HoldoutSpec } from './gates.js';
import { readCsv, readJsonLines } from '../../datasets/tabular.js';

export interface Holdout {
  features: string[];
  rows: number[][];
  labels: number[];
}

const MAX_ROWS = 200_000;

function num(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw invalid(`holdout ${where}: ${JSON.stringify(value)} is not a number`);
  return n;
}

function parseCsv(text: string, spec: HoldoutSpec): Holdout {
  const { columns: header, rows: body } = readCsv(text, { what: 'holdout', maxRows: MAX_ROWS });
  const labelAt = header.indexOf(spec.label);
  if (labelAt < 0) throw invalid(`holdout CSV has no label column "${spec.label}" (columns: ${header.join(', ')})`);
  const features = spec.features ?? header.filter((_, i) => i !== labelAt);
  const at = features.map((f) => {
    const i = header.indexOf(f);
    if (i < 0) throw invalid(`holdout CSV has no feature column "${f}"`);
    return i;
  });
  const rows: number[][] = [];
  const labels: number[] = [];
  body.forEach((cells, n) => {
    rows.push(at.map((i) => num(cells[i], `line ${n + 2} column "${header[i]}"`)));
    labels.push(num(cells[labelAt], `line ${n + 2} label`));
  });
  return { features, rows, labels };
}

function parseJsonl(text: string, spec: HoldoutSpec): Holdout {
  const rows: number[][] = [];
  const labels: number[] = [];
  let features: string[] | null = spec.features ?? null;
  readJsonLines(text, { what: 'holdout', maxRows: MAX_ROWS }).forEach((obj, n) => {
    if (!(spec.label in obj)) throw invalid(`holdout line ${n + 1} has no label "${spec.label}"`);
    labels.push(num(obj[spec.label], `line ${n + 1} label`));
    // {"features":[...], "label":1} or a flat object of named features.
    if (Array.isArray(obj.features) && !spec.features) {
      features ??= obj.features.map((_, i) => `f${i}`);
      if (obj.features.length !== features.length) throw invalid(`holdout line ${n + 1}: ${obj.features.length} features, expected ${features.length}`);
      rows.push(obj.features.map((v, i) => num(v, `line ${n + 1} feature ${i}`)));
      return;
    }
    features ??= Object.keys(obj).filter((k) => k !== spec.label);
    rows.push(features.map((f) => num(obj[f], `line ${n + 1} "${f}"`)));
  });
  return { features: features ?? [], rows, labels };
}

export function parseHoldout(bytes: Buffer, spec: HoldoutSpec): Holdout {
  const text = bytes.toString('utf8');
  const h = spec.format === 'csv' ? parseCsv(text, spec) : parseJsonl(text, spec);
  if (h.rows.length === 0) throw invalid('holdout has no rows');
  if (h.features.length === 0) throw invalid('holdout has no feature columns');
  return h;
}

/** Classification unless told otherwise or a label is not a whole number. */
export function holdoutTask(h: Holdout, spec: HoldoutSpec): 'classification' | 'regression' {
  return spec.task ?? (h.labels.every((l) => Number.isInteger(l)) ? 'classification' : 'regression');
}
