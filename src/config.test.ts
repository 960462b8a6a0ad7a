import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, defaultConfig } from './config.js';

describe('configuration from the environment', () => {
  it('reads prediction retention, and keeps the defaults when unset', () => {
    expect(configFromEnv({})).toMatchObject({ predictionRetentionDays: 7, predictionMaxRows: 2_000_000 });
    const c = configFromEnv({ STAGECRAFT_PREDICTION_RETENTION_DAYS: '0.5', STAGECRAFT_PREDICTION_MAX_ROWS: '250000' });
    expect(c).toEqual({ ...defaultConfig(), predictionRetentionDays: 0.5, predictionMaxRows: 250_000 });
  });

  it('refuses a retention it cannot use rather than silently falling back to the default', () => {
    for (const [name, value] of [
      ['STAGECRAFT_PREDICTION_RETENTION_DAYS', '7d'],
      ['STAGECRAFT_PREDICTION_RETENTION_DAYS', '0'],
      ['STAGECRAFT_PREDICTION_MAX_ROWS', '-1'],
      ['STAGECRAFT_PREDICTION_MAX_ROWS', '1e3.5'],
      ['STAGECRAFT_PREDICTION_MAX_ROWS', '10.5'],
    ]) {
      expect(() => configFromEnv({ [name]: value })).toThrow(ConfigError);
      expect(() => configFromEnv({ [name]: value })).toThrow(`${name} must be a positive`);
    }
  });

  it('reads where artifacts live: STAGECRAFT_ARTIFACTS_URL, and the S3 endpoint and region by their AWS names too', () => {
    expect(configFromEnv({})).toMatchObject({ artifactsUrl: null, s3Endpoint: null, s3Region: null });
    expect(configFromEnv({ STAGECRAFT_ARTIFACTS_URL: 's3://models/prod', AWS_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'eu-west-1' })).toMatchObject({
      artifactsUrl: 's3://models/prod',
      s3Endpoint: 'http://minio:9000',
      s3Region: 'eu-west-1',
    });
    // Stagecraft's own name wins over the AWS-wide one.
    expect(configFromEnv({ STAGECRAFT_S3_ENDPOINT: 'http://a', AWS_ENDPOINT_URL: 'http://b' }).s3Endpoint).toBe('http://a');
  });

  it('reads the Python micro-batching settings, where 0 turns batching off and a bad value is refused', () => {
    expect(configFromEnv({})).toMatchObject({ pythonBatchRows: 2048, pythonBatchWaitMs: 2 });
    expect(configFromEnv({ STAGECRAFT_PYTHON_BATCH_ROWS: '0', STAGECRAFT_PYTHON_BATCH_WAIT_MS: '0.5' })).toMatchObject({ pythonBatchRows: 0, pythonBatchWaitMs: 0.5 });
    expect(() => configFromEnv({ STAGECRAFT_PYTHON_BATCH_ROWS: '1.5' })).toThrow('STAGECRAFT_PYTHON_BATCH_ROWS must be zero or a positive whole number');
    expect(() => configFromEnv({ STAGECRAFT_PYTHON_BATCH_WAIT_MS: '-1' })).toThrow(ConfigError);
  });

  it('reads the default token lifetime as a duration, or never; refuses anything else', () => {
    const day = 24 * 3600 * 1000;
    expect(configFromEnv({}).tokenTtlMs).toBe(90 * day);
    expect(configFromEnv({ STAGECRAFT_TOKEN_TTL: '30d' }).tokenTtlMs).toBe(30 * day);
    expect(configFromEnv({ STAGECRAFT_TOKEN_TTL: '12h' }).tokenTtlMs).toBe(12 * 3600 * 1000);
    expect(configFromEnv({ STAGECRAFT_TOKEN_TTL: 'never' }).tokenTtlMs).toBeNull();
    for (const bad of ['90', '0d', '1y', '-3d']) expect(() => configFromEnv({ STAGECRAFT_TOKEN_TTL: bad })).toThrow('STAGECRAFT_TOKEN_TTL must be a duration such as 90d');
  });
});
