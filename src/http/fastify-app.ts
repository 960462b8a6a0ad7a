// The one Fastify builder, for the registry server and for standalone gateway replicas alike:
// request ids, the TypeBox type provider, the error handler, graceful close, and the rules every
// route gets without asking: it declares its permission (a route without one refuses to boot, so
// nothing is exposed by omission), its request integers fit int4 unless its schema says otherwise
// (integer-bounds.ts), and no value it reads holds a NUL byte or a non-finite number
// (request-guard.ts). Who may use a permission is the registry's business (registry/tokens/auth.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { Logger } from '../log.js';
import type { App } from './app-types.js';
import { registerErrorHandler } from './error-handler.js';
import { registerGracefulClose } from './graceful-close.js';
import { boundRequestIntegers } from './integer-bounds.js';
import { lazyCompilersFactory } from './lazy-compilers.js';
import { registerRequestGuard } from './request-guard.js';
import { requestId } from './request-id.js';

export function createFastify(log: Logger): App {
  const app = Fastify({
    loggerInstance: log,
    // Per-request access lines off: at thousands of inferences a second they cost more than they tell.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => requestId(),
    requestIdHeader: 'stagecraft-request-id',
    // Reject unknown fields where a schema says additionalProperties: false, rather than dropping them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    // Each schema compiles on its route's first request, not at boot (lazy-compilers.ts).
    schemaController: { compilersFactory: lazyCompilersFactory() },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.addHook('onRoute', (route) => {
    if (!(route.config as { permission?: string } | undefined)?.permission) throw new Error(`route ${route.method} ${route.url} declares no permission`);
    // Before @fastify/swagger's own onRoute hook reads the schema: the OpenAPI shows the bounds.
    route.schema = boundRequestIntegers(route.schema as Record<string, unknown> | undefined);
  });
  registerRequestGuard(app);
  registerErrorHandler(app);
  registerGracefulClose(app);
  return app;
}
