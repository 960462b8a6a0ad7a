// Adaptive micro-batching for the Python runtime: concurrent requests to one version are combined
// into one `predict` call and the answer is split back, each caller getting exactly its own rows.
// Python's per-call cost (DataFrame construction, the flavor's dispatch, the pipe round trip)
// dwarfs a small model's per-row cost, so under load one call of 16 rows is nearly as cheap as one
// of 1 row.
//
// Adaptive: a request goes to the workers at once while one of them is idle, so an unloaded
// version pays no wait at all. Only while every worker is busy do requests gather, and the gathered
// batch leaves when a worker frees up, when it holds maxRows rows, or after maxWaitMs — whichever
// comes first. Requests combine only when their tensors agree on names, types and every dimension
// but the first (the rows).
import type { Tensor, TensorValues, Tensors } from './runtime.js';

export interface BatchOptions {
  /** Most rows one combined call carries (0: no batching). */
  maxRows: number;
  /** Longest a request waits for others to join it while every worker is busy (0: no batching). */
  maxWaitMs: number;
}

/** One caller's request waiting in a batch. */
interface Waiting {
  feeds: Tensors;
  rows: number;
  resolve: (t: Tensors) => void;
  reject: (e: unknown) => void;
}

interface Pending {
  key: string;
  rows: number;
  items: Waiting[];
  timer: NodeJS.Timeout | null;
}

/** The rows of a request and the shape its tensors must share with others in a batch; null when it cannot be batched. */
export function batchKey(feeds: Tensors): { key: string; rows: number } | null {
  let rows = -1;
  const parts: string[] = [];
  for (const name in feeds) {
    const t = feeds[name];
    if (t.dims.length === 0) return null;
    if (rows === -1) rows = t.dims[0];
    else if (t.dims[0] !== rows) return null;
    parts.push(`${name}\u0000${t.type}\u0000${t.dims.slice(1).join(',')}`);
  }
  return rows > 0 ? { key: parts.join('\u0001'), rows } : null;
}

function concatValues(parts: TensorValues[]): TensorValues {
  const first = parts[0];
  if (Array.isArray(first)) return ([] as unknown[]).concat(...(parts as unknown[][])) as TensorValues;
  const Ctor = first.constructor as new (n: number) => Exclude<TensorValues, unknown[]>;
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts as Array<Exclude<TensorValues, unknown[]>>) {
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(p as ArrayLike<unknown>, at);
    at += p.length;
  }
  return out;
}

/** The requests' tensors stacked along the first dimension, in order. */
export function concatFeeds(all: Tensors[], totalRows: number): Tensors {
  const out: Tensors = {};
  for (const name in all[0]) {
    const t = all[0][name];
    out[name] = { type: t.type, dims: [totalRows, ...t.dims.slice(1)], data: concatValues(all.map((f) => f[name].data)) };
  }
  return out;
}

/** Each request's own rows of a combined answer; null when an output is not one row per input row. */
export function splitResult(result: Tensors, rows: number[]): Tensors[] | null {
  const total = rows.reduce((a, b) => a + b, 0);
  for (const name in result) if (result[name].dims[0] !== total) return null;
  const out: Tensors[] = rows.map(() => ({}));
  for (const name in result) {
    const t: Tensor = result[name];
    const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
    let at = 0;
    rows.forEach((n, i) => {
      const data = (t.data as { slice(a: number, b: number): TensorValues }).slice(at * per, (at + n) * per);
      out[i][name] = { type: t.type, dims: [n, ...t.dims.slice(1)], data };
      at += n;
    });
  }
  return out;
}

export class MicroBatcher {
  private pending: Pending | null = null;
  /** Combined calls made and the requests they carried (for tests and the bench). */
  batches = 0;
  batchedRequests = 0;

  constructor(
    private readonly options: BatchOptions,
    /** Runs one call on the least busy worker. */
    private readonly send: (feeds: Tensors) => Promise<Tensors>,
    /** Whether some worker is idle now (then a request goes at once). */
    private readonly idle: () => boolean,
  ) {}

  get enabled(): boolean {
    return this.options.maxRows > 0 && this.options.maxWaitMs > 0;
  }

  run(feeds: Tensors): Promise<Tensors> {
    const shape = this.enabled ? batchKey(feeds) : null;
    if (!shape || shape.rows >= this.options.maxRows || (!this.pending && this.idle())) return this.send(feeds);
    if (this.pending && (this.pending.key !== shape.key || this.pending.rows + shape.rows > this.options.maxRows)) this.flush();
    return new Promise<Tensors>((resolve, reject) => {
      let p = this.pending;
      if (!p) {
        p = this.pending = { key: shape.key, rows: 0, items: [], timer: null };
        const mine = p;
        p.timer = setTimeout(() => this.pending === mine && this.flush(), this.options.maxWaitMs);
      }
      p.items.push({ feeds, rows: shape.rows, resolve, reject });
      p.rows += shape.rows;
      if (p.rows >= this.options.maxRows) this.flush();
    });
  }

  /** A worker answered: the gathered batch (if any) goes now. */
  workerFreed(): void {
    if (this.pending) this.flush();
  }

  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    if (p.items.length === 1) {
      const [only] = p.items;
      this.send(only.feeds).then(only.resolve, only.reject);
      return;
    }
    this.batches++;
    this.batchedRequests += p.items.length;
    this.send(concatFeeds(p.items.map((w) => w.feeds), p.rows)).then(
      (result) => {
        const parts = splitResult(result, p.items.map((w) => w.rows));
        if (parts) p.items.forEach((w, i) => w.resolve(parts[i]));
        else this.alone(p.items); // not one answer row per input row: the model is not row-wise
      },
      // One bad request must not fail the others, nor lend them its error: each runs alone.
      () => this.alone(p.items),
    );
  }

  private alone(items: Waiting[]): void {
    for (const w of items) this.send(w.feeds).then(w.resolve, w.reject);
  }
}
