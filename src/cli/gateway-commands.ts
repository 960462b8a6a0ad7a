// stagecraft bindings set|show, stagecraft status MODEL [--wait], stagecraft replicas forget, stagecraft gateway --registry URL.
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { unwrap, type OkBody } from '../../sdk/client.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { configFromEnv, defaultConfig, nonNegativeSetting, portSetting } from '../config.js';
import { createLogger } from '../log.js';
import { buildGatewayApp } from '../server.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { listenOrExplain } from './port-in-use.js';
import { stageArg } from './stage-arg.js';
import { shortTime } from './table.js';
import { addExamples } from './help-examples.js';

type Binding = OkBody<'/api/v1/models/{name}/binding', 'get'>;
type Status = OkBody<'/api/v1/models/{name}/status', 'get'>;

function bindingsCommands(program: Command, ctx: CliContext): void {
  const bindings = program.command('bindings').description('which stage or alias the gateway serves a model from');
  bindings
    .command('set <model>')
    .description('serve MODEL from a stage (--stage Staging) or an alias (--alias champion)')
    .option('--stage <stage>', 'Production or Staging (any case)', stageArg)
    .option('--alias <alias>', 'an alias of the model')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (model: string, o: { stage?: string; alias?: string; reason?: string }) => {
      if (!o.stage === !o.alias) throw new CliError('give exactly one of --stage or --alias', EXIT.usage);
      const body = { stage: o.stage, alias: o.alias, reason: o.reason };
      printBinding(ctx, await unwrap(ctx.client().api.PUT('/api/v1/models/{name}/binding', { params: { path: { name: model } }, body })));
    });
  bindings
    .command('show <model>')
    .description("show MODEL's binding and the version it resolves to")
    .action(async (model: string) => printBinding(ctx, await unwrap(ctx.client().api.GET('/api/v1/models/{name}/binding', { params: { path: { name: model } } }))));
}

function statusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status <model>')
    .description('what every gateway replica serves for MODEL; converged only when every replica acknowledged the target after the move')
    .option('--wait', 'wait until every replica reported serving the target or failing to load it; exit non-zero naming the failed, unknown or lagging replicas')
    .option('--timeout <seconds>', 'with --wait: how long to wait at most', seconds, 60)
    .action(async (model: string, o: { wait?: boolean; timeout: number }) => {
      const fetchStatus = () => unwrap(ctx.client().api.GET('/api/v1/models/{name}/status', { params: { path: { name: model } } }));
      let status = await fetchStatus();
      const deadline = Date.now() + o.timeout * 1000;
      // A replica that reported a failed load will not succeed by itself: waiting out the timeout
      // would only delay the answer, so stop as soon as every replica has settled either way.
      while (o.wait && !settled(status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        status = await fetchStatus();
      }
      printStatus(ctx, status);
      if (o.wait && !status.converged) throw new CliError(settled(status) ? failedReplicas(status) : notConverged(status, o.timeout), EXIT.refused);
    });
}

interface GatewayFlags {
  registry?: string;
  host: string;
  port: number;
  cacheDir: string;
  concurrency: number;
  queue: number;
  standbyMinutes: number;
  memoryBudgetMb: number;
  offThreadMb: number;
  queueTimeoutMs?: number;
  inlineMaxMs?: number;
  poolSize?: number;
  modelWorkers?: number;
  python?: string;
  pythonWorkers?: number;
  artifactsUrl?: string;
  s3Endpoint?: string;
  grpcPort?: number;
  pythonBatchRows?: string;
  pythonBatchWaitMs?: string;
}

function gatewayCommand(program: Command, ctx: CliContext): void {
  program
    .command('gateway')
    .description('run a standalone serving replica that follows a registry (the global --token: a token with the gateway role)')
    .option('--registry <url>', 'registry URL (default: the global --url)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', Number, 5200)
    .option('--cache-dir <dir>', 'artifacts and last known bindings, to boot from when the registry is down', './stagecraft-gateway-cache')
    .option('--concurrency <n>', 'requests running at once per model', Number, 16)
    .option('--queue <n>', 'requests waiting per model before 503', Number, 64)
    .option('--standby-minutes <n>', 'how long a replaced version stays warm', Number, 30)
    .option('--memory-budget-mb <n>', 'loaded-model budget before idle standbys are released', Number, 2048)
    .option('--off-thread-mb <n>', 'ONNX models this large or larger load and run in the inference worker pool', Number, 8)
    .option('--queue-timeout-ms <n>', 'a request queued longer than this is answered 503 with Retry-After (default 3000)', Number)
    .option('--inline-max-ms <n>', 'an ONNX model whose runs average more than this moves off the event loop to the worker pool; 0: every ONNX model runs in the pool (default 0.3)', Number)
    .option('--pool-size <n>', 'inference worker threads (default: one per core)', Number)
    .option('--model-workers <n>', 'pool workers one model may occupy at once (default: all but one)', Number)
    .option('--python <path>', 'the interpreter that serves MLflow models (with mlflow installed; env STAGECRAFT_PYTHON, default python3)')
    .option('--python-workers <n>', 'Python worker processes per loaded MLflow model version (env STAGECRAFT_PYTHON_WORKERS, default 1)', Number)
    .option('--artifacts-url <url>', "the registry's artifact store (s3://bucket/prefix, or a shared directory) to read artifacts from directly, with the AWS SDK credential chain (env STAGECRAFT_ARTIFACTS_URL; default: download through the registry)")
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, Ceph…), path-style (env AWS_ENDPOINT_URL)')
    .option('--grpc-port <port>', 'also serve the Open Inference Protocol over gRPC on this port (env STAGECRAFT_GRPC_PORT; default: off; 0 = any free port)', Number)
    .option('--python-batch-rows <n>', `micro-batching: most rows one combined Python predict call carries; 0 turns it off (env STAGECRAFT_PYTHON_BATCH_ROWS, default ${defaultConfig().pythonBatchRows})`)
    .option('--python-batch-wait-ms <ms>', `micro-batching: longest a request waits for others while every Python worker is busy; 0 turns it off (env STAGECRAFT_PYTHON_BATCH_WAIT_MS, default ${defaultConfig().pythonBatchWaitMs})`)
    .action((o: GatewayFlags) => runGateway(ctx, o));
}

/** Serves until SIGINT or SIGTERM, then drains. */
async function runGateway(ctx: CliContext, o: GatewayFlags): Promise<void> {
  const g = ctx.globals();
  const env = ctx.io.env;
  // Flag < environment < default, each checked: a typo must not silently mean the default.
  const batchRows = nonNegativeSetting('--python-batch-rows', o.pythonBatchRows, nonNegativeSetting('STAGECRAFT_PYTHON_BATCH_ROWS', env.STAGECRAFT_PYTHON_BATCH_ROWS, defaultConfig().pythonBatchRows, true), true);
  const batchWaitMs = nonNegativeSetting('--python-batch-wait-ms', o.pythonBatchWaitMs, nonNegativeSetting('STAGECRAFT_PYTHON_BATCH_WAIT_MS', env.STAGECRAFT_PYTHON_BATCH_WAIT_MS, defaultConfig().pythonBatchWaitMs));
  const log = createLogger(ctx.io.env.STAGECRAFT_LOG_LEVEL ?? 'info');
  const blobs = await artifactStore(ctx, o);
  const gw = buildGatewayApp(
    {
      registry: o.registry ?? g.url,
      token: g.token,
      host: o.host,
      port: o.port,
      cacheDir: path.resolve(o.cacheDir),
      concurrency: o.concurrency,
      queue: o.queue,
      standbyMs: o.standbyMinutes * 60_000,
      memoryBudgetBytes: o.memoryBudgetMb * 1024 * 1024,
      offThreadBytes: o.offThreadMb * 1024 * 1024,
      // Unset flags keep the gateway's defaults.
      ...(o.queueTimeoutMs !== undefined && { queueTimeoutMs: o.queueTimeoutMs }),
      ...(o.inlineMaxMs !== undefined && { inlineMaxMs: o.inlineMaxMs }),
      ...(o.poolSize !== undefined && { poolSize: o.poolSize }),
      ...(o.modelWorkers !== undefined && { modelWorkers: o.modelWorkers }),
      python: o.python ?? (ctx.io.env.STAGECRAFT_PYTHON || 'python3'),
      pythonWorkers: o.pythonWorkers ?? (Number(ctx.io.env.STAGECRAFT_PYTHON_WORKERS) || 1),
      ...(blobs && { blobs }),
      grpcPort: portSetting('--grpc-port', o.grpcPort === undefined ? ctx.io.env.STAGECRAFT_GRPC_PORT : String(o.grpcPort), null),
      pythonBatchRows: batchRows,
      pythonBatchWaitMs: batchWaitMs,
    },
    log,
  );
  await listenOrExplain(() => gw.listen(), '--port N (and --grpc-port N if that one is taken)', async () => {
    await gw.close();
    blobs?.close?.();
  });
  log.info({ registry: o.registry ?? g.url, artifacts: blobs ? 'store (direct)' : 'through the registry', replica: gw.gateway.options.replicaId, grpcPort: gw.grpcPort }, `Stagecraft gateway serving on ${gw.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('gateway shutting down: stop accepting, drain, release runtimes');
  await gw.close();
  blobs?.close?.();
}

/** The artifact store named by --artifacts-url or the environment, or null: downloads go through the registry. */
async function artifactStore(ctx: CliContext, o: GatewayFlags): Promise<BlobStore | null> {
  const env = configFromEnv(ctx.io.env);
  const artifactsUrl = o.artifactsUrl ?? env.artifactsUrl;
  if (!artifactsUrl) return null;
  // defaultDir is never used: a URL is given. Uploads never happen here; reads are verified.
  return openBlobStore({ artifactsUrl, s3Endpoint: o.s3Endpoint ?? env.s3Endpoint, s3Region: env.s3Region, defaultDir: '.', maxUploadMs: env.maxUploadSeconds * 1000 });
}

function replicasCommands(program: Command, ctx: CliContext): void {
  const replicas = program.command('replicas').description('gateway replicas the registry knows of');
  replicas
    .command('forget <replica>')
    .description('forget a replica that will not report again (crashed, decommissioned), so status stops counting it unknown')
    .action(async (replica: string) => {
      await unwrap(ctx.client().api.DELETE('/api/v1/gateways/replicas/{replica_id}', { params: { path: { replica_id: replica } } }));
      ctx.out().result({ replica_id: replica, forgotten: true }, () => ctx.out().line(`Forgot replica ${replica}`));
    });
}

export function gatewayCommands(program: Command, ctx: CliContext): void {
  bindingsCommands(program, ctx);
  statusCommand(program, ctx);
  replicasCommands(program, ctx);
  gatewayCommand(program, ctx);
  addExamples(program);
}

function printBinding(ctx: CliContext, b: Binding) {
  ctx.out().result(b, () => ctx.out().fields([['model', b.model], ['binding', b.binding], ['serves', b.target_version === null ? 'nothing (no version holds it)' : `version ${b.target_version}`]]));
}

type ReplicaRow = Status['replicas'][number];

/** What keeps a replica from counting: why it is unknown, its load error, its last token rejection. */
function replicaNote(r: ReplicaRow): string | null {
  const notes = [r.why, r.error];
  const rej = r.last_rejection;
  if (rej) notes.push(`token rejected (${rej.status}) ${rej.count}x, ${shortTime(rej.first_at)}–${shortTime(rej.last_at)}`);
  return notes.filter(Boolean).join('; ') || null;
}

/** Every replica (at least one) has answered for the move: serving the target, or failed to load it. */
function settled(s: Status): boolean {
  if (s.converged) return true;
  if (s.target_version === null || s.replicas.length === 0) return false;
  return s.replicas.every((r) => r.acknowledged || r.state === 'failed');
}

/** Why `status --wait` stopped early: the replicas that reported a failure, in their words. */
function failedReplicas(s: Status): string {
  const failed = s.replicas.filter((r) => r.state === 'failed');
  return [`${failed.length} of ${s.replicas.length} replica(s) failed to serve ${s.model} v${s.target_version}:`, ...failed.map((r) => `  ${r.replica_id}: ${r.error ?? 'failed (no error reported)'}`)].join('\n');
}

/** Why `status --wait` gave up, naming every replica that does not count and why. */
function notConverged(s: Status, timeout: number): string {
  const lines = [`not converged after ${timeout}s`];
  if (s.target_version === null) lines.push(`no version holds ${s.binding}`);
  if (s.replicas.length === 0) lines.push('no gateway replica reports this model');
  const unknown = s.replicas.filter((r) => r.state === 'unknown');
  const lagging = s.replicas.filter((r) => r.state !== 'unknown' && !r.acknowledged);
  if (unknown.length) lines.push(`unknown (never counted as converged): ${unknown.map((r) => `${r.replica_id} (${replicaNote(r)})`).join(', ')}`);
  if (lagging.length && s.target_version !== null) {
    const state = (r: ReplicaRow) => `${r.state}${r.version === null ? '' : ` v${r.version}`}${r.error ? `: ${r.error}` : ''}`;
    lines.push(`not serving v${s.target_version} yet: ${lagging.map((r) => `${r.replica_id} (${state(r)})`).join(', ')}`);
  }
  return lines.join('\n');
}

function printStatus(ctx: CliContext, s: Status) {
  const out = ctx.out();
  out.result(s, () => {
    const unknown = s.replicas.filter((r) => r.state === 'unknown').length;
    const converged = s.converged ? 'yes' : unknown ? `no (${unknown} replica${unknown > 1 ? 's' : ''} unknown)` : 'no';
    out.fields([['model', s.model], ['binding', s.binding], ['target', s.target_version ?? 'none'], ['converged', converged]]);
    out.line();
    out.table(
      s.replicas,
      [
        { header: 'REPLICA', value: (r) => r.replica_id },
        { header: 'URL', value: (r) => r.url },
        { header: 'VERSION', value: (r) => r.version, right: true },
        { header: 'STATE', value: (r) => r.state },
        { header: 'ACK', value: (r) => (r.acknowledged ? 'yes' : 'no') },
        { header: 'LAST HEARTBEAT', value: (r) => shortTime(r.last_heartbeat) },
        { header: 'WHY', value: (r) => replicaNote(r) },
      ],
      '(no gateway has reported for this model)',
    );
  });
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of seconds`);
  return n;
}
