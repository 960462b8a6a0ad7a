// inference.GRPCInferenceService on a gateway: health, metadata and ModelInfer. Inference goes
// through the same entry point as HTTP (gateway/inference.ts serveInference): the binding or the
// version the request names, the model's concurrency limit and queue, canary routing and shadow
// mirroring, and every observer (stats, predictions, Prometheus) — gRPC is only another door.
import * as grpc from '@grpc/grpc-js';
import { AppError, notFound } from '../../errors.js';
import type { Logger } from '../../log.js';
import { requestId } from '../../http/request-id.js';
import { VERSION } from '../../version.js';
import type { Gateway } from '../gateway/gateway.js';
import { withoutModels } from '../gateway/hidden-view.js';
import { serveInference, type InferenceRequest, type Protocol, type Selector } from '../gateway/inference.js';
import { loadedFor, modelMetadata } from '../gateway/model-metadata.js';
import type { ModelInferRequest, ModelInferResponse } from './grpc-messages.js';
import { grpcError, GrpcReply } from './grpc-reply.js';
import { formatGrpc, parseGrpc, type GrpcParsed } from './grpc-tensors.js';

/** Checks a call's metadata (as lower-case headers) before it runs; throws an AppError to refuse. */
/**
 * Refuses (throws) a caller that may not use the service; with the model a call names, answers
 * 'hidden' when the caller may not read it (per-model grants): the call then answers exactly as for
 * a model this gateway does not serve.
 */
export type GrpcAuthorizer = (headers: Record<string, string | string[] | undefined>, model?: string) => Promise<'hidden' | undefined | void>;

const protocol: Protocol<GrpcParsed> = {
  parse: (body, lv) => parseGrpc(body as ModelInferRequest, lv.checker),
  format: (result, parsed, lv, id) => formatGrpc(lv.spec.model, lv.version, id, result, parsed),
  // The AppError itself: GrpcReply turns it into a status code and details.
  error: (err) => err,
};

/** A caller's request id is kept when it is a sane token, as HTTP keeps its stagecraft-request-id. */
const CALLER_ID = /^[\w.:-]{1,128}$/;

/** Metadata as the headers serving reads (canary key headers, authorization, request id). */
function headersOf(metadata: grpc.Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') headers[key] = value;
  return headers;
}

/** '' = the binding's version; digits = that version; anything else = a label (alias or stage). */
function selectorOf(version: string): Selector {
  if (version === '') return { kind: 'binding' };
  if (/^\d+$/.test(version)) return { kind: 'version', version: Number(version) };
  return { kind: 'label', label: version };
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export function inferenceHandlers(gateway: Gateway, log: Logger, authorize: GrpcAuthorizer | null): grpc.UntypedServiceImplementation {
  /** A handler that answers after authorization; a thrown AppError becomes its status. */
  // The handler gets the gateway as the caller may see it: without the model it names when per-model
  // grants hide it (the answer is then exactly the one for a model not served here).
  const guarded = <Req, Res>(
    handle: (req: Req, headers: Record<string, string>, call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>, gw: Gateway) => Promise<void> | void,
  ): Unary<Req, Res> =>
    (call, callback) => {
      const headers = headersOf(call.metadata);
      void (async () => {
        const named = call.request as { name?: string; model_name?: string };
        const model = named.model_name || named.name || undefined;
        const hidden = authorize ? (await authorize(headers, model)) === 'hidden' : false;
        await handle(call.request, headers, call, callback, hidden ? withoutModels(gateway) : gateway);
      })().catch((err: unknown) => callback(grpcError(err)));
    };
  const metadataOf = (gw: Gateway, name: string, version: string) => {
    const found = loadedFor(gw, name, version);
    if (!found) throw notFound(version ? `version ${version} of "${name}" is not loaded here` : `model "${name}" has no version being served here`);
    return found;
  };
  return {
    // Public, as GET /v2/health/live and /v2/health/ready are: probes carry no token.
    ServerLive: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { live: true }),
    ServerReady: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { ready: gateway.ready }),
    ServerMetadata: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { name: 'stagecraft', version: VERSION, extensions: ['binary_tensor_data'] }),
    ModelReady: guarded<{ name: string; version: string }, { ready: boolean }>((req, _h, _call, callback, gw) => callback(null, { ready: !!loadedFor(gw, req.name, req.version) })),
    ModelMetadata: guarded<{ name: string; version: string }, unknown>((req, _h, _call, callback, gw) => {
      const { slot, lv } = metadataOf(gw, req.name, req.version);
      const meta = modelMetadata(slot, lv);
      callback(null, { name: meta.name, versions: meta.versions, platform: meta.platform, inputs: meta.inputs, outputs: meta.outputs });
    }),
    ModelInfer: guarded<ModelInferRequest, ModelInferResponse>(async (req, headers, call, callback, gw) => {
      if (!req.model_name) throw new AppError('invalid_argument', 'model_name is required');
      const given = headers['stagecraft-request-id'];
      const request: InferenceRequest = { id: given && CALLER_ID.test(given) ? given : requestId(), body: req, headers, log };
      await serveInference(gw, protocol, request, new GrpcReply(call, callback), req.model_name, selectorOf(req.model_version));
    }),
  };
}
