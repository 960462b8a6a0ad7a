// The request path: one Map lookup for the slot, a permit from its limiter, the current version's
// reference (taken after the permit, so a request queued across a swap runs on the new version),
// parse + check against that version's signature, run, observe. No database on this path.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../errors.js';
import type { Gateway } from './gateway.js';
import { GRANTED, type LoadedVersion, type ModelSlot } from './model-slot.js';
import type { InferenceOutcome } from './observer.js';
import type { ParsedInference } from './protocols/parsed.js';
import { rowPredictions } from './protocols/outputs.js';
import type { Tensors } from './runtimes/runtime.js';

/** Which version answers: the binding's, an explicit number, or a TF Serving label. */
export type Selector = { kind: 'binding' } | { kind: 'version'; version: number } | { kind: 'label'; label: string };

export interface Protocol<P extends ParsedInference> {
  parse(body: unknown, lv: LoadedVersion): P;
  format(result: Tensors, parsed: P, lv: LoadedVersion, requestId: string): unknown;
  /** The protocol's own error body. */
  error(err: AppError): unknown;
}

export class ModelError extends Error {}

const NO_VERSION = (slot: ModelSlot) => {
  const { state, error } = slot.state();
  const why = state === 'failed' ? error : state === 'loading' ? `version ${slot.target} is loading` : `nothing holds ${slot.pointers.binding}`;
  return new AppError('unavailable', `model "${slot.name}" has no version to serve: ${why}`);
};

/** The binding's version (or a warm canary candidate): plain reads, no await before inflight++. */
function pickBound(slot: ModelSlot, req: FastifyRequest): LoadedVersion {
  if (!slot.current) throw NO_VERSION(slot);
  // A canary split may answer this request with its candidate, only once the candidate is warm.
  const routed = slot.traffic ? slot.traffic.route(req.headers) : null;
  return (routed !== null && slot.loaded.get(routed)) || slot.current;
}

/** An explicit version or label, loading it if needed (only the caller's own request waits). */
async function pickExplicit(gateway: Gateway, slot: ModelSlot, sel: Exclude<Selector, { kind: 'binding' }>): Promise<LoadedVersion> {
  const version = sel.kind === 'version' ? sel.version : slot.pointers.resolveLabel(sel.label);
  if (version === null) throw notFound(`model "${slot.name}" has no label "${(sel as { label: string }).label}" (labels are aliases and stages)`);
  if (slot.current?.version === version) return slot.current;
  const warm = slot.loaded.get(version);
  if (warm) return warm;
  try {
    return await gateway.ensureLoaded(slot, version);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('unavailable', `version ${version} of "${slot.name}" cannot be loaded: ${(err as Error).message}`);
  }
}

export async function serveInference<P extends ParsedInference>(
  gateway: Gateway,
  protocol: Protocol<P>,
  req: FastifyRequest,
  reply: FastifyReply,
  model: string,
  sel: Selector,
): Promise<unknown> {
  const time = Date.now();
  const t0 = performance.now();
  reply.header('stagecraft-request-id', req.id);
  const slot = gateway.slots.get(model);
  if (!slot) return fail(reply, protocol, notFound(`model "${model}" is not served here`));
  const permit = slot.acquire();
  if (!permit) {
    reply.header('retry-after', '1');
    return fail(reply, protocol, new AppError('unavailable', `model "${model}" is at its concurrency limit and its queue is full; retry shortly`));
  }
  // A granted permit is a plain value: no microtask hop on the fast path.
  if (permit !== GRANTED) await permit;
  let lv: LoadedVersion | null = null;
  let outcome: InferenceOutcome = 'ok';
  let parsed: P | null = null;
  let result: Tensors | null = null;
  try {
    lv = sel.kind === 'binding' ? pickBound(slot, req) : await pickExplicit(gateway, slot, sel);
    lv.inflight++;
    lv.lastActive = time;
    reply.header('stagecraft-model-version', String(lv.version));
    parsed = protocol.parse(req.body, lv);
    try {
      result = await lv.runtime.run(parsed.feeds);
    } catch (err) {
      throw new ModelError(`model "${model}" version ${lv.version} failed: ${(err as Error).message}`);
    }
    return reply.send(protocol.format(result, parsed, lv, req.id));
  } catch (err) {
    outcome = err instanceof ModelError ? 'model_error' : err instanceof AppError && err.status < 500 ? 'client_error' : 'rejected';
    const appErr = err instanceof ModelError ? new AppError('internal', err.message) : err instanceof AppError ? err : new AppError('internal', (err as Error).message);
    if (appErr.status >= 500) req.log.warn({ err: appErr.message, model }, 'inference failed');
    return fail(reply, protocol, appErr);
  } finally {
    if (lv) lv.inflight--;
    slot.release();
    if (lv && parsed && result && slot.traffic?.afterResponse) slot.traffic.afterResponse({ version: lv.version, feeds: parsed.feeds, result });
    if (lv && gateway.options.observers.length) observe(gateway, slot, sel, lv, req.id, time, performance.now() - t0, outcome, parsed, result);
  }
}

function fail(reply: FastifyReply, protocol: Protocol<any>, err: AppError) {
  if (err.status === 503) reply.header('retry-after', '1');
  return reply.status(err.status).send(protocol.error(err));
}

function observe(
  gateway: Gateway,
  slot: ModelSlot,
  sel: Selector,
  lv: LoadedVersion,
  requestId: string,
  time: number,
  latencyMs: number,
  outcome: InferenceOutcome,
  parsed: ParsedInference | null,
  result: Tensors | null,
) {
  const binding = sel.kind === 'binding' ? slot.pointers.binding : sel.kind === 'version' ? `version:${sel.version}` : `label:${sel.label}`;
  const o = {
    model: slot.name,
    version: lv.version,
    binding,
    requestId,
    time,
    latencyMs,
    outcome,
    inputs: parsed ? columnarInputs(parsed, lv) : undefined,
    predictions: result ? rowPredictions(result) : undefined,
  };
  for (const observer of gateway.options.observers) {
    try {
      observer.observe(o);
    } catch {
      // An observer must never break serving.
    }
  }
}

/** Inputs by feature name: dataframe columns, else the version's feature names tag, else <input>_<i>. */
function columnarInputs(parsed: ParsedInference, lv: LoadedVersion): Record<string, Array<number | string | null>> {
  const out: Record<string, Array<number | string | null>> = {};
  const names = Object.keys(parsed.feeds);
  for (const name of names) {
    const t = parsed.feeds[name];
    const rows = t.dims[0] ?? 1;
    const width = rows > 0 ? t.data.length / rows : 0;
    const given = names.length === 1 ? parsed.columns ?? lv.spec.featureNames : null;
    for (let c = 0; c < width; c++) {
      const key = width === 1 && names.length > 1 ? name : given?.[c] ?? `${name}_${c}`;
      const col: Array<number | string | null> = new Array(rows);
      for (let r = 0; r < rows; r++) {
        const v = (t.data as ArrayLike<unknown>)[r * width + c];
        col[r] = typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? null : Number(v);
      }
      out[key] = col;
    }
  }
  return out;
}
