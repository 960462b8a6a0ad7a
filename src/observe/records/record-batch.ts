// Retained predictions buffered column by column. The request path appends numbers to typed arrays
// and keeps a reference to strings it already has (request id, model, binding): no object per row,
// no JSON, and request ids as bytes. A full batch moves to the writer thread by transferring its ArrayBuffers (no copy), and
// its segments are encoded there (segment-codec.ts), off the serving thread. Holding
// thousands of small row objects for a flush interval was what cost serving throughput: they
// survived young-generation GCs and were copied again by postMessage (bench/monitoring.ts).
import type { FeatureLayout } from '../../serving/gateway/observed-features.js';
import { INFERENCE_OUTCOMES, type InferenceObservation } from '../../serving/gateway/observer.js';
import { rowPrediction, rowWidth } from '../../serving/gateway/protocols/outputs.js';
import type { Tensors } from '../../serving/gateway/runtimes/runtime.js';
import { ServedObservation } from '../../serving/gateway/served-observation.js';

const UTF8 = new TextEncoder();

/** A batch as plain data: what crosses to the writer thread (typed arrays transferred). */
export interface BatchData {
  n: number;
  /**
   * Request ids as UTF-8 bytes; row i's is ids[idStart[i], idEnd[i]) (a request's rows share it).
   * Bytes, not the id strings: a string held by the batch for its flush interval outlives young-
   * generation GCs and is promoted, per request; and an array of them clones string by string.
   */
  ids: Uint8Array;
  idStart: Uint32Array;
  idEnd: Uint32Array;
  idLen: number;
  /** Per row: index into `strings` for the model, the binding and the source (the gateway replica that served it; '' when unknown). */
  model: Uint32Array;
  binding: Uint32Array;
  source: Uint32Array;
  strings: string[];
  row: Uint32Array;
  version: Float64Array;
  time: Float64Array;
  latency: Float64Array;
  outcome: Uint8Array;
  /** NaN when the prediction is absent or text (then in predText). */
  pred: Float64Array;
  predText: Record<number, string>;
  /** Per row: index into `schemas` (feature names in order), -1 for none; values start at fStart. */
  schema: Int32Array;
  fStart: Uint32Array;
  schemas: string[][];
  /** Feature values; NaN means null, or text when the value's index is in fText. */
  fVals: Float64Array;
  fText: Record<number, string>;
  fLen: number;
}

/** Input rows with a prediction to retain (0 when the request failed). */
export function servedRows(o: InferenceObservation, maxRows: number): number {
  if (o.outcome !== 'ok') return 0;
  // The gateway's own observation counts its output rows without building `predictions`.
  return Math.min(o instanceof ServedObservation ? o.predictionCount : o.predictions?.length ?? 0, maxRows);
}

export class RecordBatch {
  readonly d: BatchData;
  private readonly stringIds = new Map<string, number>();
  private readonly schemaIds = new Map<string, number>();
  // Consecutive requests almost always share the model, binding and feature names (the same string
  // objects): the last of each is checked first, by identity, before any map lookup or join.
  private lastModel: string | null = null;
  private lastModelId = -1;
  private lastBinding: string | null = null;
  private lastBindingId = -1;
  private lastSource: string | null = null;
  private lastSourceId = -1;
  private lastNames: string[] | null = null;
  private lastSchemaId = -1;

  /**
   * `spare`: the columns of a batch the writer thread has written and handed back (record-sink-worker.ts):
   * reused rather than allocated again, ~400 KB a batch that the serving thread's malloc heap would
   * otherwise take and give back several times a second under load (issue 18.6). Only what a row
   * writes before it is read is left as it was.
   */
  constructor(
    readonly capacity: number,
    spare?: BatchData,
  ) {
    if (spare && spare.idStart.length === capacity) {
      Object.assign(spare, { n: 0, idLen: 0, fLen: 0, strings: [], predText: {}, schemas: [], fText: {} });
      this.d = spare;
      return;
    }
    this.d = {
      n: 0, ids: new Uint8Array(capacity * 40), idStart: new Uint32Array(capacity), idEnd: new Uint32Array(capacity), idLen: 0, model: new Uint32Array(capacity), binding: new Uint32Array(capacity), source: new Uint32Array(capacity), strings: [],
      row: new Uint32Array(capacity), version: new Float64Array(capacity), time: new Float64Array(capacity), latency: new Float64Array(capacity),
      outcome: new Uint8Array(capacity), pred: new Float64Array(capacity), predText: {}, schema: new Int32Array(capacity), fStart: new Uint32Array(capacity),
      schemas: [], fVals: new Float64Array(capacity * 4), fText: {}, fLen: 0,
    };
  }

  get room(): number {
    return this.capacity - this.d.n;
  }

  /** Appends the observation's rows: one per prediction (at most maxRows), or one carrying the outcome. */
  append(o: InferenceObservation, maxRows: number): void {
    if (o instanceof ServedObservation) return this.appendServed(o, maxRows);
    const d = this.d;
    const served = servedRows(o, maxRows);
    const fit = Math.min(Math.max(served, 1), this.capacity - d.n);
    const names = served && o.inputs ? Object.keys(o.inputs) : null;
    const schema = names && names.length ? this.schemaId(names) : -1;
    const first = this.startRows(o, fit, schema);
    for (let r = 0; r < fit; r++) {
      const i = first + r;
      const p = served ? o.predictions![r] : undefined;
      d.pred[i] = typeof p === 'number' ? p : NaN;
      if (typeof p === 'string') d.predText[i] = p;
      d.fStart[i] = d.fLen;
      if (schema >= 0) for (const f of names!) this.pushValue(o.inputs![f][r]);
    }
  }

  /**
   * The same rows from the gateway's own observation, read straight from the request's tensors by
   * its feature layout (observed-features.ts) and from the first output as rowPredictions reads it:
   * no per-request arrays or objects.
   */
  private appendServed(o: ServedObservation, maxRows: number): void {
    const d = this.d;
    const served = servedRows(o, maxRows);
    const fit = Math.min(Math.max(served, 1), this.capacity - d.n);
    const layout = served ? o.features : null;
    const schema = layout && layout.names.length ? this.schemaId(layout.names) : -1;
    const out = served ? o.output : undefined;
    const width = out ? rowWidth(out, out.dims[0] ?? 0) : 0;
    const first = this.startRows(o, fit, schema);
    for (let r = 0; r < fit; r++) {
      const i = first + r;
      const p = out ? rowPrediction(out, width, r) : undefined;
      d.pred[i] = typeof p === 'number' ? p : NaN;
      if (typeof p === 'string') d.predText[i] = p;
      d.fStart[i] = d.fLen;
      if (schema >= 0) this.pushTensorRow(o.feeds!, layout!, r);
    }
  }

  /** Fills the columns every row of the observation shares; answers the first row's index. */
  private startRows(o: InferenceObservation, fit: number, schema: number): number {
    const d = this.d;
    const model = o.model === this.lastModel ? this.lastModelId : (this.lastModelId = this.intern((this.lastModel = o.model)));
    const binding = o.binding === this.lastBinding ? this.lastBindingId : (this.lastBindingId = this.intern((this.lastBinding = o.binding)));
    const from = o.source ?? '';
    const source = from === this.lastSource ? this.lastSourceId : (this.lastSourceId = this.intern((this.lastSource = from)));
    const outcome = INFERENCE_OUTCOMES.indexOf(o.outcome);
    const first = d.n;
    const idStart = d.idLen;
    const idEnd = this.putId(o.requestId);
    for (let r = 0; r < fit; r++) {
      const i = d.n++;
      d.idStart[i] = idStart;
      d.idEnd[i] = idEnd;
      d.model[i] = model;
      d.binding[i] = binding;
      d.source[i] = source;
      d.row[i] = r;
      d.version[i] = o.version;
      d.time[i] = o.time;
      d.latency[i] = o.latencyMs;
      d.outcome[i] = outcome;
      d.schema[i] = schema;
    }
    return first;
  }

  /** Row r's features as columnarInputs would give them: values converted the same way (observedValue). */
  private pushTensorRow(feeds: Tensors, layout: FeatureLayout, r: number): void {
    const d = this.d;
    const n = layout.names.length;
    this.reserve(n);
    if (layout.contiguous) {
      const data = feeds[layout.feedNames[0]].data as ArrayLike<unknown>;
      const width = layout.widths[0];
      for (let j = 0; j < n; j++) this.put(d.fLen++, data[r * width + j]);
      return;
    }
    for (let j = 0; j < n; j++) {
      const f = layout.feed[j];
      this.put(d.fLen++, (feeds[layout.feedNames[f]].data as ArrayLike<unknown>)[r * layout.widths[f] + layout.column[j]]);
    }
  }

  private put(k: number, v: unknown): void {
    const d = this.d;
    if (typeof v === 'number') d.fVals[k] = v;
    else if (typeof v === 'string') {
      d.fVals[k] = NaN;
      d.fText[k] = v;
    } else d.fVals[k] = v === null || v === undefined ? NaN : Number(v);
  }

  private reserve(n: number): void {
    const d = this.d;
    if (d.fLen + n <= d.fVals.length) return;
    const grown = new Float64Array(Math.max(d.fVals.length * 2, d.fLen + n));
    grown.set(d.fVals);
    d.fVals = grown;
  }

  private pushValue(v: number | string | null | undefined): void {
    this.reserve(1);
    this.put(this.d.fLen++, v);
  }

  /** Appends the id's UTF-8 bytes (ASCII byte by byte, the usual case); answers where they end. */
  private putId(id: string): number {
    const d = this.d;
    if (d.idLen + id.length * 3 > d.ids.length) {
      const grown = new Uint8Array(Math.max(d.ids.length * 2, d.idLen + id.length * 3));
      grown.set(d.ids.subarray(0, d.idLen));
      d.ids = grown;
    }
    let k = d.idLen;
    for (let c = 0; c < id.length; c++) {
      const code = id.charCodeAt(c);
      if (code > 127) {
        k = d.idLen + UTF8.encodeInto(id, d.ids.subarray(d.idLen)).written;
        break;
      }
      d.ids[k++] = code;
    }
    return (d.idLen = k);
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) this.stringIds.set(s, (id = this.d.strings.push(s) - 1));
    return id;
  }

  private schemaId(names: string[]): number {
    const last = this.lastNames;
    if (last && last.length === names.length && last.every((n, j) => n === names[j])) return this.lastSchemaId;
    const key = names.join('\u0000');
    let id = this.schemaIds.get(key);
    if (id === undefined) this.schemaIds.set(key, (id = this.d.schemas.push(names) - 1));
    this.lastNames = names;
    this.lastSchemaId = id;
    return id;
  }

  /** The ArrayBuffers to transfer with postMessage (the batch is unusable here afterwards). */
  transferList(): ArrayBuffer[] {
    return batchBuffers(this.d);
  }
}

/** The typed-array columns of a batch, which move between threads by transfer. */
export const BATCH_COLUMNS = ['ids', 'idStart', 'idEnd', 'model', 'binding', 'source', 'row', 'version', 'time', 'latency', 'outcome', 'pred', 'schema', 'fStart', 'fVals'] as const;

function batchBuffers(d: BatchData): ArrayBuffer[] {
  return BATCH_COLUMNS.map((k) => d[k].buffer as ArrayBuffer);
}
