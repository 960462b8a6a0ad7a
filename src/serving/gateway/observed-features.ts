// Which feature each observed input value is. Monitoring reads the values straight from the parsed
// tensors by a FeatureLayout (record-batch.ts), so the serving thread builds no per-feature arrays
// for it; the layout is worked out once per version and request shape, not once per request.
// columnarInputs gives the same features as plain columns, for observers that want them.
import type { Tensor, Tensors, VersionSpec } from './runtimes/runtime.js';

export type ObservedValue = number | string | null;

/** Feature names in the order columnarInputs gives them, and where each one's values are. */
export interface FeatureLayout {
  readonly names: string[];
  /** Per name: the feed it is read from (index into feedNames) and its column in that feed's rows. */
  readonly feed: number[];
  readonly column: number[];
  /** The request shape this layout fits: the feeds in order and their values per row. */
  readonly feedNames: string[];
  readonly widths: number[];
  /** The names it was given (dataframe columns or the feature-names tag); only for a single feed. */
  readonly given: string[] | null;
  /** One feed whose columns are the features in order: row r is data[r*width .. (r+1)*width). */
  readonly contiguous: boolean;
}

/** Values per row of a feed (its first dimension is the batch). */
export function feedWidth(t: Tensor): number {
  const rows = t.dims[0] ?? 1;
  return rows > 0 ? t.data.length / rows : 0;
}

/** A feature's name: the feed's own for a one-value feed among several, else the given name or <input>_<i>. */
function featureKey(feed: string, c: number, width: number, feeds: number, given: string[] | null): string {
  return width === 1 && feeds > 1 ? feed : given?.[c] ?? `${feed}_${c}`;
}

/** The value monitoring records: numbers and text as they are, null for none, anything else (bigint, bool) as a number. */
export function observedValue(v: unknown): ObservedValue {
  return typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? null : Number(v);
}

/** Inputs by feature name: dataframe columns, else the version's feature names tag, else <input>_<i>. */
export function columnarInputs(feeds: Tensors, columns: string[] | null, featureNames: string[] | null): Record<string, ObservedValue[]> {
  const out: Record<string, ObservedValue[]> = {};
  const names = Object.keys(feeds);
  const given = names.length === 1 ? columns ?? featureNames : null;
  for (const name of names) {
    const t = feeds[name];
    const rows = t.dims[0] ?? 1;
    const width = feedWidth(t);
    for (let c = 0; c < width; c++) {
      const col: ObservedValue[] = new Array(rows);
      for (let r = 0; r < rows; r++) col[r] = observedValue((t.data as ArrayLike<unknown>)[r * width + c]);
      out[featureKey(name, c, width, names.length, given)] = col;
    }
  }
  return out;
}

// One layout per loaded version: the last request shape it saw. Consecutive requests to a version
// almost always share it, so a request pays a walk over its feeds and, for a dataframe, a compare
// of its column names.
const layouts = new WeakMap<object, FeatureLayout>();

/** The layout for these feeds, reused while the version's requests keep their shape. */
export function featureLayout(spec: Pick<VersionSpec, 'featureNames'>, feeds: Tensors, columns: string[] | null): FeatureLayout {
  const last = layouts.get(spec);
  if (last && fits(last, feeds, columns ?? spec.featureNames)) return last;
  const built = buildLayout(feeds, columns, spec.featureNames);
  layouts.set(spec, built);
  return built;
}

function fits(l: FeatureLayout, feeds: Tensors, given: string[] | null): boolean {
  let i = 0;
  for (const name in feeds) {
    if (i >= l.feedNames.length || name !== l.feedNames[i] || feedWidth(feeds[name]) !== l.widths[i]) return false;
    i++;
  }
  if (i !== l.feedNames.length) return false;
  if (i !== 1 || given === l.given) return true;
  if (!given || !l.given || given.length !== l.given.length) return false;
  for (let j = 0; j < given.length; j++) if (given[j] !== l.given[j]) return false;
  return true;
}

/** The same walk as columnarInputs, keeping where each name's values are instead of copying them. */
function buildLayout(feeds: Tensors, columns: string[] | null, featureNames: string[] | null): FeatureLayout {
  const feedNames = Object.keys(feeds);
  const widths = feedNames.map((n) => feedWidth(feeds[n]));
  const given = feedNames.length === 1 ? columns ?? featureNames : null;
  // An object, like columnarInputs' result: a repeated name keeps its first place and its last source.
  const where: Record<string, [number, number]> = {};
  feedNames.forEach((name, f) => {
    for (let c = 0; c < widths[f]; c++) where[featureKey(name, c, widths[f], feedNames.length, given)] = [f, c];
  });
  const names = Object.keys(where);
  const feed = names.map((n) => where[n][0]);
  const column = names.map((n) => where[n][1]);
  const contiguous = feedNames.length === 1 && names.length === widths[0] && column.every((c, j) => c === j);
  return { names, feed, column, feedNames, widths, given, contiguous };
}
