// One typed config: defaults < STAGECRAFT_* environment < flags. Nobody else reads process.env.

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… switches the registry to PostgreSQL; otherwise SQLite under dataDir. */
  databaseUrl: string | null;
  insecure: boolean;
  /** Largest single uploaded file, in bytes; larger uploads get 413. */
  maxUploadBytes: number;
  /** The longest an upload may take; upload temp files older than this are debris and swept. */
  maxUploadSeconds: number;
  /** Open event streams (SSE) one API token may hold; one more is a 429 with Retry-After. */
  streamsPerToken: number;
  /** Open event streams one client address may hold, whatever its token. */
  streamsPerAddress: number;
  logLevel: string;
  /** Retained predictions (joined later with ground truth) older than this are deleted. */
  predictionRetentionDays: number;
  /** At most this many retained predictions are kept; the oldest go first. */
  predictionMaxRows: number;
  /**
   * How long a move of a served target waits for every live replica to load and warm the
   * destination (prepare), and then to report serving it (confirm).
   */
  prepareDeadlineMs: number;
  /** The interpreter the gateway's Python workers run (MLflow models): --python, STAGECRAFT_PYTHON. */
  python: string;
  /** Python worker processes per loaded version: --python-workers, STAGECRAFT_PYTHON_WORKERS (default 1). */
  pythonWorkers: number;
  /**
   * Where artifact bytes live: s3://bucket/prefix (an S3-compatible store, shared by every server),
   * a directory (or file://…), or null = <dataDir>/blobs. --artifacts-url, STAGECRAFT_ARTIFACTS_URL.
   */
  artifactsUrl: string | null;
  /** A custom S3 endpoint (MinIO, Ceph…; path-style): --s3-endpoint, STAGECRAFT_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL. */
  s3Endpoint: string | null;
  /** AWS_REGION / AWS_DEFAULT_REGION; null = the SDK's own lookup (us-east-1 with a custom endpoint). */
  s3Region: string | null;
  /**
   * The port of the Open Inference Protocol gRPC service (--grpc-port, STAGECRAFT_GRPC_PORT), on
   * the same host as the HTTP port; null (the default) runs none, 0 picks a free port.
   */
  grpcPort: number | null;
  /** Micro-batching, most rows one combined predict call carries (0: off): --python-batch-rows, STAGECRAFT_PYTHON_BATCH_ROWS. */
  pythonBatchRows: number;
  /** Micro-batching, longest a request waits while every worker is busy (0: off): --python-batch-wait-ms, STAGECRAFT_PYTHON_BATCH_WAIT_MS. */
  pythonBatchWaitMs: number;
  /** Single sign-on with OpenID Connect (--oidc-issuer…, STAGECRAFT_OIDC_*); null = off. */
  oidc: OidcConfig | null;
  /**
   * How long a new API token works unless its creator says otherwise (`--expires-in`): --token-ttl,
   * STAGECRAFT_TOKEN_TTL, e.g. 90d, 12h; `never` = tokens do not expire by default. Default 90 days.
   */
  tokenTtlMs: number | null;
}

/** The OpenID Provider this server trusts for people: API bearer JWTs and the UI's login. */
export interface OidcConfig {
  /** The issuer URL exactly as its tokens' `iss` says; discovery reads <issuer>/.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  /** Used by the server alone, to exchange the UI's authorization code (never sent to the browser). */
  clientSecret: string | null;
  /** The `aud` an API access token must carry; default: the client id. */
  audience: string;
  /** The claim holding the person's groups (grants name groups); default `groups`. */
  groupsClaim: string;
  /** The address people reach this server at, for the login redirect; null = taken from each request's Host. */
  publicUrl: string | null;
  /** A UI session ends this long after sign-in, whatever happens. */
  sessionMaxSeconds: number;
  /** …and this long after its last request. */
  sessionIdleSeconds: number;
}

/** A setting a user gave that cannot be used: startup stops and says which one and why. */
export class ConfigError extends Error {}

export const DEFAULT_PORT = 5100;
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    dataDir: './stagecraft-data',
    databaseUrl: null,
    insecure: false,
    maxUploadBytes: 16 * 1024 ** 3,
    maxUploadSeconds: 2 * 3600,
    // A UI tab holds one stream, a replica one: generous for people and fleets, far below
    // what exhausts a server's sockets and memory.
    streamsPerToken: 64,
    streamsPerAddress: 32,
    logLevel: 'info',
    predictionRetentionDays: 7,
    predictionMaxRows: 2_000_000,
    prepareDeadlineMs: 10_000,
    python: 'python3',
    pythonWorkers: 1,
    artifactsUrl: null,
    s3Endpoint: null,
    s3Region: null,
    grpcPort: null,
    // Measured by bench/python.ts (docs/benchmarks.md: 2048 against 256 rows lifted 100-row requests at
    // 16 connections by 1.6-1.7x); batching gathers only while every worker is busy.
    pythonBatchRows: 2048,
    pythonBatchWaitMs: 2,
    oidc: null,
    tokenTtlMs: 90 * DAY_MS,
  };
}

/** The OIDC settings as given (flags or env, unparsed); the issuer switches SSO on. */
export interface OidcSettings {
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  audience?: string;
  groupsClaim?: string;
  publicUrl?: string;
  sessionMax?: string;
  sessionIdle?: string;
}

const OIDC_DEFAULTS = { groupsClaim: 'groups', sessionMaxSeconds: 12 * 3600, sessionIdleSeconds: 3600 };

/** Validates OIDC settings (names are the flags' or env's, for the error); null when no issuer is given. */
export function oidcSetting(s: OidcSettings, names: Record<keyof OidcSettings, string>, base: OidcConfig | null): OidcConfig | null {
  const issuer = s.issuer || base?.issuer;
  if (!issuer) return null;
  for (const [key, url] of [['issuer', issuer], ['publicUrl', s.publicUrl]] as const) {
    if (url && !/^https?:\/\/[^/]/.test(url)) throw new ConfigError(`${names[key]} must be an http(s) URL, got "${url}"`);
  }
  const clientId = s.clientId || base?.clientId;
  if (!clientId) throw new ConfigError(`${names.issuer} is set but ${names.clientId} is not: the client id registered at the issuer is needed`);
  return {
    issuer,
    clientId,
    clientSecret: s.clientSecret || base?.clientSecret || null,
    audience: s.audience || base?.audience || clientId,
    groupsClaim: s.groupsClaim || base?.groupsClaim || OIDC_DEFAULTS.groupsClaim,
    publicUrl: (s.publicUrl || base?.publicUrl || '').replace(/\/+$/, '') || null,
    sessionMaxSeconds: positiveSetting(names.sessionMax, s.sessionMax, base?.sessionMaxSeconds ?? OIDC_DEFAULTS.sessionMaxSeconds, true),
    sessionIdleSeconds: positiveSetting(names.sessionIdle, s.sessionIdle, base?.sessionIdleSeconds ?? OIDC_DEFAULTS.sessionIdleSeconds, true),
  };
}

const OIDC_ENV: Record<keyof OidcSettings, string> = {
  issuer: 'STAGECRAFT_OIDC_ISSUER',
  clientId: 'STAGECRAFT_OIDC_CLIENT_ID',
  clientSecret: 'STAGECRAFT_OIDC_CLIENT_SECRET',
  audience: 'STAGECRAFT_OIDC_AUDIENCE',
  groupsClaim: 'STAGECRAFT_OIDC_GROUPS_CLAIM',
  publicUrl: 'STAGECRAFT_PUBLIC_URL',
  sessionMax: 'STAGECRAFT_OIDC_SESSION_MAX_SECONDS',
  sessionIdle: 'STAGECRAFT_OIDC_SESSION_IDLE_SECONDS',
};

const DAY_MS = 24 * 3600 * 1000;
const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * A duration such as 90d, 12h, 30m, 45s or 2w, in milliseconds; `never` is null. Anything else is an
 * error naming the setting (a typo must not silently mean the default, or a token that never expires).
 */
export function parseDuration(name: string, value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === 'never') return null;
  const m = /^(\d+)([smhdw])$/.exec(v);
  if (!m || Number(m[1]) <= 0) throw new ConfigError(`${name} must be a duration such as 90d, 12h, 30m or 2w (or "never"), got "${value}"`);
  return Number(m[1]) * DURATION_UNITS[m[2]];
}

/** A duration setting, or the fallback when unset. */
export function durationSetting(name: string, value: string | undefined, fallback: number | null): number | null {
  return value === undefined || value === '' ? fallback : parseDuration(name, value);
}

/** A positive number, or a clear error naming the setting (a typo must not silently mean the default). */
export function positiveSetting(name: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`${name} must be a positive ${integer ? 'whole number' : 'number'}, got "${value}"`);
  }
  return n;
}

/** A port (0-65535; 0 = any free one), or the fallback when unset; anything else is an error naming the setting. */
export function portSetting(name: string, value: string | undefined, fallback: number | null): number | null {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535; 0 = any free port), got "${value}"`);
  return n;
}

/** Zero or more (zero meaning "off"), or a clear error naming the setting. */
export function nonNegativeSetting(name: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`${name} must be zero or a positive ${integer ? 'whole number' : 'number'}, got "${value}"`);
  }
  return n;
}

type Env = Record<string, string | undefined>;

export function configFromEnv(env: Env, base: Config = defaultConfig()): Config {
  const num = (v: string | undefined, fallback: number) => (v && Number.isFinite(Number(v)) ? Number(v) : fallback);
  return {
    ...base,
    host: env.STAGECRAFT_HOST ?? base.host,
    port: num(env.STAGECRAFT_PORT, base.port),
    dataDir: env.STAGECRAFT_DATA_DIR ?? base.dataDir,
    databaseUrl: env.STAGECRAFT_DATABASE_URL || base.databaseUrl,
    insecure: env.STAGECRAFT_INSECURE === '1' || env.STAGECRAFT_INSECURE === 'true' || base.insecure,
    maxUploadBytes: num(env.STAGECRAFT_MAX_UPLOAD_BYTES, base.maxUploadBytes),
    maxUploadSeconds: positiveSetting('STAGECRAFT_MAX_UPLOAD_SECONDS', env.STAGECRAFT_MAX_UPLOAD_SECONDS, base.maxUploadSeconds),
    streamsPerToken: positiveSetting('STAGECRAFT_STREAMS_PER_TOKEN', env.STAGECRAFT_STREAMS_PER_TOKEN, base.streamsPerToken, true),
    streamsPerAddress: positiveSetting('STAGECRAFT_STREAMS_PER_ADDRESS', env.STAGECRAFT_STREAMS_PER_ADDRESS, base.streamsPerAddress, true),
    logLevel: env.STAGECRAFT_LOG_LEVEL ?? base.logLevel,
    predictionRetentionDays: positiveSetting('STAGECRAFT_PREDICTION_RETENTION_DAYS', env.STAGECRAFT_PREDICTION_RETENTION_DAYS, base.predictionRetentionDays),
    predictionMaxRows: positiveSetting('STAGECRAFT_PREDICTION_MAX_ROWS', env.STAGECRAFT_PREDICTION_MAX_ROWS, base.predictionMaxRows, true),
    prepareDeadlineMs: positiveSetting('STAGECRAFT_PREPARE_DEADLINE_MS', env.STAGECRAFT_PREPARE_DEADLINE_MS, base.prepareDeadlineMs, true),
    python: env.STAGECRAFT_PYTHON || base.python,
    pythonWorkers: positiveSetting('STAGECRAFT_PYTHON_WORKERS', env.STAGECRAFT_PYTHON_WORKERS, base.pythonWorkers, true),
    artifactsUrl: env.STAGECRAFT_ARTIFACTS_URL || base.artifactsUrl,
    // The AWS names too: the SDK's own tools (aws cli, boto3) read them, so one setting serves all.
    s3Endpoint: env.STAGECRAFT_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || base.s3Endpoint,
    s3Region: env.AWS_REGION || env.AWS_DEFAULT_REGION || base.s3Region,
    grpcPort: portSetting('STAGECRAFT_GRPC_PORT', env.STAGECRAFT_GRPC_PORT, base.grpcPort),
    pythonBatchRows: nonNegativeSetting('STAGECRAFT_PYTHON_BATCH_ROWS', env.STAGECRAFT_PYTHON_BATCH_ROWS, base.pythonBatchRows, true),
    pythonBatchWaitMs: nonNegativeSetting('STAGECRAFT_PYTHON_BATCH_WAIT_MS', env.STAGECRAFT_PYTHON_BATCH_WAIT_MS, base.pythonBatchWaitMs),
    oidc: oidcSetting(
      Object.fromEntries(Object.entries(OIDC_ENV).map(([k, name]) => [k, env[name]])) as OidcSettings,
      OIDC_ENV,
      base.oidc,
    ),
    tokenTtlMs: durationSetting('STAGECRAFT_TOKEN_TTL', env.STAGECRAFT_TOKEN_TTL, base.tokenTtlMs),
  };
}

/** Reads the process environment once, at the edge (main/cli). */
export function processEnv(): Env {
  return process.env;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
