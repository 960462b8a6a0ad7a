// Body parsers for Open Inference Protocol inference, registered in the v2 routes' own scope: a
// body with Inference-Header-Content-Length is read whole as bytes (within the app's bodyLimit) and
// split into its JSON header and binary tensors, whatever its content type (Triton's and KServe's
// clients send application/octet-stream, application/json or none); without the header, JSON is
// parsed as everywhere else.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../../http/app-types.js';
import { BinaryBody, INFERENCE_HEADER, splitBinaryBody } from './v2-binary.js';

type Done = (err: Error | null, body?: unknown) => void;

export function registerV2BodyParsers(scope: App): void {
  const json = scope.getDefaultJsonParser('error', 'error');
  const parse = (req: FastifyRequest, raw: Buffer, done: Done, jsonAllowed: boolean) => {
    const header = req.headers[INFERENCE_HEADER];
    if (typeof header === 'string') return done(null, splitBinaryBody(raw, header));
    if (!jsonAllowed) return done(null, new BinaryBody(null, Buffer.alloc(0), `an ${req.headers['content-type']} body needs the Inference-Header-Content-Length header (the JSON header's length in bytes)`));
    return json(req, raw.toString('utf8'), done);
  };
  // The parent's JSON parser and the registry's streaming octet-stream one are replaced here only.
  for (const type of ['application/json', 'application/octet-stream']) if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, raw, done) => parse(req, raw as Buffer, done, true));
  scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, raw, done) => parse(req, raw as Buffer, done, false));
  // No content type at all (tritonclient's HTTP client sends none): binary with the header, else JSON.
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => parse(req, raw as Buffer, done, true));
}
