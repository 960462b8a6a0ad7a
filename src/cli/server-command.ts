// `stagecraft server`: registry (and, as modules are added, gateway, UI…) in one process.
import type { Command } from 'commander';
import { configFromEnv, DEFAULT_PORT, defaultConfig, durationSetting, isLoopback, nonNegativeSetting, oidcSetting, portSetting, positiveSetting, processEnv, type Config } from '../config.js';
import { createDeps } from '../deps.js';
import { hasActiveTokens } from '../registry/index.js';
import { buildServer, configuredExtensions } from '../server.js';
import { listenOrExplain } from './port-in-use.js';
import { addExamples } from './help-examples.js';

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  insecure?: boolean;
  predictionRetentionDays?: string;
  predictionMaxRows?: string;
  prepareDeadline?: string;
  python?: string;
  pythonWorkers?: string;
  artifactsUrl?: string;
  s3Endpoint?: string;
  grpcPort?: string;
  pythonBatchRows?: string;
  pythonBatchWaitMs?: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcAudience?: string;
  oidcGroupsClaim?: string;
  publicUrl?: string;
  oidcSessionMax?: string;
  oidcSessionIdle?: string;
  tokenTtl?: string;
}

const OIDC_FLAGS = {
  issuer: '--oidc-issuer',
  clientId: '--oidc-client-id',
  clientSecret: '--oidc-client-secret',
  audience: '--oidc-audience',
  groupsClaim: '--oidc-groups-claim',
  publicUrl: '--public-url',
  sessionMax: '--oidc-session-max',
  sessionIdle: '--oidc-session-idle',
};

export function serverConfig(flags: ServerFlags): Config {
  const config = configFromEnv(processEnv());
  return {
    ...config,
    host: flags.host ?? config.host,
    port: flags.port !== undefined ? Number(flags.port) : config.port,
    dataDir: flags.dataDir ?? config.dataDir,
    databaseUrl: flags.databaseUrl ?? config.databaseUrl,
    insecure: flags.insecure ?? config.insecure,
    predictionRetentionDays: positiveSetting('--prediction-retention-days', flags.predictionRetentionDays, config.predictionRetentionDays),
    predictionMaxRows: positiveSetting('--prediction-max-rows', flags.predictionMaxRows, config.predictionMaxRows, true),
    python: flags.python ?? config.python,
    pythonWorkers: positiveSetting('--python-workers', flags.pythonWorkers, config.pythonWorkers, true),
    artifactsUrl: flags.artifactsUrl ?? config.artifactsUrl,
    s3Endpoint: flags.s3Endpoint ?? config.s3Endpoint,
    grpcPort: portSetting('--grpc-port', flags.grpcPort, config.grpcPort),
    pythonBatchRows: nonNegativeSetting('--python-batch-rows', flags.pythonBatchRows, config.pythonBatchRows, true),
    pythonBatchWaitMs: nonNegativeSetting('--python-batch-wait-ms', flags.pythonBatchWaitMs, config.pythonBatchWaitMs),
    oidc: oidcSetting(
      {
        issuer: flags.oidcIssuer,
        clientId: flags.oidcClientId,
        clientSecret: flags.oidcClientSecret,
        audience: flags.oidcAudience,
        groupsClaim: flags.oidcGroupsClaim,
        publicUrl: flags.publicUrl,
        sessionMax: flags.oidcSessionMax,
        sessionIdle: flags.oidcSessionIdle,
      },
      OIDC_FLAGS,
      config.oidc,
    ),
    tokenTtlMs: durationSetting('--token-ttl', flags.tokenTtl, config.tokenTtlMs),
    prepareDeadlineMs: Math.round(positiveSetting('--prepare-deadline', flags.prepareDeadline, config.prepareDeadlineMs / 1000) * 1000),
  };
}

/** Starts the server and resolves when it has shut down (SIGINT/SIGTERM), in order. */
export async function runServer(config: Config): Promise<number> {
  const deps = await createDeps(config);
  const log = deps.log;
  if (!isLoopback(config.host) && !(await hasActiveTokens(deps))) {
    if (!config.insecure) {
      log.error(
        `refusing to listen on ${config.host} with no API tokens: anyone who can reach it could change production. ` +
          'Create a token first (start on 127.0.0.1, run `stagecraft tokens create NAME --role admin`), or pass --insecure.',
      );
      await deps.close();
      return 1;
    }
    log.warn(`--insecure: listening on ${config.host} with no API tokens; every caller is an admin`);
  }
  const { app } = await buildServer(deps, configuredExtensions(deps).all());
  await listenOrExplain(() => app.listen({ host: config.host, port: config.port }), '--port N (or STAGECRAFT_PORT=N)', async () => {
    await app.close();
    await deps.close();
  });
  log.info({ database: deps.caps.name, dataDir: config.dataDir, artifacts: config.artifactsUrl ?? 'data dir' }, `Stagecraft listening on http://${config.host}:${config.port}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down: stop accepting, drain requests, close runtimes, close database');
  await app.close(); // extensions stop in reverse order as it closes
  await deps.close();
  return 0;
}

const BATCH = { rows: defaultConfig().pythonBatchRows, waitMs: defaultConfig().pythonBatchWaitMs };

export function serverCommand(program: Command): void {
  program
    .command('server')
    .description('run the registry and gateway on one port (embedded SQLite by default)')
    .option('--host <host>', 'address to bind (env STAGECRAFT_HOST; default 127.0.0.1: this machine only)')
    .option('--port <port>', `port to listen on (env STAGECRAFT_PORT; default ${DEFAULT_PORT})`)
    .option('--data-dir <dir>', 'where SQLite and artifact blobs live (env STAGECRAFT_DATA_DIR; default ./stagecraft-data)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env STAGECRAFT_DATABASE_URL)')
    .option('--insecure', 'allow a non-loopback bind without API tokens (env STAGECRAFT_INSECURE=1)')
    .option('--artifacts-url <url>', 'where artifact bytes live: s3://bucket/prefix (shared by every server), or a directory (env STAGECRAFT_ARTIFACTS_URL; default <data-dir>/blobs)')
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, Ceph…), path-style (env AWS_ENDPOINT_URL); credentials: the AWS SDK chain (AWS_ACCESS_KEY_ID…)')
    .option('--prediction-retention-days <days>', 'keep retained predictions (for late labels and drift) this long (env STAGECRAFT_PREDICTION_RETENTION_DAYS; default 7)')
    .option('--prediction-max-rows <n>', 'and about this many of them: the oldest written batches are dropped first, whole (env STAGECRAFT_PREDICTION_MAX_ROWS; default 2000000)')
    .option('--python <path>', 'the interpreter that serves MLflow models (with mlflow installed; env STAGECRAFT_PYTHON, default python3)')
    .option('--python-workers <n>', 'Python worker processes per loaded MLflow model version (env STAGECRAFT_PYTHON_WORKERS, default 1)')
    .option('--grpc-port <port>', 'also serve the Open Inference Protocol over gRPC on this port (env STAGECRAFT_GRPC_PORT; default: off; 0 = any free port)')
    .option('--python-batch-rows <n>', `micro-batching: most rows one combined Python predict call carries; 0 turns it off (env STAGECRAFT_PYTHON_BATCH_ROWS, default ${BATCH.rows})`)
    .option('--python-batch-wait-ms <ms>', `micro-batching: longest a request waits for others while every Python worker is busy; 0 turns it off (env STAGECRAFT_PYTHON_BATCH_WAIT_MS, default ${BATCH.waitMs})`)
    .option('--token-ttl <duration>', 'how long a new API token works unless created with --expires-in: 90d, 12h, 2w, or never (env STAGECRAFT_TOKEN_TTL; default 90d)')
    .option('--prepare-deadline <seconds>', 'how long a move of a served version waits for every replica to load it, then to serve it (env STAGECRAFT_PREPARE_DEADLINE_MS, in ms; default 10)')
    .option('--oidc-issuer <url>', 'single sign-on: the OpenID Provider people sign in with; its JWT access tokens are accepted as bearer tokens (env STAGECRAFT_OIDC_ISSUER; default: off)')
    .option('--oidc-client-id <id>', 'the client id registered at the issuer for this server (env STAGECRAFT_OIDC_CLIENT_ID)')
    .option('--oidc-client-secret <secret>', "that client's secret, for the UI's sign-in (env STAGECRAFT_OIDC_CLIENT_SECRET; prefer the env)")
    .option('--oidc-audience <aud>', 'the audience API access tokens must carry (env STAGECRAFT_OIDC_AUDIENCE; default: the client id)')
    .option('--oidc-groups-claim <claim>', 'the token claim listing the person\'s groups, for grants (env STAGECRAFT_OIDC_GROUPS_CLAIM; default groups)')
    .option('--public-url <url>', 'the address people reach this server at, for the sign-in redirect; set it behind a TLS proxy (https here makes the session cookie Secure) (env STAGECRAFT_PUBLIC_URL; default: from the request)')
    .option('--oidc-session-max <seconds>', 'a UI session ends this long after sign-in (env STAGECRAFT_OIDC_SESSION_MAX_SECONDS; default 43200)')
    .option('--oidc-session-idle <seconds>', 'and this long after its last request (env STAGECRAFT_OIDC_SESSION_IDLE_SECONDS; default 3600)')
    .action(async (flags: ServerFlags) => {
      process.exitCode = await runServer(serverConfig(flags));
    });
  addExamples(program);
}
