// The one composition root. buildServer(deps, extensions) builds the registry server: the kernel's
// routes, then each extension with what all of them contribute; it never listens (main and the
// tests do). buildGatewayApp builds a standalone replica with the same Fastify builder, and the
// extensions' replica parts. serverExtensions() is the list `stagecraft server` runs; the demo, the
// benches and the tests pick from that same list.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { createClient } from '../sdk/client.js';
import type { BlobStore } from './blobs/blob-store.js';
import { backupExtension } from './backup/backup-extension.js';
import type { Extension, ExtensionContext, ReplicaPart } from './extension.js';
import { experimentsExtension, type ExperimentsExtension } from './experiments/experiments-extension.js';
import { drillsExtension } from './experiments/drills/drills-extension.js';
import type { App } from './http/app-types.js';
import { createFastify } from './http/fastify-app.js';
import { registerOpenApi, registerOpenApiRoute } from './http/openapi.js';
import type { Logger } from './log.js';
import { mlflowExtension } from './mlflow/mlflow-extension.js';
import { notifyExtension } from './notify/notify-extension.js';
import type { DispatcherOptions } from './notify/webhooks/webhook-dispatcher.js';
import { observeExtension, type MonitoringOptions, type ObserveExtension } from './observe/observe-extension.js';
import { approvalsExtension, gatesExtension, promotionSummaryExtension } from './promotion/promotion-extensions.js';
import { registerRegistry, type Deps } from './registry/index.js';
import { defaultGatewayOptions, type GatewayOptions } from './serving/gateway/gateway-options.js';
import { gatewayRoutes } from './serving/gateway/gateway-routes.js';
import { Gateway } from './serving/gateway/gateway.js';
import { DEFAULT_SHIPPER, ObservationShipper, type ShipperOptions } from './serving/gateway/remote/observation-shipper.js';
import { RejectionLog } from './serving/gateway/remote/rejections.js';
import { RemoteSource } from './serving/gateway/remote/remote-source.js';
import type { GrpcEndpoint } from './serving/grpc/grpc-server.js';
import { servingExtension, type ServingExtension, type ServingOptions } from './serving/serving-extension.js';
import { uiExtension, type WebOptions } from './ui/ui-extension.js';
import { VERSION } from './version.js';

export interface Server {
  app: App;
  /** The deps the kernel runs with: the given ones plus every extension's promotion checks. */
  deps: Deps;
  /** Closes the app: extensions' background work stops (reverse order), runtimes drain. Not the database. */
  close(): Promise<void>;
}

export async function buildServer(base: Deps, extensions: readonly Extension[] = []): Promise<Server> {
  const names = new Set<string>();
  for (const e of extensions) {
    if (names.has(e.name)) throw new Error(`extension "${e.name}" is listed twice`);
    names.add(e.name);
  }
  const deps: Deps = {
    ...base,
    promotionChecks: extensions.flatMap((e) => e.promotionChecks ?? []),
    moveCoordinators: extensions.flatMap((e) => (e.moveCoordinator ? [e.moveCoordinator] : [])),
    uriResolvers: extensions.flatMap((e) => e.uriResolvers ?? []),
    blobReferences: extensions.flatMap((e) => e.blobReferences ?? []),
    modelTransfers: extensions.flatMap((e) => (e.modelTransfer ? [e.modelTransfer] : [])),
  };
  const app = createFastify(deps.log);
  await registerOpenApi(app, VERSION);
  registerRegistry(app, deps);
  registerOpenApiRoute(app);
  app.get(
    '/api/v1/health',
    { config: { permission: 'public' }, schema: { tags: ['health'], summary: 'Liveness of the registry', response: { 200: Type.Object({ status: Type.String(), version: Type.String(), database: Type.String() }) } } },
    async () => ({ status: 'ok', version: VERSION, database: deps.caps.name }),
  );
  const ctx: ExtensionContext = {
    deps,
    observers: extensions.flatMap((e) => e.observers ?? []),
    followers: extensions.flatMap((e) => e.gatewayFollowers ?? []),
    restoreEvents: async () => (await Promise.all(extensions.map((e) => e.restoreEvents?.(deps) ?? []))).flat(),
  };
  for (const e of extensions) await e.routes?.(app, ctx);
  app.addHook('onReady', async () => {
    for (const e of extensions) await e.start?.(deps);
  });
  app.addHook('onClose', async () => {
    for (const e of [...extensions].reverse()) await e.close?.();
  });
  return { app, deps, close: () => app.close() };
}

export interface ExtensionOptions {
  serving?: ServingOptions;
  observe?: MonitoringOptions;
  notify?: { webhooks?: Partial<DispatcherOptions> };
  experiments?: { tickMs?: number };
  ui?: WebOptions;
}

/** Every extension `stagecraft server` runs, by name, in registration order. */
export interface ServerExtensions {
  mlflow: Extension;
  ui: Extension;
  serving: ServingExtension;
  observe: ObserveExtension;
  notify: Extension;
  gates: Extension;
  approvals: Extension;
  experiments: ExperimentsExtension;
  drills: Extension;
  summary: Extension;
  backup: Extension;
}

export type ExtensionName = keyof ServerExtensions;

export interface ExtensionSet extends ServerExtensions {
  /** All of them, in registration order. */
  all(): Extension[];
  /** The named ones, in registration order whatever order they are named in. */
  pick(...names: ExtensionName[]): Extension[];
}

export function serverExtensions(opts: ExtensionOptions = {}): ExtensionSet {
  const set: ServerExtensions = {
    mlflow: mlflowExtension(),
    ui: uiExtension(opts.ui),
    serving: servingExtension(opts.serving),
    observe: observeExtension(opts.observe),
    notify: notifyExtension(opts.notify),
    // The python-env gate checks the interpreter the embedded gateway's workers run.
    gates: gatesExtension({ python: opts.serving?.gateway?.python }),
    approvals: approvalsExtension(),
    experiments: experimentsExtension(opts.experiments),
    drills: drillsExtension(),
    summary: promotionSummaryExtension(),
    backup: backupExtension(),
  };
  const order = Object.keys(set) as ExtensionName[];
  return {
    ...set,
    all: () => order.map((n) => set[n]),
    pick: (...names) => order.filter((n) => names.includes(n)).map((n) => set[n]),
  };
}

/** The server's extensions for a config: retention of predictions comes from it. */
export function configuredExtensions(deps: Deps): ExtensionSet {
  const c = deps.config;
  return serverExtensions({
    observe: { retention: { retentionMs: c.predictionRetentionDays * 24 * 3600_000, maxRows: c.predictionMaxRows } },
    serving: { gateway: { python: c.python, pythonWorkers: c.pythonWorkers, pythonBatchRows: c.pythonBatchRows, pythonBatchWaitMs: c.pythonBatchWaitMs }, grpc: c.grpcPort === null ? null : { host: c.host, port: c.grpcPort } },
  });
}

export interface ReplicaOptions extends Partial<Omit<GatewayOptions, 'observers' | 'followers'>> {
  registry: string;
  token?: string;
  host?: string;
  port?: number;
  cacheDir: string;
  /** First reconnect delay after the registry drops (doubles up to 10x). */
  retryMs?: number;
  shipper?: Partial<ShipperOptions>;
  /** The registry's artifact store, to read bytes from directly (else they come through the registry). */
  blobs?: BlobStore;
  /** Also serve the Open Inference Protocol over gRPC on this port (0 = any free one); unset: no gRPC. */
  grpcPort?: number | null;
}

export interface GatewayApp {
  app: App;
  gateway: Gateway;
  source: RemoteSource;
  shipper: ObservationShipper;
  /** Set by listen(). */
  url: string;
  /** The gRPC port bound by listen(); null when the replica serves no gRPC. */
  grpcPort: number | null;
  /** Listens, then starts following the registry and shipping what it serves. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A standalone replica (`stagecraft gateway`): the three serving protocols on its own port,
 * following a registry over HTTP, booting from its disk cache when the registry is down. What it
 * serves is shipped to the registry's monitoring; the extensions' replica parts (canary splits,
 * shadow mirrors) follow the same events as on the embedded gateway, so every replica obeys one
 * experiment. No registry tables here: the inference routes are open on this port; put the replica
 * behind your network's access control (the registry's tokens guard changes, not predictions).
 */
export function buildGatewayApp(opts: ReplicaOptions, log: Logger, extensions: readonly Extension[] = serverExtensions().all()): GatewayApp {
  const app = createFastify(log);
  // The replica reaches the registry only through the SDK; a call with no answer in 10 s counts as
  // the registry being unreachable (the change feed and downloads carry their own limits).
  // Every call's 401/403 is noted: logged at error level, reported at the next successful heartbeat.
  const rejections = new RejectionLog(log);
  const client = createClient({ url: opts.registry, token: opts.token, timeoutMs: 10_000, fetch: rejections.watch() });
  const source = new RemoteSource(client, opts.cacheDir, log, opts.retryMs ?? 1000, rejections, opts.blobs ?? null);
  const replicaId = opts.replicaId ?? `gateway-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const shipper = new ObservationShipper(client, replicaId, log, { ...DEFAULT_SHIPPER, ...opts.shipper });
  const post = async (path: string, body: unknown) => {
    const res = await client.raw(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await res.body?.cancel();
  };
  const link = { post, log, flushMs: opts.shipper?.flushMs ?? DEFAULT_SHIPPER.flushMs };
  const parts: ReplicaPart[] = extensions.flatMap((e) => (e.replica ? [e.replica(link)] : []));
  const { grpcPort, ...gatewayOpts } = opts;
  const options = defaultGatewayOptions({
    ...gatewayOpts,
    replicaId,
    observers: [shipper, ...parts.flatMap((p) => p.observers ?? [])],
    followers: parts.flatMap((p) => p.followers ?? []),
  });
  const gateway = new Gateway(source, options, log);
  gatewayRoutes(app, gateway);
  let grpc: GrpcEndpoint | null = null;
  const g: GatewayApp = {
    app,
    gateway,
    source,
    shipper,
    url: '',
    grpcPort: null,
    async listen() {
      const host = opts.host ?? '127.0.0.1';
      await app.listen({ host, port: opts.port ?? 0 });
      const address = app.server.address();
      g.url = typeof address === 'object' && address ? `http://${host}:${address.port}` : String(address);
      if (!opts.url) options.url = g.url;
      await gateway.start();
      shipper.start();
      for (const p of parts) p.start?.();
      // Inference on a replica is open on HTTP (see above), and so on gRPC: no token check.
      // Imported only with a gRPC port: @grpc/* costs startup time a server without one never needs.
      if (grpcPort !== undefined && grpcPort !== null) g.grpcPort = (grpc = await (await import('./serving/grpc/grpc-server.js')).startGrpcServer(gateway, log, { host, port: grpcPort })).port;
      return g.url;
    },
    async close() {
      await grpc?.close();
      await app.close();
      await shipper.stop();
      for (const p of parts) await p.stop?.();
      await gateway.stop();
    },
  };
  return g;
}
