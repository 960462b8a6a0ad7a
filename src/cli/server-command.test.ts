import { describe, expect, it } from 'vitest';
import { serverConfig } from './server-command.js';

describe('server flags', () => {
  it('--python-batch-rows and --python-batch-wait-ms override the environment, checked like it', () => {
    expect(serverConfig({ pythonBatchRows: '64', pythonBatchWaitMs: '0' })).toMatchObject({ pythonBatchRows: 64, pythonBatchWaitMs: 0 });
    expect(() => serverConfig({ pythonBatchRows: 'lots' })).toThrow('--python-batch-rows must be zero or a positive whole number');
  });

  it('--token-ttl overrides STAGECRAFT_TOKEN_TTL', () => {
    expect(serverConfig({ tokenTtl: '7d' }).tokenTtlMs).toBe(7 * 24 * 3600 * 1000);
    expect(serverConfig({ tokenTtl: 'never' }).tokenTtlMs).toBeNull();
    expect(() => serverConfig({ tokenTtl: 'soon' })).toThrow('--token-ttl must be a duration');
  });
});
