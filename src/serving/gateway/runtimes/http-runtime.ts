// Forwards inference to an external model server recorded on the version (endpoint_url), so
// rollback works for models that are not ONNX. Two wire formats, chosen by the URL:
// - ending in /invocations: MLflow scoring ({"inputs": ...} -> {"predictions": ...})
// - anything else: an Open Inference Protocol v2 infer URL (KServe, Triton, another Stagecraft)
import { jsonData, nest, ortType, v2Type } from './tensors.js';
import type { ModelRuntime, Tensor, Tensors } from './runtime.js';

const TIMEOUT_MS = 30_000;

export async function loadHttpRuntime(endpointUrl: string): Promise<ModelRuntime> {
  // Nothing to warm locally; the external server owns its own warm-up.
  return new HttpRuntime(endpointUrl);
}

class HttpRuntime implements ModelRuntime {
  readonly kind = 'http' as const;
  private readonly mlflow: boolean;

  constructor(private readonly url: string) {
    this.mlflow = /\/invocations\/?$/.test(url);
  }

  async run(feeds: Tensors): Promise<Tensors> {
    return this.mlflow ? this.runMlflow(feeds) : this.runV2(feeds);
  }

  /** The model server's JSON answer, in the shape the caller expects and then checks (it is foreign input). */
  private async post<T>(body: unknown): Promise<Partial<T> | null> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`model server ${this.url} answered ${res.status}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`model server ${this.url} answered non-JSON: ${text.slice(0, 100)}`);
    }
  }

  private async runV2(feeds: Tensors): Promise<Tensors> {
    const inputs = Object.entries(feeds).map(([name, t]) => ({ name, shape: t.dims, datatype: v2Type(t.type), data: jsonData(t) }));
    const body = await this.post<{ outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }> }>({ inputs });
    if (!Array.isArray(body?.outputs)) throw new Error(`model server ${this.url} answered without "outputs"`);
    const out: Tensors = {};
    for (const o of body.outputs) out[o.name] = { type: ortType(o.datatype), dims: o.shape, data: o.data };
    return out;
  }

  private async runMlflow(feeds: Tensors): Promise<Tensors> {
    const names = Object.keys(feeds);
    const nested = (t: Tensor) => nest(jsonData(t), t.dims);
    const inputs = names.length === 1 ? nested(feeds[names[0]]) : Object.fromEntries(names.map((n) => [n, nested(feeds[n])]));
    const body = await this.post<{ predictions: unknown }>({ inputs });
    const p = body?.predictions;
    if (!Array.isArray(p)) throw new Error(`model server ${this.url} answered without a "predictions" array`);
    const rows = p.map((x: unknown) => (Array.isArray(x) ? x : [x])) as unknown[][];
    const width = rows[0]?.length ?? 1;
    const data = rows.flat();
    const type = data.every((x) => typeof x === 'number') ? 'float64' : 'string';
    return { predictions: { type, dims: [rows.length, width], data: data as number[] } };
  }

  async close(): Promise<void> {}
}
