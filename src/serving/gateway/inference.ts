// The request path: one Map lookup for the slot, a permit from its limiter, the current version's
// reference (taken after the permit, so a request queued across a swap runs on the new version),
// parse + check against that version's signature, run, observe. No database on this path.
import { AppError, notFound } from '../../errors.js';
import type { Gateway } from './gateway.js';
import { GRANTED, type LoadedVersion, type ModelSlot } from './model-slot.js';
import type { InferenceOutcome } from './observer.js';
import type { ParsedInference } from './protocols/parsed.js';
import { RawReply } from './protocols/raw-reply.js';
import type { Tensors } from './runtimes/runtime.js';
import { ServedObservation } from './served-observation.js';

/** Which version answers: the binding's, an explicit number, or a TF Serving label. */
export type Selector = { kind: 'binding' } | { kind: 'version'; version: number } | { kind: 'label'; label: string };

/**
 * What serving reads of a request. A Fastify request is one; the gRPC service (serving/grpc/)
 * builds one per call, so both doors share this one path: binding, limits, canary, observers.
 */
export interface InferenceRequest {
  id: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  log: { warn(obj: object, msg: string): void };
}

/** What serving does to its answer: a Fastify reply, or the gRPC call's adapter. */
export interface InferenceReply {
  header(name: string, value: string): unknown;
  status(code: number): InferenceReply;
  send(body: unknown): unknown;
}

export interface Protocol<P extends ParsedInference> {
  parse(body: unknown, lv: LoadedVersion): P;
  /** The answer's body, or a RawReply the protocol framed itself (bytes + headers). */
  format(result: Tensors, parsed: P, lv: LoadedVersion, requestId: string): unknown;
  /** The protocol's own error body. */
  error(err: AppError): unknown;
}

export class ModelError extends Error {}

/** Marks a 503 as load shedding (this model's limit), which gRPC tells apart: RESOURCE_EXHAUSTED. */
export const SHED = Object.freeze({ reason: 'shed' });

const NO_VERSION = (slot: ModelSlot) => {
  const { state, error } = slot.state();
  const why = state === 'failed' ? error : state === 'loading' ? `version ${slot.target} is loading` : `nothing holds ${slot.pointers.binding}`;
  return new AppError('unavailable', `model "${slot.name}" has no version to serve: ${why}`);
};

/** The binding's version (or a warm canary candidate): plain reads, no await before inflight++. */
function pickBound(slot: ModelSlot, req: InferenceRequest): LoadedVersion {
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
  req: InferenceRequest,
  reply: InferenceReply,
  model: string,
  sel: Selector,
): Promise<unknown> {
  const time = Date.now();
  const t0 = performance.now();
  reply.header('stagecraft-request-id', req.id);
  const slot = gateway.find(model);
  if (!slot) return fail(reply, protocol, notFound(`model "${model}" is not served here`));
  const permit = slot.acquire();
  if (!permit) {
    shed(gateway, slot, sel, req.id, time, t0, 'shed');
    return fail(reply, protocol, new AppError('unavailable', `model "${model}" is at its concurrency limit and its queue is full; retry shortly`, SHED));
  }
  // A granted permit is a plain value: no microtask hop on the fast path.
  if (permit !== GRANTED && !(await permit)) {
    shed(gateway, slot, sel, req.id, time, t0, 'queue_timeout');
    return fail(reply, protocol, new AppError('unavailable', `model "${model}" kept this request queued past ${gateway.options.queueTimeoutMs} ms; retry shortly`, SHED));
  }
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
      // A runtime's own verdict stands: input its model refused (400), a worker restarting (503).
      if (err instanceof AppError) throw err;
      throw new ModelError(`model "${model}" version ${lv.version} failed: ${(err as Error).message}`);
    }
    const answer = protocol.format(result, parsed, lv, req.id);
    if (!(answer instanceof RawReply)) return reply.send(answer);
    for (const name in answer.headers) reply.header(name, answer.headers[name]);
    return reply.send(answer.bytes);
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

/**
 * A request answered 503 without running: counted against the version it would have been served by
 * (the binding's current one, or the version it named when that is loaded), so overload shows in
 * that version's stats, in /metrics and in shed_rate. Nothing loaded to blame: nothing to count.
 */
function shed(gateway: Gateway, slot: ModelSlot, sel: Selector, requestId: string, time: number, t0: number, outcome: 'shed' | 'queue_timeout'): void {
  if (!gateway.options.observers.length) return;
  const named = sel.kind === 'binding' ? null : sel.kind === 'version' ? sel.version : slot.pointers.resolveLabel(sel.label);
  const lv = sel.kind === 'binding' ? slot.current : named === null ? null : (slot.loaded.get(named) ?? null);
  if (lv) observe(gateway, slot, sel, lv, requestId, time, performance.now() - t0, outcome, null, null);
}

function fail(reply: InferenceReply, protocol: Pick<Protocol<ParsedInference>, 'error'>, err: AppError) {
  if (err.status === 503) reply.header('retry-after', '1');
  return reply.status(err.status).send(protocol.error(err));
}

function observe(
  gateway: Gateway,
  slot: ModelSlot,
  sel: Selector,
  lv: Pick<LoadedVersion, 'version' | 'spec'>,
  requestId: string,
  time: number,
  latencyMs: number,
  outcome: InferenceOutcome,
  parsed: ParsedInference | null,
  result: Tensors | null,
) {
  const binding = sel.kind === 'binding' ? slot.pointers.binding : selectorBinding(sel);
  // The tensors by reference: observers that want columns or predictions work them out (observer.ts).
  const o = new ServedObservation(slot.name, lv.version, binding, requestId, time, latencyMs, outcome, parsed?.feeds ?? null, parsed?.columns ?? null, lv.spec, result, gateway.options.replicaId);
  for (const observer of gateway.options.observers) {
    try {
      observer.observe(o);
    } catch {
      // An observer must never break serving.
    }
  }
}

// 'version:3' / 'label:canary', one string per selector: monitoring tells bindings apart by
// identity first (record-batch.ts), and a string built per request never matches the last one.
const selectorBindings = new Map<string | number, string>();

function selectorBinding(sel: Exclude<Selector, { kind: 'binding' }>): string {
  const key = sel.kind === 'version' ? sel.version : sel.label;
  let binding = selectorBindings.get(key);
  if (binding === undefined) {
    // Labels come from URLs: bounded, so odd ones cannot grow it without end.
    if (selectorBindings.size >= 1024) selectorBindings.clear();
    selectorBindings.set(key, (binding = sel.kind === 'version' ? `version:${sel.version}` : `label:${sel.label}`));
  }
  return binding;
}
